"""Thread auto-replies and mentions over HTTP: once, only when confident, never for bots."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from bot.service import Service
from bot.slack.app import build_app
from bot.slack.listeners import events
from bot.store.models import QueryLog
from tests.slack.fake_slack import BOT_ID, BOT_USER_ID, Canned, FakeSlack
from tests.slack.harness import Harness, all_text, buttons, message_event, next_ts
from tests.slack.test_commands import JWT, PASTE

QUOTA = '{"error": "Quota exceeded"}'
CHATTER = "anyone up for lunch at noon?"


def replies(harness: Harness) -> list[dict]:
    return [c.args for c in harness.fake.of("chat.postMessage")]


def test_a_confident_paste_gets_one_public_reply_in_its_thread(
    harness: Harness, service: Service
) -> None:
    event, response = harness.message(PASTE)
    assert response.status == 200
    harness.wait("message", 1)
    [reply] = replies(harness)
    assert reply["channel"] == "CCHAN" and reply["thread_ts"] == event["ts"]
    assert "Key not authori" in reply["text"]
    assert set(buttons(reply["blocks"])) == {"tyk_details", "tyk_helped", "tyk_wrong"}
    assert reply["unfurl_links"] is False
    with service.session() as s:
        assert s.scalars(select(QueryLog.source)).all() == ["thread"]


def test_a_paste_inside_a_thread_is_answered_in_that_thread(harness: Harness) -> None:
    parent = next_ts()
    harness.message(PASTE, thread_ts=parent)
    harness.wait("message", 1)
    assert replies(harness)[0]["thread_ts"] == parent


def test_chatter_gets_no_reply_and_is_not_stored(harness: Harness, service: Service) -> None:
    harness.message(CHATTER)
    harness.wait("message", 1)
    assert harness.slack.metrics.value("message", "not_confident") == 1
    assert replies(harness) == []
    with service.session() as s:
        assert s.scalar(select(func.count()).select_from(QueryLog)) == 0


def test_one_message_per_thread_listing_each_entry_once(harness: Harness) -> None:
    parent = next_ts()
    harness.message(PASTE, ts=parent)
    harness.wait("message", 1)
    harness.message(PASTE, thread_ts=parent)
    harness.message(QUOTA, thread_ts=parent)
    harness.wait("message", 3)
    assert harness.slack.metrics.value("message", "already_replied") == 1
    [posted] = replies(harness)
    assert "Key not authori" in posted["text"]
    [update] = harness.fake.of("chat.update")
    assert update.args["ts"] and update.args["channel"] == "CCHAN"
    drawn = all_text(update.args["blocks"])
    assert "Also in this thread" in drawn and "Quota" in drawn
    assert drawn.count("Key not authori") == 1


def test_a_retried_event_is_answered_once(harness: Harness) -> None:
    event = message_event(PASTE, user="U1")
    first = harness.event(event, event_id="EvRETRY1")
    retries = [harness.event(event, event_id="EvRETRY1", retry_num=n) for n in (1, 2, 3)]
    assert first.status == 200 and all(r.status == 200 for r in retries)
    harness.wait("message", 1)
    assert harness.slack.metrics.value("event", "duplicate") == 3
    assert len(replies(harness)) == 1


def test_the_same_message_under_two_event_ids_is_answered_once(harness: Harness) -> None:
    event = message_event(PASTE, user="U1")
    harness.event(event, event_id="EvA")
    harness.event(event, event_id="EvB")
    harness.wait("message", 2)
    assert len(replies(harness)) == 1


def test_concurrent_deliveries_to_two_replicas_give_one_reply(
    harness: Harness, slack_settings, service: Service, fake: FakeSlack
) -> None:
    other_replica = Harness(build_app(slack_settings, Service(slack_settings)), fake)
    try:
        event = message_event(PASTE, user="U1")
        statuses: list[int] = []
        threads = [
            threading.Thread(
                target=lambda h=h, n=n: statuses.append(
                    h.event(event, event_id="EvRACE", retry_num=n).status
                )
            )
            for n, h in enumerate([harness, other_replica, harness, other_replica])
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200] * 4
        metrics = (harness.slack.metrics, other_replica.slack.metrics)
        assert sum(m.value("event", "duplicate") for m in metrics) == 3
        fake.wait_for("chat.postMessage")
        assert (
            sum(
                m.wait("message", 1, timeout=0.5 if m.value("message") == 0 else 10)
                for m in metrics
            )
            == 1
        )
        assert len(replies(harness)) == 1
    finally:
        other_replica.close()
        other_replica.slack.service.engine.dispose()


@pytest.mark.parametrize(
    "fields",
    [
        {"bot_id": "BOTHER", "subtype": "bot_message"},
        {"bot_id": "BOTHER"},
        {"bot_id": BOT_ID, "user": BOT_USER_ID},
        {"subtype": "message_changed", "message": {"text": PASTE, "ts": "1.1"}},
        {"subtype": "message_deleted", "previous_message": {"text": PASTE}},
        {"subtype": "channel_join"},
    ],
    ids=["other-bot", "other-bot-no-subtype", "itself", "edit", "delete", "join"],
)
def test_bots_edits_deletes_and_joins_get_no_reply(harness: Harness, fields: dict) -> None:
    harness.message(PASTE, **fields)
    # Bolt drops the bot's own messages before any listener; the others reach ours, which
    # says why it stays silent.
    if fields.get("bot_id") != BOT_ID:
        assert harness.wait("message", 1) == 1
        why = "ignored_bot" if "bot_id" in fields else "ignored_subtype"
        assert harness.slack.metrics.value("message", why) == 1
    assert replies(harness) == []
    # The same paste from a person is answered: the listener is alive, and silence was chosen.
    harness.message(PASTE)
    harness.fake.wait_for("chat.postMessage")
    assert len(replies(harness)) == 1


def test_an_allow_listed_alerting_bot_is_explained(harness: Harness) -> None:
    alert = {
        "subtype": "bot_message",
        "bot_id": "BALERTS",
        "attachments": [{"title": "Gateway alert", "text": PASTE, "color": "danger"}],
    }
    harness.message("", user=None, **alert)
    harness.wait("message", 1)
    assert len(replies(harness)) == 1


def test_autoreply_off_silences_a_channel(harness: Harness, service: Service) -> None:
    service.set_autoreply("CQUIET", False, by="UADMIN")
    harness.message(PASTE, channel="CQUIET")
    harness.message(PASTE, channel="CCHAN")
    harness.wait("message", 2)
    assert [r["channel"] for r in replies(harness)] == ["CCHAN"]


def test_the_default_can_be_off(slack_settings, service: Service, fake: FakeSlack) -> None:
    settings = slack_settings.model_copy(update={"tykbot_autoreply_default": False})
    harness = Harness(build_app(settings, Service(settings, service.engine)), fake)
    try:
        harness.message(PASTE)
        harness.wait("message", 1)
        assert harness.slack.metrics.value("message", "autoreply_off") == 1
        service.set_autoreply("CCHAN", True, by="UADMIN")
        harness.message(PASTE)
        harness.wait("message", 2)
        assert len(replies(harness)) == 1
    finally:
        harness.close()


def test_a_secret_in_a_channel_message_is_never_echoed(harness: Harness) -> None:
    harness.message(f"curl -H 'Authorization: Bearer {JWT}' gives {PASTE}")
    harness.wait("message", 1)
    [reply] = replies(harness)
    raw = json.dumps(reply)
    assert JWT not in raw and JWT[:30] not in raw
    assert "seems to hold a secret" in raw


def test_a_paste_with_mentions_pings_nobody(harness: Harness) -> None:
    harness.message("<!channel> <@U777> " + PASTE)
    harness.wait("message", 1)
    raw = json.dumps(replies(harness))
    assert "<!channel>" not in raw and "<@U777>" not in raw


def test_a_rate_limited_reply_is_retried_after_retry_after(harness: Harness) -> None:
    harness.fake.queue(
        "chat.postMessage",
        Canned(
            status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "0"}
        ),
    )
    harness.message(PASTE)
    harness.wait("message", 1)
    assert len(harness.fake.of("chat.postMessage")) == 2
    assert harness.slack.metrics.value("message", "replied") == 1


# -- mentions ------------------------------------------------------------------------------------
def mention_pair(harness: Harness, text: str, **fields: object) -> str:
    """Send what Slack sends for a mention in a channel: `message` and `app_mention`."""
    ts = next_ts()
    base = {"channel": "CCHAN", "user": "UASKER", "text": text, "ts": ts, **fields}
    harness.event({"type": "message", "channel_type": "channel", **base})
    harness.event({"type": "app_mention", **base})
    return ts


def test_a_mention_fires_two_events_and_gets_exactly_one_reply(harness: Harness) -> None:
    ts = mention_pair(harness, f"<@{BOT_USER_ID}> {PASTE}")
    harness.wait("message", 1)
    harness.wait("mention", 1)
    [reply] = replies(harness)
    assert reply["thread_ts"] == ts
    assert harness.slack.metrics.value("message", "left_to_mention") == 1


def test_a_mention_in_a_thread_explains_the_parent(harness: Harness) -> None:
    parent = next_ts()
    harness.fake.thread_parents[("CCHAN", parent)] = {"ts": parent, "text": QUOTA}
    mention_pair(harness, f"<@{BOT_USER_ID}> what does this mean?", thread_ts=parent)
    harness.wait("mention", 1)
    [reply] = replies(harness)
    assert reply["thread_ts"] == parent and "Quota" in reply["text"]
    assert harness.fake.of("conversations.replies")[0].args["ts"] == parent


GUESSES = [
    "quota something exceeded?",
    "certificate error upstream",
    "Access to this API disallowed maybe",
    "got a 403 saying access not really allowed",
]


def test_a_mention_shows_best_guesses_and_says_so(harness: Harness, service: Service) -> None:
    unsure = [
        t
        for t in GUESSES
        if (a := service.explain(t, log=False)).best is not None and not a.confident
    ]
    assert unsure, "expected at least one paste the matcher is unsure about"
    mention_pair(harness, f"<@{BOT_USER_ID}> {unsure[0]}")
    harness.wait("mention", 1)
    harness.wait("message", 1)
    [reply] = replies(harness)
    text = all_text(reply["blocks"])
    assert "not sure" in text and "Best guess" in text
    assert set(buttons(reply["blocks"])) == {"tyk_details", "tyk_helped", "tyk_wrong"}
    assert harness.slack.metrics.value("message", "replied") == 0


def test_an_empty_mention_gets_help(harness: Harness) -> None:
    mention_pair(harness, f"<@{BOT_USER_ID}>")
    harness.wait("mention", 1)
    [reply] = replies(harness)
    text = all_text(reply["blocks"])
    assert "mention me" in text and "Explain this error" in text
    assert "/tykerror" not in text  # slash commands cannot run in threads


def test_a_mention_that_fails_is_told_in_one_line(
    harness: Harness, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(service, "explain_best", boom)
    ts = mention_pair(harness, f"<@{BOT_USER_ID}> {PASTE}")
    harness.wait("mention", 1)
    [reply] = replies(harness)
    assert reply["thread_ts"] == ts and reply["text"].startswith(":warning: Sorry")
    assert harness.slack.metrics.value("mention", "error") == 1


def test_a_thread_whose_first_post_failed_is_posted_by_the_next_answer(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "STALE_POST_SECONDS", 0.0)
    harness.fake.queue("chat.postMessage", Canned(body={"ok": False, "error": "fatal_error"}))
    parent = next_ts()
    harness.message(PASTE, ts=parent)
    harness.wait("message", 1)
    assert harness.slack.metrics.value("message", "error") == 1
    harness.message(QUOTA, thread_ts=parent)
    harness.wait("message", 2)
    posted = [c.args for c in harness.fake.of("chat.postMessage")]
    assert len(posted) == 2  # the refused one, then the take-over
    drawn = all_text(posted[1]["blocks"])
    assert "Key not authori" in drawn and "Quota" in drawn
