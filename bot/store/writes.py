"""One SQLite transaction at a time per process, the ones of Slack requests first.

SQLite has one writer per database. Threads that collide on its lock wait in SQLite's busy
handler, which sleeps 1, 2, 5, 10, 25... ms between tries, in no order: during a burst of
clicks, a slash command's one insert waited behind a dozen job workers' writes and their
sleeps. In one process a condition variable hands the database over at once instead, and a
thread serving a request (marked with `urgent()`) goes before background work.

Between processes on one SQLite file (a split deployment's commands and `all` processes) a
write takes an exclusive `flock` on a file beside the database first (`CrossProcessWrites`),
from its first writing statement until its connection goes back to the pool: the kernel hands
a released lock to the next writer at once, where SQLite's busy handler slept 1 ms and more
(during a burst of clicks it added 1 ms to the commands process's p99). Reading needs no turn
(WAL readers never wait for a writer). PostgreSQL has row locks and needs none of this.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

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


# Statements that read only: anything else (INSERT, UPDATE, DELETE, DDL, SAVEPOINT) writes.
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


class CrossProcessWrites:
    """One writer at a time among the processes (and threads) writing one SQLite file.

    A connection's first writing statement takes a thread lock, then an exclusive `flock` on
    `path`; both are given back when that connection returns to the pool (after the commit or
    rollback) or is closed or invalidated. Another connection of the holding thread (a nested
    session) writes within the same turn. A dead holder's lock is freed by the kernel, and a
    forked child starts with no turn held. Waits are bounded: after `patience` seconds the
    writer goes ahead (SQLite's own lock still keeps the data safe), so a process that keeps
    its turn cannot hang the others.
    """

    STEP = 0.00005  # seconds between tries for the file once a few immediate ones failed

    def __init__(self, path: Path, patience: float = 2.0) -> None:
        self.path = path
        self.patience = patience
        self._threads = threading.Lock()
        self._holder: int | None = None  # the thread holding the turn
        self._holder_connection: object = None  # the DBAPI connection that took it
        self._fd: int | None = None
        self._pid = os.getpid()

    def watch(self, engine: Engine) -> None:
        """Take turns for every write made through `engine`."""
        event.listen(engine, "before_cursor_execute", self._before_statement)
        for ended in ("checkin", "close", "close_detached", "invalidate"):
            event.listen(engine, ended, self._after_transaction)

    def _before_statement(self, *args: Any) -> None:
        cursor, statement = args[1], args[2]
        if self._holder != threading.get_ident() and not statement.lstrip().upper().startswith(
            _READS
        ):
            self.acquire(getattr(cursor, "connection", None))

    def _after_transaction(self, dbapi_connection: object, *_: Any) -> None:
        self._forget_if_forked()
        if self._holder is not None and (
            dbapi_connection is self._holder_connection
            or (dbapi_connection is None and self._holder == threading.get_ident())
        ):
            self.release()

    def acquire(self, connection: object = None) -> bool:
        """Take the turn for this thread (and `connection`, whose return to the pool ends it);
        False when the wait ran out of patience."""
        self._forget_if_forked()
        deadline = time.monotonic() + self.patience
        if not self._threads.acquire(timeout=self.patience):
            return False
        fd, tries = self._handle(), 0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    return False
                tries += 1
                time.sleep(0 if tries <= 3 else self.STEP)
        self._holder, self._holder_connection = threading.get_ident(), connection
        return True

    def release(self) -> None:
        """Give the turn back."""
        self._holder = self._holder_connection = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _forget_if_forked(self) -> None:
        """In a forked child: the parent's turn, thread lock and open file are not ours (the
        file shares its lock with the parent's: unlocking it would free the parent's turn)."""
        if self._pid != os.getpid():
            self._threads, self._fd = threading.Lock(), None
            self._holder = self._holder_connection = None
            self._pid = os.getpid()

    def _handle(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd
