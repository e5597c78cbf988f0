"""Answers first: a slash command someone is waiting on goes before clicks, events and jobs.

Python runs one thread at a time in a process. A click's acknowledgement costs about as much
CPU as a slash command's whole answer (HTTP parsing, the signature, Bolt, one insert), and its
job (the vote, the card drawn again, the post to Slack) as much again. During a burst of 200
clicks each answer shared the interpreter with a dozen such threads, and every database or
socket wait handed it to them: `/tykerror` p99 went from 10 ms to 66 ms on PostgreSQL. Clicks
and events need only an acknowledgement within Slack's 3 s, and jobs none, so they defer:

- deferred work (an acknowledgement, a job) starts only when no answer is under way;
- while answers are coming in (one under way, or one finished in the last `window` seconds),
  deferred work goes one at a time, acknowledgements before jobs, so an answer that arrives
  meets at most one of them;
- every wait is bounded by `max_wait`; then the work goes ahead anyway. Nothing is dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_WINDOW_SECONDS = 1.0  # answers this recent make deferred work go one at a time


class AnswersFirst:
    """Counts answers under way; makes acknowledgements and jobs wait for them (bounded)."""

    def __init__(self, max_wait: float = 0.5, window: float = _WINDOW_SECONDS) -> None:
        self.max_wait = max_wait
        self.window = window
        self._cond = threading.Condition()
        self._answering = 0
        self._last_answer = float("-inf")
        self._deferred = 0  # acknowledgements and jobs under way
        self._acks_waiting = 0

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Mark a request whose answer someone is waiting for (a slash command)."""
        with self._cond:
            self._answering += 1
        try:
            yield
        finally:
            with self._cond:
                self._answering -= 1
                self._last_answer = time.monotonic()
                self._cond.notify_all()

    @contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Hold a request that only acknowledges (a click, an event) behind the answers."""
        with self._cond:
            self._acks_waiting += 1
            try:
                self._wait(self._blocked)
            finally:
                self._acks_waiting -= 1
        with self._turn():
            yield

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold background work (a job) behind the answers and the acknowledgements."""
        with self._cond:
            self._wait(lambda: self._blocked() or self._acks_waiting > 0)
        with self._turn():
            yield

    @contextmanager
    def _turn(self) -> Iterator[None]:
        with self._cond:
            self._deferred += 1
        try:
            yield
        finally:
            with self._cond:
                self._deferred -= 1
                self._cond.notify_all()

    def _blocked(self) -> bool:
        """An answer is under way, or answers are recent and deferred work is under way."""
        if self._answering:
            return True
        recent = time.monotonic() - self._last_answer < self.window
        return recent and self._deferred > 0

    def _wait(self, blocked: Callable[[], bool]) -> None:
        """Wait on the condition (held) while `blocked()`, at most `max_wait` seconds."""
        deadline = time.monotonic() + self.max_wait
        while blocked():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._cond.wait(left)
