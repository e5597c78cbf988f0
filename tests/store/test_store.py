"""The store on SQLite and (with TEST_DATABASE_URL) PostgreSQL: first use, sync, edits, votes."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, inspect, text

from bot.catalog import load_knowledge
from bot.config import Settings
from bot.service import InputError, Service
from bot.store import repository as repo
from bot.store.database import current_revision, head_revision


def test_first_use_creates_the_schema_and_loads_knowledge(service: Service) -> None:
    tables = set(inspect(service.engine).get_table_names())
    assert {"entries", "aliases", "entry_revisions", "queries", "votes"} <= tables
    assert current_revision(service.engine) == head_revision(service.engine)
    with service.session() as s:
        assert repo.count_entries(s) == len(load_knowledge())
    assert service.prepare() is None  # nothing new the second time


def test_override_ids_are_stored_and_read_back(service: Service) -> None:
    entry = service.entry_record("403-access-to-this-api-has-been-disallowed").entry
    assert "auth.cert_mismatch" in entry.override_ids
    assert "auth.cert_mismatch" not in entry.aliases


def test_sqlite_runs_in_wal_mode_with_foreign_keys(service: Service) -> None:
    if service.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with service.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_explain_logs_a_redacted_query(service: Service) -> None:
    answer = service.explain(
        'curl -H \'Authorization: Bearer abcdefghijklmnop\' -> {"error": "Key not authorised"}',
        source="cli",
        user_id="U1",
    )
    assert answer.secret_found and answer.confident
    with service.session() as s:
        logged = repo.get_query(s, answer.query_id or 0)
        assert logged is not None
        assert "abcdefghijklmnop" not in logged.text and logged.had_secret
        assert logged.top_entry_id == answer.candidates[0].entry.id


def test_the_query_log_commits_without_waiting_for_the_disk_and_nothing_else_does(
    service: Service,
) -> None:
    """On PostgreSQL the query written while someone waits for the answer commits with
    synchronous_commit off (for that transaction only); votes and every other write wait for
    the write-ahead log to reach the disk as before."""
    if service.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (SQLite commits without a flush anyway)")
    seen: list[tuple[str, str]] = []  # (statement, synchronous_commit at that moment)

    def before(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            cursor.execute("SHOW synchronous_commit")
            seen.append((statement.split()[2], cursor.fetchone()[0]))

    event.listen(service.engine, "before_cursor_execute", before)
    try:
        answer = service.explain('{"error": "Key not authorised"}', source="slash", user_id="U1")
        service.vote(answer.query_id or 0, answer.candidates[0].entry.id, "U1", helpful=True)
    finally:
        event.remove(service.engine, "before_cursor_execute", before)
    assert ("queries", "off") in seen
    assert ("votes", "on") in seen
    assert {setting for table, setting in seen if table != "queries"} == {"on"}
    with service.session() as s:
        assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_sync_keeps_store_edits_and_reports_conflicts(service: Service) -> None:
    entries = load_knowledge()
    edited = next(e for e in entries if e.id == "403-quota-exceeded")
    other = next(e for e in entries if e.id == "429-api-rate-limit-exceeded")
    with service.session() as s:
        version = repo.get_entry_row(s, edited.id).version
        repo.save_entry(s, replace(edited, action="Ask #platform."), "UADMIN", version)
    changed = [
        replace(e, cause=e.cause + " (new knowledge)") if e.id in (edited.id, other.id) else e
        for e in entries
    ]
    with service.session() as s:
        report = repo.sync_knowledge(s, changed)
    assert report.conflicts == [edited.id]
    assert report.updated == [other.id]
    with service.session() as s:
        assert repo.row_to_entry(repo.get_entry_row(s, edited.id)).action == "Ask #platform."
        assert repo.get_entry_row(s, other.id).cause.endswith("(new knowledge)")


def test_entries_removed_from_knowledge_are_retired_not_deleted(service: Service) -> None:
    entries = [e for e in load_knowledge() if e.id != "404-policy-not-found"]
    with service.session() as s:
        report = repo.sync_knowledge(s, entries)
    assert report.retired == ["404-policy-not-found"]
    answer = service.explain('{"status":"error","message":"Policy not found"}')
    assert all(c.entry.id != "404-policy-not-found" for c in answer.candidates)
    with service.session() as s:
        assert len(repo.history(s, "404-policy-not-found")) == 2


def test_optimistic_locking_refuses_a_stale_edit(service: Service) -> None:
    entry = next(e for e in load_knowledge() if e.id == "403-quota-exceeded")
    with service.session() as s:
        seen = repo.get_entry_row(s, entry.id).version
        repo.save_entry(s, replace(entry, action="first"), "UA", seen)
    with pytest.raises(repo.StaleEntryError), service.session() as s:
        repo.save_entry(s, replace(entry, action="second"), "UB", seen)


def test_one_vote_per_person_per_answer(service: Service) -> None:
    answer = service.explain('{"error": "Access to this API has been disallowed"}')
    qid, top = answer.query_id or 0, answer.candidates[0].entry.id
    assert service.vote(qid, top, "U1", helpful=True).status == "new"
    assert service.vote(qid, top, "U1", helpful=True).status == "same"
    outcome = service.vote(qid, top, "U1", helpful=False)
    assert outcome.status == "changed"
    assert [e.id for e in outcome.alternatives] == [c.entry.id for c in answer.candidates[1:]]
    chosen = answer.candidates[1].entry.id
    assert service.vote(qid, top, "U1", False, chosen_entry_id=chosen).status == "changed"
    assert service.vote(qid, top, "U2", helpful=True).status == "new"
    with service.session() as s:
        assert repo.helpfulness(s)[chosen] == (1, 0)
        assert repo.helpfulness(s)[top] == (1, 1)
    with pytest.raises(InputError):
        service.vote(999_999, top, "U1", helpful=True)


def test_claims_are_exactly_once(service: Service) -> None:
    assert service.claim_event("Ev1") and not service.claim_event("Ev1")
    assert service.claim_message("C1", "1.1") and not service.claim_message("C1", "1.1")
    assert service.claim_thread_reply("C1", "1.0", "403-quota-exceeded")
    assert not service.claim_thread_reply("C1", "1.0", "403-quota-exceeded")
    assert service.claim_thread_reply("C1", "1.0", "429-api-rate-limit-exceeded")


def test_autoreply_switch_per_channel(service: Service) -> None:
    assert service.autoreply_enabled("C1")
    service.set_autoreply("C1", False, "UADMIN")
    assert not service.autoreply_enabled("C1") and service.autoreply_enabled("C2")
    service.set_autoreply("C1", True, "UADMIN")
    assert service.autoreply_enabled("C1")


def test_stats_count_queries_and_votes(service: Service) -> None:
    answer = service.explain('{"error": "Quota exceeded"}')
    service.vote(answer.query_id or 0, answer.candidates[0].entry.id, "U1", helpful=True)
    figures = service.stats()
    assert figures["queries"] == 1 and figures["confident"] == 1
    assert figures["votes_helped"] == 1
    assert figures["top_entries"][0]["id"] == "403-quota-exceeded"


def test_answer_carries_the_version_notes_for_the_paste(service: Service) -> None:
    answer = service.explain('tyk-gateway:v5.3.2 says {"error": "API Rate limit exceeded"}')
    best = answer.candidates[0]
    assert best.entry.id == "429-api-rate-limit-exceeded"
    assert answer.version == "==5.3.2"
    assert best.version_notes == (best.entry.versions[0].note,)
    newer = service.explain('tyk-gateway:v5.9.0 says {"error": "API Rate Limit Exceeded"}')
    assert newer.candidates[0].version_notes == ()


def test_old_event_ids_are_pruned(service: Service) -> None:
    from datetime import UTC, datetime, timedelta

    assert service.claim_event("EvOld")
    with service.session() as s:
        assert repo.prune_bookkeeping(s, datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert service.claim_event("EvOld")


def test_as_many_threads_as_the_service_runs_reuse_pooled_connections(settings: Settings) -> None:
    """Request threads and job workers at once never open a connection per transaction (a
    connection beyond the pool is closed when given back: PostgreSQL then forked a backend
    for every job of a burst)."""
    settings = settings.model_copy(update={"tykbot_threads": 3})
    service = Service.open(settings)
    opened: list[object] = []
    event.listen(service.engine, "connect", lambda conn, _record: opened.append(conn))
    busy = threading.Barrier(2 * settings.tykbot_threads + 2)
    rounds: list[int] = []

    def work() -> None:
        for _ in range(5):  # all hold a connection at once, all give it back; five times
            with service.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                busy.wait(5)
            busy.wait(5)
            rounds.append(1)

    threads = [threading.Thread(target=work) for _ in range(busy.parties)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    service.engine.dispose()
    assert len(rounds) == 5 * busy.parties  # every thread did every round
    assert len(opened) <= busy.parties
