"""The answer card: what a person on call reads first, for every surface (Slack and terminal).

Plain Python over an Answer: the headline as the gateway sends it, one line of diagnosis in the
paste's own terms, one next step filled with the paste's values, and how sure tykbot is in plain
words. Renderers (bot/slack/blocks.py, the CLI) only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog import Entry, fill_template
from bot.service.answers import Answer, Candidate

# What matched, in words a reader knows (keys: fragment kinds of bot.matching.extract).
MATCHED_WORDS = {
    "error-field": "the body's error message",
    "log-msg": "the log line's message",
    "log-error": "the log line's `error` field",
    "xml": "the XML body",
    "quoted": "a quoted message",
    "line": "a line of the paste",
    "text": "the paste",
    "part": "part of a wrapped error",
    "code": "the status code alone",
    "chosen": "",
}
MAX_FACT = 48


@dataclass(frozen=True)
class Card:
    """The compact answer: headline, diagnosis, next step, and the context line's parts."""

    code: int
    headline: str
    codes: tuple[int, ...]  # every code the text is sent with, the headline's first
    diagnosis: str
    next_step: str
    sure: bool
    sureness: str  # "Sure" / "Best guess" / "Best guess from the status code"
    matched: str  # what matched, in plain words
    facts: tuple[tuple[str, str], ...]  # (label, value) read from the paste
    docs_url: str
    reaches_clients: bool
    entry_id: str
    others: int = 0  # other errors the paste holds (the details list them)


def headline_code(candidate: Candidate, codes_seen: tuple[int, ...]) -> int:
    """The code to show: the paste's, when the text is known under it; else the real one."""
    entry = candidate.entry
    known = {*candidate.codes, *entry.gateway_codes}
    for code in codes_seen:
        if code in known:
            return code
    return entry.gateway_codes[0] if entry.gateway_codes else entry.code


def headline_text(entry: Entry) -> str:
    """The wording the gateway really sends (the docs' words where they agree)."""
    return entry.gateway_message or entry.message


def _short(value: str) -> str:
    return value if len(value) <= MAX_FACT else value[: MAX_FACT - 1] + "…"


def paste_facts(answer: Answer) -> tuple[tuple[str, str], ...]:
    """What the paste itself says about the failing call, for the diagnosis line."""
    v = answer.values
    facts: list[tuple[str, str]] = []
    if v.get("api_name") or v.get("api_id"):
        facts.append(("API", _short(v.get("api_name") or v["api_id"])))
    if v.get("redis_host"):  # the address dialled is Redis, not an upstream
        facts.append(("Redis", _short(f"{v['redis_host']}:{v['redis_port']}")))
    elif v.get("host"):
        host = v["host"] + (f":{v['port']}" if v.get("port") else "")
        facts.append(("host", _short(host)))
    if v.get("key_hint"):
        facts.append(("key", _short(v["key_hint"].removeprefix("key "))))
    if answer.version_seen:
        facts.append(("gateway", _short(answer.version_seen)))
    return tuple(facts)


def first_step(entry: Entry, answer: Answer) -> str:
    """The entry's next step with the paste's values filled in (readable words where absent)."""
    template = entry.first_step or _first_sentence(entry.action)
    return fill_template(template, dict(answer.values))


def _first_sentence(text: str) -> str:
    """A fallback step for entries without `first_step`: the action's first numbered step."""
    text = text.strip().removeprefix("1)").strip()
    for stop in (" 2)", "\n"):
        if stop in text:
            text = text.split(stop, 1)[0]
    return text[:200]


def card_for(answer: Answer, candidate: Candidate | None = None) -> Card | None:
    """The card of an answer's best candidate (or of `candidate`); None when nothing matched."""
    chosen = candidate or answer.best
    if chosen is None:
        return None
    entry = chosen.entry
    code = headline_code(chosen, answer.codes_seen)
    sent = {c for e in (entry, *chosen.siblings) for c in (e.gateway_codes or (e.code,))}
    codes = (code, *sorted(sent - {code}))
    if chosen.kind == "chosen":
        sureness = "From the catalog"
    elif answer.code_only:
        sureness = "Best guess from the status code"
    else:
        sureness = "Sure" if answer.confident and chosen is answer.best else "Best guess"
    return Card(
        code=code,
        headline=headline_text(entry),
        codes=codes,
        diagnosis=entry.summary or _first_sentence(entry.cause),
        next_step=first_step(entry, answer),
        sure=sureness in ("Sure", "From the catalog"),
        sureness=sureness,
        matched=MATCHED_WORDS.get(chosen.kind, "the paste") if not answer.code_only else "",
        facts=paste_facts(answer),
        docs_url=entry.docs_url,
        reaches_clients=entry.reaches_clients,
        entry_id=entry.id,
        others=len(answer.also_found) if chosen is answer.best else 0,
    )


def others_text(card: Card) -> str:
    """`3 other errors in this paste` (why a paste of several errors is a best guess), or ""."""
    if not card.others:
        return ""
    return f"{card.others} other error{'s' if card.others > 1 else ''} in this paste"


def also_codes_text(card: Card) -> str:
    """`also sent as 401` when the same text has other codes, else empty."""
    others = [str(c) for c in card.codes[1:]]
    return f"also sent as {', '.join(others)}" if others else ""


__all__ = [
    "Card",
    "card_for",
    "first_step",
    "headline_code",
    "headline_text",
    "others_text",
    "paste_facts",
]
