"""Turn a paste into clues: status codes, message fragments, Tyk signals and a gateway version.

Handles JSON bodies (pretty or compact, `{"error": ..}` and the control API's
`{"status": "error", "message": ..}`), XML bodies, `curl -v` transcripts, logrus text and JSON
logs of every Tyk version, kubectl/stern prefixes, client-library exceptions and sentences.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.matching.expected import WANTED_WORDS, drop_expected
from bot.matching.normalize import fold_quotes, unescape_entities
from bot.matching.source import WORD_TESTS, ascii_words, other_system_signals
from bot.matching.tty_logs import tty_lines

MAX_FRAGMENT_CHARS = 220
# Fragments kept after ordering (error, warning and status >= 400 lines first, then the last
# lines and request lines, then the rest): a long log keeps its error line whatever its length.
MAX_FRAGMENTS = 48
LAST_LINES = 3  # the last lines of a paste are read before the middle of a long log

REASON_PHRASES: dict[str, int] = {
    "bad request": 400,
    "unauthorized": 401,
    "unauthorised": 401,
    "forbidden": 403,
    "not found": 404,
    "method not allowed": 405,
    "request timeout": 408,
    "length required": 411,
    "payload too large": 413,
    "unprocessable entity": 422,
    "too many requests": 429,
    "client closed request": 499,
    "internal server error": 500,
    "bad gateway": 502,
    "service unavailable": 503,
    "gateway timeout": 504,
    "insufficient storage": 507,
}
# The words of each phrase: a paste lacking one of them as a whole word lacks the phrase standing
# alone (its words stand alone too). Word tests of both modules are answered by one pass.
_PHRASE_WORDS = {phrase: frozenset(phrase.split()) for phrase in REASON_PHRASES}
_TESTED_WORDS = WORD_TESTS.union(*_PHRASE_WORDS.values())

# Fragment kinds, strongest evidence first, with the weight the matcher gives them.
WEIGHTS: dict[str, float] = {
    "error-field": 1.0,  # "error": "..." / "message": "..." in a body
    "log-error": 0.97,  # logrus error="..." of a Finished line
    "log-msg": 0.97,  # logrus msg= / message=, JSON log msg/message
    "xml": 0.97,
    "quoted": 0.9,
    "line": 0.9,
    "text": 0.86,  # a whole short paste
    "log-info": 0.82,  # msg of an info/debug log line outside any request (start-up chatter)
    "part": 0.8,  # one end of a wrapped error (`a: b: c`): never confident on its own
}

# A code clue's strength: a status line is a fact, a number in a sentence a hint.
CODE_STRENGTH = {"status-line": 1.0, "field": 0.9, "phrase": 0.6, "number": 0.5}


@dataclass(frozen=True)
class Fragment:
    """A piece of the paste that may hold an error message."""

    text: str
    kind: str

    @property
    def weight(self) -> float:
        """How much a match on this fragment counts."""
        return WEIGHTS[self.kind]


@dataclass
class Clues:
    """Everything the matcher reads from a paste."""

    fragments: list[Fragment] = field(default_factory=list)
    codes: dict[int, float] = field(default_factory=dict)
    tyk_signals: list[str] = field(default_factory=list)
    # The person names Tyk in words (not in a URL or path, not its other components): weighed
    # against other products they name (source.TYK_NAMED_WEIGHT), no mark of a Tyk response.
    tyk_named: bool = False
    other_signals: list[str] = field(default_factory=list)  # evidence against Tyk (source.py)
    version: str | None = None  # a range: `==5.3.9` from a version string, `>=5.14` from logs
    version_hint: str = ""
    text: str = ""  # the paste itself (quotes folded), for symptom questions
    _positions: dict[str, int] = field(default_factory=dict, repr=False)
    _ranks: list[tuple[int, int]] = field(default_factory=list, repr=False)
    # Each raw text added so far and its cleaned form ("" if it holds no fragment): a paste
    # offers the same text many times (a quoted value, its field, its line). Emptied by finish.
    _cleaned: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # Each fragment's kind, in the order of `_positions` (whose keys are their texts): finish
    # builds `fragments`, a Fragment for each kept one only (a long paste offers thousands).
    _kinds: list[str] = field(default_factory=list, repr=False, compare=False)

    def add_fragment(self, text: str, kind: str, rank: int = 1) -> None:
        """Keep a cleaned fragment once (the strongest kind and best rank win); `rank` orders
        fragments for `finish` (0: error line, 1: last or request line, 2: other lines)."""
        cleaned = self._cleaned.get(text)
        if cleaned is None:
            cleaned = _clean(text)
            if len(cleaned) < 3 or not _LETTERS_RE.search(cleaned):
                cleaned = ""
            self._cleaned[text] = cleaned
        if not cleaned:
            return
        at = self._positions.get(cleaned)
        if at is not None:
            if WEIGHTS[kind] > WEIGHTS[self._kinds[at]]:
                self._kinds[at] = kind
            self._ranks[at] = (min(rank, self._ranks[at][0]), self._ranks[at][1])
            return
        self._positions[cleaned] = len(self._kinds)
        self._ranks.append((rank, len(self._kinds)))
        self._kinds.append(kind)

    def finish(self) -> None:
        """Order the fragments added by rank (then by position) and keep the first
        MAX_FRAGMENTS in `fragments`."""
        order = sorted(range(len(self._kinds)), key=self._ranks.__getitem__)[:MAX_FRAGMENTS]
        texts = list(self._positions)
        self.fragments = [Fragment(texts[i], self._kinds[i]) for i in order]
        self._kinds = [self._kinds[i] for i in order]
        self._ranks = [(self._ranks[i][0], n) for n, i in enumerate(order)]
        self._positions = {f.text: n for n, f in enumerate(self.fragments)}
        self._cleaned.clear()

    def add_code(self, code: int, strength: str) -> None:
        """Record a status code clue (the strongest sighting wins)."""
        if 400 <= code <= 599:
            self.codes[code] = max(self.codes.get(code, 0.0), CODE_STRENGTH[strength])


_LETTERS_RE = re.compile(r"[A-Za-z]{2}")


def _clean(text: str) -> str:
    text = fold_quotes(text[: 2 * MAX_FRAGMENT_CHARS])
    if "\\" in text:  # most fragments hold no escape: one scan instead of two replaces
        text = text.replace("\\n", " ").replace('\\"', '"')
    return " ".join(text.split())[:MAX_FRAGMENT_CHARS]  # whitespace runs to one space


# Bounded runs between literals: a line of 40,000 spaces costs one short probe, not n².
_STATUS_LINE_RE = re.compile(
    r"(?im)^[ \t]{0,16}<?[ \t]{0,16}HTTP/[\d.]{1,5}[ \t]{1,16}([45]\d\d)\b"
)
_CODE_RE = re.compile(r"[45]\d\d")
# _CODE_RE over the text with every `5` read as `4` (same length, same digits): the same spans,
# and a regex that starts with one literal scans about ten times faster than a class.
_CODE_FOLDED_RE = re.compile(r"4\d\d")
# What stands right before a code the person wanted, not the one they got: `403 instead of 401`,
# `expected 200`, `should return 404`.
_WANTED_BEFORE_RE = re.compile(rf"\b(?:{WANTED_WORDS})\s+(?:(?:an?|the|http|status|code)\s+)*$")
# What may stand right before a code for it to be a field or a reply, not just any number.
_FIELD_BEFORE_RE = re.compile(
    r"(?:status(?:[ _]?code)?|code|response_code|http_status)[\"']?\s*[:=]\s*[\"']?$"
    r"|(?:->|=>|→|\breturned|\breturns|\bgot|\bgets|\bwith|\ba)\s+$"
)
# The inside of a JSON or logrus string: characters but `"` and `\`, and escapes. Written as an
# unrolled loop (runs of plain characters between escapes), which matches the same text as
# `(?:[^"\\]|\\.)*` (each character is read one way only) with one fast loop of the regex engine
# per run instead of a step per character.
_STRING = r'[^"\\]*(?:\\.[^"\\]*)*'
_LINE_STRING = r'[^"\\\n]*(?:\\.[^"\\\n]*)*'  # the same within a line
_JSON_KEYS = r"(error|message|msg|error_description|detail|reason)[\"']\s*:\s*"
_JSON_FIELD_RE = re.compile(rf"(?i)[\"']{_JSON_KEYS}\"({_STRING})\"")
# _JSON_FIELD_RE split by its opening quote: two regexes that each start with a literal (the
# regex engine skips to it, several times faster than to a class) and never match at one place.
_JSON_FIELD_DQ_RE = re.compile(rf"(?i)\"{_JSON_KEYS}\"({_STRING})\"")
_JSON_FIELD_SQ_RE = re.compile(rf"(?i)'{_JSON_KEYS}\"({_STRING})\"")


def _json_fields(text: str) -> Iterator[re.Match[str]]:
    """`_JSON_FIELD_RE.finditer(text)`: the leftmost match of either quote's regex from where
    the last match ended (the match the class would find there: the rest of the pattern is the
    same, and no match is empty or looks behind its start)."""
    if "'" not in text:  # the usual JSON paste: one regex, one scan
        yield from _JSON_FIELD_DQ_RE.finditer(text)
        return
    regexes = (_JSON_FIELD_DQ_RE, _JSON_FIELD_SQ_RE)
    found = [regex.search(text) for regex in regexes]
    while any(found):
        m = min((f for f in found if f is not None), key=lambda f: f.start())
        yield m
        found = [  # a match that starts before the end of the last one is searched for again
            f if f is None or f.start() >= m.end() else regex.search(text, m.end())
            for regex, f in zip(regexes, found, strict=True)
        ]


# A logrus field `(?:^|\s)(msg|message|error|err)=(value)`, written to start at its `=` (the regex
# engine skips to it instead of trying every place of the line), each key captured in a
# lookbehind: groups 1-4 the keys (one matches), group 5 the value. The same fields: a key's
# whitespace is never inside the field before (a value ends in no whitespace, and a key right
# after a quoted value has a quote, not whitespace, before it).
_LOGRUS_FIELD_RE = re.compile(
    "=(?:"
    + "|".join(rf"(?<=(?<!\S)({key})=)" for key in ("msg", "message", "error", "err"))
    + rf")(\"{_STRING}\"|[^\s\"]+)"
)
_XML_RE = re.compile(r"(?is)<(error|message|msg|description|title|h1)>\s*([^<]{3,300}?)\s*</\1>")
# Quoted text with a space in it: a message, not a JSON key or an id.
_QUOTED_RE = re.compile(r"[\"`']([^\"`'\n ]{1,100} [^\"`'\n]{2,200})[\"`']")
# _QUOTED_RE for the text with every `'` and `` ` `` read as `"` (same length): every class of
# _QUOTED_RE holds all three quotes or none, so the matches are the same, group 1 (which holds no
# quote) included, and a regex that starts with one literal scans several times faster.
_QUOTED_FOLDED_RE = re.compile(r"\"([^\"\n ]{1,100} [^\"\n]{2,200})\"")


def _quoted(text: str) -> Iterator[re.Match[str]]:
    """`_QUOTED_RE.finditer(text)` (the same spans and groups), by _QUOTED_FOLDED_RE."""
    return _QUOTED_FOLDED_RE.finditer(text.replace("'", '"').replace("`", '"'))


_CURL_NOISE_RE = re.compile(
    r"^\s*(?:[*>]|<\s*[\w-]+:|<\s*$|\$\s*curl\b|\{|\}|\[|\]|%\s+Total|\d+\s+\d+)"
)
_K8S_PREFIX_RE = re.compile(
    r"^(?:\[pod/[^\]]+\]\s*|[\w.-]+-[a-z0-9]{5,10}(?:-[a-z0-9]{4,6})?\s+[\w.-]+\s+"
    r"|\d{4}-\d\d-\d\dT[\d:.]+Z?\s+(?:stdout|stderr)\s+\w\s+"
    r"|\d{4}-\d\d-\d\d[ T][\d:.]+\s+)"
)
_X_GENERATOR_RE = re.compile(r"x-generator:\s*tyk\.io")
# templates/error.json: `{`, a 4-space indented "error" and `}`.
_TYK_BODY_RE = re.compile(r"\{\r?\n {4}\"error\": \"[^\"\n]*\"\r?\n\}")
_CONTROL_API_RE = re.compile(r"\"status\"\s*:\s*\"error\"\s*,\s*\"message\"")
# The person names Tyk (not its Pump, Dashboard, Identity Broker, Sink or Operator).
_TYK_NAMED_RE = re.compile(r"(?<![\w/.-])tyk(?![\w/-])")


def _tyk_signals(low: str) -> list[str]:
    """Marks of a Tyk response or log in the lower-cased paste."""
    found = []
    if "x-generator" in low and _X_GENERATOR_RE.search(low):
        found.append("x-generator: tyk.io")
    if " mw=" in low or '"mw":' in low or "prefix=proxy" in low or "access-log" in low:
        found.append("tyk middleware field")
    if "api_id=" in low or '"api_id"' in low:
        found.append("tyk api fields")
    if '"status"' in low and _CONTROL_API_RE.search(low):
        found.append("control API body")
    if "/tyk/" in low or "x-tyk-" in low:
        found.append("tyk path")
    if _TYK_BODY_RE.search(low):
        found.append("tyk body shape")
    return found


# A version string: `tyk[ -]?gateway[:\s/-]*v?`, `tyk[:\s]+v` or `gateway[:\s]+v`, then the
# version. Two regexes, each starting with its literal (the regex engine then skips to it); the
# leftmost match of the two is the match of their alternation (they never start at one place).
_VERSION_NUMBER = r"(\d{1,2}\.\d+(?:\.\d+)?)(?![\d.])"
_VERSION_RES = (
    re.compile(r"tyk(?:[ -]?gateway[:\s/-]*v?|[:\s]+v)" + _VERSION_NUMBER),
    re.compile(r"gateway[:\s]+v" + _VERSION_NUMBER),
)
# `\bkey=` written `key=(?<!\wkey=)`: the same matches, and the regex engine skips to the
# literal instead of trying every place (a 4 KB log costs a few µs, not 50).
_LEVEL_MESSAGE_RE = re.compile(r"level=(?<!\wlevel=)\w+ message=")
_LEVEL_MSG_RE = re.compile(r"level=(?<!\wlevel=)\w+ msg=")
_LEGACY_TIME_RE = re.compile(r"time=(?<!\wtime=)\"[A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d\"")
_RFC3339_TIME_RE = re.compile(r"time=(?<!\wtime=)\"?\d{4}-\d\d-\d\dT")


def extract(text: str) -> Clues:
    """Read every clue the paste holds: every line, however long the log."""
    # What a report wanted is not what it got; a web page's `&quot;` is a quote.
    folded = drop_expected(fold_quotes(unescape_entities(text)))
    raw = folded.splitlines()
    # Every _K8S_PREFIX_RE match holds a `-` or a `[`: a line holding neither keeps its text.
    lines = [_K8S_PREFIX_RE.sub("", line) if "-" in line or "[" in line else line for line in raw]
    ranks = _line_ranks(lines)
    # Repeated lines fold: the rest of the reading needs each line's shape only once.
    distinct = "\n".join(line for line, rank in zip(raw, ranks, strict=True) if rank != FOLDED)
    clues = Clues(text=distinct)
    low = distinct.lower()
    # The paste's words that a word test asks about (None if not ASCII): one pass for all.
    words = _TESTED_WORDS.intersection(ascii_words(low)) if distinct.isascii() else None
    _codes(distinct, low, clues, words)
    _structured_fragments(folded, lines, ranks, clues)
    _line_fragments(lines, ranks, clues)
    if len(folded) <= MAX_FRAGMENT_CHARS and "\n" not in folded.strip():
        clues.add_fragment(folded, "text")
    clues.tyk_signals = _tyk_signals(low)
    clues.tyk_named = "tyk" in low and bool(_TYK_NAMED_RE.search(low))
    clues.other_signals = other_system_signals(distinct, words)
    _version(distinct, low, clues)
    clues.finish()
    return clues


# A run of 6+ hex characters or of digits; written to start with a character class, which lets
# the regex engine skip ahead to candidate starts (`[0-9a-fA-F]{6,}|\d+` tries every position).
_VARYING_RE = re.compile(r"[0-9a-fA-F](?:[0-9a-fA-F]{5,}|(?<=\d)\d*)")
# Outside the words holding a run of 6+ hex characters _VARYING_RE matches what this does: an
# ASCII digit and the digits after it (its `(?<=\d)` reads the character just matched); the
# regex engine skips to digits instead of trying every letter a-f of the text.
_DIGIT_RUN_RE = re.compile(r"[0-9]\d*")
_NO_DIGITS = str.maketrans("", "", string.digits)


def _drop_digit_runs(text: str) -> str:
    """`_DIGIT_RUN_RE.sub("", text)`: in ASCII every digit is in such a run, and str.translate
    drops them five times faster than the regex engine."""
    return text.translate(_NO_DIGITS) if text.isascii() else _DIGIT_RUN_RE.sub("", text)


# Hex characters to `x`, every other ASCII character to a space (none is in a _VARYING_RE match,
# so the text cut at one reads the same piece by piece); other characters stay as they are.
_HEX_TO_X = str.maketrans({chr(c): "x" if chr(c) in string.hexdigits else " " for c in range(128)})

_HEX_GAP = 256  # runs this close go through the full regex in one piece: fewer pieces


# _HEX_TO_X and _NO_DIGITS for the bytes of ASCII text: bytes.translate reads a table, several
# times faster than str.translate's lookups, and bytes.find skips to a run faster than a regex.
_HEX_TO_X_BYTES = bytes.maketrans(
    bytes(range(128)), "".join(map(chr, range(128))).translate(_HEX_TO_X).encode("ascii")
)
_DIGIT_BYTES = string.digits.encode("ascii")


def _drop_varying_ascii(text: str) -> str:
    """`_drop_varying` of ASCII text (one byte a character): each whole run of 6+ hex
    characters dropped (a run ends at the next non-hex character), then every digit."""
    data = text.encode("ascii")
    marks = data.translate(_HEX_TO_X_BYTES)
    kept, done = [], 0
    at = marks.find(b"xxxxxx")
    while at >= 0:
        kept.append(data[done:at])
        done = marks.find(b" ", at)
        if done < 0:  # the run reaches the end
            return b"".join(kept).translate(None, _DIGIT_BYTES).decode("ascii")
        at = marks.find(b"xxxxxx", done)
    kept.append(data[done:])
    return b"".join(kept).translate(None, _DIGIT_BYTES).decode("ascii")


def _drop_varying(text: str) -> str:
    """`_VARYING_RE.sub("", text)`: the full regex only on the words (cut at the spaces of
    `_HEX_TO_X`) holding a run of 6+ hex characters, the digit runs dropped elsewhere.

    In ASCII text (every digit a hex character) the regex drops each whole run of 6+ hex
    characters and every other digit: no regex step per hex letter, as the regex takes."""
    if text.isascii():
        return _drop_varying_ascii(text)
    marks = text.translate(_HEX_TO_X)
    pieces: list[str] = []
    done = 0
    at = marks.find("xxxxxx")
    while at >= 0:
        start = marks.rfind(" ", done, at) + 1 or done
        while at >= 0:  # the piece grows over the runs that follow closely (a log's ids)
            end = marks.find(" ", at)
            end = len(marks) if end < 0 else end
            at = marks.rfind("xxxxxx", end, end + _HEX_GAP)
        pieces.append(_drop_digit_runs(text[done:start]))
        pieces.append(_VARYING_RE.sub("", text[start:end]))
        done = end
        at = marks.find("xxxxxx", end)
    pieces.append(_drop_digit_runs(text[done:]))
    return "".join(pieces)


_ALERT = (
    r"\blevel\"?\s*[=:]\s*\"?(?:err|error|warn|warning|fatal|panic|crit)\b"
    r"|\b(?:error|warn|warning|fatal|panic)\b|\[(?:error|warn)\]|\berro\["
)
_BAD_STATUS = (
    r"(?:\bstatus|\bcode|response_code)\"?\s*[=:]\s*\"?[45]\d\d\b|http/[\d.]+\s+[45]\d\d\b"
)
_ALERT_RE = re.compile("(?i)" + _ALERT)
_BAD_STATUS_RE = re.compile("(?i)" + _BAD_STATUS)
# The same for a lower-cased ASCII line: the same matches in the same places, without the
# case-insensitive matching that slows the regex engine down.
_ALERT_LOWER_RE = re.compile(_ALERT)
_BAD_STATUS_LOWER_RE = re.compile(_BAD_STATUS)


def _is_alert(line: str) -> bool:
    """An error, warning or status >= 400 line."""
    if not line.isascii():  # case-insensitive matching folds a few other letters
        return bool(_ALERT_RE.search(line) or _BAD_STATUS_RE.search(line))
    low = line.lower()
    # Words (and digits) every match holds: a line without any skips that regex.
    return bool(
        (
            ("level" in low or "err" in low or "warn" in low or "fatal" in low or "panic" in low)
            and _ALERT_LOWER_RE.search(low)
        )
        or (
            ("status" in low or "code" in low or "http/" in low)
            and ("4" in low or "5" in low)
            and _BAD_STATUS_LOWER_RE.search(low)
        )
    )


# _ALERT_LOWER_RE and _BAD_STATUS_LOWER_RE as regexes that each start with a literal (the regex
# engine skips to it), for all lines joined by newlines: `\b` before a literal written as a
# lookbehind after it, `\s` as `[^\S\n]` (a line holds no newline, so no match crosses one and
# each match is a match of its line alone). A line holds a match of one of these if and only if
# _is_alert finds one in it.
_WS = r"[^\S\n]*"
_ALERT_LINE_RES = tuple(
    re.compile(pattern)
    for pattern in (
        rf"level(?<!\wlevel)\"?{_WS}[=:]{_WS}\"?(?:err|error|warn|warning|fatal|panic|crit)\b",
        r"error(?<!\werror)\b",
        r"warn(?<!\wwarn)(?:ing)?\b",
        r"fatal(?<!\wfatal)\b",
        r"panic(?<!\wpanic)\b",
        r"\[(?:error|warn)\]",
        r"erro(?<!\werro)\[",
        rf"status(?<!\wstatus)\"?{_WS}[=:]{_WS}\"?[45]\d\d\b",
        rf"code(?<!\wcode)\"?{_WS}[=:]{_WS}\"?[45]\d\d\b",
        rf"response_code\"?{_WS}[=:]{_WS}\"?[45]\d\d\b",
        r"http/[\d.]+[^\S\n]+[45]\d\d\b",
    )
)


def _alert_lines(lines: list[str]) -> set[int] | None:
    """The indexes of the lines `_is_alert` holds true, by a few scans of the lines joined instead
    of regex calls per line; None if they are not ASCII (then ask _is_alert line by line)."""
    low = "\n".join(lines).lower()
    if not low.isascii():
        return None
    starts = [0, *itertools.accumulate(len(line) + 1 for line in lines)]
    found: set[int] = set()
    for regex in _ALERT_LINE_RES:
        m = regex.search(low)
        while m:  # one match a line is enough: go on from the next line
            at = _line_of(starts, m.start())
            found.add(at)
            m = regex.search(low, starts[at + 1]) if at + 1 < len(lines) else None
    return found


_REQUEST_LINE_RE = re.compile(r"(?:\s|^)mw=|\"mw\"\s*:|prefix=proxy|\"prefix\"\s*:\s*\"proxy\"")


def _is_request_line(line: str) -> bool:
    """A request's log line (`mw=`, `prefix=proxy` and their JSON forms). Every match holds
    `mw` or `prefix`: a line holding neither skips the regex (it tries every place of the line)."""
    return ("mw" in line or "prefix" in line) and _REQUEST_LINE_RE.search(line) is not None


# Field values that vary between otherwise equal log lines (all but the message and level):
# a logfmt `=value` after its key (the key stays) and a JSON `"key": value` (replaced by the
# key). Matches start at `=` or `"`, so the regex engine skips to those characters; the
# lookbehinds keep the logfmt message keys. No match crosses a line end, so one pass over all
# lines joined by newlines shapes each line as a pass over that line alone would.
_KEPT_LOGFMT_KEYS = ("msg", "message", "error", "err", "level")
_FIELD_VALUE_RE = re.compile(
    r"=(?<=[\w.]=)"
    + "".join(rf"(?<!(?<![\w.]){key}=)" for key in _KEPT_LOGFMT_KEYS)
    + rf"(?:\"{_LINE_STRING}\"|\S*)"
    r"|\"(?!(?:msg|message|error|level)\")(\w+)\"[^\S\n]*:[^\S\n]*"
    rf"(?:\"{_LINE_STRING}\"|[^,}}\s]*)"
)
# Field values that tell one request's failure from the others (a status >= 400, a non-empty
# response_flag, response_code_details, error or err), logfmt or JSON: the shape keeps them, so
# the one `status=502 response_flag=URT` line of an access log never folds into its 200s. One
# regex per key, each starting with its literal (the regex engine then skips to that literal: a
# 10,000-line log costs a few ms); a lookbehind after the literal keeps `mystatus=` out. No
# match crosses a line end.
_SEP = r"\"?[^\S\n]*[=:][^\S\n]*"
_VALUE = rf"(?:\"(?=[^\s\"])({_LINE_STRING})\"|(?!\")([^\s,}}]+))"  # non-empty
_ERROR_VALUE_RES = (
    re.compile(r"status(?<![\w.]status)" + _SEP + r"(?=\"?[45]\d\d\b)" + _VALUE),
    re.compile(r"response_(?<![\w.]response_)(?:flag|code_details)" + _SEP + _VALUE),
    re.compile(r"err(?<![\w.]err)(?:or)?" + _SEP + _VALUE),
)


def _drop_field_values(text: str) -> str:
    """The text without _FIELD_VALUE_RE's matches, each JSON key kept. Every match starts with
    `=` or `"`: a text holding neither (prose) skips the regex's scan for them."""
    if "=" not in text and '"' not in text:
        return text
    return "".join(filter(None, _FIELD_VALUE_RE.split(text)))


