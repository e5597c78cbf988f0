"""Interactive payloads (buttons, selects, a modal's *Reply in thread*) as durable jobs.

A click whose effect happens after the ack is stored as a job row first, then acknowledged;
a job worker runs it (with a lease, retries with backoff and Retry-After, gives up visibly),
so a crash right after the ack loses nothing and Slack's retry of the same payload is the same
job. What must answer inside the request stays synchronous: opening a modal (the trigger_id
expires after 3 s), a modal's validation errors, and menu options.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.webhook import WebhookResponse

from bot import logs
from bot.service import JobView
from bot.slack.deps import Deps
from bot.slack.jobs import WebhookFailed


@dataclass(frozen=True)
class Interaction:
    """A stored interaction being worked on: its payload, where to answer, which try this is."""

    body: dict[str, Any]
    respond: DurableRespond
    attempt: int = 1


JobHandler = Callable[[Interaction], str]
GiveUp = Callable[[Interaction], object]


class DurableRespond(Respond):
    """Bolt's `respond` for work done after the ack: a post Slack did not take raises
    (WebhookFailed), so the job is retried (5xx, 429) or given up (an expired URL)."""

    def __call__(self, *args: Any, **kwargs: Any) -> WebhookResponse:
        response: WebhookResponse = super().__call__(*args, **kwargs)
        if response.status_code >= 400:
            headers = {k.lower(): v for k, v in (response.headers or {}).items()}
            after = headers.get("retry-after")
            after = str(after[0] if isinstance(after, list) and after else after or "")
            wait = float(after) if after.isdigit() else 0.0
            raise WebhookFailed(response.status_code, str(response.body or ""), wait)
        return response


def respond_for(body: dict[str, Any]) -> DurableRespond:
    """The response URL of an interaction (a message's, or a modal's first one)."""
    url = body.get("response_url")
    if not url:
        urls = body.get("response_urls") or []
        url = urls[0].get("response_url") if urls and isinstance(urls[0], dict) else None
    return DurableRespond(response_url=str(url) if url else None)


def interaction_key(kind: str, body: dict[str, Any]) -> str:
    """One job per interaction: Slack sending the same payload again gives the same key (a
    second click differs in its action_ts and trigger_id)."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return f"{kind}:{digest[:48]}"


def enqueue(deps: Deps, kind: str, body: dict[str, Any]) -> int | None:
    """Store an interaction as a job (before the ack) and start it; None for a duplicate."""
    assert deps.jobs is not None
    payload = {"body": body, "request_id": logs.context().get("request_id")}
    job = deps.service.enqueue_leased(interaction_key(kind, body), kind, payload)
    if job is None:
        deps.metrics.count("interaction", "duplicate")
        return None
    deps.jobs.submit_leased(job)
    return job.id


class Durable:
    """Registers interactions whose work runs as durable jobs of one app."""

    def __init__(self, app: App, deps: Deps) -> None:
        assert deps.jobs is not None
        self.app, self.deps, self.jobs = app, deps, deps.jobs

    def handle(
        self, kind: str, listener: str, work: JobHandler, on_give_up: GiveUp | None = None
    ) -> None:
        """Run jobs of `kind` (≤20 characters) with `work(interaction)`."""

        def of(job: JobView) -> Interaction:
            body = job.payload["body"]
            return Interaction(body, respond_for(body), job.attempts)

        def give_up(job: JobView) -> None:
            if on_give_up is not None:
                on_give_up(of(job))

        self.jobs.handle(kind, listener, lambda job: work(of(job)), give_up)

    def action(
        self,
        action_id: str | re.Pattern[str],
        kind: str,
        listener: str,
        work: JobHandler,
        on_give_up: GiveUp | None = None,
    ) -> None:
        """A button or select: stored as a job of `kind`, acknowledged, then worked on."""
        self.handle(kind, listener, work, on_give_up)

        def on_action(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            enqueue(self.deps, kind, body)
            ack()

        self.app.action(action_id)(on_action)
