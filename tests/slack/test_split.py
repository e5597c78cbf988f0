"""A split deployment: slash commands routed by path to `TYKBOT_ROLE=commands` processes, the
rest to `all` processes, over one database. A commands process answers whatever reaches it and
runs the jobs its own requests start, but leaves the queue's leftovers to the `all` processes,
so the process people wait on never takes up someone else's background work."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import buttons, click_payload
from tests.slack.test_delivery import FAST_JOBS, crash, in_channel, interact, slash
from tests.slack.test_serve import env_for, running, wait_healthy

COMMANDS = "/slack/commands"


def shares_left_by_a_crash(env: dict[str, str], tmp_path: Path, fake: FakeSlack) -> list[dict]:
    """On a one-worker commands process: two answers, a Share click on each (the first one's
    post slow), then SIGKILL: the second Share is a job left in the queue. The answers."""
    fake.delays["response:share-1"] = 1.5  # the first Share is under way at the kill
    with running(env, tmp_path) as proc:
        wait_healthy(env["PORT"], proc, tmp_path)
        answers = [slash(env["PORT"], fake, path=COMMANDS) for _ in range(2)]
        assert all("Key not authori" in json.dumps(a) for a in answers), answers
        clicks = [
            click_payload(
                buttons(answer["blocks"])["tyk_share"],
                channel="CSHARE",
                response_url=fake.response_url(f"share-{n}", channel="CSHARE"),
            )
            for n, answer in enumerate(answers, start=1)
        ]
        # Every path takes every kind of request: a misrouted click is still acknowledged.
        assert [interact(env["PORT"], c, path=COMMANDS) for c in clicks] == [200, 200]
        time.sleep(0.3)
        crash(proc)
    assert fake.of("response:share-2") == []  # one worker, busy with the first: never ran
    return answers


def shared_once(fake: FakeSlack, answers: list[dict]) -> bool:
    """Each answer's Share was posted to the channel exactly once."""
    queries = [json.loads(buttons(a["blocks"])["tyk_share"]["value"])["q"] for a in answers]
    return in_channel(fake, "CSHARE") == Counter(queries)


def test_a_commands_process_answers_and_leaves_leftover_jobs_to_the_all_processes(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    commands = env_for(database_url, fake, **FAST_JOBS, TYKBOT_ROLE="commands", TYKBOT_THREADS="1")
    answers = shares_left_by_a_crash(commands, tmp_path, fake)

    (tmp_path / "commands").mkdir()
    commands["PORT"] = env_for(database_url, fake)["PORT"]
    with running(commands, tmp_path / "commands") as proc:
        wait_healthy(commands["PORT"], proc, tmp_path / "commands")
        assert "Key not authori" in json.dumps(slash(commands["PORT"], fake, path=COMMANDS))
        # The killed process's leases run out (3 s) and the queue is polled every 0.2 s ...
        fake.wait_until(lambda: False, timeout=4.5)
        assert fake.of("response:share-2") == []  # ... but not by a commands process

        (tmp_path / "all").mkdir()
        rest = env_for(database_url, fake, **FAST_JOBS, TYKBOT_ROLE="all")
        with running(rest, tmp_path / "all") as other:
            wait_healthy(rest["PORT"], other, tmp_path / "all")
            fake.wait_until(
                lambda: bool(fake.of("response:share-2")) and len(fake.of("response:share-1")) >= 2,
                timeout=30,
            )
            fake.wait_until(lambda: False, timeout=1)
    assert shared_once(fake, answers)


def test_with_no_all_process_a_commands_process_takes_leftovers_three_leases_late(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> None:
    quick = {**FAST_JOBS, "TYKBOT_JOB_LEASE_SECONDS": "1", "TYKBOT_ROLE": "commands"}
    answers = shares_left_by_a_crash(
        env_for(database_url, fake, **quick, TYKBOT_THREADS="1"), tmp_path, fake
    )
    killed = time.monotonic()
    (tmp_path / "again").mkdir()
    commands = env_for(database_url, fake, **quick)
    with running(commands, tmp_path / "again") as proc:
        wait_healthy(commands["PORT"], proc, tmp_path / "again")
        fake.wait_until(lambda: bool(fake.of("response:share-2")), timeout=30)
        waited = time.monotonic() - killed
        fake.wait_until(lambda: False, timeout=1)
    assert waited >= 3.5, waited  # the lease (1 s), then three more: nobody else took it
    assert shared_once(fake, answers)
