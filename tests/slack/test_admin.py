"""Admins change the catalog from Slack over HTTP: modals, commands, buttons, refusals."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient

from bot.service import Service
from bot.slack.admin import is_admin
from bot.slack.admin_blocks import EDIT, EDIT_MODAL, REFUSAL, REVERT
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import Harness, all_text

QUOTA = "403-quota-exceeded"
TEAPOT = "418-teapot-overflow-in-the-gateway"


def opened_view(fake: FakeSlack, count: int) -> dict[str, Any]:
    """The modal of the `count`-th views.open call."""
    return fake.wait_for("views.open", count)[count - 1].args["view"]


def form(view: dict[str, Any], **changes: str) -> dict[str, str]:
    """What a person submits: the modal's prefilled inputs, with some changed."""
    values = {
        b["block_id"]: b["element"].get("initial_value", "")
        for b in view["blocks"]
        if b["type"] == "input"
    }
    values.update(changes)
    return values


def answer_text(harness: Harness, paste: str) -> str:
    return all_text(harness.command_answer(paste, user="UASKER")["blocks"])


def state(service: Service) -> tuple[Any, ...]:
    """Everything an edit would change."""
    record = service.entry_record(QUOTA)
    return (
        service.stats()["catalog_version"],
        service.count_entries(),
        record.version,
        record.entry,
        len(service.history(QUOTA)),
    )


def accessories(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in blocks if "accessory" in b]


def test_an_admin_adds_edits_retires_restores_and_reverts(
    harness: Harness, fake: FakeSlack, service: Service
) -> None:
    paste = "kettle boiled over badly"  # the alias the admin adds: the paste never shows it
    assert "Teapot overflow" not in answer_text(harness, paste)

    opened = harness.command_answer("add", user="UADMIN")
    assert "Opened the editor" in opened["text"]
    new = opened_view(fake, 1)
    assert new["callback_id"] == EDIT_MODAL
    assert fake.of("views.open")[0].args["trigger_id"] == "trig.1"
    values = form(
        new,
        code="418",
        message="Teapot overflow in the gateway",
        cause="The kettle middleware boiled over.",
        aliases="kettle boiled over badly",
    )
    saved = harness.submit(new, values).json()
    assert saved["response_action"] == "update" and "Added" in all_text(saved["view"]["blocks"])
    assert "Teapot overflow in the gateway" in answer_text(harness, paste)

    harness.command_answer(f"edit {TEAPOT}", user="UADMIN")
    edit = opened_view(fake, 2)
    assert form(edit)["cause"] == "The kettle middleware boiled over."
    harness.submit(edit, form(edit, message="Teapot overflowed in the gateway"))
    assert "Teapot overflowed in the gateway" in answer_text(harness, paste)

    retired = harness.command_answer(f"retire {TEAPOT}", user="UADMIN")
    assert "Retired" in all_text(retired["blocks"])
    assert "Teapot overflowed" not in answer_text(harness, paste)

    harness.command_answer(f"restore {TEAPOT}", user="UADMIN")
    assert "Teapot overflowed in the gateway" in answer_text(harness, paste)

    history = harness.command_answer(f"history {TEAPOT}", user="UADMIN")
    text = all_text(history["blocks"])
    assert "restore by UADMIN" in text and "retire by UADMIN" in text and "add by UADMIN" in text
    first = accessories(history["blocks"])[-1]  # the oldest revision: as added
    assert first["action_id"] == REVERT
    harness.click(first, user="UADMIN")
    [reply] = fake.wait_for("response:act")
    assert "Reverted" in reply.args["text"]
    assert "Teapot overflow in the gateway" in answer_text(harness, paste)
    assert service.history(TEAPOT)[0].action == "revert"

    harness.click({"action_id": EDIT, "value": json.dumps({"e": TEAPOT})}, user="UADMIN")
    from_button = opened_view(fake, 3)
    assert fake.of("views.open")[2].args["trigger_id"] == "trig.2"
    assert form(from_button)["message"] == "Teapot overflow in the gateway"


