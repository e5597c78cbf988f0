"""Durable jobs: acknowledged Slack work is a row until Slack accepted its reply.

At-least-once work, exactly-once effects: a job is stored before the ack, leased by one worker
at a time (any replica, after a restart too), retried with backoff, and given up visibly after
a bound. Its effects are made unique by the database: one job per message, one auto-reply
per (thread, entry), and the query a job answered with is remembered so a retry posts it again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.service.answering import Answering, query_values
from bot.service.answers import Answer
from bot.store import repository as repo
from bot.store.models import ThreadReply, utcnow

JobView = repo.JobView


class Jobs(Answering):
    """Use cases of the job queue."""

    def enqueue_leased(self, key: str, kind: str, payload: dict[str, Any]) -> JobView | None:
        """Store a job leased by the caller, who runs its first try now (one write, not two);
        None for a duplicate. If the caller dies, the lease ends and anyone runs it."""
        with self.session() as s:
            return repo.enqueue_job(
                s, key, kind, payload, lease_seconds=self.settings.tykbot_job_lease_seconds
            )

    def lease(
        self, job_id: int | None = None, limit: int = 1, overdue_seconds: float = 0.0
    ) -> list[JobView]:
        """Lease one job by id, or up to `limit` due jobs, for this worker (with
        `overdue_seconds`: only those due for at least that long)."""
        with self.session() as s:
            lease = self.settings.tykbot_job_lease_seconds
            return repo.lease_jobs(s, lease, limit, job_id, overdue_seconds)

    def job_done(self, job_id: int, outcome: str) -> None:
        """The job's effect happened (or was not needed): never run it again."""
        with self.session() as s:
            repo.finish_job(s, job_id, "done", outcome)

    def job_given_up(self, job_id: int, error: str) -> None:
        """Stop trying a job; it stays in the table, failed, with its error."""
        with self.session() as s:
            repo.finish_job(s, job_id, "failed", "given_up", error[:2000])

    def job_retry(self, job_id: int, delay_seconds: float, error: str) -> None:
        """Try the job again after a delay."""
        when = datetime.now(UTC) + timedelta(seconds=delay_seconds)
        with self.session() as s:
            repo.retry_job(s, job_id, when, error[:2000])

    def job_counts(self) -> dict[str, int]:
        """Jobs by status (pending, done, failed)."""
        with self.session() as s:
            return repo.job_counts(s)

    def start_thread_answer(
        self, job_id: int, answer: Answer, user_id: str | None, channel_id: str, thread_ts: str
    ) -> int | None:
        """In one transaction: claim (thread, entry), log the answer and tie it to the job.

        None when the thread already has an auto-reply about this entry. A retry of the job
        finds its query id and posts that same answer.
        """
        assert answer.best is not None
        with self.session() as s:
            claim = ThreadReply(
                channel_id=channel_id,
                thread_ts=thread_ts,
                entry_id=answer.best.entry.id,
                created_at=utcnow(),
            )
            if not repo.added(s, claim):
                return None
            query_id = repo.log_query(s, **query_values(answer, "thread", user_id, channel_id))
            repo.set_job_query(s, job_id, query_id)
            return query_id

    def remember_job_query(self, job_id: int, query_id: int) -> None:
        """Tie a logged answer to its job (a mention's retry posts the same answer)."""
        with self.session() as s:
            repo.set_job_query(s, job_id, query_id)
