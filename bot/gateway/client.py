"""A read-only Tyk Gateway API client: GET only, an allow-list of paths, hard time limits.

Safe by construction: `request` refuses any method but GET and any path template outside
ALLOWED_PATHS before a socket is opened; values are quoted into a single path segment; the
connection gets 2 s to open and the whole call 5 s (a timer closes the socket at the deadline,
so a gateway that drips bytes cannot hold it longer); redirects are never followed; TLS is
always verified (a CA file only adds the CA that signed the gateway's certificate); bodies over
MAX_BYTES are refused. A gateway that is down, slow or odd gives a Reply with a one-line
`error`, never an exception. Secret values (the key of a key check) appear in no record.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from bot.gateway.gateways import Gateway

ALLOWED_PATHS = frozenset(
    {
        "/hello",
        "/tyk/apis",
        "/tyk/apis/{id}",
        "/tyk/apis/oas/{id}",
        "/tyk/keys/{key}",
        "/tyk/policies",
        "/tyk/policies/{id}",
        "/tyk/certs",
        "/tyk/certs/{id}",
        "/tyk/oauth/clients/{id}",
    }
)
ALLOWED_QUERY = frozenset({"org_id", "mode", "api_id"})
SECRET_VALUES = frozenset({"key"})  # path values shown only as their last 4 characters
CONNECT_TIMEOUT = 2.0
TOTAL_TIMEOUT = 5.0
MAX_BYTES = 1_048_576
MAX_VALUE = 512
USER_AGENT = "tykbot-gateway-check"


class Refused(ValueError):
    """A request the client will not send (a write method, or a path outside the allow-list)."""


def mask(secret: str) -> str:
    """A secret as its last 4 characters (`****be41`)."""
    return "****" + secret[-4:] if len(secret) > 4 else "****"


@dataclass(frozen=True)
class Reply:
    """One call's outcome: status (0 when no HTTP answer), JSON body, or a one-line error."""

    shown: str  # `GET /tyk/keys/****be41`: the call as it may be shown and audited
    status: int = 0
    data: Any = None
    error: str = ""
    ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error

    def line(self) -> str:
        """`GET /tyk/apis/abc → 200 (12 ms)` or `... → timed out after 5 s`."""
        result = str(self.status) if not self.error else self.error
        return f"{self.shown} → {result} ({self.ms} ms)"


def _message(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])[:200]
    return ""


