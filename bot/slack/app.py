"""Assembling the Bolt app: client, middleware and listeners over one Service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.config import Settings
from bot.service import Service
from bot.slack.client import make_client
from bot.slack.deps import Deps
from bot.slack.listeners import actions, admin, commands, events, home, shortcuts, views
from bot.slack.metrics import Metrics

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


def _dedupe_events(deps: Deps) -> Any:
    """Global middleware: an event id is handled once, across Slack retries and replicas."""

    def dedupe_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not deps.service.claim_event(str(event_id)):
            deps.metrics.count("event", "duplicate")
            return BoltResponse(status=200, body="")
        next()
        return None

    return dedupe_events


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
    deps = Deps(settings=settings, service=service, metrics=metrics or Metrics())
    bolt = App(
        client=client or make_client(settings),
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        # Commands and modal submissions answer in the HTTP response itself (no 10 ms ack
        # polling); events, buttons and shortcuts acknowledge first and work lazily.
        process_before_response=True,
        logger=log,
        name="tykbot",
    )
    bolt.middleware(_dedupe_events(deps))
    for module in (commands, events, actions, shortcuts, views, admin, home):
        module.register(bolt, deps)
    return SlackApp(bolt=bolt, deps=deps)
