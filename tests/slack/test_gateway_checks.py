"""Gateway checks through the real bot over HTTP: buttons, the key modal, /tykerror check,
Share, who may check, and a key that appears nowhere but in the one call to the gateway."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.service import Service
from bot.slack.app import build_app
from bot.store.models import Base, Job
from tests.gateway import fixtures as fx
from tests.gateway.fake_gateway import SECRET, FakeGateway
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import Harness, all_text, buttons

UPSTREAM_PASTE = (
    'level=error msg="http: proxy error: dial tcp: lookup orders-svc on 10.0.0.2:53: no such '
    f'host" api_id={fx.API_ID} path=/payments/charge'
)
KEY_PASTE = f'level=warning msg="Key has expired, please renew" api_id={fx.API_ID} key=****be41'


@pytest.fixture
def tyk() -> Iterator[FakeGateway]:
    server = FakeGateway().start()
    server.routes.update(
        {
            "/hello": (200, fx.HELLO),
            f"/tyk/apis/{fx.API_ID}": (200, fx.api()),
            f"/tyk/keys/{fx.KEY}?api_id={fx.API_ID}": (200, fx.key(expires=1600000000)),
        }
    )
    yield server
    server.stop()


@pytest.fixture
def checks(
    settings: Settings, fake: FakeSlack, tyk: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    """The app with one gateway, `prod`, served by the fake Tyk Gateway API."""
    from tests.slack.harness import SIGNING_SECRET

    monkeypatch.setenv("TYKBOT_GATEWAY_SECRET_PROD", SECRET)
    monkeypatch.setenv("TYKBOT_GATEWAY_CHANNELS_PROD", "CCHAN,COPS")
    configured = settings.model_copy(
        update={
            "slack_bot_token": "xoxb-test-token",
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": fake.url,
            "tykbot_gateways": [f"prod={tyk.url}"],
        }
    )
    service = Service.open(configured)
    served = Harness(build_app(configured, service), fake)
    yield served
    served.close()
    service.engine.dispose()


def _answer(h: Harness, paste: str, user: str = "UADMIN") -> dict[str, Any]:
    return h.command_answer(paste, user=user)


def _result(fake: FakeSlack, name: str = "act") -> dict[str, Any]:
    [call] = fake.wait_for(f"response:{name}", 1, timeout=10)
    return call.args


def test_cards_carry_a_check_button_per_gateway(checks: Harness) -> None:
    reply = _answer(checks, UPSTREAM_PASTE)
    button = buttons(reply["blocks"])["tyk_check_0"]
    assert button["text"]["text"] == "Check on prod"
    help_text = all_text(checks.command_answer("help")["blocks"])
    assert "/tykerror check" in help_text


def test_without_gateways_nothing_of_it_appears(harness: Harness) -> None:
    reply = harness.command_answer(UPSTREAM_PASTE, user="UADMIN")
    assert not [a for a in buttons(reply["blocks"]) if a.startswith("tyk_check")]
    assert "check" not in all_text(harness.command_answer("help")["blocks"]).lower().replace(
        "checked", ""
    )
    assert "Checking" not in all_text(harness.command_answer(f"check {fx.API_ID}")["blocks"])


def test_a_checker_gets_a_private_verdict_and_can_share_it(
    checks: Harness, tyk: FakeGateway
) -> None:
    reply = _answer(checks, UPSTREAM_PASTE)
    checks.click(buttons(reply["blocks"])["tyk_check_0"], user="UADMIN")
    result = _result(checks.fake)
    text = all_text(result["blocks"])
    assert result["response_type"] == "ephemeral"
    assert "API payments-v2 exists, is active, target http://orders-svc:8080" in text
    assert "the host from your error" in text
    assert {r.method for r in tyk.requests} == {"GET"}
    [row] = checks.slack.service.audit()
    assert (row.user_id, row.gateway, row.outcome) == ("UADMIN", "prod", "ok")
    assert row.calls[0].startswith(f"GET /tyk/apis/{fx.API_ID} → 200")
    share = buttons(result["blocks"])["tyk_check_share"]
    checks.click(share, user="UADMIN", response_url="share")
    posted = checks.fake.wait_for("response:share", 2)
    assert posted[0].args["response_type"] == "in_channel"
    assert "shared a gateway check" in all_text(posted[0].args["blocks"])
    checks.click(share, user="USOMEONE", response_url="steal")
    [refused] = checks.fake.wait_for("response:steal", 1)
    assert "Only the person who ran" in all_text(refused.args["blocks"])


def test_a_non_checkers_crafted_click_runs_nothing(checks: Harness, tyk: FakeGateway) -> None:
    reply = _answer(checks, UPSTREAM_PASTE)
    crafted = {**buttons(reply["blocks"])["tyk_check_0"]}
    checks.click(crafted, user="UASKER")
    assert "Only tykbot checkers" in all_text(_result(checks.fake)["blocks"])
    checks.click(crafted, user="UADMIN", channel="CRANDOM", response_url="elsewhere")
    assert "not allowed in this channel" in all_text(_result(checks.fake, "elsewhere")["blocks"])
    assert tyk.requests == []
    outcomes = [(r.user_id, r.outcome) for r in checks.slack.service.audit()]
    assert outcomes == [("UADMIN", "refused"), ("UASKER", "refused")]


def test_a_key_typed_in_the_modal_appears_nowhere(
    checks: Harness, tyk: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reply = _answer(checks, KEY_PASTE)
    checks.click(buttons(reply["blocks"])["tyk_check_0"], user="UADMIN")
    [opened] = checks.fake.wait_for("views.open", 1)
    modal = opened.args["view"]
    assert modal["callback_id"] == "tyk_check_key"
    response = checks.submit(modal, {"tyk_check_key_input": fx.KEY}, user="UADMIN")
    assert response.status == 200
    text = all_text(_result(checks.fake)["blocks"])
    assert "Key ****be41 expired on 2020-09-13" in text
    assert any(fx.KEY in r.path for r in tyk.requests)  # the one call that needs it
    assert fx.KEY not in json.dumps([c.args for c in checks.fake.calls])
    assert fx.KEY not in caplog.text
    with checks.slack.service.session() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)):
                assert fx.KEY not in str(tuple(row)), table.name
    assert fx.KEY[-4:] in checks.slack.service.audit()[0].target


def test_the_slash_command_checks_an_api_and_answers_by_url(
    checks: Harness, tyk: FakeGateway
) -> None:
    ack = checks.command_answer(f"check {fx.API_ID}", user="UADMIN")
    assert "Checking" in all_text(ack["blocks"])
    text = all_text(_result(checks.fake, "cmd")["blocks"])
    assert "API payments-v2 exists" in text
    refused = checks.command_answer(f"check {fx.API_ID}", user="UASKER")
    assert "Only tykbot checkers" in all_text(refused["blocks"])
    assert len([r for r in tyk.requests if r.path.startswith("/tyk/apis/")]) == 1


def test_a_gateway_that_hangs_answers_within_6_seconds(checks: Harness, tyk: FakeGateway) -> None:
    tyk.hang = True
    started = time.monotonic()
    checks.command_answer(f"check {fx.API_ID}", user="UADMIN")
    result = _result(checks.fake, "cmd")
    assert time.monotonic() - started < 6
    assert "no answer within 5 s" in all_text(result["blocks"])


def test_a_check_is_a_durable_job_and_slacks_resend_runs_it_once(
    checks: Harness, tyk: FakeGateway
) -> None:
    from tests.slack.harness import click_payload

    reply = _answer(checks, UPSTREAM_PASTE)
    payload = click_payload(
        buttons(reply["blocks"])["tyk_check_0"], "UADMIN", "CCHAN", checks.fake.response_url("act")
    )
    assert checks.interactive(payload).status == 200
    assert checks.interactive(payload).status == 200  # Slack sends the same payload again
    _result(checks.fake)
    time.sleep(0.5)
    assert len(checks.fake.of("response:act")) == 1
    assert [r.outcome for r in checks.slack.service.audit()] == ["ok"]
    with checks.slack.service.session() as s:
        kinds = [row.kind for row in s.execute(select(Job.kind))]
    assert kinds == ["act:check"]
