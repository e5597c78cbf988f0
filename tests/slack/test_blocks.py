"""Block Kit renderers: the card, details on demand, escaping, secrets and Slack's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.catalog import Entry
from bot.service import Answer, Candidate
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack.card_blocks import View

ENTRY = Entry(
    id="403-access-disallowed",
    code=403,
    message="Access to this API has been disallowed",
    guidance="Check if the key has access to the API.",
    cause="The key's access rights do not list this API.",
    action="Add the API to the key or its policy.",
    summary="The key's access rights do not list this API.",
    first_step="Check `access_rights` of {key_hint} for API {api_id}.",
    docs_url="https://tyk.io/docs/error-response-codes/",
)
OTHER = Entry(id="403-other", code=403, message="Attempted access to disallowed version / path.")
THIRD = Entry(id="401-other", code=401, message="Authorization field missing")


def answer(**changes: Any) -> Answer:
    values: dict[str, Any] = dict(
        query_id=7,
        text='{"error": "Access to this API has been disallowed"}',
        candidates=(
            Candidate(ENTRY, 0.97, "error-field 'x' ~ 'y'", ("Before 5.0 the message was X.",)),
            Candidate(OTHER, 0.6, "fuzzy"),
            Candidate(THIRD, 0.5, "fuzzy"),
        ),
        confident=True,
        values={"api_id": "payments-v2", "key_hint": "key ****be41"},
    )
    values.update(changes)
    return Answer(**values)


def walk_texts(node: Any) -> list[tuple[str, str]]:
    """(kind, text) of every text object in rendered blocks."""
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            out.append((node["type"], node["text"]))
        for value in node.values():
            out.extend(walk_texts(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(walk_texts(value))
    return out


def assert_within_limits(rendered: list[dict[str, Any]], max_blocks: int = 50) -> None:
    assert len(rendered) <= max_blocks
    for block in rendered:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 2000 for e in block["elements"])
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for element in block["elements"]:
                assert len(element["value"]) <= 2000
                assert len(element["text"]["text"]) <= 75
                assert len(element["action_id"]) <= 255


PRIVATE = View(cards.PRIVATE)
PUBLIC = View(cards.THREAD)


def texts(rendered: list[dict[str, Any]]) -> str:
    return json.dumps(rendered, ensure_ascii=False)


def button_ids(rendered: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in rendered if b["type"] == "actions" for e in b["elements"]]


def test_the_card_shows_headline_diagnosis_and_a_filled_next_step_then_how_sure() -> None:
    rendered = cards.answer_blocks(answer(), PRIVATE)
    text = texts(rendered)
    order = [
        text.index(s)
        for s in (
            "*403 Access to this API has been disallowed*",
            "The key's access rights do not list this API.",
            "In your paste: API `payments-v2`, key `****be41`",
            "*Next:* Check `access_rights` of key ****be41 for API payments-v2.",
            "Sure · matched",
            "|Tyk docs>",
        )
    ]
    assert order == sorted(order)
    assert "*Cause:*" not in text and "Tyk docs say" not in text and "score" not in text


def test_details_add_cause_steps_docs_words_version_notes_others_and_why_in_that_order() -> None:
    rendered = cards.answer_blocks(answer(), View(cards.PRIVATE, details=True))
    text = texts(rendered)
    order = [
        text.index(s)
        for s in (
            "*Next:*",
            "*Cause:*",
            "*What to do:*",
            "*Tyk docs say:*",
            "Before 5.0",
            "Other candidates",
            "Why:",
        )
    ]
    assert order == sorted(order)
    assert "Attempted access" in text and "Authorization field" in text
    assert cards.HIDE_DETAILS in button_ids(rendered)
    assert cards.SHOW_DETAILS not in button_ids(rendered)


def test_empty_cause_and_action_are_left_out_of_the_details() -> None:
    bare = Entry(id="e", code=500, message="Something", guidance="Docs text.")
    a = answer(candidates=(Candidate(bare, 0.9, "r"),))
    text = texts(cards.answer_blocks(a, View(cards.THREAD, details=True)))
    assert "Cause" not in text and "What to do" not in text and "Docs text." in text


def test_private_buttons_are_details_helped_wrong_error_and_share_carrying_the_query() -> None:
    rendered = cards.answer_blocks(answer(), PRIVATE)
    assert button_ids(rendered) == [cards.SHOW_DETAILS, cards.HELPED, cards.WRONG, cards.SHARE]
    actions = next(b for b in rendered if b["type"] == "actions")
    assert json.loads(actions["elements"][1]["value"]) == {"q": 7, "e": ENTRY.id, "s": "private"}


def test_public_answers_have_feedback_but_no_share_and_no_edit_even_for_admins() -> None:
    rendered = cards.answer_blocks(answer(), View(cards.THREAD, admin=True))
    assert button_ids(rendered) == [cards.SHOW_DETAILS, cards.HELPED, cards.WRONG]


def test_admins_get_an_edit_button_on_private_answers() -> None:
    rendered = cards.answer_blocks(answer(), View(cards.PRIVATE, admin=True))
    edit = next(
        e
        for b in rendered
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == cards.EDIT
    )
    assert json.loads(edit["value"]) == {"e": ENTRY.id}


def test_a_vote_replaces_the_vote_buttons_with_the_thanks() -> None:
    rendered = cards.answer_blocks(answer(), View(cards.PRIVATE, voted="Thanks: noted."))
    assert cards.HELPED not in button_ids(rendered) and cards.WRONG not in button_ids(rendered)
    assert "Thanks: noted." in texts(rendered)


def test_user_text_is_escaped_everywhere() -> None:
    paste = "<!channel> <@U123> & <https://evil|click> Key not authorised"
    a = answer(text=paste, candidates=(Candidate(ENTRY, 0.9, f"fragment '{paste}'"),))
    rendered = cards.answer_blocks(a, View(cards.PRIVATE, details=True))
    for _kind, text in walk_texts(rendered):
        assert "<!channel>" not in text and "<@U123>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in json.dumps(rendered)


def test_code_fences_in_a_paste_cannot_close_the_block() -> None:
    assert blocks.code_block("a ``` b").count("```") == 2


def test_clip_escaped_never_cuts_an_entity() -> None:
    out = blocks.clip_escaped("x" * 8 + "<<<<", 12)
    assert out.endswith("…") and "&l…" not in out and "&…" not in out


@pytest.mark.parametrize("surface", [cards.PRIVATE, cards.THREAD])
def test_secret_notice_names_kinds_never_values(surface: str) -> None:
    a = answer(secrets=("JWT",), text="Authorization: Bearer ****")
    text = texts(cards.answer_blocks(a, View(surface)))
    assert "secret (JWT)" in text and "Rotate" in text


def test_no_match_tells_how_to_ask_but_never_suggests_a_command_in_a_thread() -> None:
    text = texts(cards.answer_blocks(answer(candidates=()), PRIVATE))
    assert "No match" in text and "/tykerror 403" in text
    for surface in (cards.THREAD, cards.MENTION, cards.SHARED):
        text = texts(cards.answer_blocks(answer(candidates=()), View(surface)))
        assert "No match" in text and "/tykerror" not in text


def test_huge_answer_stays_within_block_kit_limits() -> None:
    big = Entry(
        id="x" * 120,
        code=500,
        message="M" * 5000,
        guidance="g" * 9000,
        cause="c & <" * 3000,
        action="a" * 9000,
        note="n" * 9000,
        summary="s" * 500,
        first_step="f" * 900,
    )
    also = tuple(
        Candidate(Entry(id=f"a{i}", code=400, message="<" * 400), 0.5, "r") for i in range(80)
    )
    a = answer(
        text="<" * 100_000,
        candidates=(Candidate(big, 0.9, "r" * 9000, ("v" * 5000,)),),
        also_found=also,
        secrets=("JWT", "API key"),
    )
    for view in (View(cards.PRIVATE, details=True, admin=True), View(cards.THREAD)):
        rendered = cards.answer_blocks(a, view, more=[answer()] * 9)
        assert_within_limits(rendered)
        assert rendered[-1]["type"] == "actions"


def test_cap_keeps_the_buttons() -> None:
    many = [blocks.section(str(i)) for i in range(80)]
    many.append({"type": "actions", "elements": []})
    capped = blocks.cap(many)
    assert len(capped) == 50 and capped[-1]["type"] == "actions"


def test_a_list_shows_ten_rows_with_explain_buttons_and_how_many_more() -> None:
    entries = [
        Entry(id=f"e{i}", code=403, message=f"message {i} " + "x" * 80, summary="s" * 120)
        for i in range(200)
    ]
    hidden = Entry(id="docs-only", code=403, message="Test name", reaches_clients=False)
    msg = cards.list_message("Tyk Gateway errors with status 403", [hidden, *entries], "none")
    assert_within_limits(msg["blocks"])
    rows = [b for b in msg["blocks"] if b.get("accessory")]
    assert len(rows) == 10
    assert all(r["accessory"]["action_id"].startswith(cards.EXPLAIN) for r in rows)
    assert json.loads(rows[0]["accessory"]["value"]) == {"e": "e0"}
    assert "and 191 more" in texts(msg["blocks"])


def test_docs_only_rows_come_last_and_say_so() -> None:
    real = Entry(id="real", code=403, message="Real")
    hidden = Entry(id="docs-only", code=403, message="Test name", reaches_clients=False)
    msg = cards.list_message("403", [hidden, real], "none")
    rows = [b for b in msg["blocks"] if b.get("accessory")]
    assert "Real" in rows[0]["text"]["text"]
    assert "no client receives it" in rows[1]["text"]["text"]


def test_wrong_error_offers_the_other_candidates_a_search_and_none() -> None:
    rendered = cards.wrong_error_blocks(7, ENTRY.id, [OTHER, THIRD], {"s": "thread"})
    assert_within_limits([b for b in rendered if b.get("block_id") == blocks.FEEDBACK_BLOCK])
    menu = next(b for b in rendered if b.get("block_id", "").startswith(cards.PICK))
    assert menu["elements"][0]["type"] == "external_select"
    assert menu["block_id"] == f"{cards.PICK}:7:{ENTRY.id}"
    values = [json.loads(e["value"]) for e in rendered[-1]["elements"]]
    assert values == [
        {"q": 7, "e": ENTRY.id, "c": OTHER.id, "s": "thread"},
        {"q": 7, "e": ENTRY.id, "c": THIRD.id, "s": "thread"},
        {"q": 7, "e": ENTRY.id},
    ]


def test_button_value_over_the_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        blocks.button("x", "a", {"v": "x" * 3000})


def test_modal_has_submit_and_metadata_only_when_there_is_an_answer() -> None:
    view = cards.answer_modal(answer(), "", "C1", "171.1")
    assert view["submit"]["text"] == "Reply in thread"
    assert json.loads(view["private_metadata"]) == {"q": 7, "c": "C1", "t": "171.1"}
    assert len(view["title"]["text"]) <= 24
    empty = cards.answer_modal(None, "Nothing to explain.", "C1", "171.1")
    assert "submit" not in empty


def test_updated_modal_swaps_the_feedback_block() -> None:
    view = {**cards.answer_modal(answer(), "", "C1", "1.1"), "id": "V1", "hash": "h"}
    updated = blocks.updated_modal(view, [blocks.context("Thanks")])
    assert not any(b.get("block_id") == blocks.FEEDBACK_BLOCK for b in updated["blocks"])
    assert updated["blocks"][-1]["elements"][0]["text"] == "Thanks"
    assert updated["private_metadata"] == view["private_metadata"] and "id" not in updated


def test_mention_message_says_when_it_is_guessing() -> None:
    unsure = cards.answer_message(answer(confident=False), View(cards.MENTION))
    assert "not sure" in json.dumps(unsure["blocks"])
    sure = cards.answer_message(answer(), View(cards.MENTION))
    assert "not sure" not in json.dumps(sure["blocks"])


def test_a_thread_message_lists_later_errors_five_then_how_many_more() -> None:
    more = [answer(candidates=(Candidate(OTHER, 0.9, "r"),))] * 7
    text = texts(cards.answer_blocks(answer(), PUBLIC, more=more))
    assert "Also in this thread" in text
    assert text.count("403 Attempted access to disallowed version") == 5
    assert "and 2 more" in text


def test_the_card_says_how_many_other_errors_the_paste_holds_and_details_list_them() -> None:
    a = answer(confident=False, also_found=(Candidate(OTHER, 0.9, "r"), Candidate(THIRD, 0.9, "r")))
    compact = " ".join(t for _, t in walk_texts(cards.answer_blocks(a, View(cards.THREAD))))
    assert "2 other errors in this paste" in compact and OTHER.message not in compact
    opened = cards.answer_blocks(a, View(cards.THREAD, details=True))
    shown = " ".join(t for _, t in walk_texts(opened))
    assert "Also in this paste:" in shown and THIRD.message in shown
    assert shown.count(THIRD.message) == 1  # not again under *Other candidates*
    alone = " ".join(t for _, t in walk_texts(cards.answer_blocks(answer(), View(cards.THREAD))))
    assert "other error" not in alone
