"""Text normalisation shared by the catalog index and pastes: case, quotes, spelling."""

from __future__ import annotations

import re
from collections.abc import Sequence

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)

# British spellings the docs use and their American twins in gateway source and pastes.
_SPELLING = {
    "authorised": "authorized",
    "unauthorised": "unauthorized",
    "authorisation": "authorization",
    "authorise": "authorize",
    "organisation": "organization",
    "organisations": "organizations",
    "organisation's": "organization's",
    "customised": "customized",
    "behaviour": "behavior",
    "recognised": "recognized",
    "initialised": "initialized",
    "serialised": "serialized",
    "marshalling": "marshaling",
    "unmarshalling": "unmarshaling",
    "cancelled": "canceled",
}
_SPELLING_RE = re.compile(r"\b(" + "|".join(map(re.escape, _SPELLING)) + r")\b")
_APOSTROPHE_RE = re.compile(r"(?<=\w)'(?=\w)")
_WORD_RE = re.compile(r"[a-z0-9$]+")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
# Bytes that normalize keeps (word characters and normalize_all's separator); every other
# byte becomes a space.
_SEPARATOR = "\x00"
_KEEP = bytes(
    c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789$" + _SEPARATOR else ord(" ")
    for c in range(256)
)


def fold_quotes(text: str) -> str:
    """Curly quotes, dashes and non-breaking spaces to their ASCII forms."""
    return text if text.isascii() else text.translate(_QUOTES)  # every mapped character is not


# HTML entities a paste copied from a web page or an e-mail carries (`{&quot;error&quot;: …}`).
_ENTITY_RE = re.compile(r"&(?:quot|apos|lt|gt|amp|#34|#39|#x22|#x27);")
_ENTITIES = {
    "&quot;": '"',
    "&apos;": "'",
    "&lt;": "<",
    "&gt;": ">",
    "&amp;": "&",
    "&#34;": '"',
    "&#39;": "'",
    "&#x22;": '"',
    "&#x27;": "'",
}


def unescape_entities(text: str) -> str:
    """The text with the HTML entities of quotes, `<`, `>` and `&` read as those characters
    (one pass: `&amp;quot;` becomes `&quot;`, as a browser shows it)."""
    if "&" not in text:
        return text
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group()], text)


def british(low: str) -> bool:
    """Whether the lower-cased text may hold a British spelling of _SPELLING (cheaper than the
    regex's scan of every place). Each holds `ise`, `isa`, `iour`, `lling` or `lled` (a test
    checks): most texts skip the fifteen scans after five."""
    return (
        "ise" in low or "isa" in low or "iour" in low or "lling" in low or "lled" in low
    ) and any(word in low for word in _SPELLING)


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces: `Couldn’t decode OAS object` → `couldnt
    decode oas object`, `Key not authorised.` → `key not authorized`."""
    low = fold_quotes(text).lower()
    if "'" in low:
        low = _APOSTROPHE_RE.sub("", low)
    if british(low):
        low = _SPELLING_RE.sub(lambda m: _SPELLING[m.group(1)], low)
    # The runs of word characters joined by single spaces: every run of other characters
    # replaced by one space and the ends stripped, a third faster.
    return " ".join(_WORD_RE.findall(low))


def normalize_all(texts: Sequence[str]) -> list[str]:
    """`[normalize(t) for t in texts]`, each step done once for all the texts (joined by a NUL,
    which no step creates, removes or reads as part of a word; a text holding one is
    normalised on its own). Lower-casing the joined texts differs from lower-casing each only
    in a Greek final sigma, never kept. The ASCII word characters kept: every other character
    (an encoding error `?` when not ASCII) becomes a space, and each text's words are joined by
    single spaces."""
    joined = _SEPARATOR.join(texts)
    if not texts or joined.count(_SEPARATOR) != len(texts) - 1:
        return [normalize(text) for text in texts]
    low = fold_quotes(joined).lower()
    if "'" in low:
        low = _APOSTROPHE_RE.sub("", low)
    if british(low):
        low = _SPELLING_RE.sub(lambda m: _SPELLING[m.group(1)], low)
    words = low.encode("ascii", "replace").translate(_KEEP).decode("ascii")
    return [" ".join(piece.split()) for piece in words.split(_SEPARATOR)]


def tokens(normalized: str) -> list[str]:
    """The word tokens of an already normalised text."""
    return _TOKEN_RE.findall(normalized)


def split_words(norm: str) -> list[str]:
    """`tokens` of a `normalize` result (or of its words joined by single spaces), three times
    faster: its words are already split by single spaces; only a `$` (kept by normalize, a
    separator to tokens) needs the regex."""
    return _TOKEN_RE.findall(norm) if "$" in norm else norm.split()
