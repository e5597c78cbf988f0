"""Block Kit rendering: pure functions from answers to Slack messages and modals.

Every function returns plain dicts and keeps within Slack's limits (50 blocks a message,
3000 characters a section, 2000 a button value, 75 a button label). User text is escaped
so a paste can never ping anyone or break the markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from bot.catalog import Entry
from bot.service import Answer, Candidate

Block = dict[str, Any]
Message = dict[str, Any]

MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION = 3000
MAX_CONTEXT = 2000
MAX_BUTTON_VALUE = 2000
MAX_BUTTON_TEXT = 75
MAX_FALLBACK = 3000
MAX_PASTE_ECHO = 600
COMMAND = "/tykerror"

SHARE = "tyk_share"
HELPED = "tyk_helped"
NOT_HELPED = "tyk_not_helped"
CHOOSE = "tyk_choose"  # tyk_choose_0, tyk_choose_1, ...; tyk_choose_none for "none of these"
MODAL = "tyk_answer_modal"
FEEDBACK_BLOCK = "tyk_feedback"


# -- text helpers ------------------------------------------------------------------------------
def escape(text: str) -> str:
    """Escape Slack's control characters so user text is shown, never interpreted."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Cut text to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def clip_escaped(text: str, limit: int) -> str:
    """Escape, then cut without splitting an `&amp;`-style entity."""
    out = escape(text)
    if len(out) <= limit:
        return out
    cut = out[: max(limit - 1, 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def code_block(text: str, limit: int = MAX_PASTE_ECHO) -> str:
    """User text as a fenced code block, escaped, with fences inside the text defused."""
    body = clip_escaped(text.replace("```", "ʼʼʼ").strip(), limit)
    return f"```{body}```"


def section(text: str, block_id: str | None = None) -> Block:
    """A mrkdwn section clipped to Slack's 3000 characters (text must be escaped already)."""
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION)}}
    if block_id:
        block["block_id"] = block_id
    return block


def context(*texts: str) -> Block:
    """A small grey context line (up to 10 elements, 2000 characters each)."""
    elements = [{"type": "mrkdwn", "text": clip(t, MAX_CONTEXT)} for t in texts if t][:10]
    return {"type": "context", "elements": elements}


def button(label: str, action_id: str, value: dict[str, Any], style: str | None = None) -> Block:
    """A button whose value is compact JSON (within Slack's 2000 characters)."""
    encoded = json.dumps(value, separators=(",", ":"))
    if len(encoded) > MAX_BUTTON_VALUE:
        raise ValueError(f"button value of {len(encoded)} characters is over Slack's limit")
    out: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": encoded,
    }
    if style:
        out["style"] = style
    return out


def decode_value(value: str | None) -> dict[str, Any]:
    """The JSON a button carries ({} when it is not ours)."""
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def cap(blocks: list[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """At most `limit` blocks; the actions block (buttons), if any, is kept at the end."""
    if len(blocks) <= limit:
        return blocks
    actions = [b for b in blocks if b.get("type") == "actions"][-1:]
    rest = [b for b in blocks if b not in actions]
    return [*rest[: limit - len(actions) - 1], context("_(shortened)_"), *actions]


def message(text: str, blocks: list[Block], **extra: Any) -> Message:
    """A message payload: notification text plus blocks, within limits."""
    return {"text": clip(text, MAX_FALLBACK), "blocks": cap(blocks), **extra}


def fallback_text(rendered: Sequence[Block]) -> str:
    """The plain notification text of some blocks (their sections' and contexts' texts)."""
    texts: list[str] = []
    for block in rendered:
        if block.get("type") == "section":
            texts.append(block["text"]["text"])
        elif block.get("type") == "context":
            texts.extend(e.get("text", "") for e in block.get("elements", []))
    return clip(" ".join(texts), MAX_FALLBACK)


def entry_title(entry: Entry) -> str:
    """`403 Access to this API has been disallowed`, escaped."""
    return f"{entry.code} {escape(entry.message)}"


# -- answers -----------------------------------------------------------------------------------
def secret_notice(answer: Answer, public: bool) -> str:
    """One line telling about redacted secrets (kinds only, never the value)."""
    kinds = escape(", ".join(answer.secrets))
    if public:
        return (
            f":warning: That message seems to hold a secret ({kinds}). I did not repeat or "
            "store it; consider deleting the message and rotating the credential."
        )
    return (
        f":warning: Your paste held a secret ({kinds}). I redacted it before storing "
        "anything and never show it; rotate it if the paste went anywhere public."
    )


def best_match_blocks(best: Candidate, answer: Answer) -> list[Block]:
    """The best match in full: title and confidence, cause and action, docs, version, why."""
    e = best.entry
    verdict = "confident match" if answer.confident else "best guess"
    blocks = [section(f"*{entry_title(e)}*\n_{verdict}, score {best.score:.2f}_")]
    curated = [
        f"*{label}:* {escape(text)}"
        for label, text in (("Cause", e.cause), ("What to do", e.action))
        if text.strip()
    ]
    if curated:
        blocks.append(section("\n".join(curated)))
    if e.guidance.strip():
        blocks.append(section(f"*Tyk docs say:* {escape(e.guidance)}"))
    if e.note.strip():
        blocks.append(section(f"*Note:* {escape(e.note)}"))
    if best.version_notes:
        notes = "\n".join(f"• {escape(n)}" for n in best.version_notes)
        blocks.append(section(f"*Your gateway version:*\n{notes}"))
    why = f"Why: {escape(best.reason)}" if best.reason else ""
    seen = f"Gateway version seen: {escape(answer.version_seen)}" if answer.version else ""
    docs = f"<{e.docs_url}|Tyk docs>" if e.docs_url.startswith("http") else ""
    blocks.append(context(*(t for t in (why, seen, docs) if t)))
    return blocks


def other_candidates_text(others: Sequence[Candidate], heading: str) -> str:
    """A short list of other entries with their scores."""
    lines = [f"• {entry_title(c.entry)}  _({c.score:.2f})_" for c in others]
    return f"*{heading}*\n" + "\n".join(lines)


def feedback_block(answer: Answer) -> Block | None:
    """The "Helped" / "Didn't help" buttons of an answer (None when nothing can be voted on)."""
    if answer.query_id is None or answer.best is None:
        return None
    value = {"q": answer.query_id, "e": answer.best.entry.id}
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            button(":thumbsup: Helped", HELPED, value),
            button(":thumbsdown: Didn't help", NOT_HELPED, value),
        ],
    }