def test_an_edit_of_a_pasted_error_opens_its_best_match(harness: Harness, fake: FakeSlack) -> None:
    harness.command_answer('edit {"error": "Quota exceeded"}', user="UGROUPADMIN")
    view = opened_view(fake, 1)
    assert json.loads(view["private_metadata"])["e"] == QUOTA


def test_bad_fields_are_shown_inline_and_nothing_is_saved(
    harness: Harness, fake: FakeSlack, service: Service
) -> None:
    before = state(service)
    harness.command_answer(f"edit {QUOTA}", user="UADMIN")
    view = opened_view(fake, 1)
    reply = harness.submit(
        view, form(view, code="999", first_step="Check {hots}", docs_url="nope")
    ).json()
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {"code", "first_step", "docs_url"}
    assert "{host}" in reply["errors"]["first_step"]
    assert state(service) == before


def test_a_non_admin_changes_nothing(harness: Harness, fake: FakeSlack, service: Service) -> None:
    before = state(service)
    record = service.entry_record(QUOTA)
    crafted = {
        "type": "modal",
        "callback_id": EDIT_MODAL,
        "private_metadata": json.dumps({"e": QUOTA, "v": record.version}),
        "blocks": [],
    }
    reply = harness.submit(crafted, {"code": "403", "message": "hacked"}, user="UNOBODY").json()
    assert reply["response_action"] == "update"
    assert REFUSAL in all_text(reply["view"]["blocks"])

    first = service.history(QUOTA)[-1]
    harness.click(
        {"action_id": REVERT, "value": json.dumps({"e": QUOTA, "r": first.id})}, user="UNOBODY"
    )
    harness.click({"action_id": EDIT, "value": json.dumps({"e": QUOTA})}, user="UNOBODY")
    refusals = fake.wait_for("response:act", 2)
    assert [r.args["text"] for r in refusals] == [REFUSAL, REFUSAL]
    assert not fake.of("views.open")
    for command in (f"retire {QUOTA}", f"edit {QUOTA}", "add", f"history {QUOTA}"):
        assert REFUSAL in all_text(harness.command_answer(command, user="UNOBODY")["blocks"])
    assert state(service) == before


def test_two_admins_saving_one_entry_get_a_save_and_a_conflict(
    harness: Harness, fake: FakeSlack, service: Service
) -> None:
    harness.command_answer(f"edit {QUOTA}", user="UADMIN")
    harness.command_answer(f"edit {QUOTA}", user="UGROUPADMIN")
    first, second = opened_view(fake, 1), opened_view(fake, 2)
    saved = harness.submit(first, form(first, action="Theirs: raise quota_max."), user="UADMIN")
    assert "Saved" in all_text(saved.json()["view"]["blocks"])
    conflict = harness.submit(
        second, form(second, action="Mine: wait for quota_renews."), user="UGROUPADMIN"
    ).json()
    assert conflict["response_action"] == "update"
    shown = all_text(conflict["view"]["blocks"])
    assert "UADMIN saved this entry while you were editing" in shown
    assert "Theirs: raise quota_max." in shown and "Mine: wait for quota_renews." in shown
    assert service.entry_record(QUOTA).entry.action == "Theirs: raise quota_max."
    again = conflict["view"]
    assert form(again)["action"] == "Mine: wait for quota_renews."  # nothing lost
    harness.submit(again, form(again), user="UGROUPADMIN")
    assert service.entry_record(QUOTA).entry.action == "Mine: wait for quota_renews."
    assert [r.changed_by for r in service.history(QUOTA)[:2]] == ["UGROUPADMIN", "UADMIN"]


def test_workspace_admins_only_when_the_setting_allows(slack_settings, fake: FakeSlack) -> None:  # type: ignore[no-untyped-def]
    fake.users["UOWNER"] = {"is_owner": True}
    fake.users["UMEMBER"] = {"is_admin": False}
    client = WebClient(token="xoxb-test-token", base_url=fake.url)
    assert not is_admin(slack_settings, client, "UOWNER")
    allowed = slack_settings.model_copy(update={"tykbot_workspace_admins_are_admins": True})
    assert is_admin(allowed, client, "UOWNER")
    assert not is_admin(allowed, client, "UMEMBER")
