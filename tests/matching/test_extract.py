"""Clue extraction on the paste formats people really use."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.matching.extract import (
    _CODE_FOLDED_RE,
    _CODE_RE,
    _FIELD_VALUE_RE,
    _JSON_FIELD_RE,
    _LOGRUS_FIELD_RE,
    _QUOTED_RE,
    _VARYING_RE,
    _XML_RE,
    MAX_FRAGMENTS,
    Clues,
    Fragment,
    _alert_lines,
    _drop_field_values,
    _drop_varying,
    _is_alert,
    _json_fields,
    _quoted,
    extract,
)
from bot.matching.normalize import _SPELLING, british, normalize, split_words, tokens
from bot.matching.symptoms import LEXICON, term_set, terms


def fragments(text: str) -> dict[str, str]:
    return {f.text: f.kind for f in extract(text).fragments}


def test_json_error_body_pretty_and_compact() -> None:
    assert fragments('{\n    "error": "Key not authorised"\n}')["Key not authorised"] == (
        "error-field"
    )
    assert fragments('{"error":"Quota exceeded"}')["Quota exceeded"] == "error-field"


def test_control_api_body() -> None:
    clues = extract('{"status":"error","message":"API not found"}')
    assert {f.text for f in clues.fragments} >= {"API not found"}
    assert "control API body" in clues.tyk_signals


def test_curl_transcript_status_line_and_body() -> None:
    paste = (
        "$ curl -v http://gw/x\n> GET /x HTTP/1.1\n> Host: gw\n>\n"
        "< HTTP/1.1 429 Too Many Requests\n"
        '< X-Generator: tyk.io\n<\n{\n    "error": "API Rate Limit Exceeded"\n}* Connection'
    )
    clues = extract(paste)
    assert clues.codes[429] == 1.0
    assert "x-generator: tyk.io" in clues.tyk_signals
    assert fragments(paste)["API Rate Limit Exceeded"] == "error-field"
    assert not any(f.text.startswith("> Host") for f in clues.fragments)


def test_logrus_text_legacy_and_5_14_formats() -> None:
    legacy = 'time="Nov 21 03:15:40" level=info msg="Key not authorised" api_id=1 mw=AuthKey'
    new = 'time="2026-07-02T10:00:00Z" level=info message="Key not authorised" api_id=1 mw=AuthKey'
    for line in (legacy, new):
        assert fragments(line)["Key not authorised"] == "log-msg"
    assert extract(legacy).version == "<5.14"
    assert extract(new).version == ">=5.14"


def test_finished_line_error_field_and_code() -> None:
    line = 'level=debug msg=Finished code=403 error="Key not authorized" mw=JWTMiddleware ns=1'
    clues = extract(line)
    assert fragments(line)["Key not authorized"] == "log-error"
    assert 403 in clues.codes
    assert "Finished" not in fragments(line)


def test_json_log_line_with_kubectl_prefix() -> None:
    line = (
        '[pod/tyk-gateway-6c8d9f7b9-kq2lx/gateway-tyk] {"api_id":"3f","code":403,'
        '"error":"Quota exceeded","level":"debug","msg":"Finished","mw":"RateLimitAndQuotaCheck"}'
    )
    clues = extract(line)
    assert 403 in clues.codes
    assert "Quota exceeded" in fragments(line)


def test_proxy_error_keeps_its_root_cause() -> None:
    line = 'level=error msg="http: proxy error: dial tcp: lookup svc on 10.0.0.1:53: no such host"'
    assert "no such host" in fragments(line)


def test_xml_body() -> None:
    assert "Key has expired, please renew" in fragments(
        "<error><message>Key has expired, please renew</message></error>"
    )


def test_reason_phrase_and_bare_number() -> None:
    assert 403 in extract("getting forbidden on every call").codes
    assert 503 in extract("then every call gets 503 for 60s").codes
    assert 200 not in extract("expected 429, got 200").codes


def test_version_string() -> None:
    clues = extract("running tykio/tyk-gateway:v5.3.9 and seeing this")
    assert clues.version == "==5.3.9"


@given(st.text(max_size=3000))
def test_extract_never_fails_and_stays_bounded(text: str) -> None:
    clues = extract(text)
    assert len(clues.fragments) <= MAX_FRAGMENTS
    assert all(400 <= c <= 599 for c in clues.codes)
    assert all(0 < s <= 1 for s in clues.codes.values())


@given(st.text(max_size=300))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once


@given(st.text(alphabet=st.sampled_from("aZ 0$'.\u2019-é\n"), max_size=40))
def test_split_words_are_the_tokens_of_a_normalised_text(text: str) -> None:
    assert split_words(normalize(text)) == tokens(normalize(text))


@given(st.lists(st.sampled_from([*LEXICON, "Keys", "expired", "the", "429", "$x", "O'Neil"])))
def test_term_set_is_the_set_of_terms(words: list[str]) -> None:
    text = " ".join(words)
    assert term_set(text) == set(terms(text))


def test_every_british_spelling_passes_the_quick_test() -> None:
    assert all(british(word) for word in _SPELLING)


def test_normalize_spelling_quotes_case() -> None:
    assert normalize("Key not authorised.") == normalize("key not AUTHORIZED")
    assert normalize("OAuth client doesn’t exist") == "oauth client doesnt exist"
    assert normalize("This organisation quota") == "this organization quota"


# Shortcuts of extract that must read what the plain regexes read.
_PLAIN_LOGRUS_RE = re.compile(r"(?:^|\s)(msg|message|error|err)=(\"(?:[^\"\\]|\\.)*\"|[^\s\"]+)")
_HEXISH = st.text(alphabet="0123456789abcdefABCDEFxyz _-\n\u0663é", max_size=600)
_LOGRUSISH = st.lists(
    st.sampled_from(["msg", "message", "error", "err", "=", '"', " ", "\t", "x", "\\", "a b", "é"])
).map("".join)
_ALERT_PIECES = ["level", "=", ":", '"', " ", "\t", "\n", "err", "error", "warn", "warning"]
_ALERT_PIECES += ["fatal", "panic", "crit", "[", "]", "status", "code", "response_code", "http/"]
_ALERT_PIECES += ["1.1", "404", "503", "4041", "_", "x", "Error", "WARN", "HTTP/", "statuscode"]
_ALERTISH = st.lists(st.sampled_from(_ALERT_PIECES)).map("".join)


@given(_HEXISH)
def test_drop_varying_is_the_regex(text: str) -> None:
    """Ids and numbers dropped piece by piece as the regex drops them from the whole text."""
    assert _drop_varying(text) == _VARYING_RE.sub("", text)


@given(st.text(alphabet="0123456789abcdefABCDEFxyz _-\n", max_size=600))
def test_drop_varying_is_the_regex_on_ascii(text: str) -> None:
    """The ASCII shortcut (whole runs of 6+ hex characters, then every digit) is the regex."""
    assert _drop_varying(text) == _VARYING_RE.sub("", text)


@given(_LOGRUSISH)
def test_logrus_fields_from_their_equals_sign(line: str) -> None:
    """The `=`-first logrus regex finds the fields the plain one does."""
    found = [("".join(m.groups("")[:4]), m.group(5)) for m in _LOGRUS_FIELD_RE.finditer(line)]
    assert found == [m.groups() for m in _PLAIN_LOGRUS_RE.finditer(line)]


@given(_ALERTISH)
def test_alert_lines_by_whole_text_scans(text: str) -> None:
    """The alert lines found by scanning all lines at once are those _is_alert holds true."""
    lines = text.splitlines()
    assert _alert_lines(lines) == {i for i, line in enumerate(lines) if _is_alert(line)}


@given(st.text(alphabet="0123456789٣٥x <>/-", max_size=400) | st.text(max_size=400))
def test_status_numbers_are_found_where_the_class_first_regex_finds_them(text: str) -> None:
    """`4\\d\\d` over the text with 5s read as 4s has the spans of `[45]\\d\\d` (Unicode
    digits included)."""
    folded = [m.span() for m in _CODE_FOLDED_RE.finditer(text.replace("5", "4"))]
    assert folded == [m.span() for m in _CODE_RE.finditer(text)]


@given(st.text(alphabet="<>/errorEmsg \n", max_size=300) | st.text(max_size=300))
def test_an_xml_error_needs_a_closing_tag(text: str) -> None:
    """extract skips _XML_RE on a paste without `</`: no match is lost."""
    if "</" not in text:
        assert _XML_RE.search(text) is None


_QUOTISH = st.text(alphabet="\"'`ab \n.\u201c\u2019", max_size=2000) | st.text(max_size=600)


@given(_QUOTISH)
def test_quoted_text_by_the_folded_quotes(text: str) -> None:
    """Quoted text found with `'` and `` ` `` read as `"` is what _QUOTED_RE finds."""
    found = [(m.span(), m.group(1)) for m in _quoted(text)]
    assert found == [(m.span(), m.group(1)) for m in _QUOTED_RE.finditer(text)]


