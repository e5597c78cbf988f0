"""Channel messages (thread auto-replies) and @mentions.

A mention fires both `message` and `app_mention`: the message listener leaves messages that
mention the bot to the mention listener. Work is a durable job per (kind, channel, ts).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import logs
from bot.service import Answer, JobView
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack.deps import Deps
from bot.slack.payloads import mentions, message_text, plain_text, without_mention
from bot.store.repository import ThreadState

# Message subtypes that are someone posting text; edits, deletes, joins and the rest are not.
POSTED_SUBTYPES = {None, "thread_broadcast", "file_share", "bot_message"}
CHANNEL_TYPES = {"channel", "group"}


def register(app: App, deps: Deps) -> None:
    """Add the message and app_mention listeners (every subscribed event has one).

    Each acknowledges at once: what may need an answer is first stored as a durable job (one
    per message, so Slack's retries and the same message under two event ids are one job),
    then answered by a job worker; a job not done survives a crash and is picked up again.
    """
    assert deps.jobs is not None
    jobs = deps.jobs

    def on_message(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        outcome = screen_message(deps, context, event)
        if outcome is None:
            outcome = enqueue(deps, "message", event, context)
        if outcome:
            deps.metrics.count("message", outcome)
        ack()

    def on_mention(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        outcome = "ignored_bot" if ignored_sender(deps, context, event) else None
        if outcome is None:
            outcome = enqueue(deps, "mention", event, context)
        if outcome:
            deps.metrics.count("mention", outcome)
        ack()

    def tell_mention_failed(job: JobView) -> None:
        event = job.payload["event"]
        jobs_client(app).chat_postMessage(
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
            **blocks.error_message(),
        )

    app.event("message")(on_message)
    app.event("app_mention")(on_mention)
    jobs.handle("message", "message", lambda job: answer_message_job(deps, jobs_client(app), job))
    jobs.handle(
        "mention",
        "mention",
        lambda job: answer_mention(deps, jobs_client(app), job),
        tell_mention_failed,
    )


def jobs_client(app: App) -> WebClient:
    """The app's Web API client (the bot token's), for work done outside a request."""
    return app.client


def enqueue(deps: Deps, kind: str, event: dict[str, Any], context: BoltContext) -> str:
    """Store the event as a job (before the ack) and start it; "" or "duplicate"."""
    assert deps.jobs is not None
    key = f"{kind}:{event.get('channel')}:{event.get('ts')}"[:200]
    payload = {
        "event": event,
        "bot_user_id": context.bot_user_id,
        "bot_id": context.bot_id,
        "request_id": logs.context().get("request_id"),  # the job's log lines name the request
    }
    job = deps.service.enqueue_leased(key, kind, payload)
    if job is None:
        deps.metrics.count("event", "duplicate")
        return ""
    deps.jobs.submit_leased(job)
    return ""


def ignored_sender(deps: Deps, context: Any, event: dict[str, Any]) -> bool:
    """Bots are ignored (tykbot itself always), except the allow-listed alerting bots."""
    bot_id = event.get("bot_id") or (event.get("bot_profile") or {}).get("id")
    if not bot_id and event.get("subtype") != "bot_message":
        return False
    if bot_id and bot_id == context.bot_id:
        return True
    return bot_id not in deps.settings.tykbot_allowed_bots


def screen_message(deps: Deps, context: BoltContext, event: dict[str, Any]) -> str | None:
    """Why a channel message gets no answer (an outcome word), or None when it may need one.
    Cheap and pure, so it runs before the ack and only candidates become jobs."""
    if event.get("subtype") not in POSTED_SUBTYPES or "ts" not in event or "channel" not in event:
        return "ignored_subtype"
    if event.get("channel_type") not in CHANNEL_TYPES:
        return "ignored_channel_type"
    if ignored_sender(deps, context, event):
        return "ignored_bot"
    if mentions(event.get("text") or "", context.bot_user_id):
        return "left_to_mention"
    if not message_text(event).strip():
        return "empty"
    return None


def answer_message_job(deps: Deps, client: WebClient, job: JobView) -> str:
    """Reply in the thread of a pasted Tyk error: confident only, once per thread and entry.

    The first try logs the answer and ties it to the job; a retry posts that same answer.
    """
    event = job.payload["event"]
    channel = event["channel"]
    thread_ts = event.get("thread_ts") or event["ts"]
    query_id = job.query_id
    if query_id is None:
        if not deps.service.autoreply_enabled(channel):
            return "autoreply_off"
        answer = deps.service.explain(message_text(event), source="thread", limit=3, log=False)
        if not answer.confident or answer.best is None:
            return "not_confident"
        query_id = deps.service.start_thread_answer(
            job.id, answer, event.get("user"), channel, thread_ts
        )
        if query_id is None:
            return "already_replied"
    recalled = deps.service.recall(query_id)
    if recalled is None:
        return "gone"
    return reply_in_thread(deps, client, channel, thread_ts, recalled, retry=job.attempts > 1)


MAX_UPDATE_ROUNDS = 5
STALE_POST_SECONDS = 30.0  # a first post not done by then was lost: the next answer posts it


def thread_message(deps: Deps, state: ThreadState) -> blocks.Message | None:
    """tykbot's one message of a thread: the first answer's card and the later errors' lines."""
    answers = deps.service.recall_many(state.query_ids)
    if not answers:
        return None
    return cards.answer_message(
        answers[0], cards.View(cards.THREAD, gateways=deps.gateways), answers[1:]
    )


