"""A hung database (a private PostgreSQL cluster paused with SIGSTOP, not the shared one):
`tykbot serve` still acknowledges slash commands in time, says the catalog is briefly
unavailable, reports 503 on /healthz with the reason logged, and recovers by itself."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.pg_cluster import binaries, private_cluster
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import http, sign
from tests.slack.test_serve import env_for, running, slash_command, wait_healthy

pytestmark = pytest.mark.skipif(binaries() is None, reason="no PostgreSQL server binaries")


def command(port: str, fake: FakeSlack) -> tuple[float, int, str]:
    body = urlencode(slash_command(fake))
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    start = time.monotonic()
    reply = http(f"http://127.0.0.1:{port}/slack/events", body.encode(), headers)
    return time.monotonic() - start, reply.status, reply.text


def test_a_hung_database_gets_fast_answers_and_recovers(tmp_path: Path, fake: FakeSlack) -> None:
    with private_cluster() as cluster:
        env = env_for(cluster.url, fake, TYKBOT_HEALTH_TIMEOUT="0.5")
        port = env["PORT"]
        with running(env, tmp_path) as proc:
            wait_healthy(port, proc, tmp_path)
            took, status, text = command(port, fake)
            assert status == 200 and "Key not authori" in text
            cluster.pause()
            try:
                took, status, text = command(port, fake)
                assert status == 200 and "briefly unavailable" in text
                assert took < 3.0  # Slack's deadline (the figure is ~2 s, the set deadline)
                start = time.monotonic()
                health = http(f"http://127.0.0.1:{port}/healthz")
                assert health.status == 503 and time.monotonic() - start < 1.0
            finally:
                cluster.resume()
            wait_healthy(port, proc, tmp_path)
            took, status, text = command(port, fake)
            assert status == 200 and "Key not authori" in text
        log = (tmp_path / "serve.log").read_text()
        assert "database unavailable: no answer within 0.5s" in log
