"""Another system's message with Tyk's predicate and its own subject (`Token not authorised`,
`Access to this endpoint has been disallowed`) is one word away from a catalog text: ranked,
never answered with confidence. Typos, spellings, lost spaces and detail around a message are
no swap: the gateway's own messages stay confident."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import load_knowledge
from bot.matching.matcher import STOP_WORDS, Matcher, _same_word, _swapped_word
from bot.matching.normalize import normalize

MATCHER = Matcher(load_knowledge())
MESSAGES = sorted(
    {
        normalize(text)
        for entry in MATCHER.entries
        for text in (entry.message, *entry.aliases)
        if "$" not in text and "<" not in text
    }
)


@pytest.mark.parametrize(
    ("paste", "near"),
    [
        ('{"error": "Token not authorised"}', "Key not authorized"),
        ('HTTP/1.1 403 Forbidden\n\n{"error": "Client not authorized"}', "Key not authorized"),
        ('{"error": "Access to this endpoint has been disallowed"}', "disallowed"),
        (
            '{"Status":"Error","Message":"Attempted access to unauthorised resource","Meta":null}',
            "disallowed",
        ),
        (
            '{"title":"Forbidden","status":403,'
            '"detail":"Access to this resource has been denied for tenant \'acme\'."}',
            "disallowed",
        ),
    ],
)
def test_a_message_with_a_word_swapped_is_ranked_but_not_confident(paste: str, near: str) -> None:
    result = MATCHER.match(paste)
    assert result.matches and near in result.matches[0].message  # still the nearest text
    assert not result.confident
    assert not result.distinct_errors


@pytest.mark.parametrize(
    ("paste", "message"),
    [
        ('{"error": "Key not authorsied"}', "Key not authorized"),  # a typo
        ('{"error": "Keynot authorised"}', "Key not authorized"),  # a lost space
        ('{"error": "Acces to this API has been disallowed"}', "disallowed"),
        ("we get Access to this API has been disallowed when calling /orders", "disallowed"),
        ('{"error": "Quota exceeded"}', "Quota Exceeded"),
        ('{"error": "User not authorised"}', "Wrong Password"),  # an alias, word for word
    ],
)
def test_typos_spaces_and_detail_around_a_message_stay_confident(paste: str, message: str) -> None:
    result = MATCHER.match(paste)
    assert result.confident
    assert message in result.matches[0].message


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MESSAGES), st.data())
def test_a_catalog_text_typo_d_run_together_or_split_is_never_a_swap(
    text: str, data: st.DataObject
) -> None:
    words = text.split()
    at = data.draw(st.integers(0, len(words) - 1))
    word = words[at]
    how = data.draw(st.sampled_from(["drop", "join", "split", "same"]))
    if how == "drop" and len(word) >= 2:
        i = data.draw(st.integers(0, len(word) - 1))
        words[at] = word[:i] + word[i + 1 :]
    elif how == "split" and len(word) >= 2:
        i = data.draw(st.integers(1, len(word) - 1))
        words[at] = f"{word[:i]} {word[i:]}"
    elif how == "join" and at + 1 < len(words):
        words[at : at + 2] = [words[at] + words[at + 1]]
    pasted = " ".join(w for w in words if w)
    assert not _swapped_word(pasted, text)
    assert not _swapped_word(f"got this from tyk {pasted} on every call", text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MESSAGES), st.data())
def test_a_content_word_replaced_by_an_unrelated_one_is_a_swap(
    text: str, data: st.DataObject
) -> None:
    words = text.split()
    content = [  # a content word the text holds once, with nothing like it elsewhere
        i
        for i, w in enumerate(words)
        if w not in STOP_WORDS
        and not w.isdigit()
        and not any(_same_word(w, v) for j, v in enumerate(words) if j != i)
    ]
    if not content:
        return
    at = data.draw(st.sampled_from(content))
    words[at] = "zebra"  # no catalog word is anything like it
    assert _swapped_word(" ".join(words), text)


UPSTREAM_404 = """HTTP/1.1 404 Not Found
Content-Type: application/json
X-Ratelimit-Limit: 100
X-Ratelimit-Remaining: 64

{"error":"not_found"}

^ this is what i get through tyk for GET /inventory/items/abc"""


@pytest.mark.parametrize(
    "paste",
    [UPSTREAM_404, '{"error": "invalid_request"}', '{"error": "KEY_EXPIRED"}'],
)
def test_an_error_code_name_is_not_the_message_it_reads_like(paste: str) -> None:
    """`not_found` normalises to Tyk's `Not Found`; Tyk sends words, other systems code names."""
    result = MATCHER.match(paste)
    assert result.matches and not result.confident


def test_a_catalog_text_holding_a_code_name_still_matches_it() -> None:
    result = MATCHER.match('{"error": "client_id is required"}')  # a Tyk text with a name in it
    assert result.confident


def test_a_status_line_with_its_reason_is_a_question_about_the_code() -> None:
    """`bad request` is not JSON-RPC's `invalid request` with a word swapped: the line only
    names the status, so the code's likeliest entries come first, as a guess."""
    result = MATCHER.match("HTTP 400 bad request")
    assert not result.confident
    assert result.matches[0].entry_id == "400-authorization-field-missing"
