"""Drive the real Slack app over HTTP with requests signed the way Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import make_server

from bot.slack.app import SlackApp
from bot.slack.serve import _QuietHandler, _ThreadingServer
from bot.slack.web import wsgi_app
from tests.slack.fake_slack import BOT_ID, BOT_USER_ID, TEAM_ID, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99eeefff85a5"
_ts = itertools.count(1)


def next_ts() -> str:
    """A fresh Slack message timestamp."""
    return f"{1_700_000_000 + next(_ts)}.{next(_ts):06d}"


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The X-Slack-Signature headers of a body (HMAC-SHA256 over `v0:{timestamp}:{body}`)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{stamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Response:
    """An HTTP response from the app."""

    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> Response:
    """One HTTP request; error statuses are returned, not raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return Response(resp.status, resp.read(), dict(resp.headers.items()))
    except urllib.error.HTTPError as err:
        return Response(err.code, err.read(), dict(err.headers.items()))


class Harness:
    """The app served on a local port, the fake Slack it talks to, and request builders."""

    def __init__(self, slack: SlackApp, fake: FakeSlack) -> None:
        self.slack = slack
        self.fake = fake
        self.server = make_server(
            "127.0.0.1",
            0,
            wsgi_app(slack),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.slack.jobs.stop()

    # -- raw ---------------------------------------------------------------------------------
    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        extra: dict[str, str] | None = None,
        signed: bool = True,
    ) -> Response:
        headers = {
            "Content-Type": content_type,
            **(sign(body, timestamp, secret) if signed else {}),
        }
        headers.update(extra or {})
        return http(f"{self.base}/slack/events", body.encode(), headers, "POST")

    def get(self, path: str) -> Response:
        return http(f"{self.base}{path}")

    # -- Slack requests ----------------------------------------------------------------------
    def command(
        self, text: str, user: str = "UASKER", channel: str = "CCHAN", **kwargs: Any
    ) -> Response:
        """POST /tykerror as Slack does (form-encoded)."""
        form = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "channel_id": channel,
            "user_id": user,
            "user_name": "asker",
            "command": "/tykerror",
            "text": text,
            "response_url": self.fake.response_url("cmd"),
            "trigger_id": "trig.1",
            "api_app_id": "A0001",
        }
        body = urlencode(form)
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def command_answer(self, text: str, **kwargs: Any) -> dict[str, Any]:
        response = self.command(text, **kwargs)
        assert response.status == 200, response.text
        return response.json()

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **kwargs: Any,
    ) -> Response:
        """POST an Events API callback."""
        envelope = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:12]}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        extra = dict(kwargs.pop("extra", {}) or {})
        if retry_num is not None:
            extra.update(
                {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            )
        return self.post(json.dumps(envelope), "application/json", extra=extra, **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        """POST an interactivity payload (buttons, shortcuts, view submissions)."""
        payload.setdefault("team", {"id": TEAM_ID})
        payload.setdefault("api_app_id", "A0001")
        payload.setdefault("token", "legacy")
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def click(
        self,
        button: dict[str, Any],
        user: str = "UASKER",
        channel: str = "CCHAN",
        container: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        response_url: str = "act",
    ) -> Response:
        """Click a button from a message the app rendered."""
        if view is not None:
            payload = click_payload(button, user, channel)
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view["id"]}
        else:
            payload = click_payload(
                button, user, channel, self.fake.response_url(response_url), container
            )
        return self.interactive(payload)

    def submit(
        self, view: dict[str, Any], values: dict[str, str], user: str = "UADMIN"
    ) -> Response:
        """Submit a modal the app opened, with `values` typed into its inputs by block id."""
        state = {
            block_id: {"value": {"type": "plain_text_input", "value": text or None}}
            for block_id, text in values.items()
        }
        payload = {
            "type": "view_submission",
            "user": {"id": user, "team_id": TEAM_ID},
            "trigger_id": "trig.3",
            "view": {**view, "id": "V0001", "hash": "h1", "state": {"values": state}},
        }
        return self.interactive(payload)

    # -- message events ----------------------------------------------------------------------
    def message(
        self,
        text: str,
        *,
        channel: str = "CCHAN",
        user: str | None = "UPOSTER",
        ts: str | None = None,
        signed: bool = True,
        **fields: Any,
    ) -> tuple[dict[str, Any], Response]:
        """A channel message event; returns the event and the app's response."""
        event = message_event(text, channel=channel, user=user, ts=ts, **fields)
        return event, self.event(event, signed=signed)

    def wait(self, listener: str, count: float) -> float:
        """Wait until a listener finished `count` requests (replies happen after the ack)."""
        return self.slack.metrics.wait(listener, count)


def click_payload(
    button: dict[str, Any],
    user: str = "UASKER",
    channel: str = "CCHAN",
    response_url: str | None = None,
    container: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The block_actions payload Slack sends for a click on a rendered button."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "api_app_id": "A0001",
        "channel": {"id": channel},
        "trigger_id": "trig.2",
        "container": container or {"type": "message", "is_ephemeral": True},
        "actions": [{**button, "block_id": "b", "type": "button", "action_ts": str(time.time())}],
    }
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def message_event(
    text: str,
    *,
    channel: str = "CCHAN",
    user: str | None = "UPOSTER",
    ts: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The `message` event Slack sends for a post in a channel."""
    ts = ts or next_ts()
    event = {
        "type": "message",
        "channel": channel,
        "text": text,
        "ts": ts,
        "channel_type": "channel",
        "team": TEAM_ID,
        "event_ts": ts,
    }
    if user:
        event["user"] = user
    event.update(fields)
    return event


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons of rendered blocks by action id."""
    out = {}
    for block in blocks:
        if block.get("type") == "actions":
            for element in block["elements"]:
                out[element["action_id"]] = element
    return out


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every text of rendered blocks, joined."""
    return json.dumps(blocks, ensure_ascii=False)


__all__ = ["BOT_ID", "BOT_USER_ID", "SIGNING_SECRET", "Harness", "all_text", "buttons", "sign"]
