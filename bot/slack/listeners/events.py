"""Channel messages (thread auto-replies) and @mentions.

A mention fires both `message` and `app_mention`: the message listener leaves messages that
mention the bot to the mention listener, and both claim `(channel, ts)` before replying.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.service import Answer
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack.deps import Deps, ack_now, guarded
from bot.slack.payloads import mentions, message_text, plain_text, without_mention
from bot.store.repository import ThreadState

# Message subtypes that are someone posting text; edits, deletes, joins and the rest are not.
POSTED_SUBTYPES = {None, "thread_broadcast", "file_share", "bot_message"}
CHANNEL_TYPES = {"channel", "group"}


def register(app: App, deps: Deps) -> None:
    """Add the message and app_mention listeners (every subscribed event has one)."""

    def on_message(
        event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
    ) -> None:
        guarded(deps, "message", lambda: auto_reply(deps, client, context, event), logger)

    def on_mention(
        event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
    ) -> None:
        def tell_user() -> None:
            client.chat_postMessage(
                channel=event["channel"],
                thread_ts=event.get("thread_ts") or event["ts"],
                **blocks.error_message(),
            )

        guarded(
            deps, "mention", lambda: answer_mention(deps, client, context, event), logger, tell_user
        )

    # Acknowledge at once; reply afterwards (Slack retries events it waits 3 s for).
    app.event("message")(ack=ack_now, lazy=[on_message])
    app.event("app_mention")(ack=ack_now, lazy=[on_mention])


def ignored_sender(deps: Deps, context: BoltContext, event: dict[str, Any]) -> bool:
    """Bots are ignored (tykbot itself always), except the allow-listed alerting bots."""
    bot_id = event.get("bot_id") or (event.get("bot_profile") or {}).get("id")
    if not bot_id and event.get("subtype") != "bot_message":
        return False
    if bot_id and bot_id == context.bot_id:
        return True
    return bot_id not in deps.settings.tykbot_allowed_bots


def auto_reply(deps: Deps, client: WebClient, context: BoltContext, event: dict[str, Any]) -> str:
    """Reply in the thread of a pasted Tyk error: confident only, once per thread and entry."""
    if event.get("subtype") not in POSTED_SUBTYPES or "ts" not in event:
        return "ignored_subtype"
    if event.get("channel_type") not in CHANNEL_TYPES:
        return "ignored_channel_type"
    if ignored_sender(deps, context, event):
        return "ignored_bot"
    if mentions(event.get("text") or "", context.bot_user_id):
        return "left_to_mention"
    text = message_text(event)
    if not text.strip():
        return "empty"
    channel = event["channel"]
    if not deps.service.autoreply_enabled(channel):
        return "autoreply_off"
    answer = deps.service.explain(text, source="thread", limit=3, log=False)
    if not answer.confident or answer.best is None:
        return "not_confident"
    thread_ts = event.get("thread_ts") or event["ts"]
    if not deps.service.claim_message(channel, event["ts"]):
        return "duplicate"
    if not deps.service.claim_thread_reply(channel, thread_ts, answer.best.entry.id):
        return "already_replied"
    answer = deps.service.record(answer, "thread", event.get("user"), channel)
    return reply_in_thread(deps, client, channel, thread_ts, answer)


MAX_UPDATE_ROUNDS = 5
STALE_POST_SECONDS = 30.0  # a first post not done by then was lost: the next answer posts it


def thread_message(deps: Deps, state: ThreadState) -> blocks.Message | None:
    """tykbot's one message of a thread: the first answer's card and the later errors' lines."""
    answers = deps.service.recall_many(state.query_ids)
    if not answers:
        return None
    return cards.answer_message(answers[0], cards.View(cards.THREAD), answers[1:])


def reply_in_thread(
    deps: Deps, client: WebClient, channel: str, thread_ts: str, answer: Answer
) -> str:
    """Post tykbot's message in the thread, or add this answer to the one already there.

    The answers a message lists live in the database; whoever changes the list draws the
    message again from it, until what was drawn is the newest revision (so two errors pasted
    at once both end up listed). A message still being posted is left to its poster.
    """
    assert answer.query_id is not None
    state = deps.service.join_thread(channel, thread_ts, answer.query_id)
    lost = state.message_ts is None and not state.created
    if lost and deps.service.take_over_thread_post(channel, thread_ts, STALE_POST_SECONDS):
        state = replace(state, created=True)
    if state.created:
        msg = thread_message(deps, state)
        if msg is None:
            return "gone"
        posted = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **msg
        )
        drawn = state.revision
        state = deps.service.thread_posted(channel, thread_ts, str(posted["ts"]))
        outcome = "replied"
    elif state.message_ts is None:
        return "queued_in_thread"  # the poster draws it once its post is in
    else:
        drawn, outcome = 0, "updated_thread"
    for _ in range(MAX_UPDATE_ROUNDS):
        if state.revision == drawn or state.message_ts is None:
            break
        msg = thread_message(deps, state)
        if msg is None:
            break
        client.chat_update(channel=channel, ts=state.message_ts, **msg)
        drawn = state.revision
        state = deps.service.thread_state(channel, thread_ts) or state
    return outcome


def thread_parent_text(client: WebClient, channel: str, thread_ts: str) -> str:
    """The text of a thread's first message."""
    replies = client.conversations_replies(channel=channel, ts=thread_ts, limit=1, inclusive=True)
    messages = replies.get("messages") or []
    return message_text(messages[0]) if messages else ""


def answer_mention(
    deps: Deps, client: WebClient, context: BoltContext, event: dict[str, Any]
) -> str:
    """Explain the thread's parent (or the mention's own text) in the thread, sure or not."""
    if ignored_sender(deps, context, event):
        return "ignored_bot"
    channel, ts = event["channel"], event["ts"]
    if not deps.service.claim_message(channel, ts):
        return "duplicate"
    own = plain_text(without_mention(event.get("text") or "", context.bot_user_id))
    thread_ts = event.get("thread_ts")
    texts = [own]
    if thread_ts and thread_ts != ts:
        texts = [thread_parent_text(client, channel, thread_ts), own]
    answer = deps.service.explain_best(
        texts, source="mention", user_id=event.get("user"), channel_id=channel, limit=3
    )
    reply_in = thread_ts or ts
    if answer is None:
        reply = blocks.help_message(
            "Mention me with an error after my name, or in the thread of a message that holds one.",
            in_thread=True,
        )
        outcome = "help"
    else:
        reply = cards.answer_message(answer, cards.View(cards.MENTION))
        outcome = "replied" if answer.best else "no_match"
    client.chat_postMessage(
        channel=channel, thread_ts=reply_in, unfurl_links=False, unfurl_media=False, **reply
    )
    return outcome
