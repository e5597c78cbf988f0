"""A local fake of the Slack Web API (and of response URLs) that records every call it gets."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER_ID = "UTYKBOT"
BOT_ID = "BTYKBOT"
TEAM_ID = "T0001"


@dataclass
class Call:
    """One request the fake received: an API method or a response URL."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]

    def payload_text(self) -> str:
        """Everything the call would show, as one string (for 'never contains' checks)."""
        return json.dumps(self.args, ensure_ascii=False)


@dataclass
class Canned:
    """A queued response for the next call of one method."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """Serve the Web API on a local port: `url` is the SLACK_API_URL, `response_url(...)` too."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.queued: dict[str, list[Canned]] = {}
        self.thread_parents: dict[tuple[str, str], dict[str, Any]] = {}
        self.group_members: dict[str, list[str]] = {}
        self.users: dict[str, dict[str, Any]] = {}  # users.info answers by user id
        # users.conversations by user id (a person not listed: the app lacks the scope)
        self.memberships: dict[str, list[str]] = {}
        self.socket_url = "ws://127.0.0.1:9/never"
        # Seconds a method takes to answer (a slow Slack), and what was posted per thread.
        self.delays: dict[str, float] = {}
        self.posted: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # The channel of a response URL (its in_channel posts land there, as on Slack).
        self.response_channels: dict[str, str] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                fake._handle(self, raw)

            def do_GET(self) -> None:
                query = self.path.split("?", 1)[1] if "?" in self.path else ""
                self.path = self.path.split("?", 1)[0]
                fake._handle(self, "", query)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        """The Web API base URL (SLACK_API_URL)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def response_url(self, name: str = "r1", channel: str | None = None) -> str:
        """A response URL whose posts are recorded as method `response:<name>`; with a
        channel, its `in_channel` posts become messages of that channel."""
        if channel is not None:
            self.response_channels[name] = channel
        return f"http://127.0.0.1:{self.server.server_address[1]}/response/{name}"

    # -- scripting ---------------------------------------------------------------------------
    def queue(self, method: str, canned: Canned) -> None:
        """Answer the next call of `method` with `canned` (then the defaults again)."""
        self.queued.setdefault(method, []).append(canned)

    # -- inspection --------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        """The calls of one method, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until `method` was called `count` times (or the timeout); return its calls."""
        return self.wait_until(lambda: len(self.of(method)) >= count, timeout, method)

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, method: str | None = None
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate() and time.monotonic() < deadline:
                self._lock.wait(0.05)
        return self.of(method) if method else list(self.calls)

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    # -- serving -----------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, raw: str, query: str = "") -> None:
        path = handler.path
        content_type = handler.headers.get("Content-Type") or ""
        if raw and "json" in content_type:
            args: dict[str, Any] = json.loads(raw)
        else:
            args = {k: v[0] for k, v in parse_qs(raw or query, keep_blank_values=True).items()}
            for key in ("blocks", "view", "attachments"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        if path.startswith("/api/"):
            method = path[len("/api/") :]
        elif path.startswith("/response/"):
            method = "response:" + path[len("/response/") :]
        else:
            method = path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if self.delays.get(method):
            time.sleep(self.delays[method])
        canned = self._respond(method, args, headers)
        with self._lock:
            self.calls.append(Call(method, args, headers))
            self._lock.notify_all()
        body = json.dumps(canned.body).encode()
        handler.send_response(canned.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for key, value in canned.headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _respond(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> Canned:
        with self._lock:
            queue = self.queued.get(method)
            if queue:
                return queue.pop(0)
        if method == "auth.test":
            return Canned(
                body={
                    "ok": True,
                    "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "team_id": TEAM_ID,
                    "user": "tykbot",
                    "team": "Test",
                }
            )
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            thread = (str(args.get("channel")), str(args.get("thread_ts") or ts))
            metadata = args.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            with self._lock:
                self.posted.setdefault(thread, []).append(
                    {"ts": ts, "bot_id": BOT_ID, "text": args.get("text"), "metadata": metadata}
                )
            return Canned(
                body={
                    "ok": True,
                    "channel": args.get("channel"),
                    "ts": ts,
                    "message": {"text": args.get("text"), "ts": ts},
                }
            )
        if method.startswith("response:") and args.get("response_type") == "in_channel":
            channel = self.response_channels.get(method[len("response:") :])
            if channel is not None:
                ts = f"1700000000.{next(self._ts):06d}"
                with self._lock:
                    self.posted.setdefault((channel, ts), []).append(
                        {"ts": ts, "text": args.get("text"), "metadata": args.get("metadata")}
                    )
            return Canned()
        if method == "conversations.history":
            channel = str(args.get("channel"))
            with self._lock:
                top = [ps[0] for (c, t), ps in self.posted.items() if c == channel and ps]
            top = [m for m in top if m.get("ts") and (channel, m["ts"]) in self.posted]
            return Canned(body={"ok": True, "messages": top[::-1], "has_more": False})
        if method == "conversations.replies":
            thread = (str(args.get("channel")), str(args.get("ts")))
            parent = self.thread_parents.get(thread)
            with self._lock:
                posted = list(self.posted.get(thread, []))
            if parent is None and not posted:
                return Canned(body={"ok": False, "error": "thread_not_found"})
            messages = ([parent] if parent else []) + posted
            return Canned(body={"ok": True, "messages": messages, "has_more": False})
        if method in ("views.open", "views.update"):
            view = dict(args.get("view") or {})
            view.update(id=args.get("view_id", "V0001"), hash="h1")
            return Canned(body={"ok": True, "view": view})
        if method == "usergroups.users.list":
            users = self.group_members.get(str(args.get("usergroup")))
            if users is None:
                return Canned(body={"ok": False, "error": "no_such_subteam"})
            return Canned(body={"ok": True, "users": users})
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return Canned(body={"ok": False, "error": "user_not_found"})
            return Canned(body={"ok": True, "user": {"id": args.get("user"), **user}})
        if method == "users.conversations":
            channels = self.memberships.get(str(args.get("user")))
            if channels is None:
                return Canned(body={"ok": False, "error": "missing_scope"})
            listed = [{"id": c, "is_member": True} for c in channels]
            return Canned(body={"ok": True, "channels": listed, "response_metadata": {}})
        if method == "apps.connections.open":
            return Canned(body={"ok": True, "url": self.socket_url})
        return Canned()
