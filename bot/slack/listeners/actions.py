"""Buttons: Share in channel, Helped, Didn't help, and which other candidate was right.

Acknowledgements go to the voter only: an ephemeral reply through the response URL for
messages, or an update of the modal for buttons inside the "Explain this error" modal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.service import InputError
from bot.slack import blocks
from bot.slack.deps import Deps, ack_now, guarded


def register(app: App, deps: Deps) -> None:
    """Add the button listeners."""

    def listen(
        action_id: str | re.Pattern[str],
        name: str,
        handler: Callable[[Deps, Reply, dict[str, Any], str], str],
    ) -> None:
        def on_action(
            body: dict[str, Any],
            action: dict[str, Any],
            respond: Respond,
            client: WebClient,
            logger: logging.Logger,
        ) -> None:
            reply = Reply(body, respond, client)
            value = blocks.decode_value(action.get("value"))
            guarded(
                deps,
                name,
                lambda: handler(deps, reply, value, body["user"]["id"]),
                logger,
                lambda: reply.send([blocks.section(blocks.error_message()["text"])]),
            )

        app.action(action_id)(ack=ack_now, lazy=[on_action])

    listen(blocks.SHARE, "share", share)
    listen(blocks.HELPED, "vote", lambda d, r, v, u: vote(d, r, v, u, helpful=True))
    listen(blocks.NOT_HELPED, "vote", lambda d, r, v, u: vote(d, r, v, u, helpful=False))
    listen(re.compile(rf"^{blocks.CHOOSE}_"), "choose", choose)


class Reply:
    """Where a button's acknowledgement goes: the modal it sits in, or the voter privately."""

    def __init__(self, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        self.body, self.respond, self.client = body, respond, client

    @property
    def in_modal(self) -> bool:
        """Whether the button sits in a modal."""
        return (self.body.get("container") or {}).get("type") == "view"

    def send(self, new_blocks: list[blocks.Block], replace: bool = False) -> None:
        """Show blocks to the clicking person only."""
        if self.in_modal:
            view = self.body["view"]
            self.client.views_update(
                view_id=view["id"],
                hash=view.get("hash"),
                view=blocks.updated_modal(view, new_blocks),
            )
            return
        self.respond(
            text=blocks.fallback_text(new_blocks),
            blocks=new_blocks,
            response_type="ephemeral",
            replace_original=replace,
        )


def _ids(value: dict[str, Any]) -> tuple[int, str] | None:
    query_id, entry_id = value.get("q"), value.get("e")
    if not isinstance(query_id, int) or not isinstance(entry_id, str):
        return None
    return query_id, entry_id


def share(deps: Deps, reply: Reply, value: dict[str, Any], user_id: str) -> str:
    """Post the private answer publicly, crediting the asker; mark the private copy shared."""
    query_id = value.get("q")
    answer = deps.service.recall(query_id) if isinstance(query_id, int) else None
    if answer is None or answer.best is None:
        reply.send([blocks.section("That answer is too old to share; ask again.")])
        return "gone"
    reply.respond(
        response_type="in_channel",
        replace_original=False,
        unfurl_links=False,
        **blocks.shared_message(answer, user_id),
    )
    reply.respond(
        replace_original=True,
        text="Shared in the channel.",
        blocks=[blocks.context(":white_check_mark: You shared this answer in the channel.")],
    )
    return "shared"


def vote(deps: Deps, reply: Reply, value: dict[str, Any], user_id: str, helpful: bool) -> str:
    """Store a Helped / Didn't help vote; "didn't help" asks which candidate was right."""
    ids = _ids(value)
    if ids is None:
        return "bad_value"
    query_id, entry_id = ids
    try:
        outcome = deps.service.vote(query_id, entry_id, user_id, helpful)
    except InputError as exc:
        reply.send([blocks.section(blocks.escape(str(exc)))])
        return "gone"
    if helpful or outcome.status == "same":
        reply.send([blocks.context(blocks.vote_thanks(helpful, outcome.status))])
    else:
        reply.send(blocks.alternatives_blocks(query_id, entry_id, outcome.alternatives))
    return f"{'helped' if helpful else 'not_helped'}_{outcome.status}"


def choose(deps: Deps, reply: Reply, value: dict[str, Any], user_id: str) -> str:
    """Store which other candidate was the right one (or that none was)."""
    ids = _ids(value)
    if ids is None:
        return "bad_value"
    query_id, entry_id = ids
    chosen_id = value.get("c") if isinstance(value.get("c"), str) else None
    try:
        deps.service.vote(query_id, entry_id, user_id, helpful=False, chosen_entry_id=chosen_id)
    except InputError as exc:
        reply.send([blocks.section(blocks.escape(str(exc)))], replace=True)
        return "gone"
    chosen = deps.service.entry(chosen_id) if chosen_id else None
    reply.send([blocks.context(blocks.vote_thanks(False, "new", chosen))], replace=True)
    return "chosen" if chosen else "none_right"
