"""Buttons on answers: details, Helped, Wrong error? (and the pick), Share, a list's Explain.

A click re-draws the message in place where that is what the person expects: a private answer
through its response URL (`replace_original`), a public one with `chat.update` (details are
for everyone reading the thread), a modal with `views.update`. Votes and picks are
acknowledged to the clicking person only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.service import Answer, InputError
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack.admin import is_admin
from bot.slack.deps import Deps
from bot.slack.interactions import Durable, Interaction
from bot.slack.listeners.events import jobs_client

MAX_ID = 120
Handler = Callable[[Deps, "Click"], str]


def register(app: App, deps: Deps) -> None:
    """Add the button, select-menu and menu-options listeners.

    Each click is stored as a durable job before the ack and worked on by a job worker; the
    menu's options answer inside the request.
    """
    durable = Durable(app, deps)

    def listen(action_id: str | re.Pattern[str], kind: str, name: str, handler: Handler) -> None:
        def work(interaction: Interaction) -> str:
            return handler(deps, Click.of_interaction(interaction, jobs_client(app)))

        def tell_failed(interaction: Interaction) -> None:
            click = Click.of_interaction(interaction, jobs_client(app))
            click.tell([blocks.section(blocks.error_message()["text"])])

        durable.action(action_id, kind, name, work, tell_failed)

    listen(
        cards.SHOW_DETAILS, "act:details_show", "details", lambda d, c: toggle_details(d, c, True)
    )
    listen(
        cards.HIDE_DETAILS, "act:details_hide", "details", lambda d, c: toggle_details(d, c, False)
    )
    listen(cards.HELPED, "act:helped", "vote", helped)
    listen(re.compile(rf"^(?:{cards.WRONG}|{cards.NOT_HELPED})$"), "act:wrong", "vote", wrong_error)
    listen(re.compile(rf"^{cards.CHOOSE}_"), "act:choose", "choose", choose)
    listen(cards.PICK, "act:pick", "choose", choose)
    listen(cards.SHARE, "act:share", "share", share)
    listen(re.compile(rf"^{cards.EXPLAIN}(?:_\d+)?$"), "act:explain", "explain", explain_entry)

    @app.options(cards.PICK)
    def pick_options(ack: Ack, payload: dict[str, Any]) -> None:
        words = str(payload.get("value") or "")[:200]
        found = deps.service.search(words, limit=50) if words.strip() else []
        ack(options=cards.pick_options(found))


# -- reading a click -----------------------------------------------------------------------------
@dataclass
class Click:
    """One click: who, on what, the validated values its element carries, and where to answer."""

    body: dict[str, Any]
    action: dict[str, Any]
    respond: Respond
    client: WebClient
    value: dict[str, Any]
    attempt: int = 1  # the try of its job (more than 1 after a crash or a failed post)

    @classmethod
    def of_interaction(cls, interaction: Interaction, client: WebClient) -> Click:
        """The click a stored interaction holds."""
        body = interaction.body
        click = cls.of(body, (body.get("actions") or [{}])[0], interaction.respond, client)
        click.attempt = interaction.attempt
        return click

    @classmethod
    def of(
        cls, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> Click:
        """Read a click; a value that is not ours reads as {} (and the handler refuses it)."""
        value = blocks.decode_value(action.get("value"))
        if action.get("type") == "external_select":
            # The menu's own value is the picked entry; the answer it belongs to is in block_id.
            _, _, rest = str(action.get("block_id") or "").partition(":")
            query, _, entry = rest.partition(":")
            picked = (action.get("selected_option") or {}).get("value")
            value = {"q": int(query) if query.isdigit() else None, "e": entry, "c": picked}
        return cls(body, action, respond, client, value)

    @property
    def user_id(self) -> str:
        return str((self.body.get("user") or {}).get("id") or "")

    @property
    def in_modal(self) -> bool:
        return (self.body.get("container") or {}).get("type") == "view"

    @property
    def public(self) -> bool:
        """Whether the clicked message is one everybody sees (not ephemeral, not a modal)."""
        container = self.body.get("container") or {}
        return not self.in_modal and not container.get("is_ephemeral", False)

    def channel_id(self) -> str:
        container = self.body.get("container") or {}
        return str(container.get("channel_id") or (self.body.get("channel") or {}).get("id") or "")

    def query_id(self) -> int | None:
        q = self.value.get("q")
        return q if isinstance(q, int) and 0 < q < 2**62 else None

    def text_id(self, key: str) -> str | None:
        v = self.value.get(key)
        return v if isinstance(v, str) and 0 < len(v) <= MAX_ID else None

    def surface(self) -> str:
        s = self.value.get("s")
        return s if s in cards.SURFACES else cards.PRIVATE

    def shared_by(self) -> str:
        u = self.value.get("u")
        return u if isinstance(u, str) and len(u) <= 40 else ""

    # -- answering the click -------------------------------------------------------------------
    def tell(self, new_blocks: list[blocks.Block], replace: bool = False) -> None:
        """Show blocks to the clicking person only (in the modal, or ephemeral)."""
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
            replace_original=replace and not self.public,
        )

    def share(self, msg: blocks.Message, what: str, marker: dict[str, Any]) -> None:
        """Post `msg` in the channel, once (a retried job first looks for the post carrying
        `marker`, its message metadata), and mark the private copy as shared."""
        if self.attempt == 1 or not already_shared(self, marker):
            self.respond(
                response_type="in_channel",
                replace_original=False,
                unfurl_links=False,
                metadata=marker,
                **msg,
            )
        self.respond(
            replace_original=True,
            text="Shared in the channel.",
            blocks=[blocks.context(f":white_check_mark: You shared this {what} in the channel.")],
        )

    def redraw(self, msg: blocks.Message) -> None:
        """Draw the clicked message again: private by response URL, public with chat.update."""
        if self.public:
            container = self.body.get("container") or {}
            self.client.chat_update(
                channel=self.channel_id(), ts=str(container.get("message_ts")), **msg
            )
        else:
            self.respond(replace_original=True, **msg)

    def redraw_modal(self, answer: Answer, view: cards.View) -> None:
        """Draw the shortcut's modal again with the same metadata."""
        current = self.body["view"]
        meta = blocks.decode_value(current.get("private_metadata"))
        modal = cards.answer_modal(answer, "", str(meta.get("c", "")), str(meta.get("t", "")), view)
        self.client.views_update(view_id=current["id"], hash=current.get("hash"), view=modal)


