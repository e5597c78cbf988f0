"""Assembling the Bolt app: client, middleware and listeners over one Service."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.service import Service
from bot.slack.client import make_client
from bot.slack.deps import Deps
from bot.slack.jobs import JobRunner
from bot.slack.listeners import actions, admin, checks, commands, events, home, shortcuts, views
from bot.slack.metrics import Metrics
from bot.slack.priority import AnswersFirst

log = logging.getLogger("bot.slack")


@dataclass(frozen=True)
class SlackApp:
    """The Bolt app and what it was built from."""

    bolt: App
    deps: Deps

    @property
    def service(self) -> Service:
        """The use cases behind the app."""
        return self.deps.service

    @property
    def metrics(self) -> Metrics:
        """The app's metrics."""
        return self.deps.metrics

    @property
    def jobs(self) -> JobRunner:
        """The app's job workers."""
        assert self.deps.jobs is not None
        return self.deps.jobs


def _acknowledge_the_rest(bolt: App) -> None:
    """Acknowledge (200) events, actions, views and shortcuts no listener above took: Slack
    retries a 404 for an hour. Registered last, so they only see what nothing else matched."""
    anything = re.compile(".*")

    def ack_only(ack: Any) -> None:
        ack()

    def no_options(ack: Any) -> None:
        ack(options=[])

    bolt.event(anything)(ack_only)
    bolt.action(anything)(ack_only)
    bolt.view(anything)(ack_only)
    bolt.view_closed(anything)(ack_only)
    bolt.shortcut(anything)(ack_only)
    bolt.options(anything)(no_options)


def build_app(
    settings: Settings,
    service: Service,
    *,
    client: WebClient | None = None,
    metrics: Metrics | None = None,
    socket_mode: bool = False,
) -> SlackApp:
    """The Bolt app with every tykbot listener. Calls `auth.test` once to learn the bot's ids.

    In HTTP mode every request must carry a valid Slack signature (bad or stale: 401).
    """
    deps = Deps(
        settings=settings,
        service=service,
        metrics=metrics or Metrics(),
        answers_first=AnswersFirst(max_wait=settings.tykbot_answers_first_ms / 1000),
    )
    deps = replace(deps, jobs=JobRunner(deps))
    bolt = App(
        client=client or make_client(settings),
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        # Every listener answers in the HTTP response itself (no 10 ms ack polling). Work done
        # after the ack (events, clicks, Reply in thread) is a durable job run by JobRunner.
        process_before_response=True,
        logger=log,
        name="tykbot",
    )
    for module in (commands, events, actions, checks, shortcuts, views, admin, home):
        module.register(bolt, deps)
    _acknowledge_the_rest(bolt)
    return SlackApp(bolt=bolt, deps=deps)
