"""A line holding an HTTP reason phrase that is also a catalog message (`Method not allowed`,
`Not Found`): other systems say it too, so it is never confident, but no text matching the
line worse than the phrase outranks the phrase's own entry."""

from __future__ import annotations

import pytest

from bot.catalog import load_knowledge
from bot.matching.matcher import Matcher

MATCHER = Matcher(load_knowledge())


@pytest.mark.parametrize(
    "paste, entry_id",
    [
        ("Method Not Allowed", "405-method-not-allowed"),
        ("getting method not allowed", "405-method-not-allowed"),
        ("getting 405 method not allowed from tyk", "405-method-not-allowed"),
        (
            'our client keeps getting "Method not allowed" when calling the ledger api through tyk',
            "405-method-not-allowed",
        ),
        ("Not Found", "404-not-found"),
        ("HTTP/1.1 404 Not Found", "404-not-found"),  # `http` is no word of a description
        ("HTTP/1.1 405 Method Not Allowed\nServer: nginx", "405-method-not-allowed"),
    ],
)
def test_the_phrase_s_own_entry_comes_first_and_is_not_confident(paste: str, entry_id: str) -> None:
    result = MATCHER.match(paste)
    assert result.matches[0].entry_id == entry_id
    assert not result.confident


@pytest.mark.parametrize(
    "paste, message",
    [
        ("getting 404 not found - api not found", "API not found"),
        ("404 Not Found: Key not found", "Key not found"),
        (
            "< HTTP/1.1 404 Not Found\n< Content-Type: application/json\n<\n"
            '{"error": "API not found"}',
            "API not found",
        ),
    ],
)
def test_a_longer_message_held_word_for_word_still_wins(paste: str, message: str) -> None:
    assert MATCHER.match(paste).matches[0].message == message


def test_another_server_s_status_line_stays_silent() -> None:
    assert not MATCHER.match("HTTP/1.1 405 Method Not Allowed\nServer: nginx").confident


def test_how_people_ask_is_not_what_they_ask_about() -> None:
    """Question words (`returning`, `everyone`, `usually mean`) match no entry's description."""
    top = MATCHER.match("tyk is returning 403 to everyone").matches[0]
    assert top.entry_id == "403-access-to-this-api-has-been-disallowed"
