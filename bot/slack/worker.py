"""gunicorn's gthread worker, draining on SIGTERM: every connection already made is served.

Plain gthread stops its loop at SIGTERM and closes the listening socket, so connections the
kernel had already accepted (in the listen backlog, or accepted but not yet read) are reset:
Slack sees a dropped request it had sent before the shutdown. This worker keeps serving until
the backlog is empty and every accepted connection's request was read (bounded in time); only
then does it close the listening socket (later connections are refused, not reset) and stop
like gthread, finishing the requests under way.
"""

from __future__ import annotations

import select
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

MAX_DRAIN_SECONDS = 3.0


class DrainingWorker(ThreadWorker):  # type: ignore[misc]
    """gthread that serves its listen backlog before stopping on SIGTERM."""

    alive: bool
    sockets: list[Any]
    _drain_until: float | None = None

    def handle_exit(self, sig: int, frame: Any) -> None:
        bound = min(MAX_DRAIN_SECONDS, float(self.cfg.graceful_timeout) / 3)
        self._drain_until = time.monotonic() + bound

    def notify(self) -> None:
        super().notify()
        if self._drain_until is not None and self.alive and self._drained():
            self._stop_listening()
            self.alive = False

    def _stop_listening(self) -> None:
        """Close the listening sockets now (the master closed its copies at SIGTERM): a
        connection made from here on is refused, never accepted and then dropped."""
        with self._lock:
            for sock in self.sockets:
                self.poller.unregister(sock)
                sock.close()
        self.sockets = []

    def _drained(self) -> bool:
        """No connection waits in the backlog, and each accepted one has been read."""
        if self._drain_until is not None and time.monotonic() >= self._drain_until:
            return True
        if select.select(self.sockets, [], [], 0)[0]:
            return False
        with self._lock:
            registered = len(self.poller.get_map()) - len(self.sockets) - len(self._keep)
        return registered <= 0
