"""The matcher on real pastes, chatter and other systems' errors, over the shipped catalog."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import Entry, load_knowledge
from bot.matching.matcher import Matcher, code_from_word

CATALOG = load_knowledge()
MATCHER = Matcher(CATALOG)


def best(text: str) -> tuple[int, str, bool]:
    result = MATCHER.match(text)
    assert result.matches, text
    top = result.matches[0]
    return top.code, top.message, result.confident


@pytest.mark.parametrize(
    "paste, code, message",
    [
        ('{"error": "Key not authorised"}', 400, "Key not authorized"),
        ('{\n    "error": "Quota exceeded"\n}', 403, "Quota Exceeded"),
        ('{"status":"error","message":"Policy not found"}', 404, "Policy not found"),
        (
            "< HTTP/1.1 403 Forbidden\n< X-Generator: tyk.io\n<\n"
            '{"error": "Access to this API has been disallowed"}',
            403,
            "Access to this API has been disallowed",
        ),
        (
            'time="2026-07-14T10:01:00Z" level=error message="http: proxy error: dial tcp: lookup '
            'users.svc on 10.96.0.10:53: no such host" mw=ReverseProxy prefix=proxy',
            500,
            "Upstreaming host lookup failed",
        ),
        (
            '{"error": "Certificate with SHA256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c'
            'd15d6c15b0f00a08 not allowed"}',
            403,
            "Certificate with SHA256 $certID not allowed",
        ),
        ('{"error": "Requested endpoint is forbidden"}', 403, "Requested endpoint is forbidden"),
        (
            "this organisation access has been disabled, please contact your API administrator",
            403,
            "This organisation access has been disabled, please contact your API administrator",
        ),
    ],
)
def test_pastes_find_their_entry_confidently(paste: str, code: int, message: str) -> None:
    assert best(paste) == (code, message, True)


def test_a_sentence_with_a_typo_ranks_the_message_first() -> None:
    code, message, _ = best("oauth client doesnt exist when revoking tokens")
    assert message == "OAuth client doesn’t exist" and code in (400, 404)
    assert best("quota exceded on the free tier key after 20 calls")[1] == "Quota Exceeded"


def test_status_code_breaks_a_tie_between_two_codes_of_one_message() -> None:
    body = '{"code":401,"error":"Authorization field missing","level":"debug","msg":"Finished"}'
    assert best(body)[:2] == (401, "Authorization Field Missing")
    assert best("HTTP/1.1 400 Bad Request\n\n" + '{"error": "Authorization field missing"}')[
        :2
    ] == (400, "Authorization Field Missing")


def test_wrong_code_in_a_sentence_does_not_override_a_clear_message() -> None:
    code, message, _ = best('we get a 500 with {"error": "Key has expired, please renew"}')
    assert (code, message) == (401, "Key has expired, please renew")


@pytest.mark.parametrize(
    "chatter",
    [
        "can someone review my helm values for tyk-oss before friday?",
        "2024/05/14 09:12:44 [error] 31#31: *1 connect() failed (111: Connection refused) "
        "while connecting to upstream, client: 10.0.1.5",
        "Traceback (most recent call last):\n  File \"x.py\", line 3\nKeyError: 'api_id'",
        '{"message":"Forbidden"}  <- AWS API Gateway, missing x-api-key',
        "upstream connect error or disconnect/reset before headers. reset reason: overflow",
        '{"message":"no Route matched with those values"} from kong',
        "Failed to pull image: not found",
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "thanks, that fixed it!",
        "",
    ],
)
def test_chatter_and_other_systems_are_not_confident(chatter: str) -> None:
    assert not MATCHER.match(chatter).confident


def test_a_code_alone_lists_that_codes_entries() -> None:
    for query in ("429", "Too Many Requests"):
        result = MATCHER.match(query)
        assert result.code_only and not result.confident
        assert {m.code for m in result.matches} == {429}
    result = MATCHER.match("forbidden", limit=100)
    assert {m.code for m in result.matches} == {403}
    assert len(result.matches) >= 20


def test_two_errors_in_one_paste_are_both_found() -> None:
    paste = (
        '{"error": "Key has expired, please renew"}\n'
        "and later in the same run\n"
        '{"error": "Quota exceeded"}'
    )
    found = {m.message for m in MATCHER.match(paste).distinct_errors}
    assert {"Key has expired, please renew", "Quota Exceeded"} <= found


def test_helpfulness_priors_reorder_near_ties() -> None:
    paste = '{"error": "Access to this API has been disallowed"}'
    plain = Matcher(CATALOG).match(paste).matches
    assert {plain[0].code, plain[1].code} == {400, 403}
    loser = plain[1].entry_id
    voted = Matcher(CATALOG, priors={loser: 1.04}).match(paste).matches
    assert voted[0].entry_id == loser


def test_retired_entries_are_not_matched() -> None:
    entry = Entry(id="400-x", code=400, message="Brand new failure mode", status="retired")
    assert not Matcher([entry]).match("Brand new failure mode").matches


def test_code_from_word() -> None:
    assert code_from_word("429") == 429
    assert code_from_word("Forbidden") == 403
    assert code_from_word("teapot") is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_gives_sorted_scores_in_range(text: str) -> None:
    result = MATCHER.match(text, limit=5)
    scores = [m.score for m in result.matches]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len(result.matches) <= 5


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([e for e in CATALOG if "$" not in e.message and "<" not in e.message]),
    st.sampled_from(["", "hey, seeing this: ", "prod is down!! "]),
    st.sampled_from(["", " since the deploy", " - any idea?"]),
)
def test_every_message_wrapped_in_a_sentence_ranks_its_message_first(
    entry: Entry, before: str, after: str
) -> None:
    result = MATCHER.match(f'{before}{{"error": "{entry.message}"}}{after}')
    assert result.matches[0].message.lower() == entry.message.lower()