def _admin(deps: Deps, click: Click, surface: str) -> bool:
    """Admins see *Edit* on answers only they see."""
    if surface not in (cards.PRIVATE, cards.MODAL_VIEW, cards.PICKED):
        return False
    return is_admin(deps.settings, click.client, click.user_id)


def _answer_of(deps: Deps, click: Click) -> Answer | None:
    """The answer a button belongs to: its logged query, or the one entry it names."""
    query_id = click.query_id()
    if query_id is not None:
        return deps.service.recall(query_id)
    entry_id = click.text_id("e")
    return deps.service.answer_for_entry(entry_id) if entry_id else None


def _thread_more(deps: Deps, click: Click, answer: Answer) -> list[Answer]:
    """The other errors listed by a thread message (empty for other messages)."""
    container = click.body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not click.public or not channel or not ts:
        return []
    state = deps.service.thread_of_message(str(channel), str(ts))
    if state is None:
        return []
    return deps.service.recall_many([q for q in state.query_ids if q != answer.query_id])


# -- handlers ------------------------------------------------------------------------------------
def toggle_details(deps: Deps, click: Click, show: bool) -> str:
    """*Show details* / *Hide details*: the same message, expanded or folded."""
    answer = _answer_of(deps, click)
    if answer is None or answer.best is None:
        click.tell([blocks.section("That answer is too old to expand; ask again.")])
        return "gone"
    surface = click.surface()
    view = cards.View(
        surface,
        gateways=deps.gateways,
        details=show,
        admin=_admin(deps, click, surface),
        shared_by=click.shared_by(),
    )
    if click.in_modal:
        click.redraw_modal(answer, view)
    else:
        click.redraw(cards.answer_message(answer, view, _thread_more(deps, click, answer)))
    return "shown" if show else "hidden"


def _vote_ids(click: Click) -> tuple[int, str] | None:
    query_id, entry_id = click.query_id(), click.text_id("e")
    if query_id is None or entry_id is None:
        return None
    return query_id, entry_id


def helped(deps: Deps, click: Click) -> str:
    """*Helped*: store the vote; the voter's copy shows the thanks instead of the buttons."""
    ids = _vote_ids(click)
    if ids is None:
        return "bad_value"
    try:
        outcome = deps.service.vote(ids[0], ids[1], click.user_id, helpful=True)
    except InputError as exc:
        click.tell([blocks.section(blocks.escape(str(exc)))])
        return "gone"
    thanks = cards.vote_thanks(True, outcome.status)
    _acknowledge(deps, click, ids[0], thanks)
    return f"helped_{outcome.status}"


