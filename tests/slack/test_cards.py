"""Answer cards (issue 7) over HTTP: signed requests into the real app, a fake Slack Web API.

What a person on call reads first: a card of at most 600 visible characters that Slack never
folds, details on demand in the same message, one tykbot message per thread, the code the
paste shows in the headline, compact lists, feedback in place, no slash commands in threads.
Visible characters are counted the way the shared `blockkit-preview` tool counts them.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import re
import threading
from dataclasses import replace
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select

from bot.cards import card_for
from bot.service import Answer, Service
from bot.slack import card_blocks as cards
from bot.store.models import Vote
from tests.conftest import SHARED
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID, Canned, FakeSlack
from tests.slack.harness import Harness, all_text, buttons, message_event, next_ts

BLOCKKIT_PREVIEW = SHARED / "tools" / "blockkit-preview"
MAX_VISIBLE = 600

KEY = '{"error": "Key not authorised"}'
NO_SUCH_HOST = (
    'time="2024-05-01T10:00:00Z" level=error msg="http: proxy error: dial tcp: lookup orders-svc '
    'on 10.96.0.10:53: no such host" api_id=6f1c2a api_name=payments-v2 org_id=5e9d prefix=proxy'
)
QUOTA = '{"error": "Quota exceeded"}'
RATE = 'HTTP/1.1 429 Too Many Requests\n{"error": "API Rate Limit Exceeded"}'
SIGNATURE = '{"error": "Request signature verification failed"}'
FIELD_401 = 'HTTP/1.1 401 Unauthorized\n{"error": "Authorization Field Missing"}'
FIELD_400 = 'HTTP/1.1 400 Bad Request\n{"error": "Authorization Field Missing"}'
DISALLOWED_403 = 'HTTP/1.1 403 Forbidden\n{"error": "Access to this API has been disallowed"}'
FIVE = [KEY, NO_SUCH_HOST, QUOTA, RATE, SIGNATURE]

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
# A real-looking paste whose values are long: every placeholder a card can fill is filled.
LONG_PASTE = (
    "tyk-gateway v5.3.9\n"
    f'curl -H "Authorization: Bearer {JWT}" '
    "https://gw.example.com/payments-v2-internal-orders/v1/orders\n"
    'time="2024-05-01T10:00:00Z" level=error msg="http: proxy error: dial tcp: lookup '
    "orders-service-primary.payments-production.svc.cluster.local on 10.96.0.10:53: no such "
    'host" api_id=6f1c2a9b8e7d4c3b2a1f0e9d8c7b6a5f '
    "api_name=payments-v2-internal-orders-service-production org_id=5e9d9544a1dcd60001d0ed20 "
    "key=****be41 path=/payments-v2-internal-orders/v1/orders/12345/items prefix=proxy"
)
SHARER = "U04ABCDE123"  # a user id as long as Slack's real ones


# -- measuring as Slack's reader sees it --------------------------------------------------------
@pytest.fixture(scope="module")
def preview() -> ModuleType:
    """The shared blockkit-preview tool (a script without .py), loaded as a module."""
    if not BLOCKKIT_PREVIEW.is_file():
        pytest.skip(f"{BLOCKKIT_PREVIEW} is absent (shared/ is beside the clone in CI)")
    loader = importlib.machinery.SourceFileLoader("blockkit_preview", str(BLOCKKIT_PREVIEW))
    spec = importlib.util.spec_from_loader("blockkit_preview", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def visible(preview: ModuleType, payload: dict[str, Any] | list[dict[str, Any]]) -> int:
    return int(preview.vlen(preview.visible_text(payload)))


def fits(preview: ModuleType, payload: dict[str, Any], limit: int = MAX_VISIBLE) -> list[str]:
    """What keeps a payload from being one screen: over `limit`, a folded section, a limit."""
    folds, limits = preview.check(payload)
    shown = visible(preview, payload)
    return [*([f"{shown} visible chars"] if shown > limit else []), *folds, *limits]


# -- helpers -------------------------------------------------------------------------------------
def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and b.get("text")]


def posted(fake: FakeSlack, thread_ts: str) -> list[dict[str, Any]]:
    return [c.args for c in fake.of("chat.postMessage") if c.args.get("thread_ts") == thread_ts]


def drawn(fake: FakeSlack, channel: str = "CCHAN") -> list[dict[str, Any]]:
    """Every draw of tykbot's thread message in `channel`, post then updates, in order."""
    return [
        c.args
        for c in fake.calls
        if c.method in ("chat.postMessage", "chat.update") and c.args.get("channel") == channel
    ]


