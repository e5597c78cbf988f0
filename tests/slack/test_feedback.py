"""Share in channel, Helped / Wrong error?, and choosing the right entry, over HTTP."""

from __future__ import annotations

import json
import threading

from sqlalchemy import select

from bot.service import Service
from bot.store.models import Vote
from tests.slack.harness import Harness, all_text, buttons
from tests.slack.test_commands import JWT, PASTE


def votes(service: Service) -> list[tuple[str, str, bool, str | None]]:
    with service.session() as s:
        rows = s.scalars(select(Vote).order_by(Vote.id)).all()
        return [(v.user_id, v.entry_id, v.helpful, v.chosen_entry_id) for v in rows]


def test_share_posts_the_answer_publicly_crediting_the_asker(harness: Harness) -> None:
    reply = harness.command_answer(f"Authorization: Bearer {JWT}\n{PASTE}")
    assert harness.click(buttons(reply["blocks"])["tyk_share"]).status == 200
    posted = harness.fake.wait_for("response:act", 2)
    public, private = posted[0].args, posted[1].args
    assert public["response_type"] == "in_channel" and public["replace_original"] is False
    text = all_text(public["blocks"])
    assert "<@UASKER> shared an answer" in text and "Key not authori" in text
    assert JWT not in json.dumps(public) and JWT[:30] not in json.dumps(public)
    assert "secret (" in text
    assert set(buttons(public["blocks"])) == {"tyk_details", "tyk_helped", "tyk_wrong"}
    assert private["replace_original"] is True and "shared" in json.dumps(private)
    assert harness.fake.of("chat.postMessage") == []


def test_helped_is_stored_and_acknowledged_to_the_voter_only(
    harness: Harness, service: Service
) -> None:
    reply = harness.command_answer(PASTE)
    helped = buttons(reply["blocks"])["tyk_helped"]
    entry_id = json.loads(helped["value"])["e"]
    harness.click(helped)
    ack = harness.fake.wait_for("response:act")[0].args
    # The private answer is drawn again in place: the vote buttons give way to the thanks.
    assert ack["replace_original"] is True
    assert "noted that this helped" in all_text(ack["blocks"])
    assert "tyk_helped" not in buttons(ack["blocks"]) and "tyk_details" in buttons(ack["blocks"])
    assert votes(service) == [("UASKER", entry_id, True, None)]
    harness.click(helped)
    again = harness.fake.wait_for("response:act", 2)[1].args
    assert "already" in all_text(again["blocks"])
    assert len(votes(service)) == 1
    assert harness.fake.of("chat.postMessage") == [] and harness.fake.of("chat.postEphemeral") == []


def test_wrong_error_changes_the_vote_and_offers_the_other_candidates(
    harness: Harness, service: Service
) -> None:
    reply = harness.command_answer(PASTE)
    found = buttons(reply["blocks"])
    entry_id = json.loads(found["tyk_helped"]["value"])["e"]
    harness.click(found["tyk_helped"])
    harness.fake.wait_for("response:act")
    harness.click(found["tyk_wrong"])
    offer = harness.fake.wait_for("response:act", 2)[1].args
    choices = buttons(offer["blocks"])
    assert any(b.get("block_id", "").startswith("tyk_pick:") for b in offer["blocks"])
    assert "tyk_choose_none" in choices and "tyk_choose_0" in choices
    assert votes(service) == [("UASKER", entry_id, False, None)]
    chosen = json.loads(choices["tyk_choose_0"]["value"])["c"]
    assert chosen != entry_id
    harness.click(choices["tyk_choose_0"])
    thanks = harness.fake.wait_for("response:act", 3)[2].args
    assert thanks["replace_original"] is True and "right one" in thanks["text"]
    assert votes(service) == [("UASKER", entry_id, False, chosen)]
    # ...and the chosen entry's card is shown.
    assert "*Next:*" in all_text(thanks["blocks"])


def test_none_of_these_keeps_the_didnt_help_vote(harness: Harness, service: Service) -> None:
    reply = harness.command_answer(PASTE)
    harness.click(buttons(reply["blocks"])["tyk_wrong"])
    offer = harness.fake.wait_for("response:act")[0].args
    harness.click(buttons(offer["blocks"])["tyk_choose_none"])
    harness.fake.wait_for("response:act", 2)
    assert [v[2:] for v in votes(service)] == [(False, None)]


def test_one_vote_per_person_per_answer(harness: Harness, service: Service) -> None:
    reply = harness.command_answer(PASTE)
    helped = buttons(reply["blocks"])["tyk_helped"]
    for user in ("U1", "U2", "U1"):
        harness.click(helped, user=user)
    harness.fake.wait_for("response:act", 3)
    assert sorted(v[0] for v in votes(service)) == ["U1", "U2"]


def test_a_vote_on_a_forgotten_answer_is_told_so(harness: Harness) -> None:
    harness.click({"action_id": "tyk_helped", "value": json.dumps({"q": 99999, "e": "x"})})
    ack = harness.fake.wait_for("response:act")[0].args
    assert "too old" in ack["text"]


def test_a_button_that_is_not_ours_does_nothing(harness: Harness, service: Service) -> None:
    harness.click({"action_id": "tyk_helped", "value": "not json"})
    assert harness.wait("vote", 1) == 1
    assert harness.slack.metrics.value("vote", "bad_value") == 1
    assert votes(service) == []


def test_a_click_is_acknowledged_after_the_slash_command_under_way_and_never_lost(
    harness: Harness, service: Service
) -> None:
    """Answers first, over HTTP: while a slash command is being answered, a click's ack waits
    (bounded by TYKBOT_ANSWERS_FIRST_MS); another slash command does not; the vote is kept."""
    reply = harness.command_answer(PASTE)
    helped = buttons(reply["blocks"])["tyk_helped"]
    first = harness.slack.deps.answers_first
    first.max_wait = 10.0  # longer than any wait below: a held request shows as not done
    acked, answered = threading.Event(), threading.Event()

    def click() -> None:
        assert harness.click(helped).status == 200
        acked.set()

    def command() -> None:
        assert "blocks" in harness.command_answer(PASTE)
        answered.set()

    with first.answering():  # an answer under way on another request thread
        threading.Thread(target=click, daemon=True).start()
        threading.Thread(target=command, daemon=True).start()
        assert answered.wait(5)  # a slash command never waits
        assert not acked.wait(0.3)  # the click is held while the answer is under way
    assert acked.wait(5)  # and acknowledged once it is done
    harness.fake.wait_for("response:act")
    assert [v[2] for v in votes(service)] == [True]
