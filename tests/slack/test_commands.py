"""`/tykerror` over HTTP: answers, help, codes, search, autoreply, escaping, signatures."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from bot.service import Service
from bot.store.models import QueryLog
from tests.slack.harness import Harness, all_text, buttons, sign

PASTE = '{"error": "Key not authorised"}'
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


def queries(service: Service) -> int:
    with service.session() as s:
        return s.scalar(select(func.count()).select_from(QueryLog)) or 0


def test_paste_gets_a_private_answer_with_candidates_and_buttons(
    harness: Harness, service: Service
) -> None:
    reply = harness.command_answer(PASTE)
    assert reply["response_type"] == "ephemeral"
    text = all_text(reply["blocks"])
    assert "Key not authori" in reply["text"]
    assert "Sure · matched" in text and "*Next:*" in text and "Tyk docs" in text
    assert "Other candidates" not in text  # on demand: behind Show details
    assert set(buttons(reply["blocks"])) == {"tyk_details", "tyk_share", "tyk_helped", "tyk_wrong"}
    assert queries(service) == 1
    with service.session() as s:
        logged = s.scalars(select(QueryLog)).one()
    assert (logged.source, logged.user_id, logged.channel_id) == ("slash", "UASKER", "CCHAN")


@pytest.mark.parametrize("text", ["", "help", "  ", "HELP"])
def test_empty_or_help_gets_help(harness: Harness, text: str) -> None:
    reply = harness.command_answer(text)
    assert "/tykerror search" in all_text(reply["blocks"])


def test_unknown_input_gets_no_match_and_help_not_an_error(harness: Harness) -> None:
    reply = harness.command_answer("the weather is lovely today")
    text = all_text(reply["blocks"])
    assert "No match" in text and "/tykerror search" in text


@pytest.mark.parametrize(("word", "code"), [("429", 429), ("forbidden", 403)])
def test_a_code_lists_its_entries(harness: Harness, service: Service, word: str, code: int) -> None:
    reply = harness.command_answer(word)
    text = all_text(reply["blocks"])
    assert f"status {code}" in text
    entries = service.entries_for_code(str(code))
    for entry in entries[:10]:
        assert f"{code} {entry.message.replace('&', '&amp;').replace('<', '&lt;')}"[:40] in text
    explain = [b for b in reply["blocks"] if b.get("accessory")]
    assert len(explain) == min(10, len(entries))
    if len(entries) > 10:
        assert f"and {len(entries) - 10} more" in text


def test_search_finds_entries_and_says_when_nothing_does(harness: Harness) -> None:
    found = all_text(harness.command_answer("search quota")["blocks"])
    assert "Errors matching" in found and "uota" in found
    none = all_text(harness.command_answer("search zzqqxx")["blocks"])
    assert "No entries mention" in none


def test_mentions_in_a_paste_are_escaped(harness: Harness) -> None:
    paste = "<!channel> <@U999> &lt;!here&gt; &lt;@U123&gt; Key not authorised"
    reply = harness.command_answer(paste)
    raw = json.dumps(reply)
    for ping in ("<!channel>", "<@U999>", "<!here>", "<@U123>"):
        assert ping not in raw
    # The paste itself is echoed in the details, escaped.
    harness.click(buttons(reply["blocks"])["tyk_details"], response_url="details")
    shown = harness.fake.wait_for("response:details")[0].payload_text()
    for ping in ("<!channel>", "<@U999>", "<!here>", "<@U123>"):
        assert ping not in shown
    assert "&lt;!here&gt;" in shown


def test_a_secret_is_reported_and_never_echoed(harness: Harness) -> None:
    reply = harness.command_answer(f"Authorization: Bearer {JWT}\n{PASTE}")
    raw = json.dumps(reply)
    assert JWT not in raw and JWT[:30] not in raw
    assert "held a secret" in raw


def test_a_paste_over_the_limit_keeps_its_end_and_says_it_was_cut(
    harness: Harness, service: Service
) -> None:
    reply = harness.command_answer(("noise " * 20_000) + "\n" + PASTE)
    assert reply["response_type"] == "ephemeral"
    assert len(reply["blocks"]) <= 50
    text = all_text(reply["blocks"])
    assert "Key not authori" in text  # the error sits in the last line
    assert "Your paste was long" in text
    with service.session() as s:
        [stored] = s.scalars(select(QueryLog)).all()
    assert stored.text.endswith(PASTE) and stored.truncated


def test_a_long_paste_is_shared_exactly_as_it_was_answered(harness: Harness) -> None:
    quota = '{"error": "Quota exceeded"}'
    reply = harness.command_answer(("noise " * 5_000) + "\n" + quota)  # 30 KB
    private = all_text(reply["blocks"])
    assert "Quota" in private and "Your paste was long" not in private
    assert harness.click(buttons(reply["blocks"])["tyk_share"]).status == 200
    public = harness.fake.wait_for("response:act", 2)[0].args
    assert all_text(public["blocks"]).split("*")[1] == private.split("*")[1]  # same headline


def test_autoreply_is_for_admins(harness: Harness, service: Service) -> None:
    refused = all_text(harness.command_answer("autoreply off", user="UNOBODY")["blocks"])
    assert "Only tykbot admins" in refused
    assert service.autoreply_enabled("CCHAN")
    done = all_text(harness.command_answer("autoreply off", user="UADMIN")["blocks"])
    assert "now *off*" in done
    assert not service.autoreply_enabled("CCHAN")
    status = all_text(harness.command_answer("autoreply status", user="UNOBODY")["blocks"])
    assert "are *off*" in status
    by_group = all_text(harness.command_answer("autoreply on", user="UGROUPADMIN")["blocks"])
    assert "now *on*" in by_group
    assert service.autoreply_enabled("CCHAN")
    assert harness.fake.of("usergroups.users.list")


def test_a_failure_is_logged_and_told_in_one_line(
    harness: Harness,
    service: Service,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(service, "explain", boom)
    reply = harness.command_answer(PASTE)
    assert reply["text"].startswith(":warning: Sorry, something went wrong")
    assert len(reply["blocks"]) == 1 and "\n" not in reply["text"]
    assert "database on fire" not in json.dumps(reply)
    assert "database on fire" in caplog.text


def test_forged_signature_is_401_and_does_nothing(harness: Harness, service: Service) -> None:
    response = harness.command(PASTE, secret="0" * 32)
    assert response.status == 401
    assert queries(service) == 0


def test_stale_signature_is_401(harness: Harness, service: Service) -> None:
    response = harness.command(PASTE, timestamp=int(time.time()) - 10 * 60)
    assert response.status == 401
    assert queries(service) == 0


def test_unsigned_request_is_401(harness: Harness, service: Service) -> None:
    response = harness.command(PASTE, signed=False)
    assert response.status == 401
    _event, forged = harness.message(PASTE, signed=False)
    assert forged.status == 401
    assert harness.fake.of("chat.postMessage") == []
    assert queries(service) == 0


def test_tampered_body_is_401(harness: Harness, service: Service) -> None:
    body = "command=%2Ftykerror&text=Key+not+authorised&user_id=U1&channel_id=C1"
    response = harness.post(
        body,
        "application/x-www-form-urlencoded",
        signed=False,
        extra=sign("command=%2Ftykerror&text=help"),
    )
    assert response.status == 401
    assert queries(service) == 0
