"""One SQLite transaction at a time per process, the ones of Slack requests first.

SQLite has one writer per database. Threads that collide on its lock wait in SQLite's busy
handler, which sleeps 1, 2, 5, 10, 25... ms between tries, in no order: during a burst of
clicks, a slash command's one insert waited behind a dozen job workers' writes and their
sleeps. In one process a condition variable hands the database over at once instead, and a
thread serving a request (marked with `urgent()`) goes before background work. Other
processes still meet SQLite's own lock. PostgreSQL has row locks and needs none of this.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_URGENT: ContextVar[bool] = ContextVar("tykbot_urgent", default=False)
_COND = threading.Condition()  # guards the counters below and every gate's state
_in_flight = 0  # urgent contexts (requests) under way in this process


@contextmanager
def urgent() -> Iterator[None]:
    """Mark the work of this context (a Slack request someone waits for) as going first:
    while any is under way, background transactions wait (up to the gate's `yield_for`)."""
    global _in_flight
    token = _URGENT.set(True)
    with _COND:
        _in_flight += 1
    try:
        yield
    finally:
        _URGENT.reset(token)
        with _COND:
            _in_flight -= 1
            _COND.notify_all()


class WriteGate:
    """A reentrant turn at the database, urgent threads first, waits bounded by `patience`.

    A background turn also waits while requests are under way, up to `yield_for` seconds
    (a background thread holding the turn while starved of CPU would hold up the request).
    A wait longer than `patience` seconds goes ahead anyway (SQLite's own lock still keeps
    the data safe), so a turn that is never given back cannot hang anyone.
    """

    def __init__(self, patience: float = 2.0, yield_for: float = 0.0) -> None:
        self.patience = patience
        self.yield_for = yield_for
        self._cond = _COND
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the database for one transaction (nested turns of one thread are free)."""
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                mine = True
            else:
                mine = self._wait(me, _URGENT.get())
        try:
            yield
        finally:
            if mine:
                with self._cond:
                    self._depth -= 1
                    if self._depth == 0:
                        self._owner = None
                        self._cond.notify_all()

    def _wait(self, me: int, first: bool) -> bool:
        """Wait for the turn (the lock held); False when patience ran out first."""
        now = time.monotonic()
        deadline, polite_until = now + self.patience, now + self.yield_for
        if first:
            self._urgent_waiting += 1
        try:
            while (
                self._owner is not None
                or (not first and self._urgent_waiting)
                or (not first and _in_flight and time.monotonic() < polite_until)
            ):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if not first and _in_flight:
                    left = min(left, max(polite_until - time.monotonic(), 0.001))
                self._cond.wait(left)
        finally:
            if first:
                self._urgent_waiting -= 1
        self._owner, self._depth = me, 1
        return True