def headline(service: Service, paste: str) -> str:
    card = card_for(service.explain(paste, log=False))
    assert card is not None
    return f"{card.code} {card.headline}"


def public_container(ts: str, channel: str = "CCHAN") -> dict[str, Any]:
    return {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}


def post_ts(fake: FakeSlack, ts: str) -> None:
    """Make the next chat.postMessage answer with a known ts (to click its buttons later)."""
    fake.queue("chat.postMessage", Canned(body={"ok": True, "channel": "CCHAN", "ts": ts}))


def votes(service: Service) -> list[tuple[str, str, bool, str | None]]:
    with service.session() as s:
        rows = s.scalars(select(Vote).order_by(Vote.id)).all()
        return [(v.user_id, v.entry_id, v.helpful, v.chosen_entry_id) for v in rows]


def mention_pair(harness: Harness, text: str, **fields: Any) -> str:
    """What Slack sends for a mention in a channel: a `message` and an `app_mention`."""
    ts = next_ts()
    base = {"channel": "CCHAN", "user": "UASKER", "text": text, "ts": ts, **fields}
    harness.event({"type": "message", "channel_type": "channel", **base})
    harness.event({"type": "app_mention", **base})
    return ts


def all_entry_ids(service: Service) -> list[str]:
    return sorted(service._current()[1])


@pytest.fixture
def long_answer(service: Service) -> Answer:
    """A logged answer to LONG_PASTE, marked as cut (the truncation notice shows too)."""
    answer = service.explain(LONG_PASTE)
    assert answer.secret_found and answer.values.get("key_hint") == "key ****be41"
    assert answer.version_seen == "5.3.9" and len(answer.values.get("host", "")) > 40
    return replace(answer, truncated=True)


# -- 1. every card fits on every surface ---------------------------------------------------------
@pytest.mark.parametrize("surface", cards.SURFACES)
def test_every_catalog_entry_card_fits_one_screen_on_each_surface(
    service: Service, long_answer: Answer, preview: ModuleType, surface: str
) -> None:
    problems = {}
    for entry_id in all_entry_ids(service):
        answer = service.answer_for_entry(entry_id, long_answer)
        assert answer is not None
        view = cards.View(surface, details=False, admin=True)
        payload = cards.answer_message(answer, view)
        if surface == cards.MODAL_VIEW:
            modal = cards.answer_modal(answer, "", "CCHAN", "1.1", view)
            payload = {**payload, "blocks": modal["blocks"]}
            assert not preview.check(modal)[1], entry_id
        found = fits(preview, payload)
        if found:
            problems[entry_id] = found
    assert problems == {}


@pytest.mark.parametrize("surface", cards.SURFACES)
def test_details_of_every_entry_stay_within_block_kit_limits(
    service: Service, long_answer: Answer, preview: ModuleType, surface: str
) -> None:
    broken = {}
    for entry_id in all_entry_ids(service):
        answer = service.answer_for_entry(entry_id, long_answer)
        assert answer is not None
        payload = cards.answer_message(answer, cards.View(surface, details=True, shared_by=SHARER))
        limits = preview.check(payload)[1]
        if limits:
            broken[entry_id] = limits
    assert broken == {}


def test_a_shared_card_with_its_credit_line_fits(
    service: Service, long_answer: Answer, preview: ModuleType
) -> None:
    problems = {}
    for entry_id in all_entry_ids(service):
        answer = service.answer_for_entry(entry_id, long_answer)
        assert answer is not None
        payload = cards.answer_message(answer, cards.View(cards.SHARED, shared_by=SHARER))
        if found := fits(preview, payload):
            problems[entry_id] = found
    assert problems == {}


def test_an_unsure_mention_card_fits(
    service: Service, long_answer: Answer, preview: ModuleType
) -> None:
    problems = {}
    for entry_id in all_entry_ids(service):
        answer = service.answer_for_entry(entry_id, long_answer)
        assert answer is not None
        unsure = replace(answer, confident=False)
        payload = cards.answer_message(unsure, cards.View(cards.MENTION))
        if found := fits(preview, payload):
            problems[entry_id] = found
    assert problems == {}