_JSON_PIECES = ['"', "'", ":", " ", "\\", "x", "error", "Message", "msg", "REASON", "\n"]
_JSON_PIECES += ['"error": "', "'msg': \"", '\'Detail":"', '"message\' : "', '"reason":"']
_JSONISH = st.lists(st.sampled_from(_JSON_PIECES), max_size=400).map("".join)


@given(_JSONISH | st.text(max_size=600))
def test_json_fields_by_one_regex_per_opening_quote(text: str) -> None:
    """The leftmost match of the `"`-first and `'`-first regexes, again and again, is what
    _JSON_FIELD_RE finds."""
    found = [(m.span(), m.groups()) for m in _json_fields(text)]
    assert found == [(m.span(), m.groups()) for m in _JSON_FIELD_RE.finditer(text)]


_FIELD_PIECES = ["a", '"', '"k"', ": ", ":", "1", " ", "\n", "\\", ",", "}", '"msg"', "b="]
_FIELDISH = st.lists(st.sampled_from(_FIELD_PIECES), max_size=400).map("".join)


@given(_FIELDISH | st.text(alphabet="ab =\n.", max_size=2000))
def test_field_values_dropped_as_the_regex_drops_them(text: str) -> None:
    """A text without `=` and `"` skips _FIELD_VALUE_RE: the same text as its split joined."""
    assert _drop_field_values(text) == "".join(filter(None, _FIELD_VALUE_RE.split(text)))


