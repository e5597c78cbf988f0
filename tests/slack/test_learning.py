"""Learning over HTTP: corrections through *Wrong error?*, the review CLI, the App Home tab,
`/tykerror stats`, the reason under *Wrong error?* and the digest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from slack_sdk.models.views import View

from bot.config import Settings
from bot.service import Service
from bot.slack import home_blocks as home
from bot.slack import membership
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.harness import Harness, all_text, buttons

PROXY = "500-there-was-a-problem-proxying-the-request"
PASTE = (
    'time="Nov 21 03:15:40" level=error msg="upstream orders-svc:8080 closed the connection '
    'before the response (attempt 3)" api_id=727dad853a8a45f64ab981154d1ffdad mw=ReverseProxy'
)


def cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": settings.database_url, **env},
    )


def pick(harness: Harness, user: str, paste: str, words: str, entry_id: str) -> None:
    """One person: /tykerror the paste, *Wrong error?*, search, pick the entry."""
    reply = harness.command_answer(paste, user=user)
    harness.click(buttons(reply["blocks"])["tyk_wrong"], user=user, response_url=user)
    [offer] = harness.fake.wait_for(f"response:{user}")
    [menu] = [b for b in offer.args["blocks"] if b.get("block_id", "").startswith("tyk_pick")]
    found = harness.interactive(
        {
            "type": "block_suggestion",
            "action_id": "tyk_pick",
            "block_id": menu["block_id"],
            "value": words,
            "user": {"id": user, "team_id": TEAM_ID},
            "container": {"type": "message", "is_ephemeral": True},
        }
    ).json()["options"]
    option = next(o for o in found if o["value"] == entry_id)
    harness.interactive(
        {
            "type": "block_actions",
            "user": {"id": user, "team_id": TEAM_ID},
            "channel": {"id": "CCHAN"},
            "trigger_id": "trig.4",
            "container": {"type": "message", "is_ephemeral": True},
            "response_url": harness.fake.response_url(user),
            "actions": [
                {
                    "type": "external_select",
                    "action_id": "tyk_pick",
                    "block_id": menu["block_id"],
                    "selected_option": option,
                    "action_ts": "1700000000.1",
                }
            ],
        }
    )
    harness.fake.wait_for(f"response:{user}", 2)


def test_three_people_correct_an_unmatched_paste_and_an_approval_teaches_it(
    harness: Harness, slack_settings: Settings
) -> None:
    first = harness.command_answer(PASTE)
    assert "Best guess" in all_text(first["blocks"])
    for user in ("UONE", "UTWO", "UTHREE"):
        pick(harness, user, PASTE, "proxying", PROXY)
    listed = cli(slack_settings, "review", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [proposal] = [p for p in json.loads(listed.stdout) if p["entry_id"] == PROXY]
    assert proposal["confirmers"] == 3 and "<host>" in proposal["text"]
    assert "orders-svc" not in proposal["text"]
    approved = cli(slack_settings, "review", "approve", str(proposal["id"]), "--json")
    assert approved.returncode == 0, approved.stderr
    assert json.loads(approved.stdout)["status"] == "approved"
    again = harness.command_answer(PASTE)
    text = all_text(again["blocks"])
    assert json.loads(buttons(again["blocks"])["tyk_helped"]["value"])["e"] == PROXY
    assert "Best guess" not in text and ":white_check_mark:" in text
    assert cli(slack_settings, "review", "list", "--json").stdout.strip() == "[]"


def published(fake: FakeSlack, count: int) -> dict[str, Any]:
    call = fake.wait_for("views.publish", count)[count - 1]
    view = call.args["view"]
    if isinstance(view, str):
        view = json.loads(view)
    assert isinstance(view, dict)
    return view


def within_limits(view: dict[str, Any]) -> None:
    assert view["type"] == "home" and len(view["blocks"]) <= home.MAX_HOME_BLOCKS
    View(**view).validate_json()  # slack_sdk's own checks of lengths and counts


def open_home(harness: Harness, user: str) -> None:
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    assert harness.event(event).status == 200


def test_app_home_for_everyone_and_for_admins(harness: Harness, service: Service) -> None:
    harness.command_answer('{"error": "Key not authorised"}', user="UREADER")
    things = [
        "kafka",
        "redis",
        "mongo",
        "etcd",
        "vault",
        "consul",
        "nginx",
        "envoy",
        "istio",
        "linkerd",
        "minio",
        "keycloak",
    ]
    for n, thing in enumerate(things):  # a long queue and many unknown errors must still fit
        paste = f"upstream {thing} closed the connection while reading {things[n - 1]} reply"
        pick(harness, f"U{n}", paste, "proxying", PROXY)
        service.explain(f"{thing} sidecar {n} refused to frobnicate", "slash", "UX", "CX")
    assert len(service.review_list()) > home.MAX_QUEUE
    open_home(harness, "UREADER")
    reader = published(harness.fake, 1)
    within_limits(reader)
    text = all_text(reader["blocks"])
    assert "This week's top errors in your channels" in text and "Key not authori" in text
    assert "Review queue" not in text and "Unknown errors" not in text
    open_home(harness, "UADMIN")
    admin = published(harness.fake, 2)
    within_limits(admin)
    text = all_text(admin["blocks"])
    for heading in ("Review queue", "Unknown errors", "Weak entries", "Helpfulness per entry"):
        assert heading in text
    ids = {e["action_id"] for b in admin["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert {home.APPROVE, home.REJECT, home.GAP_ENTRY, home.GAP_NOISE} <= ids


def test_home_top_errors_are_those_of_the_channels_a_person_is_in(harness: Harness) -> None:
    membership.forget()
    harness.command_answer('{"error": "Key not authorised"}', user="UA", channel="CPAY")
    harness.command_answer('{"error": "Quota exceeded"}', user="UB", channel="COTHER")
    harness.fake.memberships["UNEW"] = ["CPAY", "CEMPTY"]  # never asked tykbot anything
    open_home(harness, "UNEW")
    text = all_text(published(harness.fake, 1)["blocks"])
    assert "Key not authori" in text and "Quota" not in text
    open_home(harness, "UB")  # no scope to list channels: the ones asked in
    text = all_text(published(harness.fake, 2)["blocks"])
    assert "Quota" in text and "Key not authori" not in text
    membership.forget()


def home_click(harness: Harness, element: dict[str, Any], block_id: str, **extra: Any) -> None:
    harness.interactive(
        {
            "type": "block_actions",
            "user": {"id": "UADMIN", "team_id": TEAM_ID},
            "trigger_id": "trig.home",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home"},
            "actions": [
                {
                    "type": element["type"],
                    "action_id": element["action_id"],
                    "block_id": block_id,
                    "value": element.get("value"),
                    "action_ts": "1700000000.2",
                    **extra,
                }
            ],
        }
    )


def test_home_buttons_approve_and_turn_gaps_into_entries_or_noise(
    harness: Harness, service: Service
) -> None:
    pick(harness, "UONE", PASTE, "proxying", PROXY)
    service.explain("kafka consumer group rebalance stalled on partition 3", "slash", "U9")
    open_home(harness, "UADMIN")
    view = published(harness.fake, 1)
    actions = [b for b in view["blocks"] if b["type"] == "actions"]
    review = next(b for b in actions if b["block_id"].startswith("tyk_review:"))
    approve = next(e for e in review["elements"] if e["action_id"] == home.APPROVE)
    home_click(harness, approve, review["block_id"])
    after = published(harness.fake, 2)
    assert "approved" in all_text(after["blocks"])
    assert service.review_list() == []
    assert service.explain(PASTE, log=False).confident

    gap = next(b for b in actions if b["block_id"].startswith("tyk_gap:"))
    new_entry = next(e for e in gap["elements"] if e["action_id"] == home.GAP_ENTRY)
    home_click(harness, new_entry, gap["block_id"])
    opened = harness.fake.wait_for("views.open")[0].args["view"]
    opened = json.loads(opened) if isinstance(opened, str) else opened
    message = next(b for b in opened["blocks"] if b["block_id"] == "message")
    assert "kafka consumer group rebalance" in message["element"]["initial_value"]

    noise = next(e for e in gap["elements"] if e["action_id"] == home.GAP_NOISE)
    home_click(harness, noise, gap["block_id"])
    published(harness.fake, 3)
    assert service.gaps() == []


def test_a_non_admin_cannot_approve_from_the_home_tab(harness: Harness, service: Service) -> None:
    pick(harness, "UONE", PASTE, "proxying", PROXY)
    [proposal] = service.review_list()
    element = {"type": "button", "action_id": home.APPROVE, "value": json.dumps({"p": proposal.id})}
    payload_user = {"id": "UREADER", "team_id": TEAM_ID}
    harness.interactive(
        {
            "type": "block_actions",
            "user": payload_user,
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home"},
            "actions": [{**element, "block_id": "tyk_review:1", "action_ts": "1"}],
        }
    )
    harness.wait("home", 1)
    assert [p.id for p in service.review_list()] == [proposal.id]


def test_the_reason_under_wrong_error_is_stored_with_the_vote(
    harness: Harness, service: Service
) -> None:
    reply = harness.command_answer(PASTE)
    harness.click(buttons(reply["blocks"])["tyk_wrong"])
    [offer] = harness.fake.wait_for("response:act")
    [reason] = [b for b in offer.args["blocks"] if b["type"] == "input"]
    assert reason["dispatch_action"] is True and reason["optional"] is True
    harness.interactive(
        {
            "type": "block_actions",
            "user": {"id": "UASKER", "team_id": TEAM_ID},
            "channel": {"id": "CCHAN"},
            "container": {"type": "message", "is_ephemeral": True},
            "response_url": harness.fake.response_url("act"),
            "actions": [
                {
                    "type": "plain_text_input",
                    "action_id": reason["element"]["action_id"],
                    "block_id": reason["block_id"],
                    "value": "it was the upstream timing out, not the gateway",
                    "action_ts": "1",
                }
            ],
        }
    )
    assert "noted why" in harness.fake.wait_for("response:act", 2)[1].args["text"]
    [row] = service.feedback_export()
    assert row["reason"] == "it was the upstream timing out, not the gateway"
    assert [w.reasons for w in service.weak_entries()] == [(row["reason"],)]


def test_stats_command_and_digest(
    harness: Harness, slack_settings: Settings, fake: FakeSlack
) -> None:
    harness.command_answer('{"error": "Key not authorised"}')
    harness.command_answer(PASTE)
    reply = harness.command_answer("stats")
    text = all_text(reply["blocks"])
    assert "pastes explained" in text and "Top errors" in text and "unknown errors" in text
    posted = cli(
        slack_settings,
        "digest",
        "--channel",
        "CDIGEST",
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=fake.url,
    )
    assert posted.returncode == 0, posted.stderr
    [call] = fake.wait_for("chat.postMessage")
    assert call.args["channel"] == "CDIGEST" and "weekly digest" in call.args["text"]
