"""The message shortcut "Explain this error": works on any message, threads included."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.service import InputError
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack.admin import is_admin
from bot.slack.deps import Deps, guarded
from bot.slack.payloads import message_text

CALLBACK_ID = "tyk_explain_message"


def register(app: App, deps: Deps) -> None:
    """Add the message shortcut listener.

    Its effect is a modal, and views.open needs the trigger_id within 3 s: so it runs inside
    the request and acknowledges after (a crash before then leaves Slack unacknowledged and the
    person sees the failure at once; nothing acknowledged is lost).
    """

    def explain_message(
        ack: Ack, shortcut: dict[str, Any], client: WebClient, logger: logging.Logger
    ) -> None:
        def tell_user() -> None:
            client.views_open(
                trigger_id=shortcut["trigger_id"],
                view=blocks.notice_modal(blocks.error_message()["text"]),
            )

        guarded(deps, "shortcut", lambda: open_answer(deps, client, shortcut), logger, tell_user)
        ack()

    app.message_shortcut(CALLBACK_ID)(explain_message)


def open_answer(deps: Deps, client: WebClient, shortcut: dict[str, Any]) -> str:
    """Explain the message in a modal that can post the answer in the message's thread."""
    message = shortcut.get("message") or {}
    channel_id = (shortcut.get("channel") or {}).get("id", "")
    user_id = (shortcut.get("user") or {}).get("id")
    thread_ts = message.get("thread_ts") or message.get("ts", "")
    note, answer = "", None
    try:
        answer = deps.service.explain(
            message_text(message),
            source="shortcut",
            user_id=user_id,
            channel_id=channel_id,
            limit=3,
        )
    except InputError as exc:
        note = f"Nothing to explain: {exc}."
    admin = bool(user_id) and is_admin(deps.settings, client, str(user_id))
    view = cards.answer_modal(
        answer, note, channel_id, thread_ts, cards.View(cards.MODAL_VIEW, admin=admin)
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=view)
    return "answered" if answer is not None and answer.best else "no_match"
