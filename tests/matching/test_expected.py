"""A report's expected error is not the one the gateway sent: the matcher answers the one the
person got, whatever the order of the two and however the report is laid out. And a paste
holding several errors alike (a list, two replies side by side) is ranked but not answered with
confidence."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import load_knowledge
from bot.matching.expected import (
    _WANTED_QUOTE_RE,
    MAX_REGION_LINES,
    _drop_wanted_quotes,
    drop_expected,
)
from bot.matching.extract import extract
from bot.matching.matcher import Matcher

MATCHER = Matcher(load_knowledge())
EVERY_PAIR = copy.copy(MATCHER)
EVERY_PAIR.prune_pairs = False  # scores every pair: the listing must not depend on pruning

TEMPLATE = """**Do you want to request a *feature* or report a *bug*?**
bug

**What is the expected behaviour?**
> "error": "Access to this API has been disallowed"

**What is the current behaviour?**
> "error": "Key not authorised"

**Steps to reproduce**
1. An API with auth token, 2. call it with `Authorization: abc`
"""


def _first(paste: str) -> tuple[str, bool, list[str]]:
    result = MATCHER.match(paste)
    ids = [m.entry_id for m in result.matches]
    return ids[0], result.confident, ids


def test_the_issue_template_answers_the_current_behaviour() -> None:
    first, confident, ids = _first(TEMPLATE)
    assert first == "400-key-not-authorized" and confident
    assert not any("access-to-this-api" in i for i in ids)


def test_expected_and_actual_lines_answer_the_actual_in_either_order() -> None:
    expected = 'Expected: {"error": "Quota exceeded"}'
    actual = 'Actual:   {"error": "Rate limit exceeded"}'
    _, _, alone = _first(actual)
    for paste in (f"{expected}\n{actual}", f"{actual}\n{expected}"):
        first, confident, ids = _first(paste)
        assert "rate-limit" in first and confident, paste
        assert ids == alone  # the expected line adds nothing


def test_an_expected_result_heading_with_a_pretty_body_under_it() -> None:
    paste = (
        "calling /orders with an expired token\n\nExpected result:\n{\n"
        '    "error": "Key has expired, please renew"\n}\n\nwhat we get:\n'
        'HTTP/1.1 403 Forbidden\n{\n    "error": "Access to this API has been disallowed"\n}'
    )
    first, confident, ids = _first(paste)
    assert first == "403-access-to-this-api-has-been-disallowed" and confident
    assert "401-key-has-expired-please-renew" not in ids


def test_an_expectation_inside_a_sentence_leaves_the_error_on_that_line() -> None:
    first, confident, _ = _first('I expected a 200 but got {"error": "Key not authorised"}')
    assert first == "400-key-not-authorized" and confident


@pytest.mark.parametrize(
    "paste",
    [
        "I get 'Key not authorised' instead of 'Access to this API has been disallowed'",
        'we expected "Access to this API has been disallowed" but got "Key not authorised"',
        'should say "Access to this API has been disallowed" but says "Key not authorised"',
        'expected {"error": "Access to this API has been disallowed"} but got '
        '{"error": "Key not authorised"}',
        'Expected: {"error": "Access to this API has been disallowed"}, got {"error": '
        '"Key not authorised"}',
    ],
)
def test_the_message_a_sentence_says_was_wanted_is_not_the_answer(paste: str) -> None:
    first, confident, ids = _first(paste)
    assert first == "400-key-not-authorized" and confident, paste
    assert not any("access-to-this-api" in i for i in ids)


def test_a_failing_unit_test_saying_expected_stays_silent() -> None:
    paste = "--- FAIL: TestQuota (0.00s)\n    quota_test.go:31: expected 403, got 200"
    result = MATCHER.match(paste)
    assert not result.confident


def test_the_region_under_a_heading_ends_at_the_next_part() -> None:
    text = "Expected behaviour:\nline a\nline b\nActual behaviour:\nline c"
    assert drop_expected(text) == "\n\n\nActual behaviour:\nline c"
    text = "## Expected\nline a\n\nline b"
    assert drop_expected(text) == "\n\n\nline b"
    many = "Expected:\n" + "\n".join(f"line {i}" for i in range(20))
    kept = drop_expected(many).split("\n")
    assert kept[: MAX_REGION_LINES + 1] == [""] * (MAX_REGION_LINES + 1)
    assert kept[MAX_REGION_LINES + 1] == f"line {MAX_REGION_LINES}"


def test_log_lines_and_sentences_mentioning_expected_are_kept() -> None:
    for text in (
        'time="Jan 01 00:00:00" level=error msg="expected token" api_id=1',
        "the gateway behaves as expected",
        '{"error": "unexpected EOF"}',
    ):
        assert drop_expected(text) == text


@given(st.text(max_size=2000))
def test_lines_stay_in_place_and_only_expectations_go(text: str) -> None:
    dropped = drop_expected(text)
    before, after = text.split("\n"), dropped.split("\n")
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        rest = iter(old)
        assert new == "" or all(c in rest for c in new)  # only characters taken out
    low = text.lower()
    if not any(word in low for word in ("expect", "instead", "rather", "should", "suppos", "want")):
        assert dropped == text


@given(st.lists(st.sampled_from(["Expected:", "x", "", "Actual:", "**Steps**"]), max_size=40))
def test_every_blanked_line_follows_an_expectation(lines: list[str]) -> None:
    if not lines:
        return
    after = drop_expected("\n".join(lines)).split("\n")
    for i, (old, new) in enumerate(zip(lines, after, strict=True)):
        if old and not new:
            assert old == "Expected:" or "Expected:" in lines[max(0, i - MAX_REGION_LINES) : i]


# -- several errors alike: none is the answer ----------------------------------------------------
LIST = """I noted a few of the codes down:
("Access to this API has been disallowed"), 403
("Rate limit exceeded"), 429
("Authorization field missing"), 401
("Key has expired, please renew"), 401
Is there a page in the docs with all of them?"""


def test_a_list_of_errors_is_ranked_but_not_answered_with_confidence() -> None:
    result = MATCHER.match(LIST)
    assert len(result.distinct_errors) >= 3
    assert result.matches[0].score >= 0.84 and not result.confident


def test_a_list_with_one_error_a_little_stronger_is_still_a_list() -> None:
    listed = """Seeing several errors in prod today:
