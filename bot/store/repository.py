"""The queries the service needs. Every function takes a Session and leaves commit to the caller
unless its name says it claims something (those commit or roll back on their own)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from bot.catalog import Entry, diff_entries
from bot.matching.priors import VoteFact
from bot.store.models import (
    AliasRow,
    CatalogState,
    ChannelSetting,
    EntryRevision,
    EntryRow,
    GapMark,
    GatewayCheck,
    HandledMessage,
    Job,
    ProcessedEvent,
    Proposal,
    QueryLog,
    ThreadMessage,
    ThreadReply,
    Vote,
    utcnow,
)

KNOWLEDGE_USER = "knowledge"


class StaleEntryError(RuntimeError):
    """Someone else changed the entry since it was read (optimistic locking)."""


class UnknownEntryError(KeyError):
    """No entry has that id."""


@dataclass
class SyncReport:
    """What a merge of the knowledge files into the store did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    only_in_store: list[str] = field(default_factory=list)
    unchanged: int = 0


def knowledge_hash(entry: Entry) -> str:
    """A fingerprint of an entry's knowledge-file content."""
    blob = json.dumps(entry.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def row_to_entry(row: EntryRow) -> Entry:
    """The catalog Entry a row holds."""
    return Entry.from_dict(
        {
            "id": row.id,
            "code": row.code,
            "message": row.message,
            "guidance": row.guidance,
            "summary": row.summary,
            "first_step": row.first_step,
            "gateway_message": row.gateway_message,
            "gateway_codes": list(row.gateway_codes or []),
            "reaches_clients": row.reaches_clients,
            "prevalence": row.prevalence,
            "cause": row.cause,
            "action": row.action,
            "note": row.note,
            "aliases": [a.text for a in row.aliases],
            "override_ids": list(row.override_ids or []),
            "tags": list(row.tags or []),
            "versions": list(row.versions or []),
            "docs_url": row.docs_url,
            "source": row.source,
            "checked": row.checked,
            "origin": row.origin,
            "status": row.status,
        }
    )


def _fill_row(row: EntryRow, entry: Entry, alias_origin: str) -> None:
    row.code = entry.code
    row.message = entry.message
    row.guidance = entry.guidance
    row.summary = entry.summary
    row.first_step = entry.first_step
    row.gateway_message = entry.gateway_message
    row.gateway_codes = list(entry.gateway_codes)
    row.reaches_clients = entry.reaches_clients
    row.prevalence = entry.prevalence
    row.cause = entry.cause
    row.action = entry.action
    row.note = entry.note
    row.tags = list(entry.tags)
    row.override_ids = list(entry.override_ids)
    row.versions = [{"applies": v.applies, "note": v.note} for v in entry.versions]
    row.docs_url = entry.docs_url
    row.source = entry.source
    row.checked = entry.checked
    row.origin = entry.origin
    row.status = entry.status
    # Reuse rows by text (an insert of a text before the delete of its twin would break the
    # unique constraint); learned aliases survive edits that do not mention them.
    existing = {a.text: a for a in row.aliases}
    wanted = [
        existing.pop(text) if text in existing else AliasRow(text=text, origin=alias_origin)
        for text in dict.fromkeys(entry.aliases)
    ]
    row.aliases = wanted + [a for a in existing.values() if a.origin == "learned"]
    for position, alias in enumerate(row.aliases):
        alias.position = position


def bump_catalog_version(session: Session) -> None:
    """Mark the catalog changed so every replica rebuilds its matcher.

    The increment happens in SQL (`version = version + 1`), so two concurrent edits move the
    version by two: the row lock makes the second wait and add to what the first committed.
    """
    bumped = session.execute(
        update(CatalogState)
        .where(CatalogState.id == 1)
        .values(version=CatalogState.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not getattr(bumped, "rowcount", 0):
        session.add(CatalogState(id=1, version=1, updated_at=utcnow()))
        session.flush()
    else:
        state = session.identity_map.get(session.identity_key(CatalogState, (1,)))
        if state is not None:
            session.expire(state)


def catalog_version(session: Session) -> int:
    """The catalog's change counter (0 before anything was loaded)."""
    return session.scalar(select(CatalogState.version).where(CatalogState.id == 1)) or 0


def count_entries(session: Session) -> int:
    """How many entries the store holds."""
    return session.scalar(select(func.count()).select_from(EntryRow)) or 0


def load_entries(session: Session, include_retired: bool = True) -> list[Entry]:
    """Every entry, in code then id order."""
    query = select(EntryRow).options(selectinload(EntryRow.aliases))
    if not include_retired:
        query = query.where(EntryRow.status == "active")
    rows = session.scalars(query.order_by(EntryRow.code, EntryRow.id)).all()
    return [row_to_entry(r) for r in rows]


def get_entry_row(session: Session, entry_id: str) -> EntryRow:
    """The row of one entry, or UnknownEntryError."""
    row = session.get(EntryRow, entry_id, options=[selectinload(EntryRow.aliases)])
    if row is None:
        raise UnknownEntryError(entry_id)
    return row


def _snapshot(
    session: Session, row: EntryRow, by: str, reason: str, action: str, before: Entry | None
) -> EntryRevision:
    """Flush the row and record a revision of it: its data, who, why and which fields changed."""
    try:
        session.flush()
    except StaleDataError as exc:
        # Another transaction changed the row between our read and our write.
        raise StaleEntryError(f"{row.id} was changed by someone else meanwhile") from exc
    after = row_to_entry(row)
    revision = EntryRevision(
        entry_id=row.id,
        version=row.version,
        data=after.to_dict(),
        changed_by=by,
        changed_at=utcnow(),
        reason=reason,
        action=action,
        changes=diff_entries(before, after),
    )
    session.add(revision)
    session.flush()
    return revision


def sync_knowledge(session: Session, entries: list[Entry]) -> SyncReport:
    """Merge knowledge entries into the store without overwriting entries edited in the store."""
    report = SyncReport()
    rows = {
        r.id: r for r in session.scalars(select(EntryRow).options(selectinload(EntryRow.aliases)))
    }
    for entry in entries:
        digest = knowledge_hash(entry)
        row = rows.pop(entry.id, None)
        if row is None:
            row = EntryRow(
                id=entry.id,
                updated_by=KNOWLEDGE_USER,
                updated_at=utcnow(),
                edited_in_store=False,
                knowledge_hash=digest,
            )
            _fill_row(row, entry, "knowledge")
            session.add(row)
            _snapshot(session, row, KNOWLEDGE_USER, "loaded from knowledge/", "sync", None)
            report.added.append(entry.id)
        elif row.knowledge_hash == digest:
            report.unchanged += 1
        elif row.edited_in_store:
            report.conflicts.append(entry.id)
        else:
            before = row_to_entry(row)
            _fill_row(row, entry, "knowledge")
            row.knowledge_hash = digest
            row.updated_by = KNOWLEDGE_USER
            row.updated_at = utcnow()
            _snapshot(session, row, KNOWLEDGE_USER, "synced from knowledge/", "sync", before)
            report.updated.append(entry.id)
    for entry_id, row in sorted(rows.items()):
        if row.edited_in_store or row.origin == "admin":
            report.only_in_store.append(entry_id)
        elif row.status == "active":
            # Gone from knowledge/ and never edited here: stop matching it, keep its history.
            before = row_to_entry(row)
            row.status, row.updated_by, row.updated_at = "retired", KNOWLEDGE_USER, utcnow()
            row.knowledge_hash = ""
            _snapshot(session, row, KNOWLEDGE_USER, "no longer in knowledge/", "retire", before)
            report.retired.append(entry_id)
    if report.added or report.updated or report.retired:
        bump_catalog_version(session)
    return report


def save_entry(
    session: Session,
    entry: Entry,
    by: str,
    expected_version: int | None,
    reason: str = "",
    action: str = "edit",
    knowledge_digest: str | None = None,
    alias_origin: str = "admin",
) -> EntryRevision:
    """Store an edited (or new) entry as `by` with a revision of the change; return it.

    `expected_version` is the version the editor saw; a different stored version raises
    StaleEntryError so two admins never overwrite each other silently. With a
    `knowledge_digest` the entry is handed back to knowledge/ (no longer edited in the store).
    The caller bumps the catalog version (once per transaction, see bump_catalog_version).
    """
    row = session.get(EntryRow, entry.id, options=[selectinload(EntryRow.aliases)])
    before = None
    if row is None:
        row = EntryRow(id=entry.id, knowledge_hash="")
        session.add(row)
    else:
        if expected_version is not None and row.version != expected_version:
            raise StaleEntryError(
                f"{entry.id} changed (now version {row.version}, you edited {expected_version})"
            )
        before = row_to_entry(row)
    _fill_row(row, entry, alias_origin if knowledge_digest is None else "knowledge")
    row.updated_by = by
    row.updated_at = utcnow()
    row.edited_in_store = knowledge_digest is None
    if knowledge_digest is not None:
        row.knowledge_hash = knowledge_digest
    return _snapshot(session, row, by, reason or action, action, before)


def entry_version(session: Session, entry_id: str) -> int | None:
    """The stored version of an entry (None when there is no such entry)."""
    return session.scalar(select(EntryRow.version).where(EntryRow.id == entry_id))


def revision(session: Session, revision_id: int) -> EntryRevision | None:
    """One revision by its id."""
    return session.get(EntryRevision, revision_id)


def revision_at(session: Session, entry_id: str, version: int) -> EntryRevision | None:
    """The revision that left an entry at `version` (the state an editor saw), if recorded."""
    return session.scalar(
        select(EntryRevision)
        .where(EntryRevision.entry_id == entry_id, EntryRevision.version == version)
        .order_by(EntryRevision.id.desc())
        .limit(1)
    )


def history(session: Session, entry_id: str) -> list[EntryRevision]:
    """An entry's revisions, newest first."""
    query = (
        select(EntryRevision)
        .where(EntryRevision.entry_id == entry_id)
        .order_by(EntryRevision.id.desc())
    )
    return list(session.scalars(query))


def log_query(session: Session, **values: Any) -> int:
    """Record one explained paste; returns its id."""
    row = QueryLog(created_at=utcnow(), **values)
    session.add(row)
    session.flush()
    return row.id


def get_query(session: Session, query_id: int) -> QueryLog | None:
    """One logged query."""
    return session.get(QueryLog, query_id)


def record_vote(
    session: Session,
    query_id: int,
    entry_id: str,
    user_id: str,
    helpful: bool,
    chosen_entry_id: str | None = None,
) -> str:
    """Store a vote: 'new', 'changed' (a second click changes it) or 'same'."""
    for attempt in range(2):
        vote = session.scalar(
            select(Vote).where(Vote.query_id == query_id, Vote.user_id == user_id)
        )
        if vote is None:
            try:
                with session.begin_nested():
                    session.add(
                        Vote(
                            query_id=query_id,
                            entry_id=entry_id,
                            user_id=user_id,
                            helpful=helpful,
                            chosen_entry_id=chosen_entry_id,
                            created_at=utcnow(),
                            updated_at=utcnow(),
                        )
                    )
                return "new"
            except IntegrityError:
                if attempt:
                    raise
                continue  # another replica stored this person's vote a moment ago
        same = (vote.entry_id, vote.helpful, vote.chosen_entry_id) == (
            entry_id,
            helpful,
            chosen_entry_id,
        )
        if same:
            return "same"
        vote.entry_id, vote.helpful, vote.chosen_entry_id = entry_id, helpful, chosen_entry_id
        vote.updated_at = utcnow()
        return "changed"
    raise AssertionError("unreachable")


def helpfulness(session: Session) -> dict[str, tuple[int, int]]:
    """Per entry: (helped, didn't help) votes, counting a chosen correction as a 'helped'."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry_id, helpful, n in session.execute(
        select(Vote.entry_id, Vote.helpful, func.count()).group_by(Vote.entry_id, Vote.helpful)
    ):
        counts[entry_id][0 if helpful else 1] += n
    for chosen, n in session.execute(
        select(Vote.chosen_entry_id, func.count())
        .where(Vote.chosen_entry_id.is_not(None))
        .group_by(Vote.chosen_entry_id)
    ):
        if chosen is not None:
            counts[chosen][0] += n
    return {k: (v[0], v[1]) for k, v in counts.items()}


def votes_state(session: Session) -> tuple[int, Any]:
    """A cheap fingerprint of the votes (count, last change): changes when anyone votes."""
    row = session.execute(select(func.count(), func.max(Vote.updated_at)).select_from(Vote)).one()
    return int(row[0] or 0), row[1]


def vote_facts(session: Session) -> list[VoteFact]:
    """Every vote as the priors read it."""
    rows = session.execute(
        select(Vote.entry_id, Vote.user_id, Vote.helpful, Vote.chosen_entry_id, Vote.updated_at)
    )
    return [VoteFact(e, u, bool(h), c, aware(at)) for e, u, h, c, at in rows]


def vote_facts_by_id(session: Session, since: datetime | None = None) -> dict[int, VoteFact]:
    """The votes changed at or after `since` (every vote without it), by vote id."""
    query = select(
        Vote.id, Vote.entry_id, Vote.user_id, Vote.helpful, Vote.chosen_entry_id, Vote.updated_at
    )
    if since is not None:
        query = query.where(Vote.updated_at >= since)
    rows = session.execute(query)
    return {i: VoteFact(e, u, bool(h), c, aware(at)) for i, e, u, h, c, at in rows}


def vote_fact(vote: Vote) -> VoteFact:
    """One vote as the priors read it."""
    return VoteFact(
        vote.entry_id, vote.user_id, vote.helpful, vote.chosen_entry_id, aware(vote.updated_at)
    )


def aware(at: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def learned_aliases(session: Session) -> list[tuple[str, str]]:
    """(entry id, alias) of every learned alias."""
    rows = session.execute(
        select(AliasRow.entry_id, AliasRow.text).where(AliasRow.origin == "learned")
    )
    return [(str(e), str(t)) for e, t in rows]


def _claim(session: Session, row: Any) -> bool:
    try:
        with session.begin_nested():
            session.add(row)
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def claim_event(session: Session, event_id: str) -> bool:
    """True the first time an event id is seen, across retries and replicas."""
    return _claim(session, ProcessedEvent(event_id=event_id, created_at=utcnow()))


def claim_message(session: Session, channel_id: str, ts: str) -> bool:
    """True the first time a message (channel, ts) is answered."""
    return _claim(session, HandledMessage(channel_id=channel_id, ts=ts, created_at=utcnow()))


def claim_thread_reply(session: Session, channel_id: str, thread_ts: str, entry_id: str) -> bool:
    """True the first time a thread gets an auto-reply about this entry."""
    return _claim(
        session,
        ThreadReply(
            channel_id=channel_id, thread_ts=thread_ts, entry_id=entry_id, created_at=utcnow()
        ),
    )


def added(session: Session, row: Any) -> bool:
    """Add a row inside the caller's transaction; False (and nothing added) if it exists."""
    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:
        return False


# -- durable jobs -----------------------------------------------------------------------------
@dataclass(frozen=True)
class JobView:
    """A leased job: what its worker needs."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    query_id: int | None


def enqueue_job(
    session: Session, key: str, kind: str, payload: dict[str, Any], lease_seconds: float = 0.0
) -> JobView | None:
    """Store a job once per key, None when the key is already there (a retry). With a lease,
    the job is stored as leased by its caller (its first try), so no other write is needed
    before running it."""
    now = utcnow()
    row = Job(
        key=key,
        kind=kind,
        payload=payload,
        status="pending",
        attempts=1 if lease_seconds > 0 else 0,
        run_after=now,
        lease_until=now + timedelta(seconds=lease_seconds) if lease_seconds > 0 else None,
        created_at=now,
        updated_at=now,
    )
    if not added(session, row):
        return None
    return JobView(row.id, kind, payload, row.attempts, None)


def _due(now: datetime, overdue_seconds: float = 0.0) -> Any:
    since = now - timedelta(seconds=overdue_seconds)
    return (
        (Job.status == "pending")
        & (Job.run_after <= since)
        & (Job.lease_until.is_(None) | (Job.lease_until < since))
    )


def lease_jobs(
    session: Session,
    lease_seconds: float,
    limit: int,
    job_id: int | None = None,
    overdue_seconds: float = 0.0,
) -> list[JobView]:
    """Lease due jobs (one by id, or the oldest `limit`): no other worker gets them until the
    lease ends. Rows locked by another replica are skipped (PostgreSQL SKIP LOCKED). With
    `overdue_seconds`, only jobs due (or free) for at least that long: those others left."""
    now = utcnow()
    due = _due(now, overdue_seconds)
    query = select(Job).where(due).order_by(Job.id).limit(limit)
    if job_id is not None:
        query = query.where(Job.id == job_id)
    rows = session.scalars(query.with_for_update(skip_locked=True)).all()
    leased = []
    for row in rows:
        # Conditional: on SQLite (no row locks) only one of two racing workers changes the row.
        done = session.execute(
            update(Job)
            .where(Job.id == row.id, due)
            .values(
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=Job.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if int(getattr(done, "rowcount", 0) or 0) == 1:
            leased.append(
                JobView(row.id, row.kind, dict(row.payload), row.attempts + 1, row.query_id)
            )
    return leased


def finish_job(session: Session, job_id: int, status: str, outcome: str, error: str = "") -> None:
    """Mark a job done (its reply was accepted) or failed (given up)."""
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            status=status,
            outcome=outcome[:40],
            last_error=error,
            lease_until=None,
            updated_at=utcnow(),
        )
    )


def retry_job(session: Session, job_id: int, run_after: datetime, error: str) -> None:
    """Release a job to be tried again after `run_after`."""
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(run_after=run_after, lease_until=None, last_error=error, updated_at=utcnow())
    )


def set_job_query(session: Session, job_id: int, query_id: int) -> None:
    """Remember the query a job answered with, so a retry posts that answer, not a new one."""
    session.execute(update(Job).where(Job.id == job_id).values(query_id=query_id))


def job_counts(session: Session) -> dict[str, int]:
    """How many jobs are in each status."""
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
    return {str(status): int(n) for status, n in rows}


@dataclass(frozen=True)
class ThreadState:
    """tykbot's message in a thread: its ts (None while the first post is under way), the
    answers it lists in order, and a revision that grows with every answer added."""

    message_ts: str | None
    query_ids: list[int]
    revision: int
    created: bool = False


def _thread_state(row: ThreadMessage, created: bool = False) -> ThreadState:
    return ThreadState(row.message_ts, list(row.query_ids or []), row.revision, created)


def _thread_row(session: Session, channel_id: str, thread_ts: str) -> ThreadMessage | None:
    query = select(ThreadMessage).where(
        ThreadMessage.channel_id == channel_id, ThreadMessage.thread_ts == thread_ts
    )
    return session.scalar(query.with_for_update())


def join_thread(session: Session, channel_id: str, thread_ts: str, query_id: int) -> ThreadState:
    """Add an answer to the thread's message; `created` when this call made the message row
    (its caller posts the message). Row-locked, so concurrent answers are never lost."""
    try:
        with session.begin_nested():
            row = ThreadMessage(
                channel_id=channel_id,
                thread_ts=thread_ts,
                query_ids=[query_id],
                revision=1,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            session.add(row)
        return _thread_state(row, created=True)
    except IntegrityError:
        pass
    existing = _thread_row(session, channel_id, thread_ts)
    assert existing is not None
    if query_id not in (existing.query_ids or []):
        existing.query_ids = [*(existing.query_ids or []), query_id]
        existing.revision += 1
        existing.updated_at = utcnow()
    return _thread_state(existing)


def take_over_thread_post(
    session: Session, channel_id: str, thread_ts: str, stale_before: datetime
) -> bool:
    """True for the one caller that takes over a first post that never completed (its poster
    died or Slack refused it) once it is older than `stale_before`."""
    result = session.execute(
        update(ThreadMessage)
        .where(
            ThreadMessage.channel_id == channel_id,
            ThreadMessage.thread_ts == thread_ts,
            ThreadMessage.message_ts.is_(None),
            ThreadMessage.updated_at < stale_before,
        )
        .values(updated_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def thread_posted(
    session: Session, channel_id: str, thread_ts: str, message_ts: str
) -> ThreadState:
    """Record the ts of the thread's message once Slack accepted the first post."""
    row = _thread_row(session, channel_id, thread_ts)
    assert row is not None
    row.message_ts, row.updated_at = message_ts, utcnow()
    return _thread_state(row)


def thread_state(session: Session, channel_id: str, thread_ts: str) -> ThreadState | None:
    """The thread's message, if tykbot has one there."""
    query = select(ThreadMessage).where(
        ThreadMessage.channel_id == channel_id, ThreadMessage.thread_ts == thread_ts
    )
    row = session.scalar(query)
    return None if row is None else _thread_state(row)


def thread_of_message(session: Session, channel_id: str, message_ts: str) -> ThreadState | None:
    """The thread state whose message is (channel, message_ts), if it is a thread message."""
    query = select(ThreadMessage).where(
        ThreadMessage.channel_id == channel_id, ThreadMessage.message_ts == message_ts
    )
    row = session.scalar(query)
    return None if row is None else _thread_state(row)


def asked_counts(session: Session) -> dict[str, int]:
    """How often each entry was the top answer: the list ranking's evidence of what is common."""
    rows = session.execute(
        select(QueryLog.top_entry_id, func.count())
        .where(QueryLog.top_entry_id.is_not(None))
        .group_by(QueryLog.top_entry_id)
    )
    return {str(entry_id): int(n) for entry_id, n in rows}


def channel_autoreply(session: Session, channel_id: str) -> bool | None:
    """The channel's auto-reply switch, or None when nobody set it."""
    return session.scalar(
        select(ChannelSetting.autoreply).where(ChannelSetting.channel_id == channel_id)
    )


def set_channel_autoreply(session: Session, channel_id: str, on: bool, by: str) -> None:
    """Turn auto-replies on or off in one channel."""
    setting = session.get(ChannelSetting, channel_id)
    if setting is None:
        session.add(
            ChannelSetting(channel_id=channel_id, autoreply=on, updated_by=by, updated_at=utcnow())
        )
    else:
        setting.autoreply, setting.updated_by, setting.updated_at = on, by, utcnow()


def prune_bookkeeping(session: Session, older_than: datetime) -> int:
    """Forget bookkeeping older than a cut-off: processed events, handled messages, thread
    replies and finished jobs (Slack retries for minutes, threads go quiet in days). The query
    log is kept: it is the evidence for stats, rankings and learning."""
    removed = 0
    for table, column in (
        (ProcessedEvent, ProcessedEvent.created_at),
        (HandledMessage, HandledMessage.created_at),
        (ThreadReply, ThreadReply.created_at),
    ):
        result = session.execute(delete(table).where(column < older_than))
        removed += int(getattr(result, "rowcount", 0) or 0)
    result = session.execute(
        delete(Job).where(Job.status != "pending", Job.updated_at < older_than)
    )
    return removed + int(getattr(result, "rowcount", 0) or 0)


def query_stats(session: Session, since: datetime | None = None) -> dict[str, Any]:
    """Counts for `tykbot stats`: queries, confident share, votes, top entries."""
    q = select(QueryLog)
    if since is not None:
        q = q.where(QueryLog.created_at >= since)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    confident = (
        session.scalar(
            select(func.count()).select_from(q.where(QueryLog.confident.is_(True)).subquery())
        )
        or 0
    )
    top = session.execute(
        select(QueryLog.top_entry_id, func.count())
        .where(QueryLog.top_entry_id.is_not(None))
        .group_by(QueryLog.top_entry_id)
        .order_by(func.count().desc())
        .limit(10)
    ).all()
    helped = helpfulness(session)
    return {
        "queries": total,
        "confident": confident,
        "votes_helped": sum(v[0] for v in helped.values()),
        "votes_not_helped": sum(v[1] for v in helped.values()),
        "top_entries": [{"id": eid, "count": n} for eid, n in top],
    }


# -- learning ------------------------------------------------------------------------------------
def set_vote_reason(session: Session, query_id: int, user_id: str, reason: str) -> bool:
    """Attach a person's one-line reason to their vote on an answer; False without a vote."""
    vote = session.scalar(select(Vote).where(Vote.query_id == query_id, Vote.user_id == user_id))
    if vote is None:
        return False
    vote.reason, vote.updated_at = reason, utcnow()
    return True


def withdraw_confirmations(session: Session, query_id: int, user_id: str) -> None:
    """Forget what a person confirmed on one answer (they changed their vote)."""
    rows = session.scalars(select(Proposal).where(Proposal.status == "open").with_for_update())
    for row in rows:
        if (row.confirmers or {}).get(user_id) == query_id:
            row.confirmers = {u: q for u, q in row.confirmers.items() if u != user_id}
            row.updated_at = utcnow()


def confirm_proposal(
    session: Session,
    entry_id: str,
    text: str,
    key: str,
    user_id: str | None,
    query_id: int,
    corrected_entry_id: str | None,
    collision: str,
) -> Proposal:
    """Add one person's confirmation to the proposal (entry, key), creating it if needed."""
    for attempt in range(2):
        row = session.scalar(
            select(Proposal)
            .where(Proposal.entry_id == entry_id, Proposal.key == key)
            .with_for_update()
        )
        if row is None:
            try:
                with session.begin_nested():
                    row = Proposal(
                        entry_id=entry_id,
                        text=text,
                        key=key,
                        status="open",
                        confirmers={},
                        corrected_entry_id=corrected_entry_id,
                        collision=collision,
                        created_at=utcnow(),
                        updated_at=utcnow(),
                    )
                    session.add(row)
            except IntegrityError:
                if attempt:
                    raise
                continue  # another replica created it a moment ago
        if user_id is not None and row.status == "open":
            row.confirmers = {**(row.confirmers or {}), user_id: query_id}
        row.corrected_entry_id = row.corrected_entry_id or corrected_entry_id
        row.collision, row.updated_at = collision, utcnow()
        session.flush()
        return row
    raise AssertionError("unreachable")


def proposal(session: Session, proposal_id: int) -> Proposal | None:
    """One proposal by id."""
    return session.get(Proposal, proposal_id)


def proposals(session: Session, status: str | None = "open", limit: int = 100) -> list[Proposal]:
    """Proposals, the most confirmed (then the newest) first."""
    query = select(Proposal)
    if status is not None:
        query = query.where(Proposal.status == status)
    rows = list(session.scalars(query.order_by(Proposal.updated_at.desc())))
    rows.sort(key=lambda p: -len(p.confirmers or {}))
    return rows[:limit]


def decide_proposal(session: Session, proposal_id: int, status: str, by: str) -> None:
    """Record an admin's decision on a proposal."""
    row = session.get(Proposal, proposal_id)
    if row is not None:
        row.status, row.decided_by, row.decided_at = status, by, utcnow()


def unconfident_queries(
    session: Session, since: datetime, sources: tuple[str, ...], limit: int
) -> list[tuple[int, datetime, str | None, str]]:
    """(id, time, channel, text) of recent pastes that found no confident match (newest first;
    purged texts left out)."""
    rows = session.execute(
        select(QueryLog.id, QueryLog.created_at, QueryLog.channel_id, QueryLog.text)
        .where(
            QueryLog.confident.is_(False),
            QueryLog.created_at >= since,
            QueryLog.source.in_(sources),
            QueryLog.text != "",
        )
        .order_by(QueryLog.created_at.desc())
        .limit(limit)
    )
    return [(int(i), aware(at), c, str(t)) for i, at, c, t in rows]


def gap_marks(session: Session) -> list[str]:
    """The keys of unknown-error groups marked as noise."""
    return [str(k) for k in session.scalars(select(GapMark.key))]


def mark_gap(session: Session, key: str, action: str, by: str) -> None:
    """Mark an unknown-error group (by its key)."""
    session.add(GapMark(key=key, action=action, marked_by=by, marked_at=utcnow()))


def vote_rows(session: Session) -> list[Vote]:
    """Every vote, oldest first."""
    return list(session.scalars(select(Vote).order_by(Vote.created_at, Vote.id)))


def top_entries(
    session: Session, since: datetime, channels: list[str] | None = None, limit: int = 5
) -> list[tuple[str, int]]:
    """The entries most often the confident answer since a time (in some channels), with
    counts."""
    query = (
        select(QueryLog.top_entry_id, func.count())
        .where(
            QueryLog.top_entry_id.is_not(None),
            QueryLog.confident.is_(True),
            QueryLog.created_at >= since,
        )
        .group_by(QueryLog.top_entry_id)
        .order_by(func.count().desc(), QueryLog.top_entry_id)
        .limit(limit)
    )
    if channels is not None:
        query = query.where(QueryLog.channel_id.in_(channels))
    return [(str(e), int(n)) for e, n in session.execute(query)]


def channels_of(session: Session, user_id: str, since: datetime) -> list[str]:
    """The channels a person asked tykbot in since a time."""
    rows = session.scalars(
        select(QueryLog.channel_id)
        .where(
            QueryLog.user_id == user_id,
            QueryLog.created_at >= since,
            QueryLog.channel_id.is_not(None),
        )
        .distinct()
    )
    return [str(c) for c in rows]


def purge_before(session: Session, cutoff: datetime) -> dict[str, int]:
    """Drop what people wrote before `cutoff`: query texts and vote reasons are emptied (the
    rows' entry, confidence, source and time stay for the counts), Slack bookkeeping rows of
    messages and threads are deleted."""

    def count(result: Any) -> int:
        return int(getattr(result, "rowcount", 0) or 0)

    return {
        "query_texts": count(
            session.execute(
                update(QueryLog)
                .where(QueryLog.created_at < cutoff, QueryLog.text != "")
                .values(text="")
            )
        ),
        "vote_reasons": count(
            session.execute(
                update(Vote)
                .where(Vote.created_at < cutoff, Vote.reason.is_not(None))
                .values(reason=None)
            )
        ),
        "handled_messages": count(
            session.execute(delete(HandledMessage).where(HandledMessage.created_at < cutoff))
        ),
        "thread_replies": count(
            session.execute(delete(ThreadReply).where(ThreadReply.created_at < cutoff))
        ),
        "thread_messages": count(
            session.execute(delete(ThreadMessage).where(ThreadMessage.updated_at < cutoff))
        ),
    }


# -- gateway checks (audit) ----------------------------------------------------------------------
@dataclass(frozen=True)
class AuditRow:
    """One audited gateway check."""

    id: int
    at: datetime
    user_id: str
    channel_id: str
    gateway: str
    target: str
    kinds: list[str]
    calls: list[str]
    outcome: str
    verdict: str
    evidence: list[str]


def _audit_row(row: GatewayCheck) -> AuditRow:
    return AuditRow(
        row.id, row.at, row.user_id, row.channel_id, row.gateway, row.target,
        list(row.kinds), list(row.calls), row.outcome, row.verdict, list(row.evidence),
    )  # fmt: skip


def add_gateway_check(session: Session, **fields: Any) -> int:
    """Write one audit row; returns its id."""
    row = GatewayCheck(at=utcnow(), **fields)
    session.add(row)
    session.flush()
    return row.id


def gateway_check(session: Session, check_id: int) -> AuditRow | None:
    """One audit row."""
    row = session.get(GatewayCheck, check_id)
    return _audit_row(row) if row is not None else None


def gateway_checks(session: Session, limit: int) -> list[AuditRow]:
    """The latest audit rows, newest first."""
    rows = session.scalars(select(GatewayCheck).order_by(GatewayCheck.id.desc()).limit(limit))
    return [_audit_row(r) for r in rows]
