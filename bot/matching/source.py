"""Evidence that a paste comes from another system than Tyk, and how much each kind weighs.

Tyk's own proxy errors carry `X-Generator: tyk.io` and no `Server` header; its logs carry
`mw=`/`api_id` fields (see extract._tyk_signals). Other gateways, clouds, identity providers
and web frameworks announce themselves with headers, body shapes and names, and people say
so when the gateway is not involved. Each signal is `"<kind>:<detail>"`; the matcher weighs
kinds with AGAINST_WEIGHTS and sets them against TYK_WEIGHTS.

| constant | value | meaning |
| --- | --- | --- |
| AGAINST_WEIGHTS["header"] | 1.0 | a `Server`/`Via` header or a vendor's own header |
| AGAINST_WEIGHTS["body"] | 1.0 | a body shape Tyk never sends (Spring Boot, ProblemDetails, ...) |
| AGAINST_WEIGHTS["said"] | 2.0 | the person says the gateway is not involved |
| AGAINST_WEIGHTS["product"] | 0.5 | another product or vendor host named in the paste |
| AGAINST_WEIGHTS["talk"] | 1.0 | release notes, a changelog or a pull request quoting a message |
| TYK_WEIGHTS[...] | 1.0-2.0 | Tyk's marks: 2 for headers, log fields and control-API bodies |
| TYK_NAMED_WEIGHT | 0.75 | the person names Tyk in words: outweighs one other product named |
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

AGAINST_WEIGHTS: dict[str, float] = {
    "header": 1.0,
    "body": 1.0,
    "said": 2.0,
    "product": 0.5,
    "talk": 1.0,
}
TYK_NAMED_WEIGHT = 0.75
TYK_WEIGHTS: dict[str, float] = {
    "x-generator: tyk.io": 2.0,
    "tyk middleware field": 2.0,
    "control API body": 2.0,
    "tyk api fields": 1.0,
    "tyk path": 1.0,
    "tyk body shape": 1.0,
}


@dataclass(frozen=True)
class _Caseless:
    """A case-insensitive pattern written in lower case. Over ASCII text it runs on the
    lower-cased text without the flag: the same matches at the same places, 2-3 times faster
    (case-insensitive matching defeats the regex engine's skipping to a match's first letter)."""

    any_case: re.Pattern[str]
    lower: re.Pattern[str]

    def finditer(self, text: str, low: str) -> Iterator[re.Match[str]]:
        """Matches in `text`, `low` being `text.lower()`; read spans, not groups, for its case."""
        if text.isascii():
            return self.lower.finditer(low)
        return self.any_case.finditer(text)

    def search(self, text: str, low: str) -> re.Match[str] | None:
        """The first match in `text`, `low` being `text.lower()` (read its span, as above)."""
        return self.lower.search(low) if text.isascii() else self.any_case.search(text)


def _caseless(pattern: str) -> _Caseless:
    return _Caseless(re.compile(pattern, re.IGNORECASE), re.compile(pattern))


_SERVER_RE = re.compile(
    r"""(?im)(?:^[ \t]*(?:<[ \t]*)?|["'])(server|via)["']?[ \t]*:[ \t]*["']?([^\s"',]+)"""
)
# What every _SERVER_RE match holds, in lower case: the name as a whole word, an optional quote
# and the colon. `server` and `via` are common words; followed by a colon they are rare.
_SERVER_NAME_RE = re.compile(r"(?:server|via)[\"']?[ \t]*:")
_VENDOR_HEADER_RE = _caseless(
    r"(?<![\w-])(x-kong-[\w-]+|cf-ray|cf-cache-status|x-amzn-[\w-]+|x-amz-[\w-]+"
    r"|x-azure-ref|x-ms-request-id|x-envoy-[\w-]+|x-apigee[\w-]*|apigee-[\w-]+|x-slack-[\w-]+"
    r"|x-github-[\w-]+|x-goog-[\w-]+|x-cloud-trace-context|x-vercel-id|fly-request-id"
    r"|x-akamai-[\w-]+|x-fastly-[\w-]+|x-kestrel[\w-]*|ocp-apim-[\w-]+)[\"']?\s*:"
)
# A word every vendor header above starts with (see WORD_TESTS), and how it starts.
_VENDOR_WORDS = frozenset(("x", "cf", "apigee", "fly", "ocp"))
_VENDOR_STARTS = ("x-", "cf-", "apigee", "fly-", "ocp-")
_BEARER_CHALLENGE_RE = _caseless(r"www-authenticate:\s*bearer\b[^\n]*\berror=")
# Body shapes of other systems, each with words one of which every match holds (see
# WORD_TESTS) and needles one of which it holds in lower case: a paste holding none of either
# skips the regex. The word test first: one set operation, where each needle scans the paste.
_BODY_SHAPES: tuple[tuple[str, frozenset[str], tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (name, frozenset(words), needles, re.compile(pattern))
    for name, words, needles, pattern in (
        (
            "oauth2 error_description",
            ("description",),
            ("error_description",),
            r"(?i)[\"']?error_description[\"']?\s*[:=]",
        ),
        (
            "problem details",
            ("problem", "traceid"),
            ("application/problem+", "traceid"),
            r"(?i)application/problem\+(?:json|xml)|[\"']traceId[\"']\s*:",
        ),
        (
            "documentation_url",
            ("url", "uri", "errorlink"),
            ("documentation_url", "doc_url", "error_uri", "errorlink"),
            r"[\"'](?:documentation_url|doc_url|error_uri|errorLink)[\"']\s*:",
        ),
        ("aws __type", ("type",), ("__type",), r"[\"']__type[\"']\s*:"),
        (
            "error code fields",
            ("errorcode", "errorsummary", "faultstring", "fault"),
            ("errorcode", "errorsummary", "fault"),
            r"[\"'](?:errorCode|errorSummary|faultstring|fault)[\"']\s*:",
        ),
        ("graphql errors", ("errors",), ('"errors', "'errors"), r"[\"']errors[\"']\s*:\s*\["),
        ("detail field", ("detail",), ('"detail', "'detail"), r"[\"']detail[\"']\s*:"),
        ("slack ok false", ("ok",), ("false",), r"[\"']ok[\"']\s*:\s*false"),
        ("statusCode field", ("statuscode",), ("statuscode",), r"[\"']statusCode[\"']\s*:"),
        (
            "nested error object",
            ("error",),
            ('"error', "'error"),
            r"[\"']error[\"']\s*:\s*\{",
        ),
        ("typed error", ("type",), ("_error",), r"[\"']type[\"']\s*:\s*[\"']\w+_error[\"']"),
        (
            "html block page",
            ("center", "title"),
            ("<center>", "<title>"),
            r"(?i)<center>\s*(?:nginx|openresty|envoy)|<title>[^<]*cloudflare",
        ),
        (
            "go default 404",
            ("404",),
            ("404 page not found",),
            r"(?m)^[ \t]*404 page not found[ \t]*\r?$",
        ),
    )
)
_SPRING_KEYS = ('"timestamp"', '"path"', '"status"', '"error"')
_PRODUCT_RE = _caseless(
    r"(?<![\w-])(kong|apigee|envoy|traefik|ingress-nginx|nginx|openresty|haproxy|cloudflare"
    r"|akamai|fastly|execute-api|amazonaws\.com|api ?gateway \(aws\)|aws api gateway"
    r"|azure-api\.net|azure apim|keycloak|okta|auth0|cognito|microsoftonline\.com|spring boot"
    r"|spring-security|django|fastapi|uvicorn|gunicorn|flask|express-jwt|laravel|rails|kestrel"
    r"|asp\.net|stripe|api\.github\.com|slack\.com|twilio|etcd|consul|istio|linkerd|contour"
    r"|apollo server|graphql-depth-limit"
    # Tyk's other components are not the gateway: their logs speak of their own connections.
    r"|tyk-pump|tyk-dashboard|tyk-identity-broker|tyk-sink|prefix=[\w-]*pump|prefix=dashboard)"
    r"(?![\w-])"
)
# The first word (run of letters and digits) of every _PRODUCT_RE match in lower case: a match
# starts after no letter, digit or `-` and its first word ends at a `-`, `.`, ` `, `=` or the
# match's end. Trying the regex only where one of them stands as a whole word finds its matches.
_PRODUCT_WORDS = frozenset(
    (
        *("kong", "apigee", "envoy", "traefik", "ingress", "nginx", "openresty", "haproxy"),
        *("cloudflare", "akamai", "fastly", "execute", "amazonaws", "api", "apigateway", "aws"),
        *("azure", "keycloak", "okta", "auth0", "cognito", "microsoftonline", "spring"),
        *("django", "fastapi", "uvicorn", "gunicorn", "flask", "express", "laravel", "rails"),
        *("kestrel", "asp", "stripe", "slack", "twilio", "etcd", "consul", "istio", "linkerd"),
        *("contour", "apollo", "graphql", "tyk", "prefix"),
    )
)
# The second word of every match starting with one of these first words (common words in Tyk
# pastes), one character after the first: the regex is tried only where both stand.
_PRODUCT_SECOND_WORDS = {
    "api": ("gateway", "github"),
    "tyk": ("pump", "dashboard", "identity", "sink"),
}
_NOT_THROUGH_RE = _caseless(
    r"\b(?:not|never|doesn'?t|does not|don'?t|didn'?t|isn'?t|wasn'?t|aren'?t)\s+"
    r"(?:\w+\s+){0,3}?(?:go|goes|going|gone|went|pass|passes|passing|route[sd]?|routing|hit"
    r"|hits|touch|touches|involve[sd]?)\s+(?:\w+\s+){0,2}?(?:through|via|thru)?\s*"
    r"(?:the\s+|our\s+|any\s+)?(?:api[ -])?(?:gateway|tyk)\b"
    r"|\bnothing\s+(?:\w+\s+){0,2}?(?:goes|went|passes|is routed|routes)\s+(?:through|via)\s+"
    r"(?:the\s+|our\s+)?(?:gateway|tyk)\b"
    r"|\bbypass(?:es|ed|ing)?\s+(?:the\s+|our\s+)?(?:gateway|tyk)\b"
    r"|\bwithout\s+(?:going\s+through\s+)?(?:the\s+|our\s+)?(?:gateway|tyk)\s+in\s+(?:between|front)"
    r"|\bport-?forward(?:ed|ing)?\s+(?:straight|directly)\b"
    r"|\b(?:straight|directly)\s+(?:to|at|on)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s+"
    r"(?:pod|pods|service|container|app|api)\b"
    r"|\b(?:gateway|tyk)\s+(?:is\s+not|was\s+not|isn'?t|wasn'?t)\s+(?:even\s+)?"
    r"(?:involved|in\s+(?:the\s+)?(?:path|loop|picture|chain|between))"
    r"|\bno\s+(?:api[ -])?(?:gateway|tyk)\s+in\s+(?:between|front|the\s+path)"
    r"|\bnever\s+(?:reach|reaches|reached|gets\s+to|got\s+to)\s+(?:the\s+)?(?:gateway|tyk)\b"
    r"|\b(?:not|nothing)\s+(?:related|to\s+do)\s+(?:to|with)\s+(?:the\s+)?(?:gateway|tyk)\b"
    r"|\bcopied\s+tyk'?s?\s+(?:wording|message|text)"
    r"|\b(?:gateway|tyk)\s+(?:only|just)\s+(?:forwards|passes|proxies|relays)\b"
    r"|\bcomes?\s+from\s+(?:our\s+own|the\s+upstream|the\s+backend|the\s+service\s+itself)"
    r"|\bnot\s+(?:from\s+)?tyk\b|\bisn'?t\s+(?:coming\s+from\s+)?tyk\b"
    r"|\bnot\s+(?:from\s+)?(?:the|our)\s+(?:api[ -])?gateway\b(?!\s*(?:timeout|timed|error))"
)

# Release notes, a changelog or a pull request quoting a message: the text is discussed, not
# sent by a gateway now. Every match starts with one of _TALK_WORDS.
_TALK_RE = _caseless(
    r"\b(?:release\s+notes?|change\s?log|pull\s+request|pr\s?#\s?\d+|pr\s+\d+"
    r"|no\s+functional\s+change)\b"
)
_TALK_WORDS = frozenset(("release", "change", "changelog", "pull", "pr", "no"))

# The first word (run of letters and digits) of every _NOT_THROUGH_RE match in lower case: each
# alternative starts with `\b`, one of these words, then a character that ends the word (`\s`,
# `'` or `-`). Trying the regex only where one of them stands as a whole word finds its matches.
_NOT_THROUGH_WORDS = frozenset(
    (
        *("no", "not", "nothing", "never", "does", "doesn", "doesnt", "don", "dont", "didn"),
        *("didnt", "isn", "isnt", "wasn", "wasnt", "aren", "arent", "without", "straight"),
        *("bypass", "bypasses", "bypassed", "bypassing", "port", "portforward", "portforwarded"),
        *("portforwarding", "directly", "gateway", "tyk", "copied", "come", "comes"),
    )
)


# Word tests: each regex above runs only on a paste holding one of its words, a word being a
# run of ASCII letters and digits in the lower-cased paste. Every match holds its word as a
# whole run (the characters around it in the pattern are never letters or digits), so a paste
# without skips a regex that would find nothing. One split of the paste answers them all, where
# a substring test per word costs a scan of the paste each. Only for ASCII pastes: a
# case-insensitive regex matches a few other letters (K for `k`, ſ for `s`).
_SERVER_WORDS = frozenset(("server", "via"))
WORD_TESTS = frozenset(
    _SERVER_WORDS.union(
        _VENDOR_WORDS,
        _PRODUCT_WORDS,
        _NOT_THROUGH_WORDS,
        _TALK_WORDS,
        *(shape[1] for shape in _BODY_SHAPES),
    )
)
# Every ASCII character but letters and digits to a space (str.translate's ASCII fast path).
_NOT_ALNUM = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def _places(low: str, needles: Iterable[str]) -> list[int]:
    """Where each needle stands in `low` (overlaps too), in order."""
    found = []
    for needle in needles:
        at = low.find(needle)
        while at >= 0:
            found.append(at)
            at = low.find(needle, at + 1)
    return sorted(found)


def _matches_from(regex: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """`regex.finditer(text)` when every match starts at one of `starts` (in order): a match
    attempt at a few places instead of the regex engine's attempt at every place."""
    end = 0
    for start in starts:
        if start >= end and (m := regex.match(text, start)):  # lookbehinds see before start
            end = m.end()
            yield m


def _word_places(spaced: str, words: Iterable[str]) -> list[int]:
    """Where each of `words` (or of word sequences, one space apart: words one character apart)
    stands as whole runs of letters and digits in a lower-cased ASCII text, in order; `spaced`
    is that text with all else blanked out (`_NOT_ALNUM`) between two spaces (so `spaced[i + 1]`
    is the text's `i`-th character)."""
    return _places(spaced, [f" {word} " for word in words])


def _product_starts(words: Iterable[str]) -> list[str]:
    """The first words (with a second word for _PRODUCT_SECOND_WORDS) to try _PRODUCT_RE at."""
    return [
        f"{word} {second}" if second else word
        for word in words
        for second in _PRODUCT_SECOND_WORDS.get(word, ("",))
    ]


def _server_name(low: str, spaced: str, held: frozenset[str]) -> bool:
    """Whether a lower-cased ASCII text may hold a _SERVER_RE match: _SERVER_NAME_RE matches
    where one of its words stands (`spaced` and `held` as in other_system_signals)."""
    places = _word_places(spaced, held & _SERVER_WORDS)
    return any(_SERVER_NAME_RE.match(low, at) for at in places)


def ascii_words(low: str) -> list[str]:
    """The runs of letters and digits of a lower-cased ASCII text, in order."""
    return low.translate(_NOT_ALNUM).split()


def other_system_signals(text: str, words: Iterable[str] | None = None) -> list[str]:
    """Signals that the paste comes from another system (see the module's table); `words`, if
    given, holds the words of `ascii_words(text.lower())` that are in WORD_TESTS (and maybe
    others)."""
    found: list[str] = []
    low, ascii = text.lower(), text.isascii()
    # The words of the word tests the paste holds (all of them for a non-ASCII paste).
    held, spaced = WORD_TESTS, ""
    if ascii:
        spaced = f" {low.translate(_NOT_ALNUM)} "
        held = WORD_TESTS.intersection(spaced.split() if words is None else words)
    # Most pastes hold no header of either kind.
    if not held.isdisjoint(_SERVER_WORDS) and (not ascii or _server_name(low, spaced, held)):
        for m in _SERVER_RE.finditer(text):
            if "tyk" not in m.group(2).lower():
                found.append(f"header:{m.group(1).lower()}: {m.group(2)[:40]}")
    if not held.isdisjoint(_VENDOR_WORDS):
        vendor_headers = (
            _matches_from(_VENDOR_HEADER_RE.lower, low, _places(low, _VENDOR_STARTS))
            if ascii
            else _VENDOR_HEADER_RE.any_case.finditer(text)
        )
        for m in vendor_headers:
            found.append(f"header:{m.group(1).lower()}")
    if "uthenticate" in text and _BEARER_CHALLENGE_RE.search(text, low):
        found.append("header:www-authenticate bearer error")
    for name, shape_words, needles, pattern in _BODY_SHAPES:
        if held.isdisjoint(shape_words) or (ascii and not any(n in low for n in needles)):
            continue
        if pattern.search(text) and not (name == "nested error object" and "jsonrpc" in text):
            found.append(f"body:{name}")
    if all(key in text for key in _SPRING_KEYS):
        found.append("body:spring boot error")
    products = (
        _matches_from(
            _PRODUCT_RE.lower, low, _word_places(spaced, _product_starts(held & _PRODUCT_WORDS))
        )
        if ascii
        else _PRODUCT_RE.any_case.finditer(text)
    )
    for m in products:
        found.append(f"product:{m.group(1).lower()}")
    if not held.isdisjoint(_TALK_WORDS) and (talk := _TALK_RE.search(text, low)):
        found.append(f"talk:{low[talk.start() : talk.end()]}")
    if any(word in low for word in ("gateway", "tyk", "forward", "directly", "straight")):
        said = (
            _matches_from(
                _NOT_THROUGH_RE.lower, low, _word_places(spaced, held & _NOT_THROUGH_WORDS)
            )
            if ascii
            else _NOT_THROUGH_RE.any_case.finditer(text)
        )
        found.extend(
            f"said:{text[m.start() : m.end()][:60]}"
            for m in said
            if not _works_directly(text, m.start(), m.end())
        )
    return list(dict.fromkeys(found))


_DIRECT_CALL_STARTS = ("straight", "directly", "port")
_SENTENCE_ENDS = ".!?\n"
_SENTENCE_END_RE = re.compile(f"[{re.escape(_SENTENCE_ENDS)}]")
_WORKS_RE = re.compile(r"(?i)\b(?:works?|worked|working|fine|ok|okay|succeeds?|succeeded|200)\b")


def _works_directly(text: str, start: int, end: int) -> bool:
    """Whether a direct call to the service (`straight to the orders pod`), the match at
    text[start:end], is said to work in the same sentence: then the gateway is the difference,
    evidence for it, not against."""
    if not text[start : start + 8].lower().startswith(_DIRECT_CALL_STARTS):
        return False
    before = max(text.rfind(mark, 0, start) for mark in _SENTENCE_ENDS) + 1  # 0 if none
    after = _SENTENCE_END_RE.search(text, end)
    return _WORKS_RE.search(text, before, after.start() if after else len(text)) is not None


def against_weight(signals: list[str]) -> float:
    """Total weight of other-system signals."""
    return sum(AGAINST_WEIGHTS[s.split(":", 1)[0]] for s in signals)


def tyk_weight(signals: list[str], named: bool = False) -> float:
    """Total weight of Tyk's own marks (extract._tyk_signals), and TYK_NAMED_WEIGHT when the
    person names Tyk (`Our Tyk gateway sits behind an nginx ingress`, `Keycloak tokens and Tyk
    says …`): naming the setup's other parts is no sign the error came from them."""
    return sum(TYK_WEIGHTS.get(s, 1.0) for s in signals) + (TYK_NAMED_WEIGHT if named else 0.0)