FOLDED = -1  # the rank of a line that repeats an earlier one's shape (other ids and times)


def _shapes(lines: list[str]) -> list[str]:
    """Each line stripped of field values, ids and numbers, but not of its error-bearing values
    (`_ERROR_VALUE_RES`): equal shapes are repeats.

    The whole text goes through the regex engine at once: a 10,000-line log costs a few passes
    in C, not a few calls per line (splitting keeps the keys without a per-match template)."""
    if not lines:
        return []
    stripped = [line.strip() for line in lines]
    joined = "\n".join(stripped)
    shapes = _drop_varying(_drop_field_values(joined)).split("\n")
    starts: list[int] | None = None
    for key, regex in enumerate(_ERROR_VALUE_RES):
        for m in regex.finditer(joined):
            value = m.group(1) or m.group(2)
            if key:  # the same error with another id or time still repeats
                value = _VARYING_RE.sub("", value)
            if starts is None:
                starts = [0, *itertools.accumulate(len(line) + 1 for line in stripped[:-1])]
            shapes[_line_of(starts, m.start())] += f"\0{m.group()[:4]}={value}"
    return shapes


def _first_shapes(lines: list[str]) -> list[int]:
    """The lines whose shape (`_shapes`) no earlier line has, in order."""
    seen: set[str] = set()
    firsts = []
    for i, shape in enumerate(_shapes(lines)):
        if shape not in seen:
            seen.add(shape)
            firsts.append(i)
    return firsts