@pytest.mark.parametrize("paste", [KEY, NO_SUCH_HOST, RATE, DISALLOWED_403, LONG_PASTE])
def test_a_slash_answer_is_a_card_of_at_most_600_visible_chars(
    harness: Harness, preview: ModuleType, paste: str
) -> None:
    reply = harness.command_answer(paste)
    assert fits(preview, reply) == []
    assert {"tyk_details", "tyk_helped", "tyk_wrong", "tyk_share"} <= set(buttons(reply["blocks"]))
    assert "Cause:" not in all_text(reply["blocks"])


def test_public_surfaces_over_http_are_cards_of_at_most_600_visible_chars(
    harness: Harness, preview: ModuleType
) -> None:
    fake = harness.fake
    harness.message(LONG_PASTE)  # thread auto-reply
    harness.wait("message", 1)
    mention_pair(harness, f"<@{BOT_USER_ID}> {LONG_PASTE}")  # mention
    harness.wait("mention", 1)
    reply = harness.command_answer(LONG_PASTE)  # share
    harness.click(buttons(reply["blocks"])["tyk_share"])
    shared = fake.wait_for("response:act", 2)[0].args
    auto, mention = (c.args for c in fake.wait_for("chat.postMessage", 2))
    for payload in (auto, mention, shared):
        assert fits(preview, payload) == []
    assert shared["response_type"] == "in_channel"


def test_the_shortcut_modal_and_a_list_explain_show_cards_that_fit(
    harness: Harness, preview: ModuleType
) -> None:
    message = {"type": "message", "ts": next_ts(), "text": LONG_PASTE, "user": "UPOSTER"}
    harness.interactive(
        {
            "type": "message_action",
            "callback_id": "tyk_explain_message",
            "trigger_id": "trig.9",
            "user": {"id": "UASKER", "team_id": TEAM_ID},
            "channel": {"id": "CCHAN"},
            "message": message,
            "response_url": harness.fake.response_url("sc"),
        }
    )
    [opened] = harness.fake.wait_for("views.open")
    modal = opened.args["view"]
    assert visible(preview, modal["blocks"]) <= MAX_VISIBLE
    assert preview.check(modal) == ([], [])
    listing = harness.command_answer("429")
    harness.click(buttons_of_rows(listing["blocks"])[0])
    [explained] = harness.fake.wait_for("response:act")
    assert fits(preview, explained.args) == []


# -- 2. details on demand ------------------------------------------------------------------------
def test_show_and_hide_details_redraw_a_private_answer_in_place(
    harness: Harness, preview: ModuleType
) -> None:
    reply = harness.command_answer(KEY)
    card_text = all_text(reply["blocks"])
    assert "*Cause:*" not in card_text and "*What to do:*" not in card_text

    harness.click(buttons(reply["blocks"])["tyk_details"])
    [expanded] = harness.fake.wait_for("response:act")
    assert expanded.args["replace_original"] is True
    text = all_text(expanded.args["blocks"])
    for part in ("*Cause:*", "*What to do:*", "*Tyk docs say:*"):
        assert part in text
    found = buttons(expanded.args["blocks"])
    assert "tyk_hide_details" in found and "tyk_details" not in found
    assert {"tyk_helped", "tyk_wrong", "tyk_share"} <= set(found)

    harness.click(found["tyk_hide_details"])
    folded = harness.fake.wait_for("response:act", 2)[1].args
    assert folded["replace_original"] is True
    assert "*Cause:*" not in all_text(folded["blocks"])
    assert "tyk_details" in buttons(folded["blocks"])
    assert visible(preview, folded) <= MAX_VISIBLE
    assert harness.fake.of("chat.update") == []


def test_show_details_on_a_thread_reply_updates_the_public_message(harness: Harness) -> None:
    fake = harness.fake
    post_ts(fake, "1700000500.000100")
    harness.message(NO_SUCH_HOST)
    harness.wait("message", 1)
    [reply] = fake.of("chat.postMessage")
    assert "*Cause:*" not in all_text(reply.args["blocks"])
    show = buttons(reply.args["blocks"])["tyk_details"]

    harness.click(show, container=public_container("1700000500.000100"))
    [update] = fake.wait_for("chat.update")
    assert update.args["channel"] == "CCHAN" and update.args["ts"] == "1700000500.000100"
    text = all_text(update.args["blocks"])
    assert "*Cause:*" in text and "*What to do:*" in text
    assert "nslookup orders-svc" in text
    hide = buttons(update.args["blocks"])["tyk_hide_details"]

    harness.click(hide, container=public_container("1700000500.000100"))
    folded = fake.wait_for("chat.update", 2)[1].args
    assert folded["ts"] == "1700000500.000100"
    assert "*Cause:*" not in all_text(folded["blocks"])
    assert "tyk_details" in buttons(folded["blocks"])
    assert fake.of("response:act") == []  # nothing private: the thread sees it


