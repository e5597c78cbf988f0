"""The SQLite write gate: one turn at a time per process, requests' turns first, never a hang."""

from __future__ import annotations

import threading
import time

from bot.store.writes import WriteGate, urgent


def test_a_waiting_request_gets_the_turn_before_background_work_that_waited_longer() -> None:
    gate = WriteGate()
    order: list[str] = []
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with gate.turn():
            held.set()
            release.wait(5)

    def take(name: str, first: bool) -> None:
        if first:
            with urgent(), gate.turn():
                order.append(name)
        else:
            with gate.turn():
                order.append(name)

    threading.Thread(target=holder).start()
    assert held.wait(5)
    background = [threading.Thread(target=take, args=(f"job{i}", False)) for i in range(3)]
    for t in background:
        t.start()
    time.sleep(0.1)  # the jobs queue first
    request = threading.Thread(target=take, args=("request", True))
    request.start()
    time.sleep(0.1)
    release.set()
    for t in [*background, request]:
        t.join(5)
    assert order[0] == "request" and sorted(order[1:]) == ["job0", "job1", "job2"]


def test_turns_nest_in_one_thread_and_a_turn_never_given_back_cannot_hang_others() -> None:
    gate = WriteGate(patience=0.3)
    with gate.turn(), gate.turn():  # nested: no self-deadlock
        pass
    stuck = threading.Event()

    def never_gives_back() -> None:
        with gate.turn():
            stuck.set()
            time.sleep(2)

    threading.Thread(target=never_gives_back, daemon=True).start()
    assert stuck.wait(5)
    started = time.monotonic()
    with gate.turn():
        waited = time.monotonic() - started
    assert 0.25 <= waited < 1.5
