"""The "Explain this error" message shortcut and its modal, over HTTP."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.service import Service
from bot.slack.listeners.shortcuts import CALLBACK_ID
from bot.store.models import QueryLog, Vote
from tests.slack.fake_slack import Canned
from tests.slack.harness import Harness, all_text, buttons, next_ts
from tests.slack.test_commands import JWT, PASTE


def run_shortcut(harness: Harness, message: dict[str, Any]) -> dict[str, Any]:
    """Fire the shortcut on a message; return the modal the app opened."""
    payload = {
        "type": "message_action",
        "callback_id": CALLBACK_ID,
        "trigger_id": "trig.shortcut",
        "user": {"id": "UCLICKER"},
        "channel": {"id": "CCHAN"},
        "message_ts": message["ts"],
        "message": message,
        "response_url": harness.fake.response_url("shortcut"),
    }
    assert harness.interactive(payload).status == 200
    opened = harness.fake.wait_for("views.open")[0].args
    assert opened["trigger_id"] == "trig.shortcut"
    return {**opened["view"], "id": "V0001", "hash": "h1"}


def submit(harness: Harness, view: dict[str, Any]) -> dict[str, Any]:
    payload = {"type": "view_submission", "user": {"id": "UCLICKER"}, "view": view}
    response = harness.interactive(payload)
    assert response.status == 200
    return response.json() if response.body else {}


def test_shortcut_on_a_thread_reply_explains_it_in_a_modal(
    harness: Harness, service: Service
) -> None:
    parent = next_ts()
    view = run_shortcut(
        harness, {"ts": next_ts(), "thread_ts": parent, "text": PASTE, "user": "UOTHER"}
    )
    text = all_text(view["blocks"])
    assert "Key not authori" in text and "*Next:*" in text
    assert view["submit"]["text"] == "Reply in thread"
    assert json.loads(view["private_metadata"])["t"] == parent
    assert set(buttons(view["blocks"])) == {"tyk_details", "tyk_helped", "tyk_wrong"}
    with service.session() as s:
        assert s.scalars(select(QueryLog.source)).all() == ["shortcut"]


def test_submitting_the_modal_replies_in_the_thread_crediting_the_user(harness: Harness) -> None:
    parent = next_ts()
    view = run_shortcut(
        harness,
        {"ts": next_ts(), "thread_ts": parent, "text": f"Authorization: Bearer {JWT} -> {PASTE}"},
    )
    reply = submit(harness, view)
    assert reply["response_action"] == "update" and "Posting" in all_text(reply["view"]["blocks"])
    [post] = harness.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == "CCHAN" and post.args["thread_ts"] == parent
    raw = post.payload_text()
    assert "<@UCLICKER> shared an answer" in raw and JWT not in raw and JWT[:30] not in raw
    [done] = harness.fake.wait_for("views.update")
    assert done.args["view_id"] == "V0001" and "Posted" in all_text(done.args["view"]["blocks"])


def test_a_channel_the_bot_is_not_in_gets_a_clear_notice(harness: Harness) -> None:
    harness.fake.queue("chat.postMessage", Canned(body={"ok": False, "error": "not_in_channel"}))
    view = run_shortcut(harness, {"ts": next_ts(), "text": PASTE})
    reply = submit(harness, view)
    assert reply["response_action"] == "update"
    [notice] = harness.fake.wait_for("views.update")
    assert "/invite @tykbot" in all_text(notice.args["view"]["blocks"])


def test_feedback_inside_the_modal_updates_the_modal(harness: Harness, service: Service) -> None:
    view = run_shortcut(harness, {"ts": next_ts(), "text": PASTE})
    harness.click(buttons(view["blocks"])["tyk_wrong"], user="UCLICKER", view=view)
    updated = harness.fake.wait_for("views.update")[0].args
    assert updated["view_id"] == "V0001"
    assert "tyk_choose_none" in buttons(updated["view"]["blocks"])
    assert updated["view"]["private_metadata"] == view["private_metadata"]
    with service.session() as s:
        assert [v.helpful for v in s.scalars(select(Vote))] == [False]
    assert harness.fake.of("chat.postMessage") == []


def test_a_message_without_text_gets_a_note_not_an_error(harness: Harness) -> None:
    view = run_shortcut(harness, {"ts": next_ts(), "text": ""})
    assert "Nothing to explain" in all_text(view["blocks"]) and "submit" not in view


def test_a_message_that_matches_nothing_says_no_match(harness: Harness) -> None:
    view = run_shortcut(harness, {"ts": next_ts(), "text": "lunch at noon?"})
    assert "No match" in all_text(view["blocks"]) and "submit" not in view


def test_details_open_and_close_inside_the_modal(harness: Harness) -> None:
    view = run_shortcut(harness, {"ts": next_ts(), "text": PASTE})
    harness.click(buttons(view["blocks"])["tyk_details"], user="UCLICKER", view=view)
    opened = harness.fake.wait_for("views.update")[0].args["view"]
    assert "*Cause:*" in all_text(opened["blocks"]) and "Your paste" in all_text(opened["blocks"])
    assert opened["private_metadata"] == view["private_metadata"]
    opened = {**opened, "id": "V0001"}
    harness.click(buttons(opened["blocks"])["tyk_hide_details"], user="UCLICKER", view=opened)
    closed = harness.fake.wait_for("views.update", 2)[1].args["view"]
    assert "*Cause:*" not in all_text(closed["blocks"])
    assert "tyk_details" in buttons(closed["blocks"])