@dataclass
class GatewayClient:
    """GETs to one gateway's API; every reply is kept in `calls` (for the audit)."""

    gateway: Gateway
    connect_timeout: float = CONNECT_TIMEOUT
    total_timeout: float = TOTAL_TIMEOUT
    max_bytes: int = MAX_BYTES
    calls: list[Reply] = field(default_factory=list)

    def get(self, template: str, query: dict[str, str] | None = None, **values: str) -> Reply:
        """GET an allowed path template with its values filled in."""
        return self.request("GET", template, query, **values)

    def request(
        self, method: str, template: str, query: dict[str, str] | None = None, **values: str
    ) -> Reply:
        """Send one request if it is a GET to an allowed path; raises Refused otherwise."""
        if method != "GET":
            raise Refused(f"{method} is not allowed: gateway checks are read-only")
        if template not in ALLOWED_PATHS:
            raise Refused(f"{template} is not an allowed Gateway API path")
        path, shown = self._fill(template, values)
        query = {k: v for k, v in (query or {}).items() if v}
        if set(query) - ALLOWED_QUERY or any(len(v) > MAX_VALUE for v in query.values()):
            raise Refused("query parameters outside the allow-list")
        if query:
            path += "?" + urlencode(query)
            shown += "?" + urlencode(query)
        reply = self._send(path, f"GET {shown}")
        self.calls.append(reply)
        return reply

    @staticmethod
    def _fill(template: str, values: dict[str, str]) -> tuple[str, str]:
        path, shown = template, template
        for name, value in values.items():
            slot = "{" + name + "}"
            if slot not in template:
                raise Refused(f"{template} has no {slot}")
            if not value or len(value) > MAX_VALUE or value in (".", ".."):
                raise Refused(f"{name}: not a usable value")
            path = path.replace(slot, quote(value, safe=""))
            shown = shown.replace(slot, mask(value) if name in SECRET_VALUES else quote(value))
        if "{" in path:
            raise Refused(f"{template}: a value is missing")
        return path, shown

    def _connection(self) -> http.client.HTTPConnection:
        gw = self.gateway
        if gw.scheme == "https":
            context = ssl.create_default_context(cafile=gw.ca_file or None)
            return http.client.HTTPSConnection(
                gw.host, gw.port, timeout=self.connect_timeout, context=context
            )
        return http.client.HTTPConnection(gw.host, gw.port, timeout=self.connect_timeout)

    def _send(self, path: str, shown: str) -> Reply:
        """Run the call in a helper thread and give up on it shortly after the deadline (a
        name lookup that hangs is not bounded by socket timeouts)."""
        started = time.monotonic()
        result: list[Reply] = []
        worker = threading.Thread(
            target=lambda: result.append(self._call(path, shown)),
            name="tykbot-gateway-call",
            daemon=True,
        )
        worker.start()
        worker.join(self.total_timeout + 0.5)
        if result:
            return result[0]
        ms = int((time.monotonic() - started) * 1000)
        return Reply(shown, 0, None, f"no answer within {self.total_timeout:g} s", ms)

    def _call(self, path: str, shown: str) -> Reply:
        started = time.monotonic()

        def done(status: int = 0, data: Any = None, error: str = "") -> Reply:
            ms = int((time.monotonic() - started) * 1000)
            return Reply(shown, status, data, error, ms)

        try:
            conn = self._connection()
        except (OSError, ssl.SSLError) as exc:
            return done(error=f"TLS set-up failed: {_reason(exc)}")
        expired = threading.Event()

        def cut() -> None:
            expired.set()
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(self.total_timeout, cut)
        timer.daemon = True
        timer.start()
        try:
            conn.connect()
            if conn.sock is not None:
                conn.sock.settimeout(max(self.total_timeout - (time.monotonic() - started), 0.1))
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.putheader("x-tyk-authorization", self.gateway.secret)
            conn.putheader("Accept", "application/json")
            conn.putheader("User-Agent", USER_AGENT)
            conn.endheaders()
            response = conn.getresponse()
            body = self._read(response)
            if expired.is_set():  # the timer closed the socket: what was read is cut short
                raise TimeoutError
        except TimeoutError:
            return done(error=self._timeout_text(started))
        except ssl.SSLCertVerificationError as exc:
            return done(error=f"TLS certificate not trusted: {exc.verify_message}")
        except (OSError, http.client.HTTPException) as exc:
            if expired.is_set():
                return done(error=self._timeout_text(started))
            return done(error=f"unreachable: {_reason(exc)}")
        except _TooLarge:
            return done(error=f"answer larger than {self.max_bytes // 1024} KiB; not read")
        finally:
            timer.cancel()
            conn.close()
        status = response.status
        if 300 <= status < 400:
            where = response.getheader("Location") or "?"
            return done(status, error=f"redirected ({status}) to {where[:100]}; not followed")
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return done(status, error=f"HTTP {status}, not JSON")
        return done(status, data, "" if status in (200, 404) else _status_error(status, data))

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = response.read1(65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)

    def _timeout_text(self, started: float) -> str:
        if time.monotonic() - started < self.connect_timeout + 0.2:
            return f"no connection within {self.connect_timeout:g} s"
        return f"no answer within {self.total_timeout:g} s"


class _TooLarge(Exception):
    pass


def _status_error(status: int, data: Any) -> str:
    said = _message(data)
    if status in (401, 403):
        refused = f"HTTP {status}: the gateway refused tykbot's secret"
        return refused + (f" ({said})" if said else "")
    return f"HTTP {status}" + (f": {said}" if said else "")


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0][:160]
