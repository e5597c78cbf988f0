"""Requests are verified on their raw bytes before anything parses them; odd ones are refused
cleanly (401 unsigned, 400 signed but malformed), unknown ones acknowledged."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import pytest

from bot.service import Service
from bot.slack import blocks
from tests.slack.harness import SIGNING_SECRET, Harness, http
from tests.slack.test_commands import PASTE

GARBAGE = [
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"a string"', "application/json"),
    (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
    (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
    (b"\xff\xfe", "application/json"),
]
NAMES = ["bad-json", "array", "string", "bad-payload", "payload-array", "not-utf8"]


def signed(raw: bytes, stamp: str | None = None) -> dict[str, str]:
    """Headers signing exactly these bytes (with any timestamp text)."""
    stamp = stamp or str(int(time.time()))
    digest = hmac.new(
        SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256
    ).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def _post(harness: Harness, raw: bytes, content_type: str, headers: dict[str, str]) -> int:
    url = f"{harness.base}/slack/events"
    return http(url, raw, {"Content-Type": content_type, **headers}, "POST").status


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("raw", "content_type"), GARBAGE, ids=NAMES)
def test_unsigned_garbage_is_401_without_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture, raw: bytes, content_type: str
) -> None:
    for headers in ({}, signed(b"another body"), {"X-Slack-Request-Timestamp": "soon"}):
        assert _post(harness, raw, content_type, headers) == 401
    _no_traceback(caplog)


@pytest.mark.parametrize(("raw", "content_type"), GARBAGE, ids=NAMES)
def test_signed_but_malformed_is_400_without_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture, raw: bytes, content_type: str
) -> None:
    assert _post(harness, raw, content_type, signed(raw)) == 400
    _no_traceback(caplog)


def test_a_signed_timestamp_that_is_not_a_number_is_400(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    raw = urlencode({"command": "/tykerror", "text": PASTE}).encode()
    form = "application/x-www-form-urlencoded"
    assert _post(harness, raw, form, signed(raw, "tomorrow")) == 400
    assert _post(harness, raw, form, signed(raw)) == 200
    _no_traceback(caplog)


def test_unknown_event_types_and_actions_are_acknowledged(harness: Harness) -> None:
    event = {"type": "reaction_added", "user": "U1", "reaction": "tada", "event_ts": "1.2"}
    assert harness.event(event).status == 200
    unknown = {"action_id": "someone_elses_button", "value": "x"}
    assert harness.click(unknown).status == 200
    closed = {"type": "view_closed", "user": {"id": "U1"}, "view": {"callback_id": "other"}}
    assert harness.interactive(closed).status == 200


def test_a_huge_entry_id_in_a_button_is_refused(harness: Harness, service: Service) -> None:
    for value in (
        json.dumps({"e": "x" * 100_000}),
        json.dumps({"q": 10**30, "e": "a"}),
        json.dumps({"q": "1", "e": ["a"]}),
    ):
        assert harness.click({"action_id": "tyk_helped", "value": value}).status == 200
    harness.wait("vote", 3)
    assert harness.slack.metrics.value("vote", "bad_value") == 3


@pytest.mark.parametrize(
    "metadata",
    [
        json.dumps({"q": 10**30, "c": "C1", "t": "1.1"}),
        json.dumps({"q": 1, "c": "C" * 100_000, "t": "1.1"}),
        json.dumps({"q": 1, "c": "C1", "t": "<!channel>"}),
        json.dumps([1, 2]),
        "not json",
    ],
    ids=["huge-q", "huge-channel", "bad-ts", "array", "not-json"],
)
def test_bad_modal_metadata_is_refused(harness: Harness, metadata: str) -> None:
    payload = {
        "type": "view_submission",
        "user": {"id": "U1"},
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": blocks.MODAL,
            "private_metadata": metadata,
        },
    }
    assert harness.interactive(payload).status == 200
    assert harness.slack.metrics.value("modal", "bad_metadata") == 1
    assert not harness.fake.of("chat.postMessage")
