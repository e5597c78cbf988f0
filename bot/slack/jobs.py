"""Workers for durable jobs: run each job once Slack's request was acknowledged, pick up jobs
left by a restart or another replica, retry with backoff and `Retry-After`, give up visibly."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError

from bot import logs
from bot.service import JobView
from bot.slack.deps import Deps
from bot.store.database import first_line

log = logging.getLogger("bot.slack.jobs")
Handler = Callable[[JobView], str]
LEFTOVER_LEASES = 3  # a TYKBOT_ROLE=commands process takes a job due for this many leases
# Slack API errors worth another try: the platform's own trouble, not the request's.
TRANSIENT_SLACK_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error_retry",
    "service_unavailable",
}


class WebhookFailed(Exception):
    """A response URL refused a post (`status`: its HTTP status; `retry_after`: seconds)."""

    def __init__(self, status: int, body: str, retry_after: float = 0.0) -> None:
        super().__init__(f"response URL answered {status}: {body[:200]}")
        self.status = status
        self.retry_after = retry_after


def retry_delay(exc: BaseException, attempt: int, base: float) -> float | None:
    """Seconds before trying again after `exc`, or None when another try cannot help.

    Transient: Slack's 5xx and 429 (its Retry-After wins when longer), from the Web API or a
    response URL, network errors and database errors; everything else (a refused request, a
    bug) is given up at once.
    """
    backoff: float = min(base * 2.0 ** (attempt - 1), 300.0)
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = int(getattr(response, "status_code", 200) or 200)
        if status == 429:
            headers = getattr(response, "headers", {}) or {}
            after = headers.get("Retry-After") or headers.get("retry-after") or "0"
            waited = float(after) if str(after).isdigit() else 0.0
            return max(backoff, waited)
        if status >= 500 or response.get("error") in TRANSIENT_SLACK_ERRORS:
            return backoff
        return None
    if isinstance(exc, WebhookFailed):
        if exc.status == 429:
            return max(backoff, exc.retry_after)
        return backoff if exc.status >= 500 else None
    if isinstance(exc, OSError | DBAPIError | TimeoutError):
        return backoff
    return None


def job_fields(job: JobView) -> dict[str, Any]:
    """What the logs say about a job: ids from its payload, never the text."""
    payload: dict[str, Any] = job.payload if isinstance(job.payload, dict) else {}
    event: dict[str, Any] = payload.get("event") or {}
    if not isinstance(event, dict):
        event = {}
    body = payload.get("body")  # an interaction (click, modal submission)
    if isinstance(body, dict):
        event = {
            "team": _id_of(body.get("team")),
            "channel": _id_of(body.get("channel")),
            "user": _id_of(body.get("user")),
        }
    return {
        "job": job.id,
        "kind": job.kind,
        "request_id": str(payload.get("request_id") or f"job-{job.id}"),
        "team": str(payload.get("team_id") or event.get("team") or ""),
        "channel": str(event.get("channel") or ""),
        "user": str(event.get("user") or ""),
    }


def _id_of(part: object) -> str:
    return str(part.get("id") or "") if isinstance(part, dict) else ""


class JobRunner:
    """A pool of job workers and a poller for due jobs, started once per process (after fork)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.handlers: dict[str, tuple[str, Handler, Callable[[JobView], Any] | None]] = {}
        self._pid: int | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._poller: threading.Thread | None = None
        self._closed = False
        self._queued: set[futures.Future[Any]] = set()

    def handle(
        self,
        kind: str,
        listener: str,
        handler: Handler,
        on_give_up: Callable[[JobView], Any] | None = None,
    ) -> None:
        """Run jobs of `kind` with `handler` (its outcome counted under `listener`)."""
        self.handlers[kind] = (listener, handler, on_give_up)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the workers and the poller in this process (again after a fork)."""
        with self._lock:
            if self._closed or (self._pid == os.getpid() and self._pool is not None):
                return
            self._pid = os.getpid()
            self._stop = threading.Event()
            threads = self.deps.settings.tykbot_threads
            self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tykbot-job")
            self._poller = threading.Thread(target=self._poll, name="tykbot-jobs", daemon=True)
            self._poller.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling for good and finish the jobs already handed to the workers (those of
        requests acknowledged before the stop), for up to `timeout` seconds. Jobs not done by
        then keep their rows and are picked up (by another process) when their lease ends."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            self._stop.set()
            poller = self._poller
        if poller is not None:  # it queues what it leased last before it ends
            poller.join(timeout)
        with self._lock:
            pool, self._pool = self._pool, None
            queued = set(self._queued)
        if pool is not None:
            futures.wait(queued, timeout=max(0.0, deadline - time.monotonic()))
            pool.shutdown(wait=False, cancel_futures=True)

    def _queue(self, pool: ThreadPoolExecutor, work: Callable[..., Any], *args: Any) -> None:
        """Hand work to the pool, remembering it until done (a stop waits for it)."""
        future = pool.submit(work, *args)
        with self._lock:
            self._queued.add(future)
        future.add_done_callback(self._queued.discard)

    def submit_leased(self, job: JobView) -> None:
        """Run a job just stored as leased by this process (its first try)."""
        self.start()
        pool = self._pool
        if pool is not None:
            # Shutting down: the job keeps its row and runs elsewhere once its lease ends.
            with contextlib.suppress(RuntimeError):
                self._queue(pool, self.run, job)

    # -- work ---------------------------------------------------------------------------------
    def _poll(self) -> None:
        settings = self.deps.settings
        every = settings.tykbot_job_poll_seconds
        # A commands process leaves the queue to the `all` processes; it takes a job only when
        # none did for LEFTOVER_LEASES leases (none runs), so no acknowledged work is lost.
        everything = settings.tykbot_role == "all"
        overdue = 0.0 if everything else LEFTOVER_LEASES * settings.tykbot_job_lease_seconds
        while not self._stop.wait(every):
            try:
                due = self.deps.service.lease(
                    limit=settings.tykbot_threads, overdue_seconds=overdue
                )
                self.deps.metrics.set_pending(self.deps.service.job_counts().get("pending", 0))
                if everything:
                    self.deps.service.prune_if_due()
            except Exception as exc:
                self.deps.metrics.count_database_error()
                log.warning("tykbot: cannot read the job queue: %s", first_line(exc))
                continue
            pool = self._pool
            for job in due:
                if pool is None:
                    break
                self._queue(pool, self.run, job)

    def run(self, job: JobView) -> str:
        """Run one leased job and record what happened to it."""
        listener, handler, on_give_up = self.handlers[job.kind]
        with logs.bound(**job_fields(job), listener=listener), self.deps.answers_first.deferred():
            return self._run(job, listener, handler, on_give_up)

    def _run(
        self,
        job: JobView,
        listener: str,
        handler: Handler,
        on_give_up: Callable[[JobView], Any] | None,
    ) -> str:
        metrics, service = self.deps.metrics, self.deps.service
        started = time.monotonic()
        with metrics.timed(listener):
            try:
                outcome = handler(job)
            except Exception as exc:
                return self._failed(job, exc, listener, on_give_up)
        try:
            service.job_done(job.id, outcome)
        except Exception as exc:  # the lease ends and the job runs again: effects are unique
            metrics.count_database_error()
            log.warning("tykbot: job %s done but not recorded: %s", job.id, first_line(exc))
        metrics.count(listener, outcome)
        latency = round((time.monotonic() - started) * 1000, 1)
        log.info("tykbot: job done", extra={"outcome": outcome, "latency_ms": latency})
        if job.attempts > 1:
            log.info("tykbot: job %s (%s) succeeded on try %s", job.id, job.kind, job.attempts)
        return outcome

    def _failed(
        self,
        job: JobView,
        exc: Exception,
        listener: str,
        on_give_up: Callable[[JobView], Any] | None,
    ) -> str:
        metrics, service, settings = self.deps.metrics, self.deps.service, self.deps.settings
        if isinstance(exc, SlackApiError):
            metrics.count_slack_error(str(exc.response.get("error") or "http_error"))
        elif isinstance(exc, DBAPIError):
            metrics.count_database_error()
        delay = retry_delay(exc, job.attempts, settings.tykbot_job_retry_seconds)
        reason = f"{type(exc).__name__}: {first_line(exc)}"
        try:
            if delay is not None and job.attempts < settings.tykbot_job_max_attempts:
                service.job_retry(job.id, delay, reason)
                metrics.count_job("retried")
                log.warning(
                    "tykbot: job %s (%s) failed on try %s, retrying in %.1fs: %s",
                    job.id, job.kind, job.attempts, delay, reason,
                )  # fmt: skip
                return "retry"
            service.job_given_up(job.id, reason)
        except Exception as db_exc:
            metrics.count_database_error()
            log.warning("tykbot: cannot record job %s: %s", job.id, first_line(db_exc))
            return "retry"  # the lease ends and the job runs again
        metrics.count_job("given_up")
        log.error(
            "tykbot: gave up job %s (%s) after %s tries: %s",
            job.id, job.kind, job.attempts, reason, exc_info=exc,
        )  # fmt: skip
        if on_give_up is not None:
            try:
                on_give_up(job)
            except Exception:
                log.exception("tykbot: could not tell the user job %s failed", job.id)
        metrics.count(listener, "error")
        return "error"
