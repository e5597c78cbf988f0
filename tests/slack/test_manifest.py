"""The shipped manifest declares what the app listens to, with the minimum scopes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack import blocks
from bot.slack.listeners.shortcuts import CALLBACK_ID
from tests.slack.harness import Harness, next_ts

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack-app-manifest.yaml"


def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_command_and_shortcut_match_the_listeners() -> None:
    features = manifest()["features"]
    assert [c["command"] for c in features["slash_commands"]] == [blocks.COMMAND]
    [shortcut] = features["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", CALLBACK_ID)
    assert shortcut["name"] == "Explain this error"


def test_events_interactivity_and_minimum_scopes() -> None:
    data = manifest()
    settings = data["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "app_mention",
        "message.channels",
        "message.groups",
    ]
    assert settings["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == sorted(
        [
            "commands",
            "chat:write",
            "app_mentions:read",
            "channels:history",
            "groups:history",
            "channels:read",
            "groups:read",
            "usergroups:read",
            "users:read",
        ]
    )


def test_http_mode_is_the_commented_urls() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert text.count("# url: https://tykbot.example.com/slack/commands") == 1
    assert text.count("# request_url: https://tykbot.example.com/slack/events") == 2
    assert text.count("# message_menu_options_url: https://tykbot.example.com/slack/events") == 1


def test_every_subscribed_event_has_a_listener(harness: Harness) -> None:
    for name in manifest()["settings"]["event_subscriptions"]["bot_events"]:
        event_type, _, kind = name.partition(".")
        event = {"type": event_type, "channel": "C1", "user": "U1", "text": "hi", "ts": next_ts()}
        if kind:
            event["channel_type"] = {"channels": "channel", "groups": "group"}[kind]
        assert harness.event(event).status == 200, name
