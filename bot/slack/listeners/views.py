"""The "Explain this error" modal's submit button: reply in the message's thread."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack.deps import Deps, on_modal_submit

NOT_MEMBER = {"not_in_channel", "channel_not_found", "is_archived"}


def register(app: App, deps: Deps) -> None:
    """Add the modal submission listener."""

    on_modal_submit(app, deps, blocks.MODAL, "modal", lambda c, v, u: post_in_thread(deps, c, v, u))


_CHANNEL = re.compile(r"[A-Z0-9]{1,40}")
_TS = re.compile(r"\d{1,12}\.\d{1,8}")
MAX_METADATA = 3000  # Slack's own limit on private_metadata


def modal_metadata(raw: object) -> tuple[int, str, str] | None:
    """(query id, channel, thread ts) from the modal's private_metadata; None unless every
    part has the type and shape tykbot wrote (ids of sane length, a Slack ts)."""
    if not isinstance(raw, str) or len(raw) > MAX_METADATA:
        return None
    try:
        meta = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(meta, dict):
        return None
    q, c, t = meta.get("q"), meta.get("c"), meta.get("t")
    if not isinstance(q, int) or isinstance(q, bool) or not 0 < q < 2**62:
        return None
    if not isinstance(c, str) or not _CHANNEL.fullmatch(c):
        return None
    if not isinstance(t, str) or not _TS.fullmatch(t):
        return None
    return q, c, t


def post_in_thread(
    deps: Deps, client: WebClient, view: dict[str, Any], user_id: str
) -> tuple[dict[str, Any], str]:
    """Post the modal's answer in the thread; the ack arguments and the outcome word."""
    meta = modal_metadata(view.get("private_metadata"))
    if meta is None:
        return {}, "bad_metadata"
    query_id, channel, thread_ts = meta
    answer = deps.service.recall(query_id)
    if answer is None or answer.best is None:
        notice = blocks.notice_modal("That answer is too old to post; run the shortcut again.")
        return {"response_action": "update", "view": notice}, "gone"
    try:
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **cards.answer_message(
                answer, cards.View(cards.SHARED, gateways=deps.gateways, shared_by=user_id)
            ),
        )
    except SlackApiError as exc:
        if exc.response.get("error") not in NOT_MEMBER:
            raise
        notice = blocks.notice_modal(
            "I can't post in that channel. Invite me with `/invite @tykbot`, then try again."
        )
        return {"response_action": "update", "view": notice}, "not_in_channel"
    return {}, "posted"
