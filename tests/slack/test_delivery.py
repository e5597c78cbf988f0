"""At-least-once work, exactly-once effects, with real `tykbot serve` processes on loopback:
a SIGKILL mid-burst, a restart and Slack's retries leave every acknowledged event answered
exactly once; a failing `chat.postMessage` is retried until every reply is posted once."""

from __future__ import annotations

import json
import signal
import threading
from collections import Counter
from pathlib import Path

from tests.slack.fake_slack import Canned, FakeSlack
from tests.slack.harness import http, message_event, sign
from tests.slack.test_commands import PASTE
from tests.slack.test_serve import env_for, running, wait_healthy

FAST_JOBS = {
    "TYKBOT_JOB_LEASE_SECONDS": "3",
    "TYKBOT_JOB_RETRY_SECONDS": "0.2",
    "TYKBOT_JOB_POLL_SECONDS": "0.2",
    "TYKBOT_LOG_LEVEL": "INFO",
}


def send(port: str, event: dict, event_id: str, retry: int | None = None) -> int:
    """POST one signed event callback; the HTTP status."""
    raw = json.dumps(
        {"type": "event_callback", "event_id": event_id, "team_id": "T0001", "event": event}
    )
    headers = {"Content-Type": "application/json", **sign(raw)}
    if retry is not None:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return http(f"http://127.0.0.1:{port}/slack/events", raw.encode(), headers).status


def burst(port: str, events: list[dict], retry: int | None = None) -> list[int]:
    """Send events at once from several threads; their statuses."""
    statuses: list[int] = [0] * len(events)

    def one(i: int) -> None:
        statuses[i] = send(port, events[i], f"EvBurst{i}", retry)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(events))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def posts_per_thread(fake: FakeSlack) -> Counter[str]:
    return Counter(c.args["thread_ts"] for c in fake.of("chat.postMessage"))


def test_sigkill_mid_burst_then_restart_and_retries_answer_each_event_once(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    fake.delays["chat.postMessage"] = 0.3  # a slow Slack: work is in flight at the kill
    events = [message_event(PASTE, channel="C1", user="U1") for _ in range(30)]
    wanted = {e["ts"] for e in events}
    env = env_for(database_url, fake, **FAST_JOBS)
    with running(env, tmp_path) as proc:
        wait_healthy(env["PORT"], proc, tmp_path)
        assert burst(env["PORT"], events) == [200] * len(events)  # all acknowledged
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    answered_before = len(posts_per_thread(fake))
    assert answered_before < len(events), "the kill came too late to test anything"
    env = env_for(database_url, fake, **FAST_JOBS)
    (tmp_path / "again").mkdir()
    with running(env, tmp_path / "again") as proc:
        wait_healthy(env["PORT"], proc, tmp_path / "again")
        assert burst(env["PORT"], events, retry=1) == [200] * len(events)  # Slack's retries
        fake.wait_until(lambda: set(posts_per_thread(fake)) >= wanted, timeout=60)
        fake.wait_until(lambda: False, timeout=4)  # leases of the killed process run out
    posts = posts_per_thread(fake)
    assert set(posts) == wanted
    assert [t for t, n in posts.items() if n != 1] == []


def test_a_failing_post_message_is_retried_until_every_reply_is_posted_once(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    for _ in range(6):
        fake.queue("chat.postMessage", Canned(status=500, body={"ok": False, "error": "oops"}))
    events = [message_event(PASTE, channel="C1", user="U1") for _ in range(5)]
    env = env_for(database_url, fake, **FAST_JOBS)
    with running(env, tmp_path) as proc:
        wait_healthy(env["PORT"], proc, tmp_path)
        assert burst(env["PORT"], events) == [200] * len(events)

        def all_posted() -> bool:
            return len(fake.of("chat.postMessage")) >= len(events) + 6

        fake.wait_until(all_posted, timeout=60)
        fake.wait_until(lambda: False, timeout=1)
        metrics = http(f"http://127.0.0.1:{env['PORT']}/metrics").text
    posted = Counter(
        p["metadata"]["event_payload"]["query_id"] for ps in fake.posted.values() for p in ps
    )
    threads = {t for (_, t) in fake.posted}
    assert threads == {e["ts"] for e in events}
    accepted = [t for t, ps in fake.posted.items() if ps]
    assert len(accepted) == len(events) and len(posted) == len(events)
    assert 'tykbot_jobs_total{event="retried"} 6.0' in metrics


def test_sigterm_mid_burst_finishes_in_flight_requests_and_jobs(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    fake.delays["chat.postMessage"] = 0.3  # jobs are under way when SIGTERM comes
    events = [message_event(PASTE, channel="C1", user="U1") for _ in range(24)]
    statuses: list[int | None] = [None] * len(events)
    env = env_for(database_url, fake, **FAST_JOBS)
    with running(env, tmp_path) as proc:
        wait_healthy(env["PORT"], proc, tmp_path)

        def one(i: int) -> None:
            try:
                statuses[i] = send(env["PORT"], events[i], f"EvTerm{i}")
            except OSError:
                statuses[i] = 0  # refused after the listener closed: not acknowledged

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(events))]
        for t in threads:
            t.start()
        fake.wait_for("chat.postMessage", 1, timeout=20)
        proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join()
        assert proc.wait(40) == 0, (tmp_path / "serve.log").read_text()
    acked = {e["ts"] for e, s in zip(events, statuses, strict=True) if s == 200}
    assert set(statuses) <= {200, 0} and acked, statuses
    before_restart = set(posts_per_thread(fake))
    assert before_restart, "nothing was in flight"
    # Jobs not started before the exit keep their rows: the next process posts them.
    env = env_for(database_url, fake, **FAST_JOBS)
    (tmp_path / "again").mkdir()
    with running(env, tmp_path / "again") as proc:
        wait_healthy(env["PORT"], proc, tmp_path / "again")
        fake.wait_until(lambda: set(posts_per_thread(fake)) >= acked, timeout=60)
    posts = posts_per_thread(fake)
    assert acked <= set(posts)
    assert [t for t, n in posts.items() if n != 1] == []
