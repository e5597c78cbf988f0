"""Misspelt pastes: a word one edit away from the catalog's, and chatter on the same line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import load_knowledge
from bot.matching.extract import extract
from bot.matching.matcher import TYPO_LENGTHS, Matcher, _typo_keys, _typo_lookups
from bot.matching.normalize import normalize

MATCHER = Matcher(load_knowledge())
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=20)


def one_edit(word: str, at: int, how: str, letter: str) -> str:
    """`word` with one letter dropped, doubled, swapped with the one before, or replaced."""
    at = max(1, min(at, len(word) - 1))
    if how == "drop":
        return word[:at] + word[at + 1 :]
    if how == "double":
        return word[:at] + word[at] + word[at:]
    if how == "swap":
        return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    return word[:at] + letter + word[at + 1 :]


@settings(max_examples=300, deadline=None)
@given(
    WORD,
    st.integers(0, 20),
    st.sampled_from(["drop", "double", "swap", "sub"]),
    st.sampled_from("xyz"),
)
def test_words_one_edit_apart_share_a_typo_key(word: str, at: int, how: str, letter: str) -> None:
    typo = one_edit(word, at, how, letter)
    if not TYPO_LENGTHS[0] <= len(typo) <= TYPO_LENGTHS[1]:
        return  # no typo keys at all
    catalog_keys = {word, *_typo_keys(word)}  # the word's own key and its typo keys
    assert catalog_keys & set(_typo_lookups(typo)), (word, typo)


def test_no_typo_keys_for_numbers_ids_or_short_words() -> None:
    for word in ("404", "a1b2c3d4e5", "key", "x" * 40):
        assert _typo_keys(word) == _typo_lookups(word) == ()


def test_a_misspelt_message_with_chatter_on_its_line_finds_its_entry() -> None:
    paste = "acess to this api has been dissallowed ??? literally just made the key 2 min ago"
    top = MATCHER.match(paste).matches[0]
    assert top.message == "Access to this API has been disallowed"


def test_question_marks_end_a_sentence_before_any_letter() -> None:
    fragments = [f.text for f in extract("key not authorised?? worked yesterday!").fragments]
    assert "key not authorised??" in fragments
    assert "worked yesterday!" in fragments


@pytest.mark.parametrize(
    "chatter, floor",
    [
        # The `???` ends the sentence: the misspelt message is a fragment of its own (0.951
        # when `?` ended one only before a capital letter).
        (" ??? literally worked fine yesterday before the deploy", 0.97),
        # One long line: its common words are not looked up, its misspelt word is found by its
        # typo keys (0.884 without them).
        (" since the deploy of the new version yesterday", 0.92),
    ],
)
def test_misspelt_catalog_messages_with_chatter_are_answered(chatter: str, floor: float) -> None:
    """Every catalog message of two or more words, its longest word misspelt four ways, with
    chatter after it on the same line: its entry first nearly always (the misses left are
    short, common texts like `Not Found`, which other systems send too)."""
    tried = found = 0
    for entry in MATCHER.entries:
        words = entry.message.split()
        if len(words) < 2 or "<" in entry.message or "$" in entry.message:
            continue
        i = max(range(len(words)), key=lambda k: len(words[k]) if words[k].isalpha() else 0)
        if len(words[i]) < 4 or not words[i].isalpha():
            continue
        same = set(MATCHER.by_message[normalize(entry.message)])
        for how in ("drop", "double", "swap", "sub"):
            typo = one_edit(words[i], len(words[i]) // 2, how, "x")
            result = MATCHER.match(" ".join([*words[:i], typo, *words[i + 1 :]]) + chatter)
            tried += 1
            found += bool(result.matches) and result.matches[0].entry_id in same
    assert tried > 600
    assert found / tried >= floor, f"{found}/{tried}"


@pytest.mark.parametrize(
    "paste, message",
    [
        ("tyk says failed to create key", "Failed to create key"),
        ("help: Failed to create key", "Failed to create key"),
        (
            'level=error msg="failed to create key: redis: connection pool timeout"',
            "failed to create key: <error>",
        ),
        ("JSON parsing error", "JSON parsing error: <error>"),  # no other entry says it
        (
            'level=error msg="JSON parsing error: unexpected end of JSON input"',
            "JSON parsing error: <error>",
        ),
    ],
)
def test_a_placeholder_at_either_end_must_hold_a_word(paste: str, message: str) -> None:
    assert MATCHER.match(paste).matches[0].message == message


@pytest.mark.parametrize(
    "paste, message",
    [
        (
            "seeing failed to create key, ensure security settings are correct. on the billing "
            "api right after we upgraded the gateway",
            "Failed to create key",
        ),
        (
            "POST /tyk/keys answers: Failed to create key, keys must have at least one Access "
            "Rights record set. any idea",
            "Failed to create key, keys must have at least one Access Rights record set",
        ),
        ('{"error": "failed to create key: redis is down"}', "failed to create key: <error>"),
    ],
)
def test_a_specific_text_held_word_for_word_beats_the_template_it_fits(
    paste: str, message: str
) -> None:
    result = MATCHER.match(paste)
    assert result.matches[0].message == message
    assert [m.message for m in result.distinct_errors] in ([], [message])
