"""A minimal Socket Mode WebSocket endpoint: send envelopes to the app, read its acks."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import queue
import socket
import struct
import threading
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeSocketMode:
    """Accepts the app's WebSocket connection, says hello, and relays text frames."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self.conn: socket.socket | None = None
        self._send_lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.listener.getsockname()[1]}/link/?ticket=t1"

    def close(self) -> None:
        for sock in (self.conn, self.listener):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()

    # -- talking -------------------------------------------------------------------------------
    def send(self, message: dict[str, Any]) -> None:
        """Send one JSON text frame to the app."""
        self._frame(0x1, json.dumps(message).encode())

    def ack_for(self, envelope_id: str, timeout: float = 15.0) -> dict[str, Any]:
        """Wait for the app's ack of an envelope."""
        while True:
            message = self.received.get(timeout=timeout)
            if message.get("envelope_id") == envelope_id:
                return message

    # -- plumbing ------------------------------------------------------------------------------
    def _frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header += bytes([size])
        elif size < 65536:
            header += bytes([126]) + struct.pack("!H", size)
        else:
            header += bytes([127]) + struct.pack("!Q", size)
        assert self.conn is not None
        with self._send_lock:
            self.conn.sendall(header + payload)

    def _read(self, n: int) -> bytes:
        assert self.conn is not None
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _serve(self) -> None:
        try:
            self.conn, _ = self.listener.accept()
            request = b""
            while b"\r\n\r\n" not in request:
                request += self.conn.recv(4096)
            key = next(
                line.split(":", 1)[1].strip()
                for line in request.decode().split("\r\n")
                if line.lower().startswith("sec-websocket-key:")
            )
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            self.conn.sendall(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n".encode()
            )
            self.send(
                {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}}
            )
            self.connected.set()
            while True:
                first, second = self._read(2)
                opcode, size = first & 0x0F, second & 0x7F
                if size == 126:
                    size = struct.unpack("!H", self._read(2))[0]
                elif size == 127:
                    size = struct.unpack("!Q", self._read(8))[0]
                mask = self._read(4) if second & 0x80 else b"\0\0\0\0"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(size)))
                if opcode == 0x1:
                    self.received.put(json.loads(payload))
                elif opcode == 0x9:
                    self._frame(0xA, payload)
                elif opcode == 0x8:
                    return
        except (OSError, ConnectionError, StopIteration):
            return
