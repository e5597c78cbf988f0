"""`tykbot serve`: start-up checks, HTTP mode under gunicorn, Socket Mode, health and metrics."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from gunicorn.util import load_class
from gunicorn.workers.gthread import ThreadWorker

from bot.config import Settings
from bot.service import Service
from bot.slack.serve import ConfigError, check_settings, gunicorn_options, socket_mode_handler
from bot.store.database import make_engine, session_factory
from tests.slack.fake_slack import Canned, FakeSlack
from tests.slack.fake_socket import FakeSocketMode
from tests.slack.harness import SIGNING_SECRET, Harness, http, message_event, sign
from tests.slack.test_commands import PASTE

TYKBOT = Path(sys.executable).with_name("tykbot")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- start-up checks --------------------------------------------------------------------------
def base(**values: object) -> Settings:
    settings = {
        "slack_bot_token": "xoxb-1-2-abc",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": "",
        **values,
    }
    return Settings(_env_file=None, **settings)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"slack_bot_token": ""}, "SLACK_BOT_TOKEN is not set"),
        ({"slack_bot_token": "xoxp-user-token"}, "SLACK_BOT_TOKEN looks malformed"),
        ({"slack_bot_token": "xoxb-with space"}, "SLACK_BOT_TOKEN looks malformed"),
        ({"slack_signing_secret": ""}, "SLACK_SIGNING_SECRET is not set"),
        ({"slack_signing_secret": "not a secret!"}, "SLACK_SIGNING_SECRET looks malformed"),
        ({"slack_app_token": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN looks malformed"),
        ({"slack_api_url": "slack.com/api"}, "SLACK_API_URL must be an http(s) URL"),
        (
            {"slack_app_token": "xapp-1-A1-abc", "tykbot_role": "commands"},
            "TYKBOT_ROLE=commands needs HTTP mode",
        ),
    ],
)
def test_missing_or_malformed_settings_are_one_clear_line(values: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_settings(base(**values))
    assert str(info.value).startswith(expected) and "\n" not in str(info.value)


def test_the_mode_follows_the_app_token() -> None:
    assert check_settings(base()) == "http"
    assert (
        check_settings(base(slack_app_token="xapp-1-A1-abc", slack_signing_secret="")) == "socket"
    )


def test_http_mode_runs_gunicorn_threads_not_a_dev_server() -> None:
    options = gunicorn_options(base(port=3999))
    assert options["bind"] == "0.0.0.0:3999"
    assert issubclass(load_class(options["worker_class"]), ThreadWorker)


# -- subprocesses -----------------------------------------------------------------------------
def env_for(database_url: str, fake: FakeSlack, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TYKBOT_"))}
    env.update(
        DATABASE_URL=database_url,
        SLACK_API_URL=fake.url,
        SLACK_BOT_TOKEN="xoxb-1-2-abc",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        PORT=str(free_port()),
        TYKBOT_LOG_LEVEL="WARNING",
    )
    env.update(values)
    return env


@contextmanager
def running(env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(TYKBOT), "serve"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: a test can kill master and worker
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def wait_healthy(port: str, proc: subprocess.Popen[bytes], tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp_path / "serve.log").read_text()
        try:
            if http(f"http://127.0.0.1:{port}/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("tykbot serve did not become healthy")


def test_serve_with_a_bad_token_exits_with_one_line(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    env = env_for(database_url, fake, SLACK_BOT_TOKEN="not-a-token")
    done = subprocess.run(
        [str(TYKBOT), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "tykbot: error: SLACK_BOT_TOKEN looks malformed: expected a token starting with 'xoxb-' "
        "(the Bot User OAuth Token from your app's OAuth & Permissions page)"
    ]


def test_serve_with_a_token_slack_rejects_exits_with_one_line(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    fake.queue("auth.test", Canned(body={"ok": False, "error": "invalid_auth"}))
    done = subprocess.run(
        [str(TYKBOT), "serve"],
        env=env_for(database_url, fake),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("tykbot: error: Slack rejected SLACK_BOT_TOKEN (invalid_auth)")
    assert len(lines) == 1, done.stderr


def slash_command(fake: FakeSlack) -> dict[str, str]:
    """The fields Slack sends for `/tykerror <PASTE>` (form body over HTTP, JSON over a socket)."""
    return {
        "command": "/tykerror",
        "text": PASTE,
        "user_id": "U1",
        "channel_id": "C1",
        "team_id": "T0001",
        "response_url": fake.response_url(),
    }


def test_serve_http_mode_end_to_end_on_gunicorn(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    env = env_for(database_url, fake)
    port = env["PORT"]
    with running(env, tmp_path) as proc:
        wait_healthy(port, proc, tmp_path)
        health = http(f"http://127.0.0.1:{port}/healthz")
        assert health.json() == {"status": "ok", "database": True}
        assert "gunicorn" in health.headers.get("Server", "")
        body = urlencode(slash_command(fake))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        answer = http(f"http://127.0.0.1:{port}/slack/events", body.encode(), headers)
        assert answer.status == 200 and "Key not authori" in answer.json()["text"]
        forged = {**headers, **sign(body, secret="0" * 32)}
        assert http(f"http://127.0.0.1:{port}/slack/events", body.encode(), forged).status == 401
        event = {
            "type": "event_callback",
            "event_id": "EvServe1",
            "team_id": "T0001",
            "event": {
                "type": "message",
                "channel": "C1",
                "user": "U1",
                "text": PASTE,
                "ts": "1700000001.000100",
                "channel_type": "channel",
            },
        }
        raw = json.dumps(event)
        sent = http(
            f"http://127.0.0.1:{port}/slack/events",
            raw.encode(),
            {"Content-Type": "application/json", **sign(raw)},
        )
        assert sent.status == 200
        [reply] = fake.wait_for("chat.postMessage")
        assert reply.args["thread_ts"] == "1700000001.000100"
        metrics = http(f"http://127.0.0.1:{port}/metrics").text
        assert 'tykbot_slack_handled_total{listener="command",outcome="answered"} 1.0' in metrics


def test_gunicorns_own_lines_and_its_access_log_are_json(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    env = env_for(
        database_url,
        fake,
        TYKBOT_LOG_LEVEL="INFO",
        TYKBOT_LOG_FORMAT="json",
        TYKBOT_ACCESS_LOG="true",
    )
    port = env["PORT"]
    with running(env, tmp_path) as proc:
        wait_healthy(port, proc, tmp_path)
        body = urlencode(slash_command(fake))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        headers["X-Request-Id"] = "req-abc"
        assert http(f"http://127.0.0.1:{port}/slack/events", body.encode(), headers).status == 200
        proc.terminate()
        assert proc.wait(30) == 0
    text = (tmp_path / "serve.log").read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line
    by_logger: dict[str, list[dict]] = {}
    for line in lines:
        by_logger.setdefault(line["logger"], []).append(line)
    assert any("Booting worker" in line["message"] for line in by_logger["gunicorn.error"])
    access = by_logger["gunicorn.access"]
    assert any(a["message"] == "GET /healthz 200" and a["status"] == 200 for a in access)
    [slash] = [a for a in access if a["message"] == "POST /slack/events 200"]
    assert slash["request_id"] == "req-abc" and slash["latency_ms"] >= 0


def test_serve_socket_mode_connects_and_answers(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    ws = FakeSocketMode()
    fake.socket_url = ws.url
    env = env_for(
        database_url,
        fake,
        SLACK_APP_TOKEN="xapp-1-A0001-abc",
        SLACK_SIGNING_SECRET="",
        TYKBOT_LOG_LEVEL="INFO",
    )
    try:
        with running(env, tmp_path) as proc:
            assert ws.connected.wait(60), (tmp_path / "serve.log").read_text()
            [opened] = fake.of("apps.connections.open")
            assert opened.headers["authorization"] == "Bearer xapp-1-A0001-abc"
            ws.send(
                {
                    "envelope_id": "env-1",
                    "type": "slash_commands",
                    "accepts_response_payload": True,
                    "payload": slash_command(fake),
                }
            )
            ack = ws.ack_for("env-1")
            assert "Key not authori" in ack["payload"]["text"]
            assert ack["payload"]["response_type"] == "ephemeral"
            event = message_event(PASTE, channel="C1", user="U1")
            ws.send(
                {
                    "envelope_id": "env-2",
                    "type": "events_api",
                    "accepts_response_payload": False,
                    "payload": {"type": "event_callback", "team_id": "T0001", "event": event},
                }
            )
            ws.ack_for("env-2")
            fake.wait_for("chat.postMessage")
            wait_healthy(env["PORT"], proc, tmp_path)
    finally:
        ws.close()
    lines = [json.loads(x) for x in (tmp_path / "serve.log").read_text().splitlines() if x]
    # Each envelope's lines carry its envelope id as the request id, like an HTTP request's.
    [slash] = [x for x in lines if x["message"] == "slack request" and x.get("command")]
    assert slash["request_id"] == "env-1" and slash["command"] == "/tykerror"
    assert slash["user"] == "U1" and slash["latency_ms"] >= 0
    [job] = [x for x in lines if x["message"] == "tykbot: job done"]
    assert job["request_id"] == "env-2" and job["channel"] == "C1" and job["kind"] == "message"


def test_serve_socket_mode_with_a_rejected_app_token_exits_with_one_line(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    fake.queue("apps.connections.open", Canned(body={"ok": False, "error": "invalid_auth"}))
    env = env_for(database_url, fake, SLACK_APP_TOKEN="xapp-1-A0001-abc")
    done = subprocess.run(
        [str(TYKBOT), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("tykbot: error: Slack rejected SLACK_APP_TOKEN (invalid_auth)")
    )


def test_socket_mode_handler_uses_the_apps_client(harness: Harness) -> None:
    settings = harness.slack.deps.settings.model_copy(update={"slack_app_token": "xapp-1-A-b"})
    handler = socket_mode_handler(harness.slack, settings)
    assert handler.client.web_client is harness.slack.bolt.client
    assert handler.client.web_client.base_url == harness.fake.url


# -- health and metrics -----------------------------------------------------------------------
def test_healthz_and_metrics(
    harness: Harness, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    ok = harness.get("/healthz")
    assert ok.status == 200 and ok.json()["status"] == "ok"
    harness.command_answer(PASTE)
    metrics = harness.get("/metrics")
    assert metrics.status == 200 and "tykbot_slack_handled_total" in metrics.text
    # A database that really is unreachable (nothing listens on port 1): the real check fails.
    service.sessions = session_factory(
        make_engine(f"postgresql://nobody@127.0.0.1:{closed_port()}/x", connect_timeout=1)
    )
    down = harness.get("/healthz")
    assert down.status == 503 and down.json()["status"] == "unavailable"
    assert "database unavailable: OperationalError" in caplog.text
    assert harness.get("/nope").status == 404
    assert harness.get("/slack/events").status == 405


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_url_verification_challenge_is_answered(harness: Harness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    response = harness.post(body, "application/json")
    assert response.status == 200 and "abc123" in response.text
