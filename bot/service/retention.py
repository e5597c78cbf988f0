"""Retention: forget what people wrote after TYKBOT_RETENTION_DAYS, keep the counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.service.core import ServiceCore
from bot.store import repository as repo


class Retention(ServiceCore):
    """The purge use case (`tykbot purge`, ready for cron)."""

    def purge(self, days: int | None = None) -> dict[str, int]:
        """Empty query texts and vote reasons older than `days` (default the setting) and drop
        handled-message and thread rows as old; each row's entry, confidence, source and time
        stay, so figures and rankings keep their history. Returns what was purged, by kind."""
        keep = self.settings.tykbot_retention_days if days is None else days
        if keep < 1:
            raise ValueError("retention must be at least one day")
        with self.session() as s:
            return repo.purge_before(s, datetime.now(UTC) - timedelta(days=keep))
