"""The WSGI application: `/slack/events` (Bolt), `/healthz` and `/metrics`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.slack.app import SlackApp
from bot.slack.metrics import CONTENT_TYPE

EVENTS_PATH = "/slack/events"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _reply(
    start_response: Callable[..., Any], status: str, body: bytes, content_type: str
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def wsgi_app(slack: SlackApp, events: bool = True) -> WSGIApp:
    """Route requests; with `events=False` (Socket Mode) only health and metrics are served."""
    bolt = SlackRequestHandler(slack.bolt, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH and events:
            if method != "POST":
                return _reply(
                    start_response,
                    "405 Method Not Allowed",
                    b"POST only\n",
                    "text/plain; charset=utf-8",
                )
            return bolt(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = slack.service.healthy()
            body = json.dumps({"status": "ok" if ok else "unavailable", "database": ok}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            return _reply(start_response, status, body, "application/json")
        if path == "/metrics" and method in ("GET", "HEAD"):
            return _reply(start_response, "200 OK", slack.metrics.exposition(), CONTENT_TYPE)
        return _reply(start_response, "404 Not Found", b"Not Found\n", "text/plain; charset=utf-8")

    return application