- 429 Rate Limit Exceeded (a few)
- 503 Service temporarily unavailable. (burst at 10:02)
- 504 Upstream service reached hard timeout (lots)
Which one should we look at first?"""
    result = MATCHER.match(listed)
    assert result.matches[0].score >= 0.84 and len(result.distinct_errors) < 3
    assert not result.confident
    assert EVERY_PAIR.match(listed).confident == result.confident


def test_two_replies_side_by_side_are_a_guess_one_standing_out_is_not() -> None:
    two = '{"error": "Quota exceeded"}\n{"error": "Key has expired, please renew"}'
    assert not MATCHER.match(two).confident
    log = (
        '{"error": "Key has expired, please renew"}\n'
        'time="Jan 02 10:00:00" level=info msg="policy not found somewhere"'
    )
    assert MATCHER.match(log).confident


def test_the_same_error_twice_stays_confident() -> None:
    paste = (
        '< HTTP/1.1 403 Forbidden\n{\n    "error": "Quota exceeded"\n}\n'
        'time="Jan 02 10:00:00" level=error msg="Quota exceeded" api_id=abc mw=RateLimitAndQuota'
    )
    result = MATCHER.match(paste)
    assert result.confident and result.matches[0].entry_id == "403-quota-exceeded"


def test_a_code_they_wanted_is_no_clue() -> None:
    assert extract("now it's 403 instead of 401").codes == {403: 0.5}
    assert extract("got 403 but it should be 401").codes == {403: 0.9}
    assert extract("tyk returns 404, expected a 200").codes == {404: 0.9}
    assert extract("expected 429, got 200").codes == {}
    assert 401 in extract("401 instead of 403").codes  # the one they got stays


_WANTED_TEXT = st.lists(
    st.sampled_from(
        [
            "instead of",
            "Expected",
            "expecting",
            "should say",
            "supposed to be",
            "wanted",
            "x",
            '"Quota exceeded"',
            "'a b'",
            '{"error": "Key not authorised"}',
            " ",
            "\n",
            ":",
            "İ",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=500)
@given(st.one_of(_WANTED_TEXT, st.text(max_size=300)))
def test_wanted_quotes_are_found_where_the_plain_regex_finds_them(text: str) -> None:
    plain = _WANTED_QUOTE_RE.sub(lambda m: m.group()[: m.start(1) - m.start()] + '""', text)
    assert _drop_wanted_quotes(text) == plain
