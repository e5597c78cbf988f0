"""The WSGI application: `/slack/events` and `/slack/commands` (Bolt), `/healthz`, `/metrics`.

Both Slack paths take every kind of request. `/slack/commands` exists so that a deployment can
route slash commands to processes of their own (`TYKBOT_ROLE=commands`) by path, leaving events,
clicks and jobs to the others: an answer then never shares an interpreter with a burst of clicks.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import logs
from bot.slack.app import SlackApp
from bot.slack.metrics import CONTENT_TYPE
from bot.slack.verify import MAX_BODY_BYTES, Rejected, verify
from bot.store.writes import urgent

log = logging.getLogger("bot.slack.web")

EVENTS_PATH = "/slack/events"
COMMANDS_PATH = "/slack/commands"
SLACK_PATHS = (EVENTS_PATH, COMMANDS_PATH)
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _reply(
    start_response: Callable[..., Any], status: str, body: bytes, content_type: str
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _verified(environ: dict[str, Any], secret: str) -> None:
    """Read the raw body, verify it (Rejected if not), and put it back for Bolt to read."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Rejected(400, "bad Content-Length") from None
    if length < 0 or length > MAX_BODY_BYTES:
        raise Rejected(413, "body too large")
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {
        key[5:].lower().replace("_", "-"): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    headers["content-type"] = str(environ.get("CONTENT_TYPE") or "")
    verify(body, headers, secret)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["tykbot.fields"] = request_fields(body, headers["content-type"])


def request_fields(body: bytes, content_type: str) -> dict[str, str]:
    """Team, channel, user and command or event type of a verified body, for the logs
    (never its text); empty when it does not parse (Bolt answers 400 then)."""
    try:
        if "json" in content_type:
            return payload_fields(json.loads(body))
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        if "payload" in form:
            return payload_fields(json.loads(form["payload"]))
        return payload_fields(form)
    except (ValueError, AttributeError, TypeError):
        return {}


def payload_fields(data: dict[str, Any]) -> dict[str, str]:
    """The log fields of a parsed Slack payload: an event callback, an interaction or a slash
    command (as HTTP bodies and Socket Mode envelopes carry them)."""
    if "command" in data and "type" not in data:
        return {
            "team": str(data.get("team_id") or ""),
            "channel": str(data.get("channel_id") or ""),
            "user": str(data.get("user_id") or ""),
            "command": str(data.get("command") or ""),
        }
    if isinstance(data.get("team"), dict) or isinstance(data.get("user"), dict):
        return {
            "team": str((data.get("team") or {}).get("id") or ""),
            "channel": str((data.get("channel") or {}).get("id") or ""),
            "user": str((data.get("user") or {}).get("id") or ""),
            "event": str(data.get("type") or ""),
        }
    event = data.get("event") or {}
    return {
        "team": str(data.get("team_id") or ""),
        "channel": str(event.get("channel") or ""),
        "user": str(event.get("user") or ""),
        "event": str(event.get("type") or data.get("type") or ""),
    }


def _logged(
    slack: SlackApp,
    bolt: Callable[..., Iterable[bytes]],
    environ: dict[str, Any],
    start_response: Callable[..., Any],
) -> Iterable[bytes]:
    """Run Bolt with the request's fields bound, and log one line with status and latency."""
    started = time.monotonic()
    statuses: list[str] = []

    def recording(status: str, headers: Any, *args: Any) -> Any:
        statuses.append(status)
        return start_response(status, headers, *args)

    request_id = str(environ.get("HTTP_X_REQUEST_ID") or logs.new_request_id())[:64]
    environ["tykbot.request_id"] = request_id  # gunicorn's access line names it too
    fields = environ.get("tykbot.fields", {})
    first = slack.deps.answers_first
    turn = first.answering() if fields.get("command") else first.acknowledging()
    with logs.bound(request_id=request_id, **fields), turn:
        with urgent():  # its database turns go before background work
            body = list(bolt(environ, recording))
        status = int(statuses[0].split()[0]) if statuses else 0
        latency = round((time.monotonic() - started) * 1000, 1)
        log.info("slack request", extra={"status": status, "latency_ms": latency})
    return body


def wsgi_app(slack: SlackApp, events: bool = True) -> WSGIApp:
    """Route requests; with `events=False` (Socket Mode) only health and metrics are served."""
    bolts = {path: SlackRequestHandler(slack.bolt, path=path) for path in SLACK_PATHS}

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path in bolts and events:
            if method != "POST":
                return _reply(
                    start_response,
                    "405 Method Not Allowed",
                    b"POST only\n",
                    "text/plain; charset=utf-8",
                )
            try:
                _verified(environ, slack.deps.settings.slack_signing_secret)
            except Rejected as exc:
                slack.metrics.count("rejected", str(exc.status))
                log.info("refused a request to %s: %s (%s)", path, exc.reason, exc.status)
                status = {400: "400 Bad Request", 401: "401 Unauthorized"}.get(
                    exc.status, "413 Content Too Large"
                )
                return _reply(start_response, status, b"", "text/plain; charset=utf-8")
            return _logged(slack, bolts[path], environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = slack.service.healthy()
            body = json.dumps({"status": "ok" if ok else "unavailable", "database": ok}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            return _reply(start_response, status, body, "application/json")
        if path == "/metrics" and method in ("GET", "HEAD"):
            return _reply(start_response, "200 OK", slack.metrics.exposition(), CONTENT_TYPE)
        return _reply(start_response, "404 Not Found", b"Not Found\n", "text/plain; charset=utf-8")

    return application
