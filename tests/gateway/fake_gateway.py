"""A local fake of the Tyk Gateway API on loopback, answering as Tyk's published OpenAPI
description (swagger.yml in TykTechnologies/tyk) says: `/hello`'s HealthCheckResponse, API
definitions, SessionState keys, policies, certificate metadata, OAuth clients, and its
`{"status": "error", "message": ...}` bodies for 403 and 404. It records every request."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "gw-secret-352d20ee67be67f6340b4c0605b044b7"
FORBIDDEN = {
    "status": "error",
    "message": "Attempted administrative access with invalid or missing key!",
}


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]


class FakeGateway:
    """`routes[path] = (status, body)`; unknown paths are 404 as Tyk words them."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, Any]] = {}
        self.requests: list[Seen] = []
        self.hang = False  # accept, then never answer
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                fake.requests.append(Seen(self.command, self.path, dict(self.headers.items())))
                if fake.hang:
                    fake.release.wait(30)
                    return
                if self.headers.get("x-tyk-authorization") != SECRET:
                    return self._send(403, FORBIDDEN)
                if self.command != "GET":
                    return self._send(405, {"status": "error", "message": "Method Not Allowed"})
                status, body = fake.routes.get(
                    self.path, (404, {"status": "error", "message": "Not found"})
                )
                self._send(status, body)

            def _send(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
