"""The answer card as plain Python (bot/cards.py) and in the terminal (bot/terminal.py, `ask`).

The card says what the gateway really sends, in the paste's own terms: the code the paste shows
when the text is known under it, one line of diagnosis, one next step filled with the paste's
values (never a secret), and how sure in plain words. The terminal prints the same card first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.cards import MAX_FACT, card_for, first_step, headline_code, paste_facts
from bot.catalog import PLACEHOLDERS, Entry, template_names
from bot.service import Answer, Candidate, Service
from bot.terminal import answer_json, answer_text, card_text

KEY = '{"error": "Key not authorised"}'
NO_SUCH_HOST = (
    'time="2024-05-01T10:00:00Z" level=error msg="http: proxy error: dial tcp: lookup orders-svc '
    'on 10.96.0.10:53: no such host" api_id=6f1c2a api_name=payments-v2 org_id=5e9d prefix=proxy'
)
QUOTA = '{"error": "Quota exceeded"}'
RATE = 'HTTP/1.1 429 Too Many Requests\n{"error": "API Rate Limit Exceeded"}'
DISALLOWED_403 = 'HTTP/1.1 403 Forbidden\n{"error": "Access to this API has been disallowed"}'
DISALLOWED_400 = 'HTTP/1.1 400 Bad Request\n{"error": "Access to this API has been disallowed"}'
FIELD = '{"error": "Authorization Field Missing"}'
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
LONG_PASTE = (
    "tyk-gateway v5.3.9\n"
    f'curl -H "Authorization: Bearer {JWT}" https://gw.example.com/payments-v2-internal/v1\n'
    'time="2024-05-01T10:00:00Z" level=error msg="http: proxy error: dial tcp: lookup '
    "orders-service-primary.payments-production.svc.cluster.local on 10.96.0.10:53: no such "
    'host" api_id=6f1c2a9b8e7d4c3b2a1f0e9d8c7b6a5f '
    "api_name=payments-v2-internal-orders-service-production org_id=5e9d9544a1dcd60001d0ed20 "
    "key=****be41 path=/payments-v2-internal/v1/orders/12345/items prefix=proxy"
)
CARD_LINES = 8  # what the issue promises for `tykbot ask`
REAL_PASTES = [KEY, NO_SUCH_HOST, QUOTA, RATE, DISALLOWED_403, FIELD, LONG_PASTE]


def card_of(service: Service, paste: str):  # type: ignore[no-untyped-def]
    card = card_for(service.explain(paste, log=False))
    assert card is not None
    return card


# -- the headline ------------------------------------------------------------------------------
def entry(code: int, gateway_codes: tuple[int, ...] = (), message: str = "Some error") -> Entry:
    return Entry(id=f"{code}-x", code=code, message=message, gateway_codes=gateway_codes)


def candidate(e: Entry, *siblings: Entry) -> Candidate:
    return Candidate(entry=e, score=1.0, reason="test", siblings=siblings)


def test_headline_code_is_the_paste_code_when_the_text_is_known_under_it() -> None:
    docs_400 = entry(400, gateway_codes=(403, 401))
    assert headline_code(candidate(docs_400), (403,)) == 403
    assert headline_code(candidate(docs_400), (401,)) == 401
    assert headline_code(candidate(docs_400, entry(403)), (500, 403)) == 403


def test_headline_code_falls_back_to_the_code_the_gateway_really_sends() -> None:
    docs_400 = entry(400, gateway_codes=(403, 401))
    assert headline_code(candidate(docs_400), ()) == 403
    assert headline_code(candidate(docs_400), (502,)) == 403  # a code it is never sent with
    assert headline_code(candidate(entry(429)), ()) == 429
    assert headline_code(candidate(entry(429)), (500,)) == 429


@pytest.mark.parametrize(
    "paste, code",
    [
        (KEY, 403),  # the docs list it under 400; the gateway never sends 400 for it
        ("HTTP/1.1 401 Unauthorized\n" + KEY, 401),
        (DISALLOWED_403, 403),
        (DISALLOWED_400, 400),
        ("HTTP/1.1 401 Unauthorized\n" + FIELD, 401),
        ("HTTP/1.1 400 Bad Request\n" + FIELD, 400),
    ],
)
def test_a_card_headline_never_contradicts_the_paste(
    service: Service, paste: str, code: int
) -> None:
    assert card_of(service, paste).code == code


def test_the_headline_is_the_wording_the_gateway_sends(service: Service) -> None:
    card = card_of(service, NO_SUCH_HOST)
    assert card.headline == "Upstream host lookup failed"  # the docs say "Upstreaming"


def test_a_text_under_two_codes_is_one_candidate_naming_both(service: Service) -> None:
    for paste in (DISALLOWED_403, DISALLOWED_400, FIELD):
        answer = service.explain(paste, log=False)
        texts = [c.entry.message.casefold() for c in answer.candidates]
        assert len(texts) == len(set(texts)), texts
        best = answer.best
        assert best is not None and best.siblings
        card = card_for(answer)
        assert card is not None and len(card.codes) >= 2 and card.codes[0] == card.code


# -- diagnosis, next step, facts ---------------------------------------------------------------
def test_the_next_step_is_filled_with_the_paste_values(service: Service) -> None:
    card = card_of(service, NO_SUCH_HOST)
    assert "nslookup orders-svc" in card.next_step
    assert "6f1c2a" in card.next_step
    assert "{" not in card.next_step and "<upstream-host>" not in card.next_step
    assert ("host", "orders-svc") in card.facts and ("API", "payments-v2") in card.facts


def test_a_missing_value_reads_as_words_not_a_placeholder(service: Service) -> None:
    answer = service.answer_for_entry("500-upstreaming-host-lookup-failed")
    card = card_for(answer) if answer else None
    assert card is not None and not card.facts
    assert "{" not in card.next_step
    assert f"nslookup {PLACEHOLDERS['host']}" in card.next_step


def test_a_secret_never_fills_a_step_or_a_fact(service: Service) -> None:
    answer = service.explain(LONG_PASTE, log=False)
    card = card_for(answer)
    assert card is not None and answer.secret_found
    shown = json.dumps([card.next_step, card.diagnosis, card.facts])
    assert JWT not in shown and JWT[:20] not in shown and "REDACTED" not in shown
    assert ("key", "****be41") in card.facts
    assert ("gateway", "5.3.9") in card.facts


def test_a_key_in_a_logged_path_never_becomes_a_value(service: Service) -> None:
    key = "5e9d9544a1dcd60001d0ed20" + "e7b1" * 8
    paste = f'level=error msg="Key not authorized" path=/tyk/keys/{key} api_id=6f1c2a'
    answer = service.explain(paste, log=False)
    assert key not in json.dumps(dict(answer.values))
    card = card_for(answer)
    assert card is not None and key[:24] not in json.dumps([card.next_step, card.facts])


def test_long_facts_are_shortened() -> None:
    long_host = "orders-service-primary.payments-production.svc.cluster.local"
    answer = Answer(
        query_id=None,
        text="",
        candidates=(),
        confident=True,
        values={"host": long_host, "port": "8080", "api_id": "a" * 30},
    )
    facts = dict(paste_facts(answer))
    assert len(facts["host"]) == MAX_FACT and facts["host"].endswith("…")
    assert facts["API"] == "a" * 30


def test_every_entry_step_fills_without_leftover_placeholders(service: Service) -> None:
    base = service.explain(LONG_PASTE, log=False)
    empty = replace(base, values={})
    for e in service._current()[1].values():
        assert set(template_names(e.first_step)) <= set(PLACEHOLDERS), e.id
        for answer in (base, empty):
            step = first_step(e, answer)
            assert not template_names(step), (e.id, step)
            assert "REDACTED" not in step and JWT[:20] not in step


# -- how sure, in words --------------------------------------------------------------------------
def test_sureness_is_said_in_plain_words(service: Service) -> None:
    sure = card_of(service, KEY)
    assert (sure.sureness, sure.sure) == ("Sure", True)
    assert sure.matched == "the body's error message"
    assert card_of(service, NO_SUCH_HOST).matched == "the log line's message"
    guess = card_of(service, "quota something exceeded?")
    assert (guess.sureness, guess.sure) == ("Best guess", False)
    code = card_of(service, "403")
    assert code.sureness == "Best guess from the status code" and code.matched == ""
    chosen = service.answer_for_entry("403-quota-exceeded")
    assert chosen is not None and card_for(chosen).sureness == "From the catalog"  # type: ignore[union-attr]


def test_another_candidate_card_is_a_best_guess(service: Service) -> None:
    answer = service.explain(KEY, log=False)
    assert len(answer.candidates) > 1
    other = card_for(answer, answer.candidates[1])
    assert other is not None and other.sureness == "Best guess"


def test_a_paste_of_several_errors_says_so_on_its_card(service: Service) -> None:
    several = (
        'I noted these down: ("Access to this API has been disallowed"), 403\n'
        '("Rate limit exceeded"), 429\n("Key has expired, please renew"), 401'
    )
    answer = service.explain(several, log=False)
    card = card_for(answer)
    assert card is not None and not card.sure and card.others == 2
    assert "2 other errors in this paste (--details)" in card_text(answer)
    shown = answer_text(answer, details=True).split("Also in this paste:")[1]
    assert all(shown.count(c.entry.message) == 1 for c in answer.also_found)  # listed once
    one = service.explain(KEY, log=False)
    assert card_of(service, KEY).others == 0 and "other error" not in card_text(one)


def test_no_match_has_no_card(service: Service) -> None:
    assert card_for(service.explain("anyone up for lunch at noon?", log=False)) is None


def test_a_chosen_entry_card_speaks_of_the_paste(service: Service) -> None:
    base = service.explain(NO_SUCH_HOST, log=False)
    picked = service.answer_for_entry("500-there-was-a-problem-proxying-the-request", base)
    assert picked is not None and dict(picked.values) == dict(base.values)
    card = card_for(picked)
    assert card is not None and ("host", "orders-svc") in card.facts


# -- the terminal -----------------------------------------------------------------------------
def test_every_entry_card_is_at_most_eight_terminal_lines(service: Service) -> None:
    base = replace(service.explain(LONG_PASTE, log=False), truncated=True)
    for entry_id in service._current()[1]:
        answer = service.answer_for_entry(entry_id, base)
        assert answer is not None
        lines = card_text(answer).splitlines()
        assert len(lines) <= CARD_LINES, (entry_id, lines)
        assert lines[-1].lstrip().startswith("From the catalog"), entry_id
        assert "Cause:" not in card_text(answer)


def test_the_terminal_card_comes_first_and_details_under_it(service: Service) -> None:
    answer = service.explain(NO_SUCH_HOST, log=False)
    card = card_text(answer)
    full = answer_text(answer, details=True)
    assert full.startswith(card)
    for part in ("Cause:", "What to do:", "Tyk docs say:", "Why:", "Other candidates:"):
        assert part in full and part not in card


def test_json_matches_carry_summary_and_a_filled_first_step(service: Service) -> None:
    data = answer_json(service.explain(NO_SUCH_HOST, log=False))
    assert data["headline"] == "500 Upstream host lookup failed"
    for match in data["matches"]:
        assert match["summary"] and match["first_step"]
        assert not template_names(match["first_step"])
    assert "nslookup orders-svc" in data["matches"][0]["first_step"]


TYKBOT = [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def tykbot(database_url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": database_url}
        out = subprocess.run([*TYKBOT, *args], capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 0, out.stderr
        return out

    return run


def test_tykbot_ask_prints_a_card_of_at_most_eight_lines(tykbot) -> None:  # type: ignore[no-untyped-def]
    for paste in REAL_PASTES:
        out = tykbot("ask", paste).stdout
        lines = out.strip("\n").splitlines()
        assert 3 <= len(lines) <= CARD_LINES, out
        assert "Cause:" not in out and "score" not in out
    assert tykbot("ask", KEY).stdout.startswith("403 Key not authorized")


def test_tykbot_ask_details_prints_everything(tykbot) -> None:  # type: ignore[no-untyped-def]
    out = tykbot("ask", "--details", NO_SUCH_HOST).stdout
    assert out.startswith("500 Upstream host lookup failed")
    assert "Next: From a gateway pod run `nslookup orders-svc`" in out
    for part in ("Cause:", "What to do:", "Tyk docs say:", "Other candidates:"):
        assert part in out
    assert out.index("Next:") < out.index("Cause:")


def test_tykbot_ask_json_has_summary_and_filled_first_step(tykbot) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(tykbot("ask", "--json", NO_SUCH_HOST).stdout)
    assert data["confident"] is True
    first = data["matches"][0]
    assert first["summary"] and "nslookup orders-svc" in first["first_step"]
    assert all(m["summary"] and m["first_step"] for m in data["matches"])
    assert data["values"]["host"] == "orders-svc"


REDIS_DOWN = (
    'level=error msg="Connection to Redis failed, reconnect in 10s" '
    'error="dial tcp 10.0.3.4:6379: connect: connection refused" prefix=pub-sub'
)


@pytest.mark.parametrize(
    "paste",
    [
        REDIS_DOWN,
        'level=error msg="cannot set key" error="storage: Redis is either down or was not '
        'configured" addr=redis-master dial tcp 10.0.3.4:6379: i/o timeout',
    ],
)
def test_a_redis_outage_names_the_redis_address_in_the_step_and_facts(
    service: Service, paste: str
) -> None:
    card = card_of(service, paste)
    assert card.entry_id == "503-redis-connection-not-available"
    assert "redis-cli -h 10.0.3.4 -p 6379 ping" in card.next_step
    assert ("Redis", "10.0.3.4:6379") in card.facts
    assert not any(name == "host" for name, _ in card.facts)  # not an upstream host
