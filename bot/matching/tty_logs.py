"""Gateway log lines as a terminal shows them.

Run in a terminal (`./tyk`, `docker run -t`), the gateway's log formatters print no `msg=`:
- Tyk up to 4.x (x-cray logrus-prefixed-formatter):
  `[Jun 30 12:52:39]  WARN main: Attempted administrative access with invalid or missing key!`
  and `[Oct 11 14:22:51] ERROR proxy: http: proxy error: EOF api_id=… org_id=…`;
- logrus' own text formatter: `ERRO[0005] Couldn't get token  api_id=1 error="…" mw=JWTMiddleware`.

Bug reports paste them as often as the `time=… level=… msg=…` form. Each line gives its level, its
message (after the `prefix:` the first formatter prints, up to the first `key=` field) and the
values of its `error=`/`err=` fields, which in a terminal run unquoted up to the next field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_LEVELS = r"DEBUG?|INFO|WARN(?:ING)?|ERRO(?:R)?|FATAL?|PANIC?|TRAC(?:E)?"
_STAMP = (
    r"[A-Z][a-z]{2}[^\S\n]+\d{1,2}[^\S\n]\d\d:\d\d:\d\d"  # Jun 30 12:52:39
    r"|\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?"  # 2024-06-30T12:52:39Z
)
# Words up to the first field (` key=`) or the line's end. Word by word, each possessive and
# tested once for being a field: linear in the line, whatever its runs of spaces (a lazy `.*?`
# with a lookahead for the next field rescans a run of spaces at each of its places).
_NOT_FIELD = r"(?![a-z_][\w.-]*+=)"
_WORDS = rf"(?:{_NOT_FIELD}\S++(?:[^\S\n]++{_NOT_FIELD}\S++)*+)?"
_MESSAGE = rf"(?P<message>{_WORDS})"
# A formatter's `prefix:` (main, proxy, auth-mgr…), never the first word of a Go error.
_PREFIX = (
    r"(?:(?!(?:https?|dial|read|write|tls|x509|json|net|lookup|remote|context|get|post)\b)"
    r"[a-z][\w.-]{0,30}:[^\S\n]+)?"
)
# `[Jun 30 12:52:39]  WARN main: message key=value`: starts with its `[` (the regex engine skips
# to that literal).
_PREFIXED_RE = re.compile(
    rf"(?m)\[(?:{_STAMP})\][^\S\n]+(?P<level>{_LEVELS})[^\S\n]+{_PREFIX}{_MESSAGE}"
)
# `ERRO[0005] message key=value` (or a full stamp in the brackets).
_SHORT_LEVELS = ("DEBU[", "INFO[", "WARN[", "ERRO[", "FATA[", "PANI[", "TRAC[")
_TEXT_FORMATTER_RE = re.compile(
    rf"(?m)(?<![\w\[])(?P<level>DEBU|INFO|WARN|ERRO|FATA|PANI|TRAC)\[[^\]\n]{{1,40}}\]"
    rf"[^\S\n]+{_PREFIX}{_MESSAGE}"
)
_ERROR_FIELD_RE = re.compile(
    r"(?m)(?<!\S)(?:error|err)=(?!\s)"
    r"(\"(?:[^\"\\\n]|\\.)*+\"(?=[^\S\n]|$)"  # quoted
    rf"|{_WORDS})"  # or the words up to the next field
)
QUIET_LEVELS = frozenset({"DEBU", "DEBUG", "INFO", "TRAC", "TRACE"})


class TtyLine(NamedTuple):
    """One terminal log line: where it starts in the text, its level, message and errors."""

    start: int
    level: str
    message: str
    errors: tuple[str, ...]

    @property
    def quiet(self) -> bool:
        """Info, debug or trace: start-up chatter unless it belongs to a request."""
        return self.level in QUIET_LEVELS


def tty_lines(text: str) -> Iterator[TtyLine]:
    """The terminal log lines of a text, in order (a text without `]` has none)."""
    if "]" not in text:
        return
    found = list(_PREFIXED_RE.finditer(text))
    if any(level in text for level in _SHORT_LEVELS):  # its regex starts with no literal
        found += _TEXT_FORMATTER_RE.finditer(text)
        found.sort(key=lambda m: m.start())
    for m in found:
        end = text.find("\n", m.end())
        rest = text[m.end() : end if end >= 0 else len(text)]
        errors = tuple(_unquoted(f.group(1)) for f in _ERROR_FIELD_RE.finditer(rest) if f.group(1))
        yield TtyLine(m.start(), m.group("level"), m.group("message").strip(), errors)


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value
