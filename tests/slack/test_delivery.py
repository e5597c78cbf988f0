"""At-least-once work, exactly-once effects, with real `tykbot serve` processes on loopback:
a SIGKILL mid-burst, a restart and Slack's retries leave every acknowledged event answered
exactly once; a failing `chat.postMessage` is retried until every reply is posted once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import text

from bot.store.database import make_engine
from tests.slack.fake_slack import Canned, FakeSlack
from tests.slack.harness import buttons, click_payload, http, message_event, sign
from tests.slack.test_commands import PASTE
from tests.slack.test_serve import env_for, running, slash_command, wait_healthy

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


def crash(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and its worker at once (a crash: killing only gunicorn's master
    leaves its worker finishing the work on its own)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


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
        crash(proc)
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


def send_raw(port: str, event: dict, event_id: str, sent: threading.Event) -> str:
    """POST one event on a fresh connection: "200", "refused" (no connection was made) or what
    broke an accepted connection ("ConnectionResetError", "RemoteDisconnected", ...)."""
    raw = json.dumps(
        {"type": "event_callback", "event_id": event_id, "team_id": "T0001", "event": event}
    )
    conn = HTTPConnection("127.0.0.1", int(port), timeout=30)
    try:
        try:
            conn.connect()
        except ConnectionRefusedError:
            return "refused"
        conn.request(
            "POST",
            "/slack/events",
            body=raw.encode(),
            headers={"Content-Type": "application/json", **sign(raw)},
        )
        sent.set()
        return str(conn.getresponse().status)
    except OSError as exc:
        return type(exc).__name__
    except HTTPException as exc:
        return type(exc).__name__
    finally:
        conn.close()


def test_sigterm_mid_burst_answers_every_request_sent_and_posts_every_reply_before_exit(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    """One request thread, so most of the burst waits in the listen backlog at SIGTERM."""
    fake.delays["chat.postMessage"] = 0.05  # jobs are under way when SIGTERM comes
    events = [message_event(PASTE, channel="C1", user="U1") for _ in range(24)]
    outcomes: list[str] = [""] * len(events)
    sent = [threading.Event() for _ in events]
    env = env_for(
        database_url, fake, **{**FAST_JOBS, "TYKBOT_JOB_LEASE_SECONDS": "10"}, TYKBOT_THREADS="1"
    )
    with running(env, tmp_path) as proc:
        wait_healthy(env["PORT"], proc, tmp_path)

        def one(i: int) -> None:
            outcomes[i] = send_raw(env["PORT"], events[i], f"EvTerm{i}", sent[i])

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(events))]
        for t in threads:
            t.start()
        for e in sent:
            assert e.wait(20)  # every request was on the wire before SIGTERM
        proc.send_signal(signal.SIGTERM)
        after: list[str] = []
        while proc.poll() is None and len(after) < 200:  # requests during the shutdown
            after.append(send_raw(env["PORT"], events[0], "EvTermLate", threading.Event()))
        for t in threads:
            t.join()
        assert proc.wait(40) == 0, (tmp_path / "serve.log").read_text()
        # What Slack got before the process was gone (no restart has happened).
        posted = posts_per_thread(fake)
    assert outcomes == ["200"] * len(events), outcomes
    assert set(after) <= {"200", "refused"}, after  # refused, never dropped once accepted
    assert set(posted) == {e["ts"] for e in events}
    assert [t for t, n in posted.items() if n != 1] == []
    assert pending_jobs(database_url) == 0


def pending_jobs(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM jobs WHERE status = 'pending'")
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def slash(port: str, fake: FakeSlack, text: str = PASTE, path: str = "/slack/events") -> dict:
    """`/tykerror` on a running process; the private answer it returned."""
    body = urlencode({**slash_command(fake), "text": text, "user_id": "UASKER"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    reply = http(f"http://127.0.0.1:{port}{path}", body.encode(), headers)
    assert reply.status == 200, reply.text
    return reply.json()


def interact(port: str, payload: dict, path: str = "/slack/events") -> int:
    body = urlencode({"payload": json.dumps(payload)})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    return http(f"http://127.0.0.1:{port}{path}", body.encode(), headers).status


def in_channel(fake: FakeSlack, channel: str) -> Counter[int]:
    """Public posts of shared answers in a channel, by answer (query id)."""
    return Counter(
        p["metadata"]["event_payload"]["query_id"]
        for (c, _), ps in fake.posted.items()
        if c == channel
        for p in ps
        if (p.get("metadata") or {}).get("event_type") == "tykbot_share"
    )


def test_clicks_acked_then_sigkill_take_effect_once_after_restart_and_slacks_retries(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    fake.delays["response:share-1"] = 1.5  # the first Share is under way at the kill
    env = env_for(database_url, fake, **FAST_JOBS, TYKBOT_THREADS="1")
    with running(env, tmp_path) as proc:
        wait_healthy(env["PORT"], proc, tmp_path)
        answers = [slash(env["PORT"], fake) for _ in range(3)]
        clicks = [
            click_payload(
                buttons(answers[0]["blocks"])["tyk_share"],
                channel="CSHARE",
                response_url=fake.response_url("share-1", channel="CSHARE"),
            ),
            click_payload(
                buttons(answers[1]["blocks"])["tyk_share"],
                channel="CSHARE",
                response_url=fake.response_url("share-2", channel="CSHARE"),
            ),
            click_payload(
                buttons(answers[2]["blocks"])["tyk_helped"],
                user="UVOTER",
                response_url=fake.response_url("vote-3"),
            ),
        ]
        assert [interact(env["PORT"], c) for c in clicks] == [200, 200, 200]  # acknowledged
        time.sleep(0.3)
        crash(proc)
    # One worker, busy with the first Share: the others had not run when the process died.
    assert fake.of("response:share-2") == [] and fake.of("response:vote-3") == []
    assert votes(database_url) == 0
    (tmp_path / "again").mkdir()
    env = env_for(database_url, fake, **FAST_JOBS)
    with running(env, tmp_path / "again") as proc:
        wait_healthy(env["PORT"], proc, tmp_path / "again")
        assert [interact(env["PORT"], c) for c in clicks] == [200, 200, 200]  # Slack's retries

        def all_done() -> bool:
            shared = len(fake.of("response:share-1")) >= 2 and len(fake.of("response:share-2")) >= 2
            return shared and len(fake.of("response:vote-3")) >= 1

        fake.wait_until(all_done, timeout=60)
        fake.wait_until(lambda: False, timeout=4)  # leases of the killed process run out
    queries = [json.loads(buttons(a["blocks"])["tyk_share"]["value"])["q"] for a in answers[:2]]
    assert in_channel(fake, "CSHARE") == Counter(queries)  # each Share posted exactly once
    assert votes(database_url) == 1
    redraws = fake.of("response:vote-3")  # in place: drawing it again changes nothing
    assert redraws and all(c.args["replace_original"] is True for c in redraws)


def votes(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM votes")).scalar_one())
    finally:
        engine.dispose()
