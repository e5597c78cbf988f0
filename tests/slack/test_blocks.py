"""Block Kit renderers: content order, escaping, secrets, and Slack's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.catalog import Entry
from bot.service import Answer, Candidate
from bot.slack import blocks

ENTRY = Entry(
    id="403-access-disallowed",
    code=403,
    message="Access to this API has been disallowed",
    guidance="Check if the key has access to the API.",
    cause="The key's access rights do not list this API.",
    action="Add the API to the key or its policy.",
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


def test_best_match_shows_cause_and_action_before_docs_guidance_then_version_and_link() -> None:
    rendered = blocks.answer_blocks(answer(), public=False, share=True)
    text = blocks.json.dumps(rendered)
    order = [
        text.index(s)
        for s in (
            "403 Access to this API",
            "*Cause:*",
            "*What to do:*",
            "*Tyk docs say:*",
            "Before 5.0",
            "Why:",
            "|Tyk docs>",
        )
    ]
    assert order == sorted(order)
    assert "confident match, score 0.97" in text
    assert (
        "Other candidates" in text and "Attempted access" in text and "Authorization field" in text
    )


def test_empty_cause_and_action_are_left_out() -> None:
    bare = Entry(id="e", code=500, message="Something", guidance="Docs text.")
    rendered = blocks.answer_blocks(answer(candidates=(Candidate(bare, 0.9, "r"),)), public=True)
    text = json.dumps(rendered)
    assert "Cause" not in text and "What to do" not in text and "Docs text." in text


def test_other_candidates_are_at_most_two() -> None:
    many = tuple(
        Candidate(Entry(id=f"e{i}", code=400, message=f"M{i}"), 0.5, "r") for i in range(6)
    )
    rendered = blocks.answer_blocks(answer(candidates=many), public=False)
    text = json.dumps(rendered)
    assert "M1" in text and "M2" in text and "M3" not in text


def test_buttons_share_helped_didnt_help_carry_query_and_entry() -> None:
    rendered = blocks.answer_blocks(answer(), public=False, share=True)
    actions = next(b for b in rendered if b["type"] == "actions")
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == [blocks.SHARE, blocks.HELPED, blocks.NOT_HELPED]
    assert json.loads(actions["elements"][1]["value"]) == {"q": 7, "e": ENTRY.id}


def test_public_answers_have_feedback_but_no_share() -> None:
    rendered = blocks.answer_blocks(answer(), public=True)
    ids = [e["action_id"] for b in rendered if b["type"] == "actions" for e in b["elements"]]
    assert ids == [blocks.HELPED, blocks.NOT_HELPED]


def test_user_text_is_escaped_everywhere() -> None:
    paste = "<!channel> <@U123> & <https://evil|click> Key not authorised"
    a = answer(text=paste, candidates=(Candidate(ENTRY, 0.9, f"fragment '{paste}'"),))
    rendered = blocks.answer_blocks(a, public=False, show_paste=True)
    for _kind, text in walk_texts(rendered):
        assert "<!channel>" not in text and "<@U123>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in json.dumps(rendered)


def test_code_fences_in_a_paste_cannot_close_the_block() -> None:
    assert blocks.code_block("a ``` b").count("```") == 2


def test_clip_escaped_never_cuts_an_entity() -> None:
    out = blocks.clip_escaped("x" * 8 + "<<<<", 12)
    assert out.endswith("…") and "&l…" not in out and "&…" not in out


@pytest.mark.parametrize("public", [True, False])
def test_secret_notice_names_kinds_never_values(public: bool) -> None:
    a = answer(secrets=("JWT",), text="Authorization: Bearer ****")
    text = json.dumps(blocks.answer_blocks(a, public=public, show_paste=not public))
    assert "secret (JWT)" in text
    assert ("rotate" in text) if not public else ("rotating" in text)


def test_no_match_tells_how_to_ask() -> None:
    text = json.dumps(blocks.answer_blocks(answer(candidates=()), public=False))
    assert "No match" in text and "/tykerror 403" in text


def test_huge_answer_stays_within_block_kit_limits() -> None:
    big = Entry(
        id="x" * 120,
        code=500,
        message="M" * 5000,
        guidance="g" * 9000,
        cause="c & <" * 3000,
        action="a" * 9000,
        note="n" * 9000,
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
    rendered = blocks.answer_blocks(a, public=False, show_paste=True, share=True)
    assert_within_limits(rendered)
    assert rendered[-1]["type"] == "actions"


def test_cap_keeps_the_buttons() -> None:
    many = [blocks.section(str(i)) for i in range(80)]
    many.append({"type": "actions", "elements": []})
    capped = blocks.cap(many)
    assert len(capped) == 50 and capped[-1]["type"] == "actions"


def test_code_listing_of_many_entries_is_split_into_sections_within_limits() -> None:
    entries = [
        Entry(id=f"e{i}", code=403, message=f"message {i} " + "x" * 80, cause="c" * 300)
        for i in range(200)
    ]
    msg = blocks.entries_message("Tyk Gateway errors with status 403", entries, "none")
    assert_within_limits(msg["blocks"])
    assert len(msg["text"]) <= 3000


def test_alternatives_offer_each_other_candidate_and_none() -> None:
    rendered = blocks.alternatives_blocks(7, ENTRY.id, [OTHER, THIRD])
    assert_within_limits(rendered)
    values = [json.loads(e["value"]) for e in rendered[-1]["elements"]]
    assert values == [
        {"q": 7, "e": ENTRY.id, "c": OTHER.id},
        {"q": 7, "e": ENTRY.id, "c": THIRD.id},
        {"q": 7, "e": ENTRY.id},
    ]


def test_button_value_over_the_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        blocks.button("x", "a", {"v": "x" * 3000})


def test_modal_has_submit_and_metadata_only_when_there_is_an_answer() -> None:
    view = blocks.answer_modal(answer(), "", "C1", "171.1")
    assert view["submit"]["text"] == "Reply in thread"
    assert json.loads(view["private_metadata"]) == {"q": 7, "c": "C1", "t": "171.1"}
    assert len(view["title"]["text"]) <= 24
    empty = blocks.answer_modal(None, "Nothing to explain.", "C1", "171.1")
    assert "submit" not in empty


def test_updated_modal_swaps_the_feedback_block() -> None:
    view = {**blocks.answer_modal(answer(), "", "C1", "1.1"), "id": "V1", "hash": "h"}
    updated = blocks.updated_modal(view, [blocks.context("Thanks")])
    assert not any(b.get("block_id") == blocks.FEEDBACK_BLOCK for b in updated["blocks"])
    assert updated["blocks"][-1]["elements"][0]["text"] == "Thanks"
    assert updated["private_metadata"] == view["private_metadata"] and "id" not in updated


def test_mention_message_says_when_it_is_guessing() -> None:
    unsure = blocks.mention_message(answer(confident=False))
    assert "not sure" in json.dumps(unsure["blocks"])
    sure = blocks.mention_message(answer())
    assert "not sure" not in json.dumps(sure["blocks"])