def _line_ranks(lines: list[str]) -> list[int]:
    """Each line's reading order: 0 error, warning or status >= 400 lines; 1 the last lines and
    request-scoped log lines; 2 the rest; FOLDED for a repeat of an earlier line's shape."""
    ranks = [FOLDED] * len(lines)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    last = set(filled[-LAST_LINES:])
    kept = _first_shapes(lines)
    alerts = _alert_lines([lines[i] for i in kept])  # only the lines read: repeats are many
    for n, i in enumerate(kept):
        line = lines[i]
        if _is_alert(line) if alerts is None else n in alerts:
            ranks[i] = 0
        elif i in last or _is_request_line(line):
            ranks[i] = 1
        else:
            ranks[i] = 2
    return ranks


_DIGITS = {"oh": 0, "o": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_DIGITS |= {"six": 6, "seven": 7, "eight": 8, "nine": 9}
_TENS = {"ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "ninety": 90}
_SPELLED_CODE_RE = re.compile(
    r"\b(four|five)[\s-]+(?:(hundred)s?|(oh|o|zero|ten|twenty|thirty|forty|fifty|ninety)"
    r"(?:[\s-]+(one|two|three|four|five|six|seven|eight|nine))?s?)\b"
)


def _spelled_code(m: re.Match[str]) -> int:
    """`four-oh-three` → 403, `five-hundreds` → 500, `four twenty nine` → 429."""
    code = 100 * _DIGITS[m.group(1)]
    if m.group(3):
        code += _TENS.get(m.group(3), 0) + _DIGITS.get(m.group(4) or "zero", 0)
    return code


# JSON-RPC 2.0 error codes (MCP APIs wrap every gateway error in `{"jsonrpc":"2.0","error":
# {"code":…,"message":…}}`) and the HTTP status each stands for: the standard codes, and Tyk's
# own -32001…-32006 (internal/jsonrpc/errors/mapper.go). -32004 is any of 502/503/504.
JSONRPC_CODES: dict[int, int] = {
    -32700: 400,
    -32600: 400,
    -32601: 404,
    -32602: 400,
    -32603: 500,
    -32001: 401,
    -32002: 403,
    -32003: 429,
    -32004: 502,
    -32005: 403,
    -32006: 403,
}
_JSONRPC_CODE_RE = re.compile(r"\"code\"\s*:\s*(-3\d{4})\b")


def _context_kind(before: str) -> str:
    """What the lower-cased text right before a code makes of it: a status "field" or reply,
    a code the person "wanted" (`instead of 401`), or a plain "number"."""
    if _FIELD_BEFORE_RE.search(before):
        return "field"
    return "wanted" if _WANTED_BEFORE_RE.search(before) else "number"


def _codes(text: str, low: str, clues: Clues, words: frozenset[str] | None = None) -> None:
    """Status codes: status lines, fields, numbers, spelled out and reason phrases; `low` is
    `text.lower()`, `words` (if ASCII) its words that are in _TESTED_WORDS."""
    if "http/" in low:  # every status line holds it (no other letter folds to `h`, `t`, `p`)
        for m in _STATUS_LINE_RE.finditer(text):
            clues.add_code(int(m.group(1)), "status-line")
    if '"jsonrpc"' in text:
        for m in _JSONRPC_CODE_RE.finditer(text):
            status = JSONRPC_CODES.get(int(m.group(1)))
            if status:
                clues.add_code(status, "field")
    # A log repeats its lines: each context is read once ("field", "wanted" or "number").
    context_kinds: dict[str, str] = {}
    for m in _CODE_FOLDED_RE.finditer(text.replace("5", "4")):  # _CODE_RE's spans
        start, end = m.span()
        left = text[start - 1] if start else " "
        right = text[end] if end < len(text) else " "
        plural = right == "s" and not text[end + 1 : end + 2].isalnum()  # `502s`
        after = text[end + 1 : end + 2]
        # A period or colon ends a sentence or a label (`a 401.`, `error 401: …`), unless a
        # digit or letter follows (`401.5`, `401:80`).
        joined = right in "_/-" or (right in ".:" and after.isalnum())
        if left.isalnum() or left in "._" or (right.isalnum() and not plural) or joined:
            continue
        before = low[max(0, start - 24) : start]
        kind = context_kinds.get(before)
        if kind is None:
            kind = context_kinds[before] = _context_kind(before)
        if kind == "wanted":  # the code they wanted, not the one they got: no clue
            continue
        if kind == "field":
            clues.add_code(int(text[start:end]), "field")
        elif left not in "/:#-" and not before.endswith("port "):
            clues.add_code(int(text[start:end]), "number")
    if "four" in low or "five" in low:
        for m in _SPELLED_CODE_RE.finditer(low):
            clues.add_code(_spelled_code(m), "number")
    for phrase, code in REASON_PHRASES.items():
        if words is not None and not _PHRASE_WORDS[phrase] <= words:
            continue
        at = low.find(phrase)
        while at >= 0:
            end = at + len(phrase)
            if (at == 0 or not low[at - 1].isalnum()) and (
                end == len(low) or not low[end].isalnum()
            ):
                clues.add_code(code, "phrase")
                break
            at = low.find(phrase, end)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        if "\\" not in value:  # without an escape JSON reads (or fails to read) the same text
            return value[1:-1]
        try:
            decoded = json.loads(value)
            return decoded if isinstance(decoded, str) else value[1:-1]
        except ValueError:
            return value[1:-1]
    return value


# Access-log `response_flag` values (recent gateways) and the client message each stands for.
RESPONSE_FLAGS: dict[str, str] = {
    "RLT": "Rate Limit Exceeded",
    "QEX": "Quota exceeded",
    "AMF": "Authorization field missing",
    "AKI": "Access to this API has been disallowed",
    "TKE": "Key has expired, please renew",
    "CRQ": "Client certificate required",
    "BTL": "Request is too large",
    "CLM": "Content length is required for this request",
    "URT": "Upstream service reached hard timeout",
    "UCT": "There was a problem proxying the request",
    "UCF": "There was a problem proxying the request",
    "DNS": "Upstream host lookup failed",
    "CDC": "Client closed request",
}
_FLAG_RE = re.compile(r"response_flag\"?\s*[=:]\s*\"?([A-Z]{3})\b")
_QUIET_LEVEL_RE = re.compile(r"level(?<!\wlevel)\"?\s*[=:]\s*\"?(?:info|debug|trace)\b")


def _line_of(starts: list[int], pos: int) -> int:
    """The line holding `pos`, `starts` being where each line starts (from 0)."""
    return bisect.bisect_right(starts, pos) - 1  # at least 0: starts[0] is 0


def _structured_fragments(text: str, lines: list[str], ranks: list[int], clues: Clues) -> None:
    # Where each line starts (str.splitlines breaks where _NEWLINE_RE does).
    starts = [0, *itertools.accumulate(map(len, text.splitlines(keepends=True)))]
    kinds: dict[int, str] = {}  # each line's log kind, read once however many fields it has
    for m in _json_fields(text):
        at = min(_line_of(starts, m.start()), len(ranks) - 1)
        rank = ranks[at]
        if rank == FOLDED:
            continue
        key, value = m.group(1).lower(), _unquote(f'"{m.group(2)}"')
        if key in ("msg", "message") and _is_log_object(text, m.start()):
            if at not in kinds:
                kinds[at] = _log_kind(lines[at])
            clues.add_fragment(value, kinds[at], rank)
        else:
            clues.add_fragment(value, "error-field", rank)
        _add_parts(value, clues, rank)
    for at, (line, rank) in enumerate(zip(lines, ranks, strict=True)):
        if rank == FOLDED or (
            "msg=" not in line and "message=" not in line and "level=" not in line
        ):
            continue  # logrus fields only in logrus lines (not `WWW-Authenticate: error=`)
        for m in _LOGRUS_FIELD_RE.finditer(line):
            key, value = "".join(m.groups("")[:4]), _unquote(m.group(5))
            if key in ("error", "err"):
                clues.add_fragment(value, "log-error", rank)
            elif value.lower() not in ("finished", ""):
                if at not in kinds:
                    kinds[at] = _log_kind(line)
                clues.add_fragment(value, kinds[at], rank)
            _add_parts(value, clues, rank)
    for tty in tty_lines(text):  # `[Jun 30 12:52:39]  WARN main: …`, `ERRO[0005] …`
        at = min(_line_of(starts, tty.start), len(ranks) - 1)
        rank = ranks[at]
        if rank == FOLDED:
            continue
        if tty.message.lower() not in ("finished", ""):
            quiet = tty.quiet and not _is_request_line(lines[at])
            clues.add_fragment(tty.message, "log-info" if quiet else "log-msg", rank)
            _add_parts(tty.message, clues, rank)
        for error in tty.errors:
            clues.add_fragment(error, "log-error", rank)
            _add_parts(error, clues, rank)
    for line, rank in zip(lines, ranks, strict=True):
        flag = _FLAG_RE.search(line) if rank != FOLDED and "response_flag" in line else None
        if flag and flag.group(1) in RESPONSE_FLAGS:
            clues.add_fragment(RESPONSE_FLAGS[flag.group(1)], "log-msg", rank)
    for m in _XML_RE.finditer(text) if "</" in text else ():  # every match closes a tag
        rank = ranks[min(_line_of(starts, m.start()), len(ranks) - 1)]
        if rank != FOLDED:  # a repeat adds nothing (FOLDED is no rank: it would sort first)
            clues.add_fragment(m.group(2), "xml", rank)
    for m in _quoted(text):
        rank = ranks[min(_line_of(starts, m.start()), len(ranks) - 1)]
        if rank != FOLDED:
            clues.add_fragment(m.group(1), "quoted", rank)


def _log_kind(line: str) -> str:
    """A log line's message: full weight in a request or at warning and above, else chatter."""
    if _QUIET_LEVEL_RE.search(line) and not _is_request_line(line):
        return "log-info"
    return "log-msg"


def _add_parts(value: str, clues: Clues, rank: int = 1) -> None:
    """`Unexpected signing method: HS256 ...` → its head; `proxy error: ...: no such host` →
    its root cause: wrapped Go errors carry the message at either end."""
    if ":" in value:
        head, tail = value.split(":", 1)[0], value.rsplit(":", 1)[-1]
        clues.add_fragment(head, "part", rank)
        clues.add_fragment(tail, "part", rank)


def _is_log_object(text: str, pos: int) -> bool:
    start = text.rfind("{", 0, pos)
    window = text[start : pos + 400] if start >= 0 else ""
    return '"level"' in window or '"time"' in window or '"mw"' in window


# A sentence ends at `.` before a capital letter, at `?` or `!` before any letter (people type
# `acess denied ??? worked yesterday`), and at ` -- `, ` - ` before a word, or `;`.
_SENTENCE_SPLIT_RE = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z])|(?<=[!?])\s+(?=[a-z])| -- | - (?=[a-z])|;\s"
)


