"""Prometheus metrics of one Slack app instance (own registry, so apps never collide)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "Metrics"]


class Metrics:
    """Counters of handled Slack requests by listener and outcome, and handling time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.handled = Counter(
            "tykbot_slack_handled",
            "Slack requests handled, by listener and outcome.",
            ["listener", "outcome"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "tykbot_slack_handler_seconds",
            "Time spent in a Slack listener.",
            ["listener"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "tykbot_jobs", "Durable jobs retried or given up.", ["event"], registry=self.registry
        )
        self.jobs_pending = Gauge(
            "tykbot_jobs_pending", "Jobs waiting to run (as last seen).", registry=self.registry
        )
        self.database_errors = Counter(
            "tykbot_database_errors", "Database calls that failed.", registry=self.registry
        )
        self.slack_errors = Counter(
            "tykbot_slack_api_errors",
            "Slack Web API calls that failed, by error.",
            ["error"],
            registry=self.registry,
        )
        self._changed = threading.Condition()

    def count_job(self, event: str) -> None:
        """Count a job retried or given up."""
        self.jobs.labels(event).inc()

    def set_pending(self, pending: int) -> None:
        """Record how many jobs wait."""
        self.jobs_pending.set(pending)

    def count_database_error(self) -> None:
        """Count a failed database call."""
        self.database_errors.inc()

    def count_slack_error(self, error: str) -> None:
        """Count a failed Slack API call by its error word."""
        self.slack_errors.labels(error[:40]).inc()

    def count(self, listener: str, outcome: str) -> None:
        """Count one handled request and wake anyone waiting for it."""
        self.handled.labels(listener, outcome).inc()
        with self._changed:
            self._changed.notify_all()

    def value(self, listener: str, outcome: str | None = None) -> float:
        """How many requests a listener handled (with one outcome, or any)."""
        total = 0.0
        for metric in self.handled.collect():
            for sample in metric.samples:
                if not sample.name.endswith("_total"):
                    continue
                labels = sample.labels
                if labels["listener"] == listener and outcome in (None, labels["outcome"]):
                    total += sample.value
        return total

    def wait(self, listener: str, at_least: float, timeout: float = 10.0) -> float:
        """Block until a listener handled `at_least` requests (or the timeout); the count."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (count := self.value(listener)) < at_least:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
        return count

    @contextmanager
    def timed(self, listener: str) -> Iterator[None]:
        """Observe the time a block takes."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds.labels(listener).observe(time.perf_counter() - start)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