# -- 3. one tykbot message per thread ------------------------------------------------------------
def paste_into(harness: Harness, parent: str, pastes: list[str], done: int = 0) -> None:
    for n, paste in enumerate(pastes, start=done + 1):
        harness.message(paste, thread_ts=parent)
        harness.wait("message", n)


def also_lines(blocks: list[dict[str, Any]]) -> list[str]:
    [also] = [t for t in sections(blocks) if t.startswith("*Also in this thread:*")]
    return also.splitlines()[1:]


def test_the_five_pastes_are_confident_and_distinct(service: Service) -> None:
    answers = [service.explain(p, log=False) for p in [*FIVE, FIELD_401, DISALLOWED_403]]
    assert all(a.confident and a.best is not None for a in answers)
    assert len({a.best.entry.id for a in answers if a.best}) == 7


def test_five_errors_in_one_thread_make_one_message_listing_them(
    harness: Harness, service: Service, preview: ModuleType
) -> None:
    fake, parent = harness.fake, next_ts()
    post_ts(fake, "1700000700.000100")
    paste_into(harness, parent, FIVE)
    assert len(posted(fake, parent)) == 1
    assert len(fake.of("chat.postMessage")) == 1
    updates = fake.of("chat.update")
    assert len(updates) == 4
    assert {(u.args["channel"], u.args["ts"]) for u in updates} == {("CCHAN", "1700000700.000100")}
    final = updates[-1].args
    assert sections(final["blocks"])[0].startswith(f"*{headline(service, KEY)}")
    lines = also_lines(final["blocks"])
    assert len(lines) == 4
    for line, paste in zip(lines, FIVE[1:], strict=True):
        assert line.startswith(f"• *{headline(service, paste)}*")
    assert preview.check(final) == ([], [])


def test_after_five_lines_the_thread_message_says_how_many_more(harness: Harness) -> None:
    fake, parent = harness.fake, next_ts()
    paste_into(harness, parent, [*FIVE, FIELD_401, DISALLOWED_403])
    assert len(posted(fake, parent)) == 1
    lines = also_lines(fake.of("chat.update")[-1].args["blocks"])
    assert len(lines) == 6
    assert all(line.startswith("• ") for line in lines[:5])
    assert lines[5] == "_…and 1 more_"


