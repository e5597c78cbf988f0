"""Evidence against Tyk, whole logs, symptom questions and codes that decide ties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog import load_knowledge
from bot.matching.extract import extract
from bot.matching.matcher import Matcher
from bot.matching.source import (
    _BODY_SHAPES,
    _NOT_ALNUM,
    _NOT_THROUGH_RE,
    _NOT_THROUGH_WORDS,
    _PRODUCT_RE,
    _PRODUCT_WORDS,
    _SERVER_NAME_RE,
    _SERVER_RE,
    _SERVER_WORDS,
    _TALK_RE,
    _TALK_WORDS,
    _VENDOR_HEADER_RE,
    _VENDOR_WORDS,
    WORD_TESTS,
    _matches_from,
    _product_starts,
    _server_name,
    _word_places,
    ascii_words,
    other_system_signals,
)

MATCHER = Matcher(load_knowledge())
START = [
    'time="Mar 03 07:58:11" level=info msg="Tyk API Gateway v5.3.6" prefix=main',
    'time="Mar 03 07:58:11" level=info msg="Initialising distributed rate limiter" prefix=main',
    'time="Mar 03 07:58:11" level=info msg="Loading policies" prefix=main',
    'time="Mar 03 07:58:11" level=info msg="Policies found (3 total):" prefix=main',
    'time="Mar 03 07:58:12" level=info msg="API Loaded" api_id={n:032x} api_name=app{n}',
]
REFUSED = (
    'time="Mar 03 08:02:47" level=error msg="http: proxy error: dial tcp 10.20.4.17:8443: connect: '
    'connection refused" api_id=0f6d2a8c api_name=billing mw=ReverseProxy prefix=proxy'
)


def _log(lines: int, error_at: int) -> str:
    out = [START[i % len(START)].format(n=i) for i in range(lines - 1)]
    out.insert(error_at, REFUSED)
    return "\n".join(out)


def test_a_60_line_log_with_the_error_in_the_middle() -> None:
    best = MATCHER.match(_log(60, 30)).matches[0]
    assert best.message == "There was a problem proxying the request"


def test_a_60_line_log_with_the_error_last() -> None:
    best = MATCHER.match(_log(60, 59)).matches[0]
    assert best.message == "There was a problem proxying the request"


def test_a_10000_line_log_keeps_its_error_line() -> None:
    paste = _log(10_000, 4_321)
    assert any("connection refused" in f.text for f in extract(paste).fragments)
    assert MATCHER.match(paste).matches[0].message == "There was a problem proxying the request"


def test_an_error_line_amid_many_distinct_lines_is_read_first() -> None:
    # 150 start-up lines that do not fold (each names another API) give far more fragments than
    # are scored: the error line in the middle is kept because error lines are read first.
    names = [chr(ord("g") + i // 20) + chr(ord("g") + i % 20) for i in range(150)]
    lines = [f'time="Mar 03 07:58:12" level=info msg="Loading API {n}" prefix=main' for n in names]
    lines.insert(75, REFUSED.split(" api_id=")[0])  # no request fields: only its level counts
    assert any("connection refused" in f.text for f in extract("\n".join(lines)).fragments)
    best = MATCHER.match("\n".join(lines)).matches[0]
    assert best.message == "There was a problem proxying the request"


def test_a_bare_tyk_body_stays_confident() -> None:
    result = MATCHER.match('{"error": "Key has expired, please renew"}')
    assert result.confident and result.matches[0].message == "Key has expired, please renew"


def test_other_systems_using_tyks_words_are_not_confident() -> None:
    for paste in (
        "HTTP/1.1 429\nServer: kong/3.4\nX-Kong-Response-Latency: 0\n\n"
        '{"message":"API rate limit exceeded"}',
        '{"error":"invalid_token","error_description":"Key has expired, please renew"}',
        '{"timestamp":"2025-01-01T00:00:00Z","status":403,"error":"Forbidden",'
        '"message":"Access to this API has been disallowed","path":"/v1/x"}',
        "the 'Key has expired, please renew' text comes from our own auth service, it never "
        "goes through the gateway",
        "404 page not found",
    ):
        assert not MATCHER.match(paste).confident, paste


def test_saying_the_gateway_is_not_the_source_counts_against_tyk() -> None:
    """`…, not the gateway` names another source; `not the gateway timeout` does not."""
    assert not MATCHER.match(
        "Error: dial to vault failed: remote error: tls: bad certificate\n"
        "(from our secrets sidecar, not the gateway)"
    ).confident
    for said in (
        "it comes from the billing service, not from our API gateway",
        "the gateway is not involved here",
        "Tyk isn't in the path for this call",
        "there is no gateway in between",
        "the request never reaches tyk",
        "nothing to do with the gateway",
    ):
        assert other_system_signals(said), said
    assert not other_system_signals("the gateway is involved, tyk is in the path")
    # A direct call that works says the gateway is the difference: evidence for it.
    works_directly = (
        "calling the backend directly works fine, but through tyk we get "
        '{"error": "Key not authorised"}'
    )
    assert not other_system_signals(works_directly)
    assert MATCHER.match(works_directly).confident


def test_a_direct_call_counts_against_tyk_only_when_it_fails_too() -> None:
    """`straight to the orders pod` says the gateway is not the cause when the error happens
    there too, and that it is when the direct call works."""
    body = '{"error": "Access to this API has been disallowed"}'
    same = MATCHER.match(f"same 403 when I curl straight to the orders pod: {body}")
    assert not same.confident and same.clues.other_signals
    for works in (
        f"works when I curl straight to the orders pod, but through the gateway: {body}",
        f"Going directly to the orders service works fine. Through tyk I get 403 {body}",
    ):
        result = MATCHER.match(works)
        assert result.confident and not result.clues.other_signals, works
    assert not other_system_signals("502 but it's not the gateway timeout we saw last week")
    result = MATCHER.match('{"error": "Key has expired, please renew"}\nnot the gateway timeout')
    assert result.confident


def test_tyks_own_marks_outweigh_a_server_header() -> None:
    paste = (
        "HTTP/1.1 403 Forbidden\nServer: nginx\nX-Generator: tyk.io\n\n"
        '{\n    "error": "Access to this API has been disallowed"\n}'
    )
    result = MATCHER.match(paste)
    assert result.confident and result.matches[0].code == 403


def test_naming_tyk_outweighs_naming_one_other_part_of_the_setup() -> None:
    """`Tyk behind an nginx ingress`, `Keycloak tokens`: the person names the setup, and Tyk as
    what answered. A product named alone, Tyk only in a URL or path, a vendor's body shape, or
    saying Tyk is not involved still count against it."""
    body = '403 {"error": "Quota exceeded"}'
    for named in (
        f"Our Tyk gateway sits behind an nginx ingress and clients get {body}",
        f"since we put tyk behind cloudflare some users get {body}",
        f"Migrated our clients from Kong to Tyk, now they get {body} from the gateway",
    ):
        result = MATCHER.match(named)
        assert result.confident and result.matches[0].message == "Quota Exceeded", named
        assert result.clues.tyk_named and result.clues.other_signals
    for against in (
        f"our nginx ingress gives clients {body}",  # no Tyk named
        "curl https://api.github.com/repos/TykTechnologies/tyk/issues\n"
        '{"message":"API rate limit exceeded for 203.0.113.7.",'
        '"documentation_url":"https://docs.github.com/rest"}',  # tyk only in a path
        f"{body}\nthat is from the billing pod behind nginx, tyk isn't involved",
    ):
        assert not MATCHER.match(against).confident, against
    assert not extract("see https://tyk.io/docs and /tyk/keys, tyk-pump").tyk_named


@pytest.mark.parametrize(
    "form",
    [
        *("Release notes", "release note", "changelog", "Change log", "pull request"),
        *("PR #12", "pr#12", "PR 12", "No functional change"),
    ],
)
def test_every_form_of_release_talk_passes_the_word_test(form: str) -> None:
    assert any(s.startswith("talk:") for s in other_system_signals(f"see the {form}: x")), form


def test_release_notes_and_pull_requests_quoting_a_message_are_not_confident() -> None:
    for talk in (
        'PR #5012: align the limiter wording so both return "Rate Limit Exceeded" (capitalised) '
        "instead of the lower-case one. No functional change.",
        "Release notes 5.6.0: Fixed 'Service temporarily unavailable.' being returned with 500 "
        "instead of 503 when the circuit breaker is tripped.",
        'changelog: "Key not authorised" now logs the key hash',
    ):
        result = MATCHER.match(talk)
        assert result.matches and not result.confident, talk
    # Tyk's own marks outweigh the mention: a live error pasted with the notes stays confident.
    live = (
        "after the upgrade (the release notes say nothing about it) we get\n"
        'time="Jan 02 10:00:00" level=error msg="Quota exceeded" api_id=abc mw=RateLimitAndQuota'
    )
    assert MATCHER.match(live).confident


def test_symptom_questions_answer_the_common_entry_first() -> None:
    for question, message in (
        ("getting 504 from tyk", "Upstream service reached hard timeout"),
        ("a bunch of 499s in analytics", "Client closed request"),
        ("tyk keeps answering four-twenty-nine", "API Rate Limit Exceeded"),
        # counts and chatter are no symptom: `one` matched some description's "one of"
        (
            "500 internal server error from tyk on one api",
            "There was a problem proxying the request",
        ),
        ("tyk gives us 429 on two of our apis since this morning", "API Rate Limit Exceeded"),
    ):
        result = MATCHER.match(question)
        assert not result.confident
        assert result.matches[0].message == message, question


def test_plural_and_spelled_out_codes_count() -> None:
    assert 502 in extract("502s from the gateway").codes
    assert 403 in extract("four-oh-three on every call").codes
    assert 500 in extract("tyk gives five-hundreds").codes


def test_the_pastes_code_decides_between_entries_of_one_text() -> None:
    for code in (400, 403):
        paste = f'HTTP/1.1 {code}\n\n{{"error": "Access to this API has been disallowed"}}'
        assert MATCHER.match(paste).matches[0].code == code


@pytest.mark.parametrize(
    "mention",
    [
        "Kong",
        "apigee",
        "Envoy",
        "traefik",
        "ingress-nginx",
        "nginx",
        "OpenResty",
        "haproxy",
        "cloudflare",
        "akamai",
        "fastly",
        "execute-api",
        "amazonaws.com",
        "api gateway (aws)",
        "apigateway (aws)",
        "AWS API Gateway",
        "azure-api.net",
        "Azure APIM",
        "keycloak",
        "Okta",
        "auth0",
        "cognito",
        "microsoftonline.com",
        "Spring Boot",
        "spring-security",
        "django",
        "fastapi",
        "uvicorn",
        "gunicorn",
        "flask",
        "express-jwt",
        "laravel",
        "rails",
        "kestrel",
        "asp.net",
        "stripe",
        "api.github.com",
        "slack.com",
        "twilio",
        "etcd",
        "consul",
        "istio",
        "linkerd",
        "contour",
        "Apollo Server",
        "graphql-depth-limit",
        "tyk-pump",
        "tyk-dashboard",
        "tyk-identity-broker",
        "tyk-sink",
        "prefix=mongo-pump",
        "prefix=dashboard",
    ],
)
def test_every_product_passes_the_word_test(mention: str) -> None:
    """The needles before _PRODUCT_RE let every product it knows through."""
    signals = other_system_signals(f"upstream said: {mention} returned an error")
    assert any(s.startswith("product:") for s in signals), mention


@given(
    st.lists(
        st.sampled_from(
            ["Server", "server", "VIA", "via", '"', "'", ":", " ", "\t", "\n", "<", "x"]
        )
    ).map("".join)
)
def test_the_server_header_quick_test_passes_every_server_header(text: str) -> None:
    if _SERVER_RE.search(text):
        assert _SERVER_NAME_RE.search(text.lower())


_PIECES = ['"', "'", ":", " ", "\t", "\n", "=", "{", "[", "_", "-", "(", ")", ".", "<", ">", "x"]
_PIECES += ["error", "errors", "errorCode", "fault", "faultstring", "detail", "type", "__type"]
_PIECES += ["ok", "false", "statusCode", "error_description", "application/problem+json"]
_PIECES += ["traceId", "doc_url", "error_uri", "errorLink", "center", "title", "nginx"]
_PIECES += ["cloudflare", "404 page not found", "server", "Via", "cf-ray", "x-kong-a", "apigee"]
_PIECES += ["aws", "api gateway", "azure", "apim", "tyk", "pump", "prefix", "spring", "boot"]
_PIECES += ["tyk-pump", "tyk-sink", "api.github.com", "apigateway (aws)", "api gateway (aws)"]
_PIECES += ["not", "never", "bypass", "gateway", "the", "isn't", "in", "between", "directly", "pod"]
_PIECES += ["release", "notes", "change", "log", "changelog", "pull", "request", "PR", "#", "12"]
_PIECES += ["no", "functional", "Release Notes"]


@given(st.lists(st.sampled_from(_PIECES)).map("".join))
def test_the_word_tests_pass_every_match(text: str) -> None:
    """Each regex of other_system_signals runs on a paste holding its word (and needle)."""
    low = text.lower()
    held = set(ascii_words(low))
    for name, words, needles, pattern in _BODY_SHAPES:
        if pattern.search(text):
            assert not held.isdisjoint(words), name
            assert any(needle in low for needle in needles), name
    if _SERVER_RE.search(text):
        assert not held.isdisjoint(_SERVER_WORDS)
        spaced = f" {low.translate(_NOT_ALNUM)} "
        assert _server_name(low, spaced, WORD_TESTS.intersection(held)), text
    if _VENDOR_HEADER_RE.search(text, low):
        assert not held.isdisjoint(_VENDOR_WORDS)
    for m in _PRODUCT_RE.finditer(text, low):
        assert ascii_words(low[m.start() :])[0] in _PRODUCT_WORDS, m.group()
        spaced = f" {low.translate(_NOT_ALNUM)} "
        starts = _product_starts(_PRODUCT_WORDS)
        assert any(spaced.startswith(f" {start} ", m.start()) for start in starts), m.group()
    for m in _NOT_THROUGH_RE.finditer(text, low):
        assert ascii_words(low[m.start() :])[0] in _NOT_THROUGH_WORDS, m.group()
    for m in _TALK_RE.finditer(text, low):
        assert ascii_words(low[m.start() :])[0] in _TALK_WORDS, m.group()


def _not_through_spans(text: str) -> list[tuple[int, int]]:
    """The spans of the `said:` matches other_system_signals reads (ASCII path)."""
    low = text.lower()
    spaced = f" {low.translate(_NOT_ALNUM)} "
    held = _NOT_THROUGH_WORDS.intersection(spaced.split())
    starts = _word_places(spaced, held)
    return [m.span() for m in _matches_from(_NOT_THROUGH_RE.lower, low, starts)]


_SAID = ["not", "never", "doesn't", "does not", "dont", "isn't", "nothing", "bypassed", "no"]
_SAID += ["without", "port-forward", "portforwarding", "straight", "directly", "to", "the"]
_SAID += ["our", "api", "gateway", "tyk", "tyk's", "copied", "wording", "comes", "from", "go"]
_SAID += ["through", "is not", "in", "between", "involved", "related", "with", "reach", "pod"]
_SAID += ["only", "forwards", "timeout", "_tyk", "x-gateway", " ", "  ", "\n", ",", "'"]


@given(st.lists(st.sampled_from(_SAID)).map(" ".join))
def test_not_through_tried_at_its_words_finds_every_match(text: str) -> None:
    """Trying _NOT_THROUGH_RE only where one of its first words stands finds what finditer does."""
    expected = [m.span() for m in _NOT_THROUGH_RE.lower.finditer(text.lower())]
    assert _not_through_spans(text) == expected