MARKER = "tykbot_answer"


def answer_marker(query_id: int) -> dict[str, Any]:
    """Message metadata naming the answer a post carries: a retry finds a post that reached
    Slack although its poster died before recording it, and does not post it twice."""
    return {"event_type": MARKER, "event_payload": {"query_id": query_id}}


def already_posted(client: WebClient, channel: str, thread_ts: str, query_id: int) -> str | None:
    """The ts of tykbot's post of this answer in the thread, if Slack already has it."""
    try:
        replies = client.conversations_replies(
            channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
        )
    except SlackApiError as exc:
        if exc.response.get("error") in ("thread_not_found", "message_not_found"):
            return None
        raise
    for message in replies.get("messages") or []:
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") or {}
        if meta.get("event_type") == MARKER and payload.get("query_id") == query_id:
            return str(message["ts"])
    return None


def reply_in_thread(
    deps: Deps,
    client: WebClient,
    channel: str,
    thread_ts: str,
    answer: Answer,
    retry: bool = False,
) -> str:
    """Post tykbot's message in the thread, or add this answer to the one already there.

    The answers a message lists live in the database; whoever changes the list draws the
    message again from it, until what was drawn is the newest revision (so two errors pasted
    at once both end up listed). A message still being posted is left to its poster.
    """
    assert answer.query_id is not None
    state = deps.service.join_thread(channel, thread_ts, answer.query_id)
    lost = state.message_ts is None and not state.created
    if lost and state.query_ids[:1] == [answer.query_id]:
        state = replace(state, created=True)  # this answer made the row: a retry of its post
    elif lost and deps.service.take_over_thread_post(channel, thread_ts, STALE_POST_SECONDS):
        state = replace(state, created=True)
    if state.created:
        msg = thread_message(deps, state)
        if msg is None:
            return "gone"
        posted_ts = already_posted(client, channel, thread_ts, answer.query_id) if retry else None
        if posted_ts is None:
            posted = client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata=answer_marker(answer.query_id),
                **msg,
            )
            posted_ts = str(posted["ts"])
        drawn = state.revision
        state = deps.service.thread_posted(channel, thread_ts, posted_ts)
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


def answer_mention(deps: Deps, client: WebClient, job: JobView) -> str:
    """Explain the thread's parent (or the mention's own text) in the thread, sure or not.

    The answer is logged once and tied to the job; a retry posts the same answer.
    """
    event = job.payload["event"]
    channel, ts = event["channel"], event["ts"]
    thread_ts = event.get("thread_ts")
    answer = deps.service.recall(job.query_id) if job.query_id is not None else None
    if answer is None:
        own = plain_text(without_mention(event.get("text") or "", job.payload.get("bot_user_id")))
        texts = [own]
        if thread_ts and thread_ts != ts:
            texts = [thread_parent_text(client, channel, thread_ts), own]
        answer = deps.service.explain_best(
            texts, source="mention", user_id=event.get("user"), channel_id=channel, limit=3
        )
        if answer is not None and answer.query_id is not None:
            deps.service.remember_job_query(job.id, answer.query_id)
    reply_in = thread_ts or ts
    retry = job.attempts > 1 and answer is not None and answer.query_id is not None
    if retry and answer and already_posted(client, channel, reply_in, answer.query_id or 0):
        return "replied" if answer.best else "no_match"
    if answer is None:
        reply = blocks.help_message(
            "Mention me with an error after my name, or in the thread of a message that holds one.",
            in_thread=True,
        )
        outcome = "help"
    else:
        reply = cards.answer_message(answer, cards.View(cards.MENTION, gateways=deps.gateways))
        outcome = "replied" if answer.best else "no_match"
        if answer.query_id is not None:
            reply = {**reply, "metadata": answer_marker(answer.query_id)}
    client.chat_postMessage(
        channel=channel, thread_ts=reply_in, unfurl_links=False, unfurl_media=False, **reply
    )
    return outcome
