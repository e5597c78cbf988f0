"""Learned phrasings: the distinctive part of a paste, with what changes per request taken out.

`phrase_of("connect to 10.0.0.7:8080 refused after 3 tries (req 9f8e7d6c)")` gives
`connect to <host> refused after <n> tries req <id>`: the literal words stay, ids, hex, numbers,
hosts, URLs, paths and e-mail addresses become placeholders, so the phrase can be stored (it
holds nothing that identifies a system or a person) and, as an alias, matches the same error
with other values (the matcher reads `<name>` placeholders as a few words of anything).
"""

from __future__ import annotations

import re

from bot.matching.extract import Clues, extract
from bot.matching.matcher import STOP_WORDS
from bot.matching.normalize import fold_quotes, normalize, tokens

MAX_PHRASE_CHARS = 160
MIN_CONTENT_WORDS = 2

# Most specific first: a URL before its host, a host before its numbers.
_VOLATILE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\[REDACTED\]"), "<secret>"),
    (re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://\S+"), "<url>"),
    (re.compile(r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    (re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<id>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<host>"),
    (re.compile(r"\[[0-9a-fA-F:]{3,}\](?::\d+)?"), "<host>"),
    (
        re.compile(
            r"(?i)\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|io|local|internal|svc"
            r"|cluster|dev|cloud|[a-z]{2})(?::\d+)?\b"
        ),
        "<host>",
    ),
    (re.compile(r"(?i)\b[a-z][a-z0-9-]*:\d{2,5}\b"), "<host>"),
    (re.compile(r"(?<![\w/])(?:/[\w.~%+-]+){1,}/?"), "<path>"),
    (re.compile(r"(?i)\b(?=[a-z]*\d)(?=\d*[a-z])[0-9a-z]{6,}\b"), "<id>"),  # mixed letters+digits
    (re.compile(r"(?i)\b[0-9a-f]{6,}\b"), "<id>"),
    (re.compile(r"\b\d+(?:[.,]\d+)*\b"), "<n>"),
]
_PLACEHOLDER = re.compile(r"<(secret|url|email|id|host|path|n)>")


def mask_volatile(text: str) -> str:
    """The text with ids, hex, numbers, hosts, URLs, paths and e-mails as placeholders."""
    out = fold_quotes(text)
    for pattern, name in _VOLATILE:
        out = pattern.sub(f" {name} ", out)
    return out


def phrase_of(fragment: str) -> str | None:
    """A fragment as a storable phrase (literal words normalised, volatile parts as
    placeholders), or None when too little of it is distinctive words or it is too long."""
    masked = mask_volatile(fragment)
    parts: list[str] = []
    for piece in _PLACEHOLDER.split(masked):
        if piece in ("secret", "url", "email", "id", "host", "path", "n"):
            if parts and not parts[-1].startswith("<"):
                parts.append(f"<{piece}>")
            continue
        words = normalize(piece)
        if words:
            parts.append(words)
    while parts and parts[-1].startswith("<"):
        parts.pop()
    phrase = " ".join(parts)
    literal = key_of(phrase)
    content = [w for w in tokens(literal) if w not in STOP_WORDS and not w.isdigit()]
    if len(content) < MIN_CONTENT_WORDS or len(literal) < 10 or len(phrase) > MAX_PHRASE_CHARS:
        return None
    return phrase


def key_of(phrase: str) -> str:
    """A phrase's literal words: what makes two proposals the same."""
    return normalize(_PLACEHOLDER.sub(" ", phrase))


def distinctive_fragment(text: str, matched_fragment: str = "") -> str:
    """What the matcher read as the error in a paste: the fragment that matched, or else the
    strongest fragment it extracted."""
    if matched_fragment.strip():
        return matched_fragment
    clues: Clues = extract(text)
    if not clues.fragments:
        return ""
    return max(clues.fragments, key=lambda f: (f.weight, -len(f.text))).text


def gap_key(text: str) -> str:
    """How an unmatched paste is compared with others: its distinctive fragment, masked and
    normalised (placeholders kept, so `<host>` in two pastes counts as the same)."""
    fragment = distinctive_fragment(text)
    return normalize(mask_volatile(fragment))[:300]


__all__ = ["distinctive_fragment", "gap_key", "key_of", "mask_volatile", "phrase_of"]
