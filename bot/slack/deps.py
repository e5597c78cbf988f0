"""What every listener needs: settings, the service and the metrics; and a guard around work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.gateway.gateways import gateway_names
from bot.service import Service
from bot.slack import blocks
from bot.slack.metrics import Metrics
from bot.slack.priority import AnswersFirst

if TYPE_CHECKING:
    from bot.slack.jobs import JobRunner


@dataclass(frozen=True)
class Deps:
    """The collaborators of the Slack listeners."""

    settings: Settings
    service: Service
    metrics: Metrics
    jobs: JobRunner | None = None
    answers_first: AnswersFirst = field(default_factory=AnswersFirst)

    @property
    def gateways(self) -> tuple[str, ...]:
        """The gateways checks may run on (empty: no check button, help line or Home text)."""
        return gateway_names(self.settings)


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


ModalSubmit = Callable[[Any, dict[str, Any], str], tuple[dict[str, Any], str]]


def on_modal_submit(app: Any, deps: Deps, callback_id: str, name: str, submit: ModalSubmit) -> None:
    """Register a modal's submission: `submit(client, view, user_id)` returns the ack arguments
    and an outcome word; a failure is logged and the modal says so in one line."""

    def on_submit(
        ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any, logger: logging.Logger
    ) -> None:
        result: dict[str, Any] = {}

        def work() -> str:
            nonlocal result
            result, outcome = submit(client, view, str(body["user"]["id"]))
            return outcome

        def tell_user() -> None:
            nonlocal result
            notice = blocks.notice_modal(blocks.error_message()["text"])
            result = {"response_action": "update", "view": notice}

        guarded(deps, name, work, logger, tell_user)
        ack(**result)

    app.view(callback_id)(on_submit)
