"""The service's core: the database, the schema, knowledge sync and the matcher snapshot."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog import Entry, load_knowledge
from bot.config import Settings
from bot.matching.matcher import Matcher
from bot.matching.priors import PriorBook
from bot.store import repository as repo
from bot.store.database import first_line, make_engine, session_factory, setup_lock, upgrade
from bot.store.models import CatalogState
from bot.store.writes import WriteGate

log = logging.getLogger("bot.service")
# A refresh reads only the votes changed since the last one (and this far back, for votes
# written before it but committed after), and every vote again every VOTES_REREAD_SECONDS.
VOTES_OVERLAP_SECONDS = 60.0
VOTES_REREAD_SECONDS = 600.0


def knowledge_fingerprint(directory: Path | None = None) -> str:
    """A hash of the knowledge files' bytes: changes when a release ships new knowledge."""
    from bot.catalog import knowledge_dir

    digest = hashlib.sha256()
    for path in sorted((directory or knowledge_dir()).glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class ServiceCore:
    """One database, its catalog and the matcher built from it; the use cases build on it."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(
            settings.database_url,
            connect_timeout=settings.tykbot_db_connect_timeout,
            statement_timeout_ms=settings.tykbot_db_statement_timeout_ms,
            pool_timeout=settings.tykbot_db_pool_timeout,
            busy_timeout=settings.tykbot_sqlite_busy_timeout,
            # request threads, job workers, the job poller and the catalog refresher
            pool_size=2 * settings.tykbot_threads + 2,
        )
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        # SQLite: one transaction at a time in this process, those of Slack requests first.
        self._gate = (
            WriteGate(yield_for=settings.tykbot_background_yield_ms / 1000)
            if self.engine.dialect.name == "sqlite"
            else None
        )
        # The matcher and the entries it was built from, swapped together (one reference).
        self._snapshot: tuple[Matcher, dict[str, Entry]] | None = None
        self._seen_version: int | None = None
        self._seen_votes: tuple[int, Any] | None = None
        self._prior_book = PriorBook()  # the votes read so far and their priors
        self._votes_read_at: datetime | None = None  # the last read of votes (all or changed)
        self._votes_full_at: datetime | None = None  # the last read of every vote
        self._checked_at = 0.0
        self._pruned_at = 0.0
        self._lock = threading.Lock()  # one refresh at a time
        self._refreshing = threading.Lock()  # held while a background refresh runs
        self._health_lock = threading.Lock()
        self.rebuilds = 0  # matchers built by this process (a catalog change builds one)

    # -- set-up ---------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings | None = None, engine: Engine | None = None) -> Self:
        """Connect, create or upgrade the schema, and load knowledge/ when it is new."""
        service = cls(settings or Settings(), engine)
        service.prepare()
        return service

    def prepare(self) -> repo.SyncReport | None:
        """Apply migrations; merge knowledge/ when the shipped files changed since last time."""
        # One replica at a time: the others wait, then find the work done.
        with setup_lock(self.engine):
            upgrade(self.engine)
            fingerprint = knowledge_fingerprint()
            with self.session() as s:
                state = s.get(CatalogState, 1)
                if state is not None and state.knowledge_fingerprint == fingerprint:
                    return None
            return self.sync_knowledge(fingerprint)

    def sync_knowledge(self, fingerprint: str | None = None) -> repo.SyncReport:
        """Merge knowledge/ into the store, keeping entries edited in the store."""
        entries = load_knowledge()
        with self.session() as s:
            report = repo.sync_knowledge(s, entries)
            if s.get(CatalogState, 1) is None:
                repo.bump_catalog_version(s)
            state = s.get(CatalogState, 1)
            assert state is not None
            state.knowledge_fingerprint = fingerprint or knowledge_fingerprint()
        if self._snapshot is not None:
            self.refresh()
        return report

    @contextmanager
    def session(self, wait_for_disk: bool = True) -> Iterator[Session]:
        """A session that commits on success and rolls back on error.

        With `wait_for_disk=False`, on PostgreSQL, its commit returns before the server's
        write-ahead log reaches the disk (`synchronous_commit = off` for this transaction
        only): it is visible and kept at once, and lost only if the database server itself
        crashes in the next fraction of a second (never partly, never by tykbot crashing).
        For the query log written while someone waits for an answer: during a burst of clicks
        its commit queued behind the clicks' flushes (on the split deployment, slash p99
        during the burst went from 7.24 to 6.08 ms; 5.3-5.8 ms without a burst). SQLite files
        already commit without a flush (WAL with synchronous=NORMAL)."""
        turn = self._gate.turn() if self._gate is not None else contextlib.nullcontext()
        try:
            with turn, self.sessions() as s, s.begin():
                if not wait_for_disk and self.engine.dialect.name == "postgresql":
                    s.execute(text("SET LOCAL synchronous_commit TO OFF"))
                yield s
        except SQLAlchemyError as exc:  # the store failed: say why (the caller decides what next)
            log.warning(
                "tykbot: database error: %s",
                type(exc).__name__,
                extra={"cause": f"{type(exc).__name__}: {first_line(exc)}"[:500]},
            )
            raise

    # -- the matcher snapshot ---------------------------------------------------------------
    # Requests read `self._snapshot` (one reference: matcher and entries together) and never
    # wait for a build. Every `tykbot_catalog_poll_seconds` one request starts a refresh in a
    # background thread (one at a time): a catalog change builds a new matcher there, new votes
    # only swap priors into the current one (`Matcher.with_priors`, the index shared). With a
    # poll interval of 0 (tests) the check runs in the request instead.
    def matcher(self) -> Matcher:
        """The matcher for the current catalog, rebuilt when another process changed it."""
        return self._current()[0]

    def _current(self) -> tuple[Matcher, dict[str, Entry]]:
        snapshot = self._snapshot
        poll = self.settings.tykbot_catalog_poll_seconds
        if snapshot is None or poll <= 0:
            self.refresh()
        elif time.monotonic() - self._checked_at >= poll:
            self._checked_at = time.monotonic()
            self._refresh_in_background()
        current = self._snapshot
        assert current is not None
        return current

    def refresh(self) -> None:
        """Bring the snapshot up to date now (after this process changed the catalog)."""
        with self._lock:
            self._refresh_locked()

    def _refresh_in_background(self) -> None:
        if not self._refreshing.acquire(blocking=False):
            return  # a refresh is already under way: keep serving the current snapshot

        def run() -> None:
            try:
                with self._lock:
                    self._refresh_locked()
            except Exception:
                log.exception("tykbot could not refresh the matcher; serving the old one")
            finally:
                self._refreshing.release()

        threading.Thread(target=run, name="tykbot-refresh", daemon=True).start()

    def _refresh_locked(self) -> None:
        with self.session() as s:
            version, votes = repo.catalog_version(s), repo.votes_state(s)
            rebuild = self._snapshot is None or version != self._seen_version
            if not rebuild and votes == self._seen_votes:
                self._checked_at = time.monotonic()
                return
            priors = self._read_priors(s, votes[0])
            entries = repo.load_entries(s) if rebuild else []
            learned = repo.learned_aliases(s) if rebuild else []
        if rebuild or self._snapshot is None:
            self._snapshot = (Matcher(entries, priors, learned), {e.id: e for e in entries})
            self.rebuilds += 1
        else:
            self._snapshot = (self._snapshot[0].with_priors(priors), self._snapshot[1])
        self._seen_version, self._seen_votes = version, votes
        self._checked_at = time.monotonic()

    def _read_priors(self, s: Session, count: int) -> dict[str, float]:
        """The priors after reading the votes changed since the last refresh (all of them the
        first time, every VOTES_REREAD_SECONDS, and when the count says some were deleted)."""
        now = datetime.now(UTC)
        book, read_at, full_at = self._prior_book, self._votes_read_at, self._votes_full_at
        recent = full_at is not None and (now - full_at).total_seconds() < VOTES_REREAD_SECONDS
        if read_at is not None and recent:
            # A vote written just before the last read may commit after it: read back a while.
            changed = repo.vote_facts_by_id(s, read_at - timedelta(seconds=VOTES_OVERLAP_SECONDS))
            new = sum(1 for vote_id in changed if vote_id not in book.facts)
            if len(book.facts) + new == count:  # no vote deleted since (counting costs O(changed))
                self._votes_read_at = now
                return book.update(changed, now)
        self._votes_read_at = self._votes_full_at = now
        return book.reset(repo.vote_facts_by_id(s), now)

    def entry(self, entry_id: str) -> Entry | None:
        """One entry of the current snapshot."""
        return self._current()[1].get(entry_id)

    def healthy(self) -> bool:
        """Whether the database answers within the health timeout (a silent database is down).

        The reason is logged when it is not. One check runs at a time: while one hangs, the
        next answers "no" at once instead of piling up threads.
        """
        reason = self.unhealthy_reason()
        if reason:
            log.warning("tykbot: database unavailable: %s", reason)
        return not reason

    def unhealthy_reason(self) -> str:
        """Why the database does not answer now ("" when it does)."""
        if not self._health_lock.acquire(blocking=False):
            return "the previous health check is still waiting for the database"
        done = threading.Event()
        failure: list[str] = []

        def check() -> None:
            try:
                with self.sessions() as s:
                    s.execute(select(1))
            except Exception as exc:
                failure.append(f"{type(exc).__name__}: {first_line(exc)}")
            finally:
                done.set()
                self._health_lock.release()

        threading.Thread(target=check, name="tykbot-health-check", daemon=True).start()
        if not done.wait(self.settings.tykbot_health_timeout):
            return f"no answer within {self.settings.tykbot_health_timeout:g}s"
        return failure[0] if failure else ""
