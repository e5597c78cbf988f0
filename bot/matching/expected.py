"""What a report says it expected is not what the gateway sent.

Bug reports and forum posts put the error they got beside the one they wanted: the gateway's
own issue template asks "What is the current behaviour?" and then "What is the expected
behaviour?", and people write `Expected: 403 ...` / `Actual: 401 ...`. Both hold catalog
messages word for word, so the matcher would weigh them alike and a tie picks either. The
expected part is blanked here (its lines kept as empty lines) before any clue is read.

Blanked:
- a line that starts with `expected` (or `what is the expected behaviour`, `the expected
  result`, ...) and carries the expectation on it (`expected "Access to this API ..."`,
  `Expected: 403`);
- after such a line that is a heading only (`**What is the expected behaviour?**`,
  `Expected result:`), the lines up to the next heading or blank line after the expectation.

Inside a sentence only the quoted message or one-line JSON body the words point at goes
(`… instead of "Access to this API has been disallowed"`, `we expected {"error": "…"} but got …`):
the rest of the line is often the error itself. Log lines never start with the word.
"""

from __future__ import annotations

import re

# The words a heading may wrap around `expected`, then the heading's own end.
_LEAD = r"[\s>*_#`\-]*(?:\d+[.)]\s*)?"  # markdown quote, emphasis, heading and list marks
_EXPECTED = (
    r"(?:(?:what(?:'s| is| was| would be| should be)?\s+)?(?:the\s+)?)?"
    r"expected(?:\s+(?:behaviou?r|result|results|response|output|outcome|answer|reply|status))?"
)
_START = rf"(?i)^{_LEAD}{_EXPECTED}[\s*_`]*"
_HEADING_RE = re.compile(_START + r"[:?.\-]*[\s*_`]*$")  # the expectation follows it
_INLINE_RE = re.compile(_START + r"(?:[:=\-]|\s)")  # the expectation is on the line
# Words after which a line starting with `expected` says what came instead (`Expected: 200,
# got 403 …`): such a line stays (its quoted expectation went by _WANTED_QUOTE_RE).
_CONTRAST_RE = re.compile(
    r"(?i)\b(?:but|got|gets|getting|actual(?:ly)?|instead|however|returns|returned|received)\b"
)
# A line that starts another part of a report: what happened instead, or another heading.
_NEXT_PART_RE = re.compile(
    rf"(?i)^{_LEAD}(?:actual|current|observed|instead|but\b|however|got\b|received|returned"
    r"|steps|what|how|which|version|environment|logs?\b|additional|reproduc|description"
    r"|describe|error\b|output\b)"
    r"|^\s*(?:#|\*\*|__)"
)
MAX_REGION_LINES = 8  # an expectation is a few lines; a paste after a lone heading is not
# A quoted message or a one-line JSON body right after words saying it was wanted: `… instead
# of "Access to this API has been disallowed"`, `we expected {"error": "Quota exceeded"}`.
# Each match starts with one of these words (lower-cased): the regex is tried only where one
# stands, not at every place of a 40,000-character paste.
_WANTED_STARTS = ("instead", "rather", "expect", "should", "supposed", "wanted")
# Words saying what follows was wanted (also before a status code: extract._context_kind).
WANTED_WORDS = (
    r"instead of|rather than|expect(?:ed|ing)?"
    r"|should(?: have)? (?:be|been|return|returned|say|said|get|give|show)"
    r"|supposed to (?:be|return|say|get|give|show)|wanted"
)
_WANTED_QUOTE_RE = re.compile(
    rf"(?i)\b(?:{WANTED_WORDS})"
    r"[^\S\n]*:?[^\S\n]*(?:(?:an?|the|this|it to (?:be|say)|to (?:get|see))[^\S\n]+)?"
    r"(\"[^\"\n]{1,200}\"|'[^'\n]{1,200}'|`[^`\n]{1,200}`|\{[^{}\n]{1,300}\})"
)


def _drop_wanted_quotes(text: str) -> str:
    """`_WANTED_QUOTE_RE.sub` emptying each match's quote or body (group 1), with the regex
    tried only where a lower-cased _WANTED_STARTS word begins."""
    low = text.lower()
    if len(low) != len(text):  # a few letters lower-case to two: places would not agree
        return _WANTED_QUOTE_RE.sub(lambda m: m.group()[: m.start(1) - m.start()] + '""', text)
    places: list[int] = []
    for word in _WANTED_STARTS:
        at = low.find(word)
        while at >= 0:
            places.append(at)
            at = low.find(word, at + len(word))
    if not places:
        return text
    pieces, done = [], 0
    for at in sorted(places):
        m = _WANTED_QUOTE_RE.match(text, at) if at >= done else None
        if m:
            pieces += [text[done : m.start(1)], '""']
            done = m.end()
    return "".join(pieces) + text[done:] if pieces else text


def drop_expected(text: str) -> str:
    """The text with what it says it expected blanked (see the module's docstring); every
    other line, and the count of lines, as they were. A text saying none of the words comes
    back as it is."""
    text = _drop_wanted_quotes(text)
    if "xpected" not in text and "XPECTED" not in text:
        return text
    lines = text.split("\n")
    changed = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if "xpected" not in line and "XPECTED" not in line:
            i += 1
            continue
        if _HEADING_RE.match(line):
            lines[i] = ""
            i = _blank_region(lines, i + 1)
            changed = True
        elif _INLINE_RE.match(line) and not _CONTRAST_RE.search(line):
            lines[i] = ""
            changed = True
            i += 1
        else:
            i += 1
    return "\n".join(lines) if changed else text


def _blank_region(lines: list[str], start: int) -> int:
    """Blank the expectation under a heading from `start`: up to the next part of the report,
    a blank line after some of it, or MAX_REGION_LINES; the index reading goes on from."""
    seen = False
    end = min(len(lines), start + MAX_REGION_LINES)
    i = start
    while i < end:
        line = lines[i]
        if not line.strip():
            if seen:
                return i
        elif _NEXT_PART_RE.match(line):
            return i
        else:
            lines[i] = ""
            seen = True
        i += 1
    return i
