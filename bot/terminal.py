"""Answers for the terminal: the card first (at most eight lines), details on request, JSON.

The same Card as the Slack answers (bot/cards.py), laid out as plain text.
"""

from __future__ import annotations

import textwrap
from typing import Any

from bot.cards import also_codes_text, card_for, first_step, others_text
from bot.service import Answer, Candidate

WIDTH = 100
MAX_CARD_LINES = 8


def candidate_json(c: Candidate, answer: Answer | None = None, full: bool = True) -> dict[str, Any]:
    """A candidate as the JSON interfaces show it (`code` and `message` are the entry's own)."""
    out: dict[str, Any] = {
        "id": c.entry.id,
        "code": c.entry.code,
        "message": c.entry.message,
        "score": c.score,
    }
    if full:
        out.update(
            summary=c.entry.summary,
            first_step=first_step(c.entry, answer) if answer else c.entry.first_step,
            reason=c.reason,
            cause=c.entry.cause,
            action=c.entry.action,
            guidance=c.entry.guidance,
            note=c.entry.note,
            version_notes=list(c.version_notes),
            codes=list(c.codes),
            docs_url=c.entry.docs_url,
        )
    return out


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `--json` form of an answer."""
    card = card_for(answer)
    return {
        "confident": answer.confident,
        "code_only": answer.code_only,
        "headline": f"{card.code} {card.headline}" if card else None,
        "matches": [candidate_json(c, answer) for c in answer.candidates],
        "also_found": [candidate_json(c, full=False) for c in answer.also_found],
        "secrets": list(answer.secrets),
        "version": answer.version,
        "values": dict(answer.values),
        "truncated": answer.truncated,
        "query_id": answer.query_id,
    }


def _wrap(label: str, text: str, indent: int = 2) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        text, width=WIDTH, initial_indent=f"{pad}{label}: ", subsequent_indent=pad + "  "
    )


def _fit(line: str, width: int = WIDTH * 2) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def card_text(answer: Answer) -> str:
    """The compact card: headline, diagnosis, next step, how sure; at most eight lines."""
    card = card_for(answer)
    if card is None:
        return (
            "No match: this does not look like a Tyk Gateway error I know.\n"
            "Try the exact error body or log line, or a status code like `tykbot ask 403`."
        )
    if answer.code_only:
        return code_only_text(answer)
    also = also_codes_text(card)
    lines = [f"{card.code} {card.headline}" + (f"   ({also})" if also else "")]
    lines.append(f"  {card.diagnosis}")
    if card.facts:
        lines.append("  In your paste: " + ", ".join(f"{k} {v}" for k, v in card.facts))
    lines.append(f"  Next: {card.next_step}")
    if answer.secret_found:
        lines.append(
            f"  ! Your paste held a secret ({', '.join(answer.secrets)}); it was redacted. "
            "Rotate it if it went anywhere public."
        )
    if answer.truncated:
        lines.append("  ! Your paste was long; its end was read, where logs put the error.")
    context = [card.sureness] + ([f"matched {card.matched}"] if card.matched else [])
    if card.others:
        context.append(others_text(card) + " (--details)")
    lines.append("  " + " · ".join(context) + f" · {card.docs_url}")
    return "\n".join(_fit(line) for line in lines[:MAX_CARD_LINES])


def code_only_text(answer: Answer) -> str:
    """A bare status code: its entries as a short list, the card's eight lines at most."""
    code = answer.candidates[0].entry.code
    lines = [f"No message matched; entries for status {code} (best guesses):"]
    rows = MAX_CARD_LINES - 2
    for c in answer.candidates[:rows]:
        summary = f" — {c.entry.summary}" if c.entry.summary else ""
        lines.append(_fit(f"  {c.entry.code} {c.entry.message}{summary}", WIDTH + 20))
    lines.append(f"  All of them: tykbot catalog list --code {code}")
    return "\n".join(lines)


def details_text(answer: Answer) -> str:
    """Everything after the card: cause, all steps, docs words, notes, others, why."""
    best = answer.best
    if best is None:
        return ""
    e = best.entry
    lines: list[str] = [""]
    for label, text in (
        ("Cause", e.cause),
        ("What to do", e.action),
        ("Tyk docs say", e.guidance),
        ("Note", e.note),
    ):
        if text:
            lines.extend(_wrap(label, text))
    if e.gateway_message and e.gateway_message != e.message:
        lines.append(f"  Docs wording: {e.code} {e.message}")
    for note in best.version_notes:
        lines.extend(_wrap("Gateway version", note))
    if answer.version:
        lines.append(f"  Gateway version seen: {answer.version_seen} ({answer.version_hint})")
    lines.extend(_wrap("Why", f"{best.reason} (score {best.score:.2f})"))
    if answer.also_found:
        lines.append("Also in this paste:")
        lines.extend(f"  {c.entry.code} {c.entry.message}" for c in answer.also_found)
    listed = {c.entry.id for c in answer.also_found}  # not twice
    others = [c for c in answer.candidates[1:] if c.entry.id not in listed]
    if others:
        lines.append("Other candidates:")
        lines.extend(f"  {c.entry.code} {c.entry.message}   ({c.score:.2f})" for c in others)
    return "\n".join(lines)


def answer_text(answer: Answer, details: bool = False) -> str:
    """The terminal answer: the card, and with `details` everything else under it."""
    text = card_text(answer)
    return text + details_text(answer) if details else text
