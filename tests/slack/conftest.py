"""Fixtures: a fake Slack Web API, and the real app served over HTTP on the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.service import Service
from bot.slack.app import build_app
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SIGNING_SECRET, Harness


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A fake Slack Web API on a local port, recording calls."""
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def slack_settings(settings: Settings, fake: FakeSlack) -> Settings:
    """Settings with Slack tokens, pointed at the fake."""
    return settings.model_copy(
        update={
            "slack_bot_token": "xoxb-test-token",
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": fake.url,
            "tykbot_allowed_bots": ["BALERTS"],
            "tykbot_admin_group": "SADMINS",
        }
    )


@pytest.fixture
def harness(slack_settings: Settings, service: Service, fake: FakeSlack) -> Iterator[Harness]:
    """The app served over HTTP, talking to the fake."""
    fake.group_members["SADMINS"] = ["UGROUPADMIN"]
    slack = build_app(slack_settings, service)
    served = Harness(slack, fake)
    yield served
    served.close()