def test_five_errors_pasted_at_once_end_in_one_message_listing_all(
    harness: Harness, service: Service
) -> None:
    fake, parent = harness.fake, next_ts()
    threads = [
        threading.Thread(target=harness.message, args=(p,), kwargs={"thread_ts": parent})
        for p in FIVE
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    harness.wait("message", 5)
    wanted = {headline(service, p) for p in FIVE}

    def lists_all() -> bool:
        draws = drawn(fake)
        return bool(draws) and all(h in all_text(draws[-1]["blocks"]) for h in wanted)

    fake.wait_until(lists_all, timeout=15)
    assert lists_all(), all_text(drawn(fake)[-1]["blocks"])
    assert len(posted(fake, parent)) == 1
    assert len(fake.of("chat.postMessage")) == 1


def test_a_replayed_thread_event_adds_nothing(harness: Harness) -> None:
    fake, parent = harness.fake, next_ts()
    paste_into(harness, parent, FIVE[:2])
    event = message_event(QUOTA, thread_ts=parent)
    harness.event(event, event_id="EvTHREAD3")
    harness.wait("message", 3)
    before = len(drawn(fake))
    harness.event(event, event_id="EvTHREAD3", retry_num=1)  # Slack's retry
    harness.event(event, event_id="EvTHREAD3b")  # the same message, another event id
    # Both are refused when stored as jobs (one job per message), before the ack.
    assert harness.slack.metrics.value("event", "duplicate") == 2
    assert harness.slack.metrics.wait("message", 4, timeout=1.0) == 3
    assert len(drawn(fake)) == before
    assert len(also_lines(drawn(fake)[-1]["blocks"])) == 2


def test_a_mention_in_an_answered_thread_still_gets_its_own_reply(harness: Harness) -> None:
    fake, parent = harness.fake, next_ts()
    paste_into(harness, parent, [KEY])
    mention_pair(harness, f"<@{BOT_USER_ID}> {QUOTA}", thread_ts=parent)
    harness.wait("mention", 1)
    assert len(posted(fake, parent)) == 2


# -- 4. the headline speaks the paste's code; one answer per text --------------------------------
@pytest.mark.parametrize(
    "paste, code",
    [(DISALLOWED_403, 403), (FIELD_401, 401), (FIELD_400, 400)],
    ids=["disallowed-403", "field-missing-401", "field-missing-400"],
)
def test_the_headline_uses_the_code_the_paste_shows(
    harness: Harness, service: Service, paste: str, code: int
) -> None:
    reply = harness.command_answer(paste)
    assert reply["text"].startswith(f"{code} ")
    assert sections(reply["blocks"])[0].startswith(f"*{code} ")
    candidates = service.explain(paste, log=False).candidates
    texts = [c.entry.message.casefold() for c in candidates]
    assert len(texts) == len(set(texts)), texts


@pytest.mark.parametrize("paste", [DISALLOWED_403, FIELD_401, FIELD_400])
def test_a_text_listed_under_two_codes_is_one_answer_naming_both(
    harness: Harness, paste: str
) -> None:
    reply = harness.command_answer(paste)
    assert "also sent as" in sections(reply["blocks"])[0]
    harness.click(buttons(reply["blocks"])["tyk_details"])
    [expanded] = harness.fake.wait_for("response:act")
    others = [t for t in sections(expanded.args["blocks"]) if t.startswith("*Other candidates:*")]
    message = json.loads(paste.split("\n", 1)[1])["error"].casefold()
    assert all(message not in t.casefold() for t in others)


def test_wrong_error_never_offers_the_same_text_under_another_code(harness: Harness) -> None:
    reply = harness.command_answer(FIELD_401)
    harness.click(buttons(reply["blocks"])["tyk_wrong"])
    [offer] = harness.fake.wait_for("response:act")
    labels = [b["text"]["text"] for k, b in buttons(offer.args["blocks"]).items() if "choose" in k]
    assert all("Authorization Field Missing".casefold() not in x.casefold() for x in labels)


# -- 5. lists ------------------------------------------------------------------------------------
def buttons_of_rows(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in blocks if b.get("type") == "section" and "accessory" in b]


def rows(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and "accessory" in b]


def more_note(blocks: list[dict[str, Any]]) -> str:
    return " ".join(e["text"] for b in blocks if b.get("type") == "context" for e in b["elements"])


@pytest.mark.parametrize("text", ["403", "forbidden", "search quota"])
def test_a_list_shows_ten_rows_with_explain_buttons_and_how_many_more(
    harness: Harness, service: Service, preview: ModuleType, text: str
) -> None:
    if text.startswith("search "):
        total = len(service.search(text.split(" ", 1)[1], limit=50))
    else:
        total = len(service.entries_for_code(text))
    assert total > 10
    reply = harness.command_answer(text)
    assert len(rows(reply["blocks"])) == 10
    assert all(b["action_id"].startswith("tyk_explain") for b in buttons_of_rows(reply["blocks"]))
    assert len({b["action_id"] for b in buttons_of_rows(reply["blocks"])}) == 10
    assert f"…and {total - 10} more" in more_note(reply["blocks"])
    assert preview.check(reply) == ([], [])


def test_docs_only_rows_come_last_and_say_so(harness: Harness, service: Service) -> None:
    entries = service.entries_for_code("401")
    docs_only = [e for e in entries if not e.reaches_clients]
    assert docs_only and len(entries) <= 10
    found = rows(harness.command_answer("401")["blocks"])
    assert len(found) == len(entries)
    tail = found[-len(docs_only) :]
    assert all("docs only" in r for r in tail)
    assert not any("docs only" in r for r in found[: -len(docs_only)])


def test_explain_on_a_row_posts_that_entry_card_privately(
    harness: Harness, service: Service, preview: ModuleType
) -> None:
    reply = harness.command_answer("429")
    [row] = buttons_of_rows(reply["blocks"])
    entry = service.entry(json.loads(row["value"])["e"])
    assert entry is not None
    harness.click(row)
    [explained] = harness.fake.wait_for("response:act")
    args = explained.args
    assert args["response_type"] == "ephemeral" and args["replace_original"] is False
    assert sections(args["blocks"])[0].startswith(f"*{entry.code} ")
    assert entry.summary and entry.summary[:40] in all_text(args["blocks"])
    assert "tyk_details" in buttons(args["blocks"])
    assert visible(preview, args) <= MAX_VISIBLE


# -- 6. feedback in place ------------------------------------------------------------------------
def test_helped_on_a_private_answer_replaces_its_buttons_with_the_thanks(
    harness: Harness, service: Service
) -> None:
    reply = harness.command_answer(KEY)
    helped = buttons(reply["blocks"])["tyk_helped"]
    harness.click(helped)
    [ack] = harness.fake.wait_for("response:act")
    assert ack.args["replace_original"] is True
    found = buttons(ack.args["blocks"])
    assert "tyk_helped" not in found and "tyk_wrong" not in found
    assert "tyk_details" in found
    text = all_text(ack.args["blocks"])
    assert "Thanks: noted that this helped" in text
    assert sections(ack.args["blocks"])[0] == sections(reply["blocks"])[0]
    assert votes(service) == [("UASKER", json.loads(helped["value"])["e"], True, None)]


def test_helped_on_a_thread_reply_thanks_the_voter_alone(
    harness: Harness, service: Service
) -> None:
    fake = harness.fake
    post_ts(fake, "1700000600.000100")
    harness.message(QUOTA)
    harness.wait("message", 1)
    [reply] = fake.of("chat.postMessage")
    harness.click(
        buttons(reply.args["blocks"])["tyk_helped"],
        user="UVOTER",
        container=public_container("1700000600.000100"),
    )
    [ack] = fake.wait_for("response:act")
    assert ack.args["replace_original"] is False and ack.args["response_type"] == "ephemeral"
    assert "helped" in all_text(ack.args["blocks"])
    assert fake.of("chat.update") == []
    assert [v[0] for v in votes(service)] == ["UVOTER"]


def test_wrong_error_offers_other_candidates_and_a_search_over_all_errors(
    harness: Harness, service: Service
) -> None:
    reply = harness.command_answer(KEY)
    wrong = buttons(reply["blocks"])["tyk_wrong"]
    harness.click(wrong)
    [offer] = harness.fake.wait_for("response:act")
    blocks = offer.args["blocks"]
    assert offer.args["replace_original"] is True
    assert {"tyk_choose_0", "tyk_choose_none"} <= set(buttons(blocks))
    [select_block] = [b for b in blocks if b.get("block_id", "").startswith("tyk_pick:")]
    [menu] = select_block["elements"]
    assert menu["type"] == "external_select" and menu["action_id"] == "tyk_pick"
    entry_id = json.loads(wrong["value"])["e"]
    assert votes(service) == [("UASKER", entry_id, False, None)]


def test_the_search_menu_finds_errors_and_the_pick_is_a_correction(
    harness: Harness, service: Service, preview: ModuleType
) -> None:
    reply = harness.command_answer(KEY)
    wrong = buttons(reply["blocks"])["tyk_wrong"]
    harness.click(wrong)
    [offer] = harness.fake.wait_for("response:act")
    [select_block] = [
        b for b in offer.args["blocks"] if b.get("block_id", "").startswith("tyk_pick")
    ]
    block_id = select_block["block_id"]

    found = harness.interactive(
        {
            "type": "block_suggestion",
            "action_id": "tyk_pick",
            "block_id": block_id,
            "value": "quota",
            "user": {"id": "UASKER", "team_id": TEAM_ID},
            "container": {"type": "message", "is_ephemeral": True},
        }
    )
    assert found.status == 200, found.text
    options = found.json()["options"]
    assert 0 < len(options) <= 100
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    quota = next(o for o in options if "Quota" in o["text"]["text"])

    harness.interactive(pick_payload(harness, block_id, quota))
    shown = harness.fake.wait_for("response:act", 2)[1].args
    assert shown["replace_original"] is True
    entry = service.entry(quota["value"])
    assert entry is not None
    text = all_text(shown["blocks"])
    assert "right one" in text and (entry.gateway_message or entry.message) in text
    assert sections(shown["blocks"])[0].startswith(f"*{card_code(service, entry.id)} ")
    entry_id = json.loads(wrong["value"])["e"]
    assert votes(service) == [("UASKER", entry_id, False, quota["value"])]


def card_code(service: Service, entry_id: str) -> int:
    answer = service.answer_for_entry(entry_id)
    card = card_for(answer) if answer else None
    assert card is not None
    return card.code


def pick_payload(harness: Harness, block_id: str, option: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": "UASKER", "team_id": TEAM_ID},
        "channel": {"id": "CCHAN"},
        "trigger_id": "trig.3",
        "container": {"type": "message", "is_ephemeral": True},
        "response_url": harness.fake.response_url("act"),
        "actions": [
            {
                "type": "external_select",
                "action_id": "tyk_pick",
                "block_id": block_id,
                "selected_option": option,
                "action_ts": "1700000000.1",
            }
        ],
    }


def test_the_card_shown_after_a_pick_still_fits(
    harness: Harness, service: Service, preview: ModuleType
) -> None:
    reply = harness.command_answer(LONG_PASTE)
    harness.click(buttons(reply["blocks"])["tyk_wrong"])
    [offer] = harness.fake.wait_for("response:act")
    [select_block] = [
        b for b in offer.args["blocks"] if b.get("block_id", "").startswith("tyk_pick")
    ]
    longest = "403-this-organization-access-has-been-disabled-or-quota-rate-limit-is-exceeded-pleas"
    assert service.entry(longest) is not None
    option = {"value": longest, "text": {"type": "plain_text", "text": "403 This organization"}}
    harness.interactive(pick_payload(harness, select_block["block_id"], option))
    shown = harness.fake.wait_for("response:act", 2)[1].args
    assert fits(preview, shown) == []


# -- 7. threads never suggest a slash command ----------------------------------------------------
def test_nothing_posted_in_a_thread_suggests_a_slash_command(harness: Harness) -> None:
    fake, parent, quiet = harness.fake, next_ts(), next_ts()
    fake.thread_parents[("CCHAN", quiet)] = {"ts": quiet, "text": ""}  # e.g. a file only
    fake.thread_parents[("CCHAN", parent)] = {"ts": parent, "text": "lunch at noon?"}
    mention_pair(harness, f"<@{BOT_USER_ID}>", thread_ts=quiet)  # empty mention: help
    mention_pair(harness, f"<@{BOT_USER_ID}> anyone up for lunch?", thread_ts=parent)  # no match
    harness.wait("mention", 2)
    harness.wait("message", 2)  # a mention's own `message` event is left to the mention
    paste_into(harness, parent, [KEY, QUOTA], done=2)
    harness.message(KEY)  # a top-level paste: its reply opens a thread
    harness.wait("message", 5)
    outcomes = [harness.slack.metrics.value("mention", k) for k in ("help", "no_match")]
    assert outcomes == [1, 1]
    draws = drawn(fake)
    assert len(draws) >= 4
    for payload in draws:
        assert "/tykerror" not in json.dumps(payload), payload["text"]


@pytest.mark.parametrize("surface", [cards.THREAD, cards.MENTION, cards.SHARED])
def test_no_card_on_a_thread_surface_suggests_a_slash_command(
    service: Service, long_answer: Answer, surface: str
) -> None:
    for entry_id in all_entry_ids(service):
        answer = service.answer_for_entry(entry_id, long_answer)
        assert answer is not None
        for details in (False, True):
            payload = cards.answer_message(answer, cards.View(surface, details=details))
            assert "/tykerror" not in json.dumps(payload), (entry_id, details)
    nothing = replace(long_answer, candidates=())
    assert "/tykerror" not in json.dumps(cards.answer_message(nothing, cards.View(surface)))


def test_a_shortcut_reply_in_thread_suggests_no_slash_command(harness: Harness) -> None:
    reply = harness.command_answer(KEY)
    query_id = json.loads(buttons(reply["blocks"])["tyk_helped"]["value"])["q"]
    meta = json.dumps({"q": query_id, "c": "CCHAN", "t": "1700000000.000777"})
    harness.interactive(
        {
            "type": "view_submission",
            "user": {"id": "UASKER", "team_id": TEAM_ID},
            "trigger_id": "trig.4",
            "view": {
                "id": "V0001",
                "type": "modal",
                "callback_id": "tyk_answer_modal",
                "private_metadata": meta,
                "state": {"values": {}},
                "hash": "h1",
            },
        }
    )
    [post] = harness.fake.wait_for("chat.postMessage")
    assert post.args["thread_ts"] == "1700000000.000777"
    assert "/tykerror" not in post.payload_text()
    assert re.search(r"<@UASKER>", json.dumps(post.args["blocks"]))
