"""SQLAlchemy 2.x typed tables: the catalog, its history, queries, votes and Slack bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now, the one clock every table uses."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every tykbot table."""


class EntryRow(Base):
    """A catalog entry. `version` is bumped on every change (optimistic locking)."""

    __tablename__ = "entries"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    code: Mapped[int] = mapped_column(Integer, index=True)
    message: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    first_step: Mapped[str] = mapped_column(Text, default="")
    gateway_message: Mapped[str] = mapped_column(Text, default="")
    gateway_codes: Mapped[list[int]] = mapped_column(JSON, default=list)
    reaches_clients: Mapped[bool] = mapped_column(Boolean, default=True)
    prevalence: Mapped[float] = mapped_column(Float, default=0.0)
    cause: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    override_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    versions: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    docs_url: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    checked: Mapped[str] = mapped_column(String(80), default="")
    origin: Mapped[str] = mapped_column(String(20), default="docs")
    status: Mapped[str] = mapped_column(String(20), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(80), default="knowledge")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when someone edits the entry in the store; `catalog sync` then leaves it alone.
    edited_in_store: Mapped[bool] = mapped_column(Boolean, default=False)
    # Fingerprint of the knowledge-file version last synced into this row.
    knowledge_hash: Mapped[str] = mapped_column(String(64), default="")

    aliases: Mapped[list[AliasRow]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="AliasRow.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AliasRow(Base):
    """Another spelling of an entry's message: gateway wording, log line, learned phrase."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("entry_id", "text", name="uq_alias_entry_text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(20), default="knowledge")

    entry: Mapped[EntryRow] = relationship(back_populates="aliases")


class EntryRevision(Base):
    """A snapshot of an entry after each change, for history and revert.

    `action` says what kind of change it was (add, edit, retire, restore, revert, import,
    reset, sync) and `changes` which fields changed: `{field: {"before": ..., "after": ...}}`.
    """

    __tablename__ = "entry_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(20), default="edit")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CatalogState(Base):
    """One row whose version is bumped on every catalog change, so replicas notice edits."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Fingerprint of the knowledge/ files last merged in: a new release syncs itself on start.
    knowledge_fingerprint: Mapped[str] = mapped_column(String(64), default="")


class QueryLog(Base):
    """One explained paste, redacted, with what it matched."""

    __tablename__ = "queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    source: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    had_secret: Mapped[bool] = mapped_column(Boolean, default=False)
    top_entry_id: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    top_score: Mapped[float] = mapped_column(Float, default=0.0)
    confident: Mapped[bool] = mapped_column(Boolean, default=False)
    match_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The scores shown with match_ids, and whether the paste was cut: recall shows the same.
    match_scores: Mapped[list[float]] = mapped_column(JSON, default=list)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)


class Vote(Base):
    """A person's verdict on an answer: one per person per query; a second click changes it."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("query_id", "user_id", name="uq_vote_query_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id", ondelete="CASCADE"))
    entry_id: Mapped[str] = mapped_column(String(120), index=True)
    user_id: Mapped[str] = mapped_column(String(40))
    helpful: Mapped[bool] = mapped_column(Boolean)
    # When "didn't help", the entry the person said was right instead (if they chose one).
    chosen_entry_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The one line a person gave with *Wrong error?* ("it was a timeout, not auth").
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessedEvent(Base):
    """A Slack event id already handled: retries and other replicas skip it."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandledMessage(Base):
    """A Slack message (channel, ts) already answered: the mention double event replies once."""

    __tablename__ = "handled_messages"

    channel_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ThreadReply(Base):
    """An auto-reply posted in a thread for an entry: at most one per thread and entry."""

    __tablename__ = "thread_replies"

    channel_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    thread_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ThreadMessage(Base):
    """tykbot's one message in a thread: the answers it lists, and its ts once it was posted."""

    __tablename__ = "thread_messages"

    channel_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    thread_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    query_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """Acknowledged Slack work, durable until its reply was accepted by Slack.

    `key` makes the work unique (one job per message, across retries and replicas); a worker
    holds a job while `lease_until` is in the future; a failed try sets `run_after` later.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("key", name="uq_jobs_key"),
        Index("ix_jobs_due", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    query_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChannelSetting(Base):
    """Per-channel switches set by admins (auto-replies on or off)."""

    __tablename__ = "channel_settings"

    channel_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    autoreply: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Proposal(Base):
    """A phrasing people confirmed for an entry, waiting for an admin (or approved/rejected).

    `text` is the paste's distinctive fragment, redacted and normalised, with its ids, hosts,
    numbers and paths as placeholders; `key` its literal words (one proposal per entry and
    key). `confirmers` maps each person to the answer (query id) they confirmed it on;
    `corrected_entry_id` is the entry that ranked first when people said it was this one.
    """

    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("entry_id", "key", name="uq_proposal_entry_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(120), index=True)
    text: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    confirmers: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    corrected_entry_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    collision: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class GapMark(Base):
    """An unknown-error group an admin marked as noise: similar pastes stop being gaps."""

    __tablename__ = "gap_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(20), default="noise")
    marked_by: Mapped[str] = mapped_column(String(80))
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GatewayCheck(Base):
    """One gateway check someone asked for (or was refused): the audit trail. Holds no secret:
    a key appears only as its last 4 characters."""

    __tablename__ = "gateway_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[str] = mapped_column(String(80))
    channel_id: Mapped[str] = mapped_column(String(80), default="")
    gateway: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(300), default="")
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    calls: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