def answer_blocks(
    answer: Answer,
    *,
    public: bool,
    intro: str = "",
    show_paste: bool = False,
    share: bool = False,
    others: int = 2,
) -> list[Block]:
    """An answer as blocks.

    `public` answers word the secret notice for onlookers; `show_paste` echoes the redacted,
    escaped paste; `share` adds the "Share in channel" button; `others` other candidates.
    """
    blocks: list[Block] = []
    if intro:
        blocks.append(section(intro))
    if answer.secret_found:
        blocks.append(section(secret_notice(answer, public)))
    if show_paste and answer.text.strip():
        label = "Pasted (secrets redacted)" if answer.secret_found else "Pasted"
        blocks.append(context(f"{label}:"))
        blocks.append(section(code_block(answer.text)))
    best = answer.best
    if best is None:
        blocks.append(section(no_match_text()))
        return cap(blocks)
    if answer.code_only:
        blocks.append(
            section(
                other_candidates_text(
                    answer.candidates,
                    "No message matched; entries for the status code in your paste:",
                )
            )
        )
    else:
        blocks.extend(best_match_blocks(best, answer))
        if answer.also_found:
            blocks.append(section(other_candidates_text(answer.also_found, "Also in this paste:")))
        if answer.candidates[1 : 1 + others]:
            blocks.append(
                section(
                    other_candidates_text(answer.candidates[1 : 1 + others], "Other candidates:")
                )
            )
    actions = feedback_block(answer)
    if actions is not None:
        if share:
            actions["elements"].insert(
                0, button("Share in channel", SHARE, {"q": answer.query_id}, style="primary")
            )
        blocks.append(actions)
    return cap(blocks)


def answer_fallback(answer: Answer) -> str:
    """The notification text of an answer."""
    best = answer.best
    if best is None:
        return "No match: this does not look like a Tyk Gateway error I know."
    return f"{best.entry.code} {best.entry.message}"


def answer_message(answer: Answer, **options: Any) -> Message:
    """An answer as a message payload (see `answer_blocks` for the options)."""
    return message(answer_fallback(answer), answer_blocks(answer, **options))


def shared_message(answer: Answer, user_id: str, show_paste: bool = True) -> Message:
    """The public copy of a private answer, crediting the person who asked."""
    intro = f"<@{escape(user_id)}> asked tykbot about an error:"
    return answer_message(answer, public=True, intro=intro, show_paste=show_paste)


def mention_message(answer: Answer) -> Message:
    """The in-thread answer to a mention: best guesses even when not confident, saying so."""
    intro = (
        ""
        if answer.confident or answer.best is None
        else ("I'm not sure about this one; here are my best guesses.")
    )
    return answer_message(answer, public=True, intro=intro)


# -- other replies -----------------------------------------------------------------------------
def no_match_text() -> str:
    """What tykbot says when nothing matched."""
    return (
        "*No match:* this does not look like a Tyk Gateway error I know.\n"
        f"Try the exact error body or log line, a status code like `{COMMAND} 403`, "
        f"or `{COMMAND} search <words>`."
    )


def help_message(note: str = "") -> Message:
    """How to use tykbot."""
    text = (
        "*tykbot explains Tyk API Gateway errors.*\n"
        f"• `{COMMAND} <paste>`: paste an error body, a log line or a message\n"
        f"• `{COMMAND} 403` or `{COMMAND} forbidden`: every entry for a status code\n"
        f"• `{COMMAND} search <words>`: entries that mention the words\n"
        f"• `{COMMAND} autoreply on|off|status`: thread auto-replies here (admins)\n"
        "In a thread: mention me, or use the message shortcut *Explain this error*."
    )
    blocks = [section(escape(note))] if note else []
    blocks.append(section(text))
    return message("How to use tykbot", blocks)


