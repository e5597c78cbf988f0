"""Reading Slack payloads: the plain text of a message, whoever or whatever posted it."""

from __future__ import annotations

import re
from typing import Any

_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def _link(m: re.Match[str]) -> str:
    target, label = m.group(1), m.group(2)
    if target.startswith(("@", "#")):
        return f"{target[0]}{label or target[1:]}"
    if target.startswith("!"):
        return f"@{(label or target[1:]).split('^')[0]}"
    return target or label or ""


def plain_text(text: str) -> str:
    """Slack mrkdwn as the person typed it: links, mentions and entities made plain.

    `<@U123>` becomes `@U123` and `<!channel>` becomes `@channel`, so nothing derived from it
    can ping anyone; `&lt;` and friends are unescaped for matching; code fences are dropped.
    """
    out = _LINK.sub(_link, text)
    for entity, char in _ENTITIES:
        out = out.replace(entity, char)
    return out.replace("```", "\n").strip()


def _block_texts(block: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    text = block.get("text")
    if isinstance(text, dict) and isinstance(text.get("text"), str):
        texts.append(text["text"])
    for item in block.get("fields") or []:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            texts.append(item["text"])
    return texts


def message_text(message: dict[str, Any]) -> str:
    """All text of a message: its text, and its attachments' and blocks' texts (alerting bots
    often post only attachments or sections)."""
    parts: list[str] = []
    if isinstance(message.get("text"), str):
        parts.append(message["text"])
    for att in message.get("attachments") or []:
        if not isinstance(att, dict):
            continue
        for key in ("pretext", "title", "text"):
            if isinstance(att.get(key), str):
                parts.append(att[key])
        for item in att.get("fields") or []:
            if isinstance(item, dict):
                parts.append(f"{item.get('title', '')}: {item.get('value', '')}")
    if not parts or len(" ".join(parts).strip()) < 3:
        for block in message.get("blocks") or []:
            if isinstance(block, dict) and block.get("type") in ("section", "header"):
                parts.extend(_block_texts(block))
    return plain_text("\n".join(p for p in parts if p))


def without_mention(text: str, bot_user_id: str | None) -> str:
    """Raw message text with the mention of the bot removed."""
    if not bot_user_id:
        return text
    return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text).strip()


def mentions(text: str, user_id: str | None) -> bool:
    """Whether raw message text mentions a user."""
    if not user_id:
        return False
    return re.search(rf"<@{re.escape(user_id)}(?:\|[^>]*)?>", text) is not None
