"""The "Explain this error" modal's submit button: reply in the message's thread.

The submission is stored as a durable job before the ack, which turns the modal into a
"posting" notice; the job posts the answer (once: a retry looks for its earlier post) and
updates the notice with what happened.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack.deps import Deps
from bot.slack.interactions import Durable, Interaction, enqueue
from bot.slack.listeners.events import already_posted, answer_marker, jobs_client

NOT_MEMBER = {"not_in_channel", "channel_not_found", "is_archived"}


POSTING = ":hourglass_flowing_sand: Posting the answer in the thread…"
POSTED = ":white_check_mark: Posted the answer in the thread."


def register(app: App, deps: Deps) -> None:
    """Add the modal submission listener and its job."""
    durable = Durable(app, deps)

    @app.view(blocks.MODAL)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        if modal_metadata(view.get("private_metadata")) is None:
            deps.metrics.count("modal", "bad_metadata")
            ack()
            return
        enqueue(deps, "view:reply_thread", body)
        ack(response_action="update", view=blocks.notice_modal(POSTING))

    def tell_failed(interaction: Interaction) -> None:
        show(jobs_client(app), interaction.body, blocks.error_message()["text"])

    durable.handle(
        "view:reply_thread",
        "modal",
        lambda i: reply_in_thread(deps, jobs_client(app), i),
        tell_failed,
    )


def show(client: WebClient, body: dict[str, Any], text: str) -> None:
    """Put one line in the submitted modal (nothing if the person closed it meanwhile)."""
    view_id = (body.get("view") or {}).get("id")
    if not view_id:
        return
    with contextlib.suppress(SlackApiError):
        client.views_update(view_id=str(view_id), view=blocks.notice_modal(text))


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


def reply_in_thread(deps: Deps, client: WebClient, interaction: Interaction) -> str:
    """Post the modal's answer in the thread crediting the person; the outcome word."""
    body = interaction.body
    view = body.get("view") or {}
    user_id = str((body.get("user") or {}).get("id") or "")
    meta = modal_metadata(view.get("private_metadata"))
    if meta is None:
        return "bad_metadata"
    query_id, channel, thread_ts = meta
    answer = deps.service.recall(query_id)
    if answer is None or answer.best is None:
        show(client, body, "That answer is too old to post; run the shortcut again.")
        return "gone"
    retry = interaction.attempt > 1
    if not (retry and already_posted(client, channel, thread_ts, query_id)):
        try:
            client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata=answer_marker(query_id),
                **cards.answer_message(
                    answer, cards.View(cards.SHARED, gateways=deps.gateways, shared_by=user_id)
                ),
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in NOT_MEMBER:
                raise
            show(
                client,
                body,
                "I can't post in that channel. Invite me with `/invite @tykbot`, then try again.",
            )
            return "not_in_channel"
    show(client, body, POSTED)
    return "posted"