def _sentences(line: str) -> bool:
    """Whether a line may hold several sentences: one without `.!?-;` is one sentence (five
    tests written out: a generator over them costs more than the tests)."""
    return "." in line or "!" in line or "?" in line or "-" in line or ";" in line


def _line_fragments(lines: list[str], ranks: list[int], clues: Clues) -> None:
    for line, rank in zip(lines, ranks, strict=True):
        stripped = line.strip()
        if rank == FOLDED or not stripped or _CURL_NOISE_RE.match(stripped):
            continue
        if stripped.startswith("<"):
            stripped = stripped.lstrip("< ").strip()
        if _sentences(stripped):
            for piece in _SENTENCE_SPLIT_RE.split(stripped):
                clues.add_fragment(piece, "line", rank)
        else:
            clues.add_fragment(stripped, "line", rank)


def _version(text: str, low: str, clues: Clues) -> None:
    found = [m for regex in _VERSION_RES if (m := regex.search(low))]
    m = min(found, key=lambda m: m.start()) if found else None
    if m:
        clues.version, clues.version_hint = f"=={m.group(1)}", f"version string {m.group(0)!r}"
    elif ("level=" in text and _LEVEL_MESSAGE_RE.search(text)) or (
        " message=" in text and _RFC3339_TIME_RE.search(text)
    ):
        clues.version, clues.version_hint = ">=5.14", "log lines use message= (Tyk 5.14 or newer)"
    elif "level=" in text and _LEVEL_MSG_RE.search(text) and _LEGACY_TIME_RE.search(text):
        clues.version, clues.version_hint = "<5.14", "legacy log format with msg= (before 5.14)"
