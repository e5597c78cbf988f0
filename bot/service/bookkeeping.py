"""Bookkeeping: exactly-once claims, channel switches and usage figures."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.service.core import ServiceCore
from bot.store import repository as repo


class Bookkeeping(ServiceCore):
    """Use cases that keep Slack replies exactly-once and count usage."""

    def claim_event(self, event_id: str) -> bool:
        """True the first time this Slack event id is handled (retries and replicas skip it)."""
        self.prune_if_due()
        with self.sessions() as s:
            return repo.claim_event(s, event_id)

    def prune_if_due(self, every_seconds: float = 3600.0) -> int:
        """Apply the retention as it goes (at most once per `every_seconds`): delete bookkeeping
        older than TYKBOT_RETENTION_DAYS and empty query texts and vote reasons as old (what
        `tykbot purge` does; counts stay). Returns how many rows were touched."""
        if time.monotonic() - self._pruned_at < every_seconds and self._pruned_at:
            return 0
        self._pruned_at = time.monotonic()
        cutoff = datetime.now(UTC) - timedelta(days=self.settings.tykbot_retention_days)
        with self.session() as s:
            purged = repo.purge_before(s, cutoff)
            return repo.prune_bookkeeping(s, cutoff) + sum(purged.values())

    def claim_message(self, channel_id: str, ts: str) -> bool:
        """True the first time a message is answered (mention fires two events)."""
        with self.sessions() as s:
            return repo.claim_message(s, channel_id, ts)

    def claim_thread_reply(self, channel_id: str, thread_ts: str, entry_id: str) -> bool:
        """True the first time this thread gets an auto-reply about this entry."""
        with self.sessions() as s:
            return repo.claim_thread_reply(s, channel_id, thread_ts, entry_id)

    def autoreply_enabled(self, channel_id: str) -> bool:
        """Whether auto-replies are on in a channel (default from settings)."""
        with self.session() as s:
            value = repo.channel_autoreply(s, channel_id)
        return self.settings.tykbot_autoreply_default if value is None else value

    def set_autoreply(self, channel_id: str, on: bool, by: str) -> None:
        """Turn auto-replies on or off in a channel."""
        with self.session() as s:
            repo.set_channel_autoreply(s, channel_id, on, by)

    def stats(self, days: int | None = None) -> dict[str, Any]:
        """Usage figures: queries, confident share, votes, most asked entries."""
        since = datetime.now(UTC) - timedelta(days=days) if days else None
        with self.session() as s:
            figures = repo.query_stats(s, since)
            figures["entries"] = repo.count_entries(s)
            figures["catalog_version"] = repo.catalog_version(s)
        return figures

    # -- one tykbot message per thread ------------------------------------------------------------
    def join_thread(self, channel_id: str, thread_ts: str, query_id: int) -> repo.ThreadState:
        """Add an answer to the thread's one message; `created` tells the caller to post it."""
        with self.session() as s:
            return repo.join_thread(s, channel_id, thread_ts, query_id)

    def take_over_thread_post(self, channel_id: str, thread_ts: str, after_seconds: float) -> bool:
        """True when this caller should post the thread's message because the first poster has
        not managed to for `after_seconds` (only one caller wins)."""
        cutoff = datetime.now(UTC) - timedelta(seconds=after_seconds)
        with self.session() as s:
            return repo.take_over_thread_post(s, channel_id, thread_ts, cutoff)

    def thread_posted(self, channel_id: str, thread_ts: str, message_ts: str) -> repo.ThreadState:
        """Record the posted message's ts; returns the state to check for answers added since."""
        with self.session() as s:
            return repo.thread_posted(s, channel_id, thread_ts, message_ts)

    def thread_state(self, channel_id: str, thread_ts: str) -> repo.ThreadState | None:
        """tykbot's message in a thread, if any."""
        with self.session() as s:
            return repo.thread_state(s, channel_id, thread_ts)

    def thread_of_message(self, channel_id: str, message_ts: str) -> repo.ThreadState | None:
        """The thread state of one of tykbot's thread messages (None for other messages)."""
        with self.session() as s:
            return repo.thread_of_message(s, channel_id, message_ts)
