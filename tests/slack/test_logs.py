"""JSON logs: one valid object per line with the request's fields, never a token or a paste."""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import Iterator

import pytest

from bot import logs
from bot.service import Service
from bot.store.database import make_engine, session_factory
from tests.slack.harness import Harness
from tests.slack.test_commands import PASTE

SLACK_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
SECRET_PASTE = f"{PASTE}\nAuthorization: Bearer {JWT}\nslack token {SLACK_TOKEN}"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every log line of the process, formatted as `tykbot serve` formats them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)


def parsed(out: io.StringIO) -> list[dict]:
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]  # each line is one JSON object


def test_a_paste_with_a_token_and_a_jwt_is_logged_as_json_without_them(
    harness: Harness, json_lines: io.StringIO
) -> None:
    answer = harness.command_answer(SECRET_PASTE, channel="CLOGS")
    assert "Key not authori" in json.dumps(answer)
    harness.message(SECRET_PASTE, channel="CLOGS")
    harness.fake.wait_for("chat.postMessage")
    harness.wait("message", 1)
    logging.getLogger("bot.test").warning("a stray %s and %s", SLACK_TOKEN, JWT)
    raw = json_lines.getvalue()
    assert SLACK_TOKEN not in raw and JWT not in raw and "eyJhbGciOiJIUzI1NiIs" not in raw
    assert "Key not authori" not in raw and "Bearer" not in raw  # no paste, not even redacted
    lines = parsed(json_lines)
    requests = [line for line in lines if line["message"] == "slack request"]
    command = next(line for line in requests if line.get("command") == "/tykerror")
    assert command["channel"] == "CLOGS" and command["team"] == "T0001"
    assert command["status"] == 200 and command["latency_ms"] >= 0 and command["request_id"]
    explained = [line for line in lines if line.get("entry")]
    by_command = [line for line in explained if line["request_id"] == command["request_id"]]
    assert by_command and by_command[0]["score"] > 0 and by_command[0]["command"] == "/tykerror"
    event = next(line for line in requests if line.get("event") == "message")
    job = [line for line in lines if line["message"] == "tykbot: job done"]
    assert job and job[0]["request_id"] == event["request_id"]
    assert job[0]["channel"] == "CLOGS" and job[0]["kind"] == "message"
    assert job[0]["latency_ms"] >= 0
    assert any(
        line["request_id"] == event["request_id"] and line.get("entry") for line in explained
    )


def test_a_database_failure_is_logged_with_its_cause(
    service: Service, json_lines: io.StringIO
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    service.sessions = session_factory(
        make_engine(f"postgresql://nobody@127.0.0.1:{port}/x", connect_timeout=1)
    )
    with pytest.raises(Exception, match=r"Connection refused|connection failed"):
        service.job_counts()
    [line] = [line for line in parsed(json_lines) if line.get("cause")]
    assert line["level"] == "WARNING" and line["cause"].startswith("OperationalError: ")


def test_text_format_masks_secrets_too() -> None:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "t %s", (SLACK_TOKEN,), None)
    with logs.bound(channel="C1"):
        line = logs.formatter("text").format(record)
    assert SLACK_TOKEN not in line and "channel=C1" in line
