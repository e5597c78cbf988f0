"""Learning replayed through the real service: hundreds of votes and corrections (conflicting
ones included), then what admins approve, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.config import Settings
from bot.matching.priors import prior_factors
from bot.service import EditError, Service
from bot.store import repository as repo
from bot.store.models import AliasRow, QueryLog, Vote

DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"
A = "400-key-not-authorized"
B = "403-key-not-authorised-no-matching-policy"
C = "401-wrong-password"
PROXY = "500-there-was-a-problem-proxying-the-request"
JWT_NEAR_TIE = (
    'time="Apr 08 10:15:31" level=info msg="Attempted JWT access with non-existent key." '
    "api_id=c5d1f0e8a9b24c3d8e7f6a5b4c3d2e10 api_name=mobile-bff mw=JWTMiddleware"
)


def unmatched(host: str, attempt: int) -> str:
    return (
        f'time="Nov 21 03:15:40" level=error msg="upstream {host}:8080 closed the connection '
        f'before the response (attempt {attempt})" api_id=727dad853a8a45f64ab981154d1ffdad '
        "mw=ReverseProxy"
    )


def corrected(policy: str) -> str:
    return f'level=error msg="key not authorized: policy {policy} was deleted" mw=AuthKey'


_users = itertools.count(1)


def ask(service: Service, text: str, user: str) -> tuple[int, str]:
    answer = service.explain(text, source="slash", user_id=user, channel_id="COPS")
    assert answer.query_id is not None and answer.best is not None
    return answer.query_id, answer.best.entry.id


def top(service: Service, text: str) -> tuple[str, bool]:
    answer = service.explain(text, log=False)
    assert answer.best is not None
    return answer.best.entry.id, answer.confident


def ranked(service: Service, text: str) -> list[str]:
    return [m.entry_id for m in service.matcher().match(text).matches]


def background(service: Service) -> None:
    """Everyday votes: people asking the dev pastes, mostly helped, some wrong with reasons."""
    pastes = [json.loads(line)["paste"] for line in DEV.read_text().splitlines()][:40]
    for n, paste in enumerate(pastes * 5):  # 200 answers, 200 votes
        user = f"U{n % 37:03d}"
        answer = service.explain(paste, source="slash", user_id=user, channel_id="CDEV")
        if answer.query_id is None or answer.best is None:
            continue
        helpful = n % 7 != 0
        service.vote(answer.query_id, answer.best.entry.id, user, helpful=helpful)
        if not helpful:
            service.give_reason(answer.query_id, user, f"not it, case {n}")


def test_replayed_history_teaches_phrasings_and_corrections_but_not_floods(
    service: Service,
) -> None:
    background(service)

    # -- a flood from one person cannot move an entry; as many different people can -------
    first, second = ranked(service, JWT_NEAR_TIE)[:2]
    for _ in range(300):
        query_id, shown = ask(service, JWT_NEAR_TIE, "UFLOOD")
        service.vote(query_id, shown, "UFLOOD", helpful=False, chosen_entry_id=second)
    service.refresh()
    assert ranked(service, JWT_NEAR_TIE)[:2] == [first, second]
    crowd = [f"UCROWD{n}" for n in range(30)]
    for user in crowd:
        query_id, shown = ask(service, JWT_NEAR_TIE, user)
        service.vote(query_id, shown, user, helpful=False, chosen_entry_id=second)
    service.refresh()
    assert ranked(service, JWT_NEAR_TIE)[0] == second  # votes count, one per person

    # -- a phrasing nobody could match: three people pick the proxy entry ------------------
    paste = unmatched("orders-svc", 3)
    assert not top(service, paste)[1]
    for user in ("UP1", "UP2", "UP3", "UP3"):  # UP3 twice: still three people
        query_id, shown = ask(service, paste, user)
        service.vote(query_id, shown, user, helpful=False, chosen_entry_id=PROXY)
    query_id, shown = ask(service, paste, "UP4")  # a conflicting pick
    service.vote(query_id, shown, "UP4", helpful=False, chosen_entry_id=C)
    proposals = {p.entry_id: p for p in service.review_list()}
    learned = proposals[PROXY]
    assert learned.confirmers == 3 and proposals[C].confirmers == 1
    assert "orders" not in learned.text and "8080" not in learned.text  # no hosts, no ids
    assert "<host>" in learned.text
    service.approve(learned.id, by="ops")
    service.reject(proposals[C].id, by="ops")
    for variant in (paste, unmatched("billing-api", 7), unmatched("10.1.2.3", 12)):
        assert top(service, variant) == (PROXY, True)
    with service.session() as s:
        origins = s.scalars(select(AliasRow.origin).where(AliasRow.entry_id == PROXY)).all()
    assert "learned" in origins
    assert service.history(PROXY)[0].changed_by == "ops"

    # -- a correction: A ranked first, people said B (two said C) --------------------------
    paste = corrected("5f3e9a")
    assert ranked(service, paste)[0] == A
    for n, chosen in enumerate([B, B, C, B, B, C, B]):
        user = f"UCORR{n}"
        query_id, shown = ask(service, paste, user)
        assert shown == A
        service.vote(query_id, shown, user, helpful=False, chosen_entry_id=chosen)
    query_id, shown = ask(service, paste, "UHAPPY")
    service.vote(query_id, shown, "UHAPPY", helpful=True)  # one person was happy with A
    assert ranked(service, paste)[0] == A  # votes alone never beat a clearly better match
    wanted = next(p for p in service.review_list() if p.entry_id == B)
    assert wanted.corrected_entry_id == A and wanted.confirmers == 5
    service.approve(wanted.id, by="ops")
    for variant in (paste, corrected("77b0c1d2"), corrected("default-policy-2")):
        assert ranked(service, variant)[0] == B
        assert top(service, variant)[0] == B

    # -- what admins see ---------------------------------------------------------------------
    weak = service.weak_entries()
    assert weak and all(w.wrong for w in weak)
    assert any(w.entry.id == A and w.wrong >= 7 for w in weak)
    assert any("not it, case" in r for w in weak for r in w.reasons)
    assert service.entry_feedback()
    rows = service.feedback_export()
    assert len(rows) >= 500 and {"time", "entry_id", "verdict", "reason", "user_id"} <= set(rows[0])


def test_a_proposal_that_collides_with_another_entry_says_so(service: Service) -> None:
    paste = '{"error": "Attempted JWT access with non-existent key."}'
    first, second = ranked(service, paste)[:2]
    query_id, shown = ask(service, paste, "U1")
    service.vote(query_id, shown, "U1", helpful=False, chosen_entry_id=second)
    [proposal] = service.review_list()
    assert proposal.entry_id == second and first in proposal.collision
    with pytest.raises(EditError, match="already an alias"):
        service.approve(proposal.id, by="ops")
    assert service.review_list()[0].status == "open"


def test_auto_approve_after_n_distinct_people(settings: Settings) -> None:
    service = Service.open(settings.model_copy(update={"tykbot_learn_auto_approve": 2}))
    paste = unmatched("orders-svc", 1)
    for user in ("U1", "U1", "U2"):
        query_id, shown = ask(service, paste, user)
        assert not service.review_list(status="approved")
        service.vote(query_id, shown, user, helpful=False, chosen_entry_id=PROXY)
    [done] = service.review_list(status="approved")
    assert done.decided_by is not None and done.decided_by.startswith("auto-approve")
    assert top(service, unmatched("other-host", 9)) == (PROXY, True)
    service.engine.dispose()


def test_gaps_group_similar_unmatched_pastes_and_leave_out_noise(service: Service) -> None:
    for n in range(6):
        ask(service, unmatched(f"svc-{n}", n), f"U{n}")
    for n in range(3):
        service.explain(f"kafka consumer group rebalance stalled on partition {n}", "mention", "U9")
    service.explain(unmatched("chatter", 1), "thread", "U8")  # thread chatter never counts
    service.explain('{"error": "Key not authorised"}', "slash", "U7")  # confident: no gap
    gaps = service.gaps()
    assert [g.count for g in gaps] == [6, 3]
    assert "svc-" not in gaps[0].example and "<host>" in gaps[0].example
    assert gaps[0].phrase and gaps[0].suggestions
    service.mark_gap_noise(gaps[1].key, by="ops")
    assert [g.count for g in service.gaps()] == [6]
    service.gap_to_alias(gaps[0].phrase, PROXY, by="ops")
    assert service.gaps() == []
    assert top(service, unmatched("new-svc", 4)) == (PROXY, True)


def test_purge_drops_old_texts_and_keeps_the_counts(service: Service) -> None:
    query_id, shown = ask(service, '{"error": "Key not authorised"}', "U1")
    service.vote(query_id, shown, "U1", helpful=False)
    service.give_reason(query_id, "U1", "it was a quota problem")
    assert service.claim_message("C1", "1.1")
    with service.session() as s:
        s.get(QueryLog, query_id).created_at = s.get(QueryLog, query_id).created_at.replace(
            year=2020
        )
    before = service.stats()
    purged = service.purge(days=30)
    assert purged["query_texts"] == 1
    assert service.recall(query_id) is None
    after = service.stats()
    assert after["queries"] == before["queries"] and after["top_entries"] == before["top_entries"]
    assert service.claim_message("C1", "1.1") is False  # the recent row is kept


def test_a_running_bot_applies_the_retention_by_itself(service: Service) -> None:
    old_id, _ = ask(service, '{"error": "Key not authorised"}', "U1")
    new_id, _ = ask(service, '{"error": "Quota exceeded"}', "U2")
    with service.session() as s:
        row = s.get(QueryLog, old_id)
        row.created_at = row.created_at.replace(year=2020)
    service._pruned_at = 0.0  # as after a start: the first poll prunes
    assert service.prune_if_due() >= 1
    assert service.recall(old_id) is None and service.recall(new_id) is not None
    assert service.stats()["queries"] == 2


def test_votes_swap_priors_without_rebuilding_the_index(service: Service) -> None:
    before = service.matcher()
    rebuilds = service.rebuilds
    for n in range(20):
        query_id, shown = ask(service, JWT_NEAR_TIE, f"UV{n}")
        service.vote(query_id, shown, f"UV{n}", helpful=False)
    after = service.matcher()
    assert after is not before and after.priors != before.priors
    assert after.post_texts is before.post_texts and service.rebuilds == rebuilds
    service.edit_entry("edit", by="ops", entry_id=A, changes={"note": "a catalog change"})
    assert (
        service.rebuilds == rebuilds + 1 and service.matcher().post_texts is not before.post_texts
    )


def priors_from_every_vote(service: Service) -> dict[str, float]:
    """The priors computed afresh from every stored vote (what a refresh used to do)."""
    with service.session() as s:
        votes = repo.vote_facts_by_id(s)
    return prior_factors([votes[i] for i in sorted(votes)], datetime.now(UTC))


def test_refreshes_after_new_changed_and_deleted_votes_give_the_priors_of_every_vote(
    service: Service,
) -> None:
    answers = [ask(service, JWT_NEAR_TIE, f"UR{n}") for n in range(6)]
    service.vote(answers[0][0], answers[0][1], "UR0", helpful=True)
    service.refresh()  # the first refresh reads every vote; the next ones what changed
    for n, (query_id, shown) in enumerate(answers[1:], start=1):
        service.vote(query_id, shown, f"UR{n}", helpful=n % 2 == 0)
    service.refresh()
    assert service.matcher().priors == pytest.approx(priors_from_every_vote(service), abs=1e-9)
    # A second click changes a vote; another person's correction names another entry.
    service.vote(answers[1][0], answers[1][1], "UR1", helpful=True)
    service.vote(answers[2][0], answers[2][1], "UR2", helpful=False, chosen_entry_id=C)
    service.refresh()
    assert C in service.matcher().priors
    assert service.matcher().priors == pytest.approx(priors_from_every_vote(service), abs=1e-9)
    with service.session() as s:  # a vote gone (its answer deleted): the count says so
        s.execute(delete(Vote).where(Vote.query_id == answers[2][0]))
    service.vote(answers[3][0], answers[3][1], "UR3", helpful=True)  # ... the count unchanged
    service.refresh()
    assert C not in service.matcher().priors
    assert service.matcher().priors == pytest.approx(priors_from_every_vote(service), abs=1e-9)


def test_another_replica_rebuilds_in_the_background_and_answers_meanwhile(
    service: Service, settings: Settings
) -> None:
    other = Service.open(settings.model_copy(update={"tykbot_catalog_poll_seconds": 0.05}))
    old = other.matcher()
    service.edit_entry("edit", by="ops", entry_id=A, changes={"note": "seen elsewhere"})
    time.sleep(0.1)
    assert other.matcher() is old  # the request is answered from the old snapshot...
    deadline = time.monotonic() + 10
    while other.matcher() is old and time.monotonic() < deadline:
        time.sleep(0.05)
    assert other.matcher() is not old and other.entry(A).note == "seen elsewhere"  # ...then new
    other.engine.dispose()
