"""Answers as Slack messages: the compact card first, the details on demand, in the same message.

Pure functions from Answers (and the plain-Python Card of bot/cards.py) to Block Kit. Every
button carries what is needed to render the message again (`q` query id or `e` entry id, and
the surface), so a click can re-draw the message in place: details shown or hidden, a vote
acknowledged. User text is escaped; everything stays within Slack's limits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.cards import Card, also_codes_text, card_for, others_text
from bot.catalog import Entry
from bot.service import Answer, Candidate
from bot.slack.blocks import (
    COMMAND,
    FEEDBACK_BLOCK,
    MAX_BUTTON_TEXT,
    MAX_MODAL_BLOCKS,
    MODAL,
    Block,
    Message,
    button,
    cap,
    clip,
    clip_escaped,
    code_block,
    context,
    escape,
    message,
    section,
)

# Action ids (the listeners in bot/slack/listeners/ match them).
SHARE = "tyk_share"
HELPED = "tyk_helped"
WRONG = "tyk_wrong"
NOT_HELPED = "tyk_not_helped"  # answers rendered before the cards still carry it
CHOOSE = "tyk_choose"  # tyk_choose_0, tyk_choose_1, ...; tyk_choose_none for "none of these"
PICK = "tyk_pick"  # the "search every error" select menu of *Wrong error?*
SHOW_DETAILS = "tyk_details"
HIDE_DETAILS = "tyk_hide_details"
EXPLAIN = "tyk_explain"  # a row of a list
EDIT = "tyk_edit"  # admins: open the entry in the edit modal
REASON = "tyk_reason"  # the optional reason typed under *Wrong error?*
CHECK = "tyk_check"  # tyk_check_0, tyk_check_1: *Check on <gateway>*; tyk_check_pick: a select
MAX_CHECK_BUTTONS = 2  # more gateways than this: one select menu instead of buttons

# Where an answer is shown; it decides the buttons and the wording.
PRIVATE = "private"  # /tykerror's ephemeral reply
THREAD = "thread"  # a thread auto-reply
MENTION = "mention"  # the reply to an @mention
SHARED = "shared"  # a private answer someone shared, or posted from the shortcut
MODAL_VIEW = "modal"  # the "Explain this error" modal
PICKED = "picked"  # an entry someone chose (from a list, or after *Wrong error?*)
SURFACES = (PRIVATE, THREAD, MENTION, SHARED, MODAL_VIEW, PICKED)

MAX_CARD_CHARS = 600
MAX_LIST_ROWS = 10
MAX_THREAD_LINES = 5
_LINK = re.compile(r"<([^<>|\s]+)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":[a-z][a-z0-9_+'\-]*:")


@dataclass(frozen=True)
class View:
    """How an answer is drawn: where, whether details are open, and who asked."""

    surface: str
    details: bool = False
    admin: bool = False
    shared_by: str = ""  # user id credited on a shared answer
    voted: str = ""  # an acknowledgement that replaces the vote buttons (the voter's copy)
    intro: str = ""  # one line above the card (mrkdwn, escaped), counted in its budget
    gateways: tuple[str, ...] = ()  # configured gateways: *Check on <name>* (none: no button)

    def state(self) -> dict[str, Any]:
        """What a button carries to draw the message again."""
        out: dict[str, Any] = {"s": self.surface}
        if self.shared_by:
            out["u"] = self.shared_by
        return out


def shown_text(mrkdwn: str) -> str:
    """What a reader sees of some mrkdwn: link labels, entities decoded, markers and code
    fences dropped (word-inner `_` and `*` stay), an emoji as one character."""
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), mrkdwn)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = text.replace("```", "").replace("`", "")
    for marker in (r"\*", "_", "~"):
        text = re.sub(rf"(?<![\w*]){marker}(?=\S)|(?<=\S){marker}(?![\w*])", "", text)
    return _EMOJI.sub("•", text)


def visible_length(rendered: Sequence[Block]) -> int:
    """About how many characters a person sees of some blocks (Slack's own reading rule)."""
    parts: list[str] = []
    for block in rendered:
        if block.get("type") == "section":
            parts.append(shown_text(block["text"]["text"]))
        elif block.get("type") == "context":
            parts.append("  ".join(shown_text(e.get("text", "")) for e in block["elements"]))
    return len(re.sub(r"\s+", " ", "\n".join(parts)).strip())


# -- the card ----------------------------------------------------------------------------------
def headline_line(card: Card) -> str:
    """`*403 Access to this API has been disallowed*  (also sent as 400)`."""
    line = f"*{card.code} {escape(card.headline)}*"
    also = also_codes_text(card)
    if also:
        line += f"  _({also})_"
    if not card.reaches_clients:
        line += "  _(docs only)_"
    return line


def facts_text(card: Card) -> str:
    """`In your paste: API payments-v2, host orders-svc:8080`."""
    if not card.facts:
        return ""
    return "In your paste: " + ", ".join(f"{k} `{escape(v)}`" for k, v in card.facts)


def context_line(card: Card, answer: Answer) -> Block:
    """How sure, what matched, the docs link, in one grey line."""
    mark = ":white_check_mark:" if card.sure else ":grey_question:"
    parts = [f"{mark} {card.sureness}"] + ([f"matched {card.matched}"] if card.matched else [])
    if card.others:
        parts.append(others_text(card))  # listed under *Details*
    if card.docs_url.startswith("http"):
        parts.append(f"<{card.docs_url}|Tyk docs>")
    return context(" · ".join(parts))


def notices(answer: Answer, public: bool) -> list[str]:
    """One short line each: a redacted secret, a paste that was cut."""
    out = []
    if answer.secret_found:
        kinds = escape(", ".join(answer.secrets))
        out.append(
            f":warning: That message seems to hold a secret ({kinds}); I did not repeat or store "
            "it. Rotate it."
            if public
            else f":warning: Your paste held a secret ({kinds}); I redacted it. Rotate it if "
            "it went anywhere public."
        )
    if answer.truncated:
        out.append(":scissors: Your paste was long; I read its end, where logs put the error.")
    return out


def card_blocks(answer: Answer, card: Card, view: View) -> list[Block]:
    """The compact card: headline and diagnosis, the next step, notices, the context line.

    At most MAX_CARD_CHARS visible characters, the intro and the vote thanks included: when
    long values push it over, the paste's facts go first, then the step and the diagnosis are
    shortened.
    """
    public = view.surface in (THREAD, MENTION, SHARED)
    intro = [context(view.intro)] if view.intro else []
    if view.surface == SHARED and view.shared_by:
        intro.append(context(f"<@{escape(view.shared_by)}> shared an answer from tykbot:"))
    if view.surface == MENTION and not answer.confident:
        intro.append(context("I'm not sure about this one; here is my best guess."))
    tail = [context(line) for line in notices(answer, public)] + [context_line(card, answer)]
    if view.voted:
        tail.append(context(view.voted))
    facts, diagnosis, step = facts_text(card), card.diagnosis, card.next_step

    def draw() -> list[Block]:
        top = f"{headline_line(card)}\n{escape(diagnosis)}" + (f"\n{facts}" if facts else "")
        return [*intro, section(top), section(f"*Next:* {escape(step)}"), *tail]

    out = draw()
    for shorten in ("facts", "step", "diagnosis"):
        over = visible_length(out) - MAX_CARD_CHARS
        if over <= 0:
            break
        if shorten == "facts":
            facts = ""
        elif shorten == "step":
            step = clip(step, max(len(step) - over - 1, 40))
        else:
            diagnosis = clip(diagnosis, max(len(diagnosis) - over - 1, 40))
        out = draw()
    return out


def details_blocks(answer: Answer, candidate: Candidate, view: View) -> list[Block]:
    """Everything else, in reading order: cause, all steps, the docs' words, notes, others."""
    e = candidate.entry
    out: list[Block] = [{"type": "divider"}]
    for label, text in (("Cause", e.cause), ("What to do", e.action)):
        if text.strip():
            out.append(section(f"*{label}:* {escape(text)}"))
    if e.guidance.strip():
        out.append(section(f"*Tyk docs say:* {escape(e.guidance)}"))
    if e.message != (e.gateway_message or e.message):
        out.append(section(f"*Docs wording:* {e.code} {escape(e.message)}"))
    if e.note.strip():
        out.append(section(f"*Note:* {escape(e.note)}"))
    if candidate.version_notes:
        notes = "\n".join(f"• {escape(n)}" for n in candidate.version_notes)
        seen = f" ({escape(answer.version_seen)})" if answer.version_seen else ""
        out.append(section(f"*Gateway versions{seen}:*\n{notes}"))
    if answer.also_found:
        out.append(section(entry_lines("Also in this paste:", answer.also_found)))
    listed = {c.entry.id for c in answer.also_found}  # not twice in one message
    others = [c for c in answer.candidates if c is not candidate and c.entry.id not in listed][:3]
    if others:
        out.append(section(entry_lines("Other candidates:", others)))
    why = [f"Why: {escape(candidate.reason)}"] if candidate.reason else []
    if view.surface in (PRIVATE, MODAL_VIEW) and answer.text.strip():
        label = "Your paste (secrets redacted)" if answer.secret_found else "Your paste"
        out.append(context(f"{label}:"))
        out.append(section(code_block(answer.text)))
    if why:
        out.append(context(*why))
    return out


def entry_lines(heading: str, candidates: Sequence[Candidate]) -> str:
    """A short list of other entries: code, wording, the one-line summary."""
    lines = [f"• *{c.entry.code} {escape(c.entry.message)}*" for c in candidates]
    for i, c in enumerate(candidates):
        if c.entry.summary:
            lines[i] += f" — {clip_escaped(c.entry.summary, 120)}"
    return f"*{heading}*\n" + "\n".join(lines)


def actions_block(answer: Answer, candidate: Candidate, view: View) -> Block | None:
    """Show/Hide details, Helped, Wrong error?, Share (private), Edit (admins, private)."""
    state = view.state()
    ref = {"q": answer.query_id} if answer.query_id is not None else {"e": candidate.entry.id}
    elements: list[Block] = []
    if view.details:
        elements.append(button("Hide details", HIDE_DETAILS, {**ref, **state}))
    else:
        elements.append(button("Show details", SHOW_DETAILS, {**ref, **state}))
    if answer.query_id is not None and not view.voted and view.surface != PICKED:
        vote = {"q": answer.query_id, "e": candidate.entry.id, **state}
        elements.append(button(":thumbsup: Helped", HELPED, vote))
        elements.append(button("Wrong error?", WRONG, vote))
    if view.surface == PRIVATE and answer.query_id is not None:
        share = {"q": answer.query_id}
        elements.append(button("Share in channel", SHARE, share, style="primary"))
    if view.admin and view.surface in (PRIVATE, MODAL_VIEW, PICKED):
        elements.append(button("Edit", EDIT, {"e": candidate.entry.id}))
    if view.surface != MODAL_VIEW:
        elements.extend(check_elements(ref, view.gateways))
    return {"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": elements}


def check_elements(ref: dict[str, Any], gateways: Sequence[str]) -> list[Block]:
    """*Check on prod* per gateway, or one select menu when there are many (none: nothing)."""
    if len(gateways) <= MAX_CHECK_BUTTONS:
        return [
            button(clip(f"Check on {g}", MAX_BUTTON_TEXT), f"{CHECK}_{i}", {**ref, "g": g})
            for i, g in enumerate(gateways)
        ]
    options = [
        {
            "text": {"type": "plain_text", "text": clip(f"Check on {g}", 75)},
            "value": json.dumps({**ref, "g": g}, separators=(",", ":"))[:150],
        }
        for g in gateways[:100]
    ]
    placeholder = {"type": "plain_text", "text": "Check on a gateway…"}
    return [
        {
            "type": "static_select",
            "action_id": f"{CHECK}_pick",
            "placeholder": placeholder,
            "options": options,
        }
    ]


def answer_blocks(answer: Answer, view: View, more: Sequence[Answer] = ()) -> list[Block]:
    """An answer's blocks: the card, details when open, the thread's other errors, buttons."""
    card = card_for(answer)
    best = answer.best
    if card is None or best is None:
        return [section(no_match_text(in_thread=view.surface in (THREAD, MENTION, SHARED)))]
    out = card_blocks(answer, card, view)
    if view.details:
        out.extend(details_blocks(answer, best, view))
    if more:
        out.append(section(thread_lines(more)))
    actions = actions_block(answer, best, view)
    if actions is not None:
        out.append(actions)
    return cap(out)


def answer_fallback(answer: Answer) -> str:
    """The notification text of an answer."""
    card = card_for(answer)
    if card is None:
        return "No match: this does not look like a Tyk Gateway error I know."
    return f"{card.code} {card.headline}"


def answer_message(answer: Answer, view: View, more: Sequence[Answer] = ()) -> Message:
    """An answer as a message payload."""
    return message(answer_fallback(answer), answer_blocks(answer, view, more))


def thread_lines(more: Sequence[Answer]) -> str:
    """The thread's later errors, one compact line each (five, then "and N more")."""
    lines = []
    for answer in more[:MAX_THREAD_LINES]:
        card = card_for(answer)
        if card is None:
            continue
        line = f"• *{card.code} {escape(card.headline)}*"
        if card.diagnosis:
            line += f" — {clip_escaped(card.diagnosis, 90)}"
        lines.append(line)
    extra = len(more) - MAX_THREAD_LINES
    if extra > 0:
        lines.append(f"_…and {extra} more_")
    return "*Also in this thread:*\n" + "\n".join(lines)


def no_match_text(in_thread: bool = False) -> str:
    """What tykbot says when nothing matched (no slash-command tips inside threads)."""
    if in_thread:
        return (
            "*No match:* this does not look like a Tyk Gateway error I know. Mention me with "
            "the exact error body or log line."
        )
    return (
        "*No match:* this does not look like a Tyk Gateway error I know.\n"
        f"Try the exact error body or log line, a status code like `{COMMAND} 403`, "
        f"or `{COMMAND} search <words>`."
    )


# -- lists ---------------------------------------------------------------------------------------
def list_message(title: str, entries: Sequence[Entry], empty: str) -> Message:
    """A ranked list: code, message and summary, at most ten rows with an *Explain* button each;
    rows no client ever receives come last and say so."""
    if not entries:
        return message(empty, [section(escape(empty))])
    ranked = [e for e in entries if e.reaches_clients] + [
        e for e in entries if not e.reaches_clients
    ]
    out: list[Block] = [section(f"*{escape(title)}*")]
    for e in ranked[:MAX_LIST_ROWS]:
        row = f"*{e.code} {escape(e.message)}*"
        if not e.reaches_clients:
            row += "  _(in the docs only: no client receives it)_"
        if e.summary:
            row += f"\n{clip_escaped(e.summary, 120)}"
        block = section(row)
        block["accessory"] = button("Explain", f"{EXPLAIN}_{len(out)}", {"e": e.id})
        out.append(block)
    hidden = len(ranked) - MAX_LIST_ROWS
    if hidden > 0:
        out.append(context(f"…and {hidden} more. Narrow it with `{COMMAND} search <words>`."))
    return message(title, out)


# -- feedback ------------------------------------------------------------------------------------
def vote_thanks(helpful: bool, status: str, chosen: Entry | None = None) -> str:
    """The acknowledgement shown to a voter only."""
    if chosen is not None:
        return ":white_check_mark: Thanks: noted this as the right one."
    if status == "same":
        return "You already said this " + ("helped." if helpful else "was the wrong error.")
    changed = " (vote changed)" if status == "changed" else ""
    if helpful:
        return f":thumbsup: Thanks: noted that this helped{changed}."
    return f"Thanks: noted that this was the wrong error{changed}."


def wrong_error_blocks(
    query_id: int, entry_id: str, alternatives: Sequence[Entry], state: dict[str, Any]
) -> list[Block]:
    """*Wrong error?*: the other candidates, a search over every error, and "none of these"."""
    elements: list[Block] = [
        button(
            clip(f"{e.code} {e.message}", MAX_BUTTON_TEXT),
            f"{CHOOSE}_{i}",
            {"q": query_id, "e": entry_id, "c": e.id, **state},
        )
        for i, e in enumerate(alternatives[:4])
    ]
    elements.append(button("None of these", f"{CHOOSE}_none", {"q": query_id, "e": entry_id}))
    prompt = "Which error was it?" if alternatives else "Which error was it? Search them all:"
    return [
        section(f"Thanks: noted. {prompt}"),
        {
            "type": "actions",
            "block_id": f"{PICK}:{query_id}:{entry_id}"[:255],
            "elements": [
                {
                    "type": "external_select",
                    "action_id": PICK,
                    "placeholder": {"type": "plain_text", "text": "Search every Tyk error…"},
                    "min_query_length": 2,
                }
            ],
        },
        reason_input(query_id),
        {"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": elements},
    ]


def reason_input(query_id: int) -> Block:
    """An optional one-line reason under *Wrong error?* (sent when the person presses Enter)."""
    return {
        "type": "input",
        "block_id": f"{REASON}:{query_id}",
        "dispatch_action": True,
        "optional": True,
        "label": {"type": "plain_text", "text": "Why was it wrong? (optional, press Enter)"},
        "element": {
            "type": "plain_text_input",
            "action_id": REASON,
            "max_length": 200,
            "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
        },
    }


def pick_options(candidates: Sequence[Candidate]) -> list[dict[str, Any]]:
    """Options of the *Wrong error?* search menu (Slack allows 100; text at most 75)."""
    return [
        {
            "text": {"type": "plain_text", "text": clip(f"{c.entry.code} {c.entry.message}", 75)},
            "value": c.entry.id,
        }
        for c in candidates[:100]
    ]


def picked_blocks(answer: Answer, thanks: str, view: View) -> list[Block]:
    """The card of the entry a person picked, under the thanks (within the card's budget)."""
    return answer_blocks(answer, replace(view, intro=thanks))


# -- the "Explain this error" modal --------------------------------------------------------------
def answer_modal(
    answer: Answer | None,
    note: str,
    channel_id: str,
    thread_ts: str,
    view: View | None = None,
) -> Block:
    """The shortcut's modal: the card (details on demand), and a submit to reply in thread."""
    view = view or View(MODAL_VIEW)
    can_post = answer is not None and answer.best is not None and answer.query_id is not None
    if answer is None:
        body = [section(escape(note) or no_match_text())]
    else:
        body = answer_blocks(answer, view)
    modal: Block = {
        "type": "modal",
        "callback_id": MODAL,
        "title": {"type": "plain_text", "text": "tykbot"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": cap(body, MAX_MODAL_BLOCKS),
    }
    if can_post:
        assert answer is not None
        modal["submit"] = {"type": "plain_text", "text": "Reply in thread"}
        modal["private_metadata"] = json.dumps(
            {"q": answer.query_id, "c": channel_id, "t": thread_ts}, separators=(",", ":")
        )
    return modal