def _acknowledge(deps: Deps, click: Click, query_id: int, thanks: str) -> None:
    """Replace the vote buttons with the thanks where only the voter sees the message."""
    if click.public:
        click.tell([blocks.context(thanks)])
        return
    answer = deps.service.recall(query_id)
    if answer is None:
        click.tell([blocks.context(thanks)], replace=True)
        return
    surface = click.surface()
    view = cards.View(
        surface, gateways=deps.gateways, admin=_admin(deps, click, surface), voted=thanks
    )
    if click.in_modal:
        click.redraw_modal(answer, view)
    else:
        click.redraw(cards.answer_message(answer, view))


def wrong_error(deps: Deps, click: Click) -> str:
    """*Wrong error?*: store it, then offer the other candidates and a search over all errors."""
    ids = _vote_ids(click)
    if ids is None:
        return "bad_value"
    query_id, entry_id = ids
    try:
        outcome = deps.service.vote(query_id, entry_id, click.user_id, helpful=False)
    except InputError as exc:
        click.tell([blocks.section(blocks.escape(str(exc)))])
        return "gone"
    state = {"s": click.surface()}
    offer = cards.wrong_error_blocks(query_id, entry_id, outcome.alternatives, state)
    click.tell(offer, replace=True)
    return f"wrong_{outcome.status}"


def choose(deps: Deps, click: Click) -> str:
    """The right entry after *Wrong error?* (a button or the search menu), or none of them:
    recorded as a correction; the picked entry's card is shown to the person who picked."""
    ids = _vote_ids(click)
    if ids is None:
        return "bad_value"
    query_id, entry_id = ids
    chosen_id = click.text_id("c")
    if chosen_id is not None and deps.service.entry(chosen_id) is None:
        return "bad_value"
    try:
        deps.service.vote(
            query_id, entry_id, click.user_id, helpful=False, chosen_entry_id=chosen_id
        )
    except InputError as exc:
        click.tell([blocks.section(blocks.escape(str(exc)))], replace=True)
        return "gone"
    if chosen_id is None:
        click.tell([blocks.context(cards.vote_thanks(False, "new"))], replace=True)
        return "none_right"
    base = deps.service.recall(query_id)
    picked = deps.service.answer_for_entry(chosen_id, base)
    if picked is None or picked.best is None:
        return "gone"
    thanks = cards.vote_thanks(False, "new", picked.best.entry)
    view = cards.View(cards.PICKED, gateways=deps.gateways, admin=_admin(deps, click, cards.PICKED))
    click.tell(cards.picked_blocks(picked, thanks, view), replace=True)
    return "chosen"


SHARE_MARKER = "tykbot_share"


def share_marker(payload: dict[str, Any], kind: str = SHARE_MARKER) -> dict[str, Any]:
    """Message metadata naming what was shared and by whom: a retried Share finds the post
    that reached Slack before its worker died, and does not post it twice."""
    return {"event_type": kind, "event_payload": payload}


def already_shared(click: Click, marker: dict[str, Any]) -> bool:
    """Whether the channel already shows the post carrying `marker`."""
    channel = click.channel_id()
    if not channel:
        return False
    try:
        history = click.client.conversations_history(
            channel=channel, include_all_metadata=True, limit=100
        )
    except SlackApiError:
        return False  # cannot look (tykbot is not in the channel): post it
    for message in history.get("messages") or []:
        meta = message.get("metadata") or {}
        if (
            meta.get("event_type") == marker["event_type"]
            and meta.get("event_payload") == marker["event_payload"]
        ):
            return True
    return False


def share(deps: Deps, click: Click) -> str:
    """Post the private answer publicly, crediting the asker; mark the private copy shared.

    Posted once: a retry (after a crash or a failed post) first looks for the earlier post.
    """
    query_id = click.query_id()
    answer = deps.service.recall(query_id) if query_id is not None else None
    if query_id is None or answer is None or answer.best is None:
        click.tell([blocks.section("That answer is too old to share; ask again.")])
        return "gone"
    view = cards.View(cards.SHARED, gateways=deps.gateways, shared_by=click.user_id)
    marker = share_marker({"query_id": query_id, "user": click.user_id})
    click.share(cards.answer_message(answer, view), "answer", marker)
    return "shared"


def explain_entry(deps: Deps, click: Click) -> str:
    """A list row's *Explain*: that entry's card, privately, below the list."""
    entry_id = click.text_id("e")
    answer = deps.service.answer_for_entry(entry_id) if entry_id else None
    if answer is None:
        click.tell([blocks.section("That entry no longer exists; list the code again.")])
        return "gone"
    view = cards.View(cards.PICKED, gateways=deps.gateways, admin=_admin(deps, click, cards.PICKED))
    click.respond(
        response_type="ephemeral", replace_original=False, **cards.answer_message(answer, view)
    )
    return "explained"
