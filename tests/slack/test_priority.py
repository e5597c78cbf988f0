"""Answers first: acknowledgements and jobs wait for slash commands under way (bounded)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from bot.slack.priority import AnswersFirst


def start(work: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


@contextmanager
def answer_under_way(first: AnswersFirst, log: list[str] | None = None) -> Iterator[None]:
    """A slash command being answered on another thread until the block ends."""
    answering, finish = threading.Event(), threading.Event()

    def answer() -> None:
        with first.answering():
            answering.set()
            finish.wait(5)
            if log is not None:
                log.append("answer end")

    thread = start(answer)
    assert answering.wait(5)
    try:
        yield
    finally:
        finish.set()
        thread.join(5)


def run_in(turn: Callable[[], AbstractContextManager[None]], name: str, log: list[str]) -> None:
    with turn():
        log.append(f"{name} start")
        time.sleep(0.05)
        log.append(f"{name} end")


def test_an_acknowledgement_waits_for_the_answer_under_way() -> None:
    first = AnswersFirst(max_wait=5)
    log: list[str] = []
    with answer_under_way(first, log):
        ack = start(lambda: run_in(first.acknowledging, "ack", log))
        time.sleep(0.2)
        assert log == []  # still waiting for the answer
    ack.join(5)
    assert log == ["answer end", "ack start", "ack end"]


def test_while_answers_come_in_deferred_work_goes_one_at_a_time_acknowledgements_first() -> None:
    first = AnswersFirst(max_wait=5, window=60)
    log: list[str] = []
    with answer_under_way(first):
        job = start(lambda: run_in(first.deferred, "job", log))
        time.sleep(0.05)
        acks = [start(lambda n=n: run_in(first.acknowledging, f"ack{n}", log)) for n in range(2)]
        time.sleep(0.1)
    for thread in (job, *acks):
        thread.join(5)
    # One at a time: every start is followed by its own end; the job goes after both acks.
    assert [line.split()[1] for line in log] == ["start", "end"] * 3
    assert log[0].startswith("ack") and log[2].startswith("ack")
    assert log[4:] == ["job start", "job end"]


def test_without_answers_deferred_work_runs_side_by_side() -> None:
    first = AnswersFirst(max_wait=5)
    log: list[str] = []
    threads = [start(lambda n=n: run_in(first.acknowledging, f"ack{n}", log)) for n in range(3)]
    for thread in threads:
        thread.join(5)
    assert [line.split()[1] for line in log[:3]] == ["start"] * 3


def test_a_wait_never_outlasts_max_wait_and_the_work_still_runs() -> None:
    first = AnswersFirst(max_wait=0.2)
    log: list[str] = []
    with answer_under_way(first):
        began = time.monotonic()
        start(lambda: run_in(first.acknowledging, "ack", log)).join(5)
        waited = time.monotonic() - began
    assert log == ["ack start", "ack end"]
    assert 0.15 <= waited < 2  # it waited, then went ahead without the answer ending


def test_max_wait_zero_makes_nothing_wait() -> None:
    first = AnswersFirst(max_wait=0)
    log: list[str] = []
    with first.answering():
        start(lambda: run_in(first.acknowledging, "ack", log)).join(5)
        assert log == ["ack start", "ack end"]