def test_finish_keeps_each_text_once_with_its_strongest_kind_and_best_rank() -> None:
    """Fragments are built by finish: a text added again keeps its place, the stronger kind
    and the better rank."""
    clues = Clues()
    clues.add_fragment("Key not authorised", "part", 2)
    clues.add_fragment("Other message here", "line", 2)
    clues.add_fragment("Key not authorised", "error-field", 1)
    clues.add_fragment("Key  not authorised", "quoted", 0)  # the same once cleaned
    clues.finish()
    assert clues.fragments == [
        Fragment("Key not authorised", "error-field"),
        Fragment("Other message here", "line"),
    ]


def test_html_entities_of_a_web_page_or_e_mail_are_read_as_characters() -> None:
    clues = extract("copied from the portal: {&quot;error&quot;: &quot;Key not authorised&quot;}")
    assert ("Key not authorised", "error-field") in [(f.text, f.kind) for f in clues.fragments]
    assert extract("&lt; HTTP/1.1 429 Too Many Requests").codes[429] == 1.0
    assert extract("R&amp;D team: tyk &amp;quot; test").text == "R&D team: tyk &quot; test"


@pytest.mark.parametrize(
    ("paste", "codes"),
    [
        ("keys stop working after 24h with a 401. is there a default expiry?", {401}),
        ("error 401: unauthorized on every call", {401}),
        ("we got 503.", {503}),
        ("upgraded from v5.401.2", set()),  # a version, not a code
        ("upstream at 10.0.0.1:401 refused", set()),
        ("took 401.5 ms", set()),
    ],
)
def test_a_code_ending_a_sentence_or_a_label_counts(paste: str, codes: set[int]) -> None:
    assert set(extract(paste).codes) == codes