def entries_message(title: str, entries: Sequence[Entry], empty: str) -> Message:
    """A list of entries (a status code's, or search results)."""
    if not entries:
        return message(empty, [section(escape(empty))])
    lines = []
    for e in entries:
        detail = e.cause or e.guidance
        line = f"• *{entry_title(e)}*"
        if detail.strip():
            line += f"\n   {clip_escaped(detail, 200)}"
        lines.append(line)
    blocks = [section(f"*{escape(title)}*")]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > MAX_SECTION - 10:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return message(title, blocks)


def search_message(words: str, candidates: Sequence[Candidate]) -> Message:
    """Search results."""
    return entries_message(
        f"Entries matching “{words}”",
        [c.entry for c in candidates],
        f"No entries mention “{words}”. Try fewer or other words.",
    )


def text_message(text: str) -> Message:
    """A one-section message of already-escaped mrkdwn."""
    return message(text, [section(text)])


def error_message() -> Message:
    """The one line a person sees when something failed on tykbot's side."""
    return text_message(
        ":warning: Sorry, something went wrong on my side; it is logged. Please try again."
    )


def vote_thanks(helpful: bool, status: str, chosen: Entry | None = None) -> str:
    """The acknowledgement shown to a voter only."""
    if chosen is not None:
        return f"Thanks: noted that *{entry_title(chosen)}* was the right one."
    verb = "helped" if helpful else "didn't help"
    if status == "same":
        return f"You already said this {verb}."
    changed = " (vote changed)" if status == "changed" else ""
    return f"Thanks for the feedback: noted that this {verb}{changed}."


def alternatives_blocks(query_id: int, entry_id: str, alternatives: Iterable[Entry]) -> list[Block]:
    """ "Didn't help": ask which of the other candidates was right."""
    options = list(alternatives)[:24]
    if not options:
        return [section("Thanks for the feedback: noted that this didn't help.")]
    elements = [
        button(
            clip(f"{e.code} {e.message}", MAX_BUTTON_TEXT),
            f"{CHOOSE}_{i}",
            {"q": query_id, "e": entry_id, "c": e.id},
        )
        for i, e in enumerate(options)
    ]
    elements.append(button("None of these", f"{CHOOSE}_none", {"q": query_id, "e": entry_id}))
    return [
        section("Thanks for the feedback. Was it one of these instead?"),
        {"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": elements},
    ]


def autoreply_text(channel_id: str, on: bool, changed: bool) -> str:
    """The state of a channel's auto-replies."""
    state = "on" if on else "off"
    where = f"<#{escape(channel_id)}>"
    if changed:
        return f"Thread auto-replies are now *{state}* in {where}."
    return (
        f"Thread auto-replies are *{state}* in {where}. "
        f"Admins change it with `{COMMAND} autoreply on` or `off`."
    )


# -- modals ------------------------------------------------------------------------------------
def answer_modal(answer: Answer | None, note: str, channel_id: str, thread_ts: str) -> Block:
    """The "Explain this error" modal: the answer, and a submit button to reply in thread."""
    can_post = answer is not None and answer.best is not None and answer.query_id is not None
    if answer is None:
        blocks = [section(escape(note) or no_match_text())]
    else:
        blocks = answer_blocks(answer, public=False, show_paste=True)
    view: Block = {
        "type": "modal",
        "callback_id": MODAL,
        "title": {"type": "plain_text", "text": "tykbot"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": cap(blocks, MAX_MODAL_BLOCKS),
    }
    if can_post:
        assert answer is not None
        view["submit"] = {"type": "plain_text", "text": "Reply in thread"}
        view["private_metadata"] = json.dumps(
            {"q": answer.query_id, "c": channel_id, "t": thread_ts}, separators=(",", ":")
        )
    return view


def notice_modal(text: str) -> Block:
    """A modal holding one line (already-escaped mrkdwn)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "tykbot"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(text)],
    }


def replace_block(blocks: list[Block], block_id: str, new: list[Block]) -> list[Block]:
    """Blocks with the block of `block_id` replaced by `new` (appended when absent)."""
    out: list[Block] = []
    replaced = False
    for block in blocks:
        if block.get("block_id") == block_id and not replaced:
            out.extend(new)
            replaced = True
        elif block.get("block_id") != block_id:
            out.append(block)
    if not replaced:
        out.extend(new)
    return out


def updated_modal(view: Block, new: list[Block]) -> Block:
    """A copy of a modal the user sees with its feedback block swapped for `new` blocks."""
    keep = ("type", "callback_id", "title", "close", "submit", "private_metadata")
    out = {k: view[k] for k in keep if k in view}
    out["blocks"] = cap(
        replace_block(list(view.get("blocks", [])), FEEDBACK_BLOCK, new), MAX_MODAL_BLOCKS
    )
    return out
