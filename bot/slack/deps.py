"""What every listener needs: settings, the service and the metrics; and a guard around work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.service import Service
from bot.slack.metrics import Metrics

if TYPE_CHECKING:
    from bot.slack.jobs import JobRunner


@dataclass(frozen=True)
class Deps:
    """The collaborators of the Slack listeners."""

    settings: Settings
    service: Service
    metrics: Metrics
    jobs: JobRunner | None = None


def ack_now(ack: Any) -> None:
    """Acknowledge at once; the work runs afterwards as a lazy listener (Slack waits 3 s)."""
    ack()


def guarded(
    deps: Deps,
    listener: str,
    work: Callable[[], str],
    logger: logging.Logger,
    tell_user: Callable[[], object] | None = None,
) -> str:
    """Run a listener's work, count its outcome; on failure log it and tell the user one line.

    `work` returns an outcome word ("replied", "ignored_bot", ...) used as a metrics label.
    """
    outcome = "error"
    with deps.metrics.timed(listener):
        try:
            outcome = work()
        except Exception:
            logger.exception("tykbot %s listener failed", listener)
            if tell_user is not None:
                try:
                    tell_user()
                except Exception:
                    logger.exception("tykbot %s listener could not report its failure", listener)
        finally:
            deps.metrics.count(listener, outcome)
    return outcome
