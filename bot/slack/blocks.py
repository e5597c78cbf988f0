"""Block Kit rendering: pure functions from answers to Slack messages and modals.

Every function returns plain dicts and keeps within Slack's limits (50 blocks a message,
3000 characters a section, 2000 a button value, 75 a button label). User text is escaped
so a paste can never ping anyone or break the markup.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.catalog import Entry

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


MAX_VALUE_CHARS = 3000  # a button value is at most 2000, private_metadata 3000


def decode_value(value: str | None) -> dict[str, Any]:
    """The JSON a button carries ({} when it is not ours, or longer than Slack allows)."""
    if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
        return {}
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


# -- other replies -----------------------------------------------------------------------------
def help_message(note: str = "", in_thread: bool = False) -> Message:
    """How to use tykbot (inside a thread, only what works there: slash commands do not)."""
    if in_thread:
        text = (
            "*tykbot explains Tyk API Gateway errors.* In a thread, mention me with the error "
            "after my name (or under a message that holds one), or use the message shortcut "
            "*Explain this error* from any message's ⋮ menu."
        )
        blocks = [section(escape(note))] if note else []
        return message("How to use tykbot", [*blocks, section(text)])
    text = (
        "*tykbot explains Tyk API Gateway errors.*\n"
        f"• `{COMMAND} <paste>`: paste an error body, a log line or a message\n"
        f"• `{COMMAND} 403` or `{COMMAND} forbidden`: every entry for a status code\n"
        f"• `{COMMAND} search <words>`: entries that mention the words\n"
        f"• `{COMMAND} autoreply on|off|status`: thread auto-replies here (admins)\n"
        f"• `{COMMAND} add`, `{COMMAND} edit <id or paste>`: open the entry editor (admins)\n"
        f"• `{COMMAND} retire <id>`, `{COMMAND} restore <id>`, `{COMMAND} history <id>`: "
        "stop or resume matching an entry, see and restore its changes (admins)\n"
        "In a thread: mention me, or use the message shortcut *Explain this error*."
    )
    blocks = [section(escape(note))] if note else []
    blocks.append(section(text))
    return message("How to use tykbot", blocks)


def text_message(text: str) -> Message:
    """A one-section message of already-escaped mrkdwn."""
    return message(text, [section(text)])


def error_message() -> Message:
    """The one line a person sees when something failed on tykbot's side."""
    return text_message(
        ":warning: Sorry, something went wrong on my side; it is logged. Please try again."
    )


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
