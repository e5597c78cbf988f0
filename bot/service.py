"""Use cases shared by the CLI, the Slack listeners and the tests. No Slack or HTTP types here."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog import Entry, load_knowledge
from bot.config import Settings
from bot.matching.matcher import Match, Matcher, code_from_word
from bot.matching.redact import redact
from bot.matching.versions import notes_for_version
from bot.store import repository as repo
from bot.store.database import make_engine, session_factory, upgrade
from bot.store.models import CatalogState, Vote

MAX_PASTE_CHARS = 200_000  # longer pastes are cut (a 1 MB paste still gets an answer)
SOURCES = ("cli", "slash", "thread", "mention", "shortcut", "api")


class InputError(ValueError):
    """A paste that cannot be explained (empty, binary); the text is one line for a person."""


@dataclass(frozen=True)
class Candidate:
    """A ranked match together with its catalog entry."""

    entry: Entry
    score: float
    reason: str
    version_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """What tykbot says about one paste."""

    query_id: int | None
    text: str
    candidates: tuple[Candidate, ...]
    confident: bool
    code_only: bool = False
    secrets: tuple[str, ...] = ()
    version: str | None = None
    version_hint: str = ""
    also_found: tuple[Candidate, ...] = ()
    truncated: bool = False

    @property
    def best(self) -> Candidate | None:
        """The top candidate, if any."""
        return self.candidates[0] if self.candidates else None

    @property
    def version_seen(self) -> str:
        """The gateway version the paste revealed, for people: `5.3.9`, `>=5.14` or ``."""
        return (self.version or "").removeprefix("==")

    @property
    def secret_found(self) -> bool:
        """Whether the paste held a secret (it was redacted before logging)."""
        return bool(self.secrets)


@dataclass
class VoteOutcome:
    """What a vote did: 'new', 'changed' or 'same', and the other candidates to offer."""

    status: str
    alternatives: list[Entry] = field(default_factory=list)


def knowledge_fingerprint(directory: Path | None = None) -> str:
    """A hash of the knowledge files' bytes: changes when a release ships new knowledge."""
    from bot.catalog import knowledge_dir

    digest = hashlib.sha256()
    for path in sorted((directory or knowledge_dir()).glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Service:
    """tykbot's use cases over one database."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        # The matcher and the entries it was built from, swapped together (one reference).
        self._snapshot: tuple[Matcher, dict[str, Entry]] | None = None
        self._seen_state: tuple[int, int, Any] | None = None
        self._checked_at = 0.0
        self._pruned_at = 0.0
        self._lock = threading.Lock()

    # -- set-up ---------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings | None = None, engine: Engine | None = None) -> Service:
        """Connect, create or upgrade the schema, and load knowledge/ when it is new."""
        service = cls(settings or Settings(), engine)
        service.prepare()
        return service

    def prepare(self) -> repo.SyncReport | None:
        """Apply migrations; merge knowledge/ when the shipped files changed since last time."""
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
        self._checked_at = 0.0
        return report

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self.sessions() as s, s.begin():
            yield s

    # -- the matcher snapshot ---------------------------------------------------------------
    def matcher(self) -> Matcher:
        """The matcher for the current catalog, rebuilt when another process changed it."""
        return self._current()[0]

    def _current(self) -> tuple[Matcher, dict[str, Entry]]:
        now = time.monotonic()
        snapshot = self._snapshot
        fresh = now - self._checked_at < self.settings.tykbot_catalog_poll_seconds
        if snapshot is not None and fresh:
            return snapshot
        with self._lock, self.session() as s:
            state = (
                repo.catalog_version(s),
                s.scalar(select(func.count()).select_from(Vote)) or 0,
                s.scalar(select(func.max(Vote.updated_at))),
            )
            if self._snapshot is None or state != self._seen_state:
                entries = repo.load_entries(s)
                self._snapshot = (
                    Matcher(entries, repo.helpfulness(s)),
                    {e.id: e for e in entries},
                )
                self._seen_state = state
            self._checked_at = time.monotonic()
            return self._snapshot

    def entry(self, entry_id: str) -> Entry | None:
        """One entry of the current snapshot."""
        return self._current()[1].get(entry_id)

    # -- use cases --------------------------------------------------------------------------
    def explain(
        self,
        text: str,
        source: str = "cli",
        user_id: str | None = None,
        channel_id: str | None = None,
        limit: int = 3,
        log: bool = True,
    ) -> Answer:
        """Explain a paste: redact secrets, match, log the (redacted) query, return the Answer."""
        if "\x00" in text:
            raise InputError("that looks like binary data, not an error message")
        if not text.strip():
            raise InputError("nothing to explain: paste an error message, a log line or a code")
        truncated = len(text) > MAX_PASTE_CHARS
        if truncated:
            text = text[:MAX_PASTE_CHARS]
        redaction = redact(text)
        matcher, entries = self._current()
        result = matcher.match(redaction.text, limit=max(limit, 1))
        version = result.clues.version
        candidates = tuple(self._candidate(entries, m, version) for m in result.matches[:limit])
        also = tuple(
            self._candidate(entries, m, version)
            for m in result.distinct_errors
            if not candidates or m.entry_id != candidates[0].entry.id
        )
        answer = Answer(
            query_id=None,
            text=redaction.text,
            candidates=candidates,
            confident=result.confident,
            code_only=result.code_only,
            secrets=redaction.kinds,
            version=version,
            version_hint=result.clues.version_hint,
            also_found=also,
            truncated=truncated,
        )
        return self.record(answer, source, user_id, channel_id) if log else answer

    @staticmethod
    def _candidate(entries: dict[str, Entry], match: Match, version: str | None) -> Candidate:
        entry = entries[match.entry_id]
        notes = notes_for_version(entry.versions, version)
        return Candidate(entry=entry, score=match.score, reason=match.reason, version_notes=notes)

    def entries_for_code(self, code_or_word: str) -> list[Entry]:
        """Active entries of a status code given as `429` or a reason phrase like `forbidden`."""
        code = code_from_word(code_or_word)
        if code is None:
            return []
        matcher, entries = self._current()
        return [entries[e.id] for e in matcher.entries_for_code(code)]

    def search(self, words: str, limit: int = 10) -> list[Candidate]:
        """Entries whose message, aliases, cause, action or tags mention the words (ranked)."""
        wanted = [w for w in words.lower().split() if w]
        if not wanted:
            return []
        matcher, entries = self._current()
        fuzzy = {m.entry_id: m for m in matcher.match(words, limit=limit).matches}
        scored: list[Candidate] = []
        for entry in entries.values():
            if entry.status != "active":
                continue
            hay = " ".join(
                [
                    entry.message,
                    *entry.aliases,
                    entry.cause,
                    entry.action,
                    entry.guidance,
                    *entry.tags,
                    str(entry.code),
                ]
            ).lower()
            hits = sum(w in hay for w in wanted)
            fuzzy_score = fuzzy[entry.id].score if entry.id in fuzzy else 0.0
            score = max(fuzzy_score, hits / len(wanted) * 0.8)
            if score > 0.3:
                scored.append(Candidate(entry=entry, score=round(score, 4), reason="search"))
        scored.sort(key=lambda c: (-c.score, c.entry.code, c.entry.id))
        return scored[:limit]

    def vote(
        self,
        query_id: int,
        entry_id: str,
        user_id: str,
        helpful: bool,
        chosen_entry_id: str | None = None,
    ) -> VoteOutcome:
        """Store one person's vote on an answer; 'didn't help' returns the other candidates."""
        with self.session() as s:
            query = repo.get_query(s, query_id)
            if query is None:
                raise InputError("that answer is too old to vote on")
            status = repo.record_vote(s, query_id, entry_id, user_id, helpful, chosen_entry_id)
            others = [i for i in query.match_ids if i not in (entry_id, chosen_entry_id)]
        self._checked_at = 0.0
        alternatives = [e for e in (self.entry(i) for i in others) if e is not None]
        return VoteOutcome(status=status, alternatives=[] if helpful else alternatives)

    def claim_event(self, event_id: str) -> bool:
        """True the first time this Slack event id is handled (retries and replicas skip it)."""
        if time.monotonic() - self._pruned_at > 3600:
            # Slack retries for minutes, not days: a day of event ids is plenty to remember.
            with self.session() as s:
                repo.prune_bookkeeping(s, datetime.now(UTC) - timedelta(days=1))
            self._pruned_at = time.monotonic()
        with self.sessions() as s:
            return repo.claim_event(s, event_id)

    def claim_message(self, channel_id: str, ts: str) -> bool:
        """True the first time a message is answered (mention fires two events)."""
        with self.sessions() as s:
            return repo.claim_message(s, channel_id, ts)

    def claim_thread_reply(self, channel_id: str, thread_ts: str, entry_id: str) -> bool:
        """True the first time this thread gets an auto-reply about this entry."""
        with self.sessions() as s:
            return repo.claim_thread_reply(s, channel_id, thread_ts, entry_id)

    def autoreply_enabled(self, channel_id: str) -> bool:
        """Whether auto-replies are on in a channel (default from settings)."""
        with self.session() as s:
            value = repo.channel_autoreply(s, channel_id)
        return self.settings.tykbot_autoreply_default if value is None else value

    def set_autoreply(self, channel_id: str, on: bool, by: str) -> None:
        """Turn auto-replies on or off in a channel."""
        with self.session() as s:
            repo.set_channel_autoreply(s, channel_id, on, by)

    def stats(self, days: int | None = None) -> dict[str, Any]:
        """Usage figures: queries, confident share, votes, most asked entries."""
        since = datetime.now(UTC) - timedelta(days=days) if days else None
        with self.session() as s:
            figures = repo.query_stats(s, since)
            figures["entries"] = repo.count_entries(s)
            figures["catalog_version"] = repo.catalog_version(s)
        return figures

    def healthy(self) -> bool:
        """Whether the database answers."""
        try:
            with self.sessions() as s:
                s.execute(select(1))
            return True
        except Exception:
            return False

    # -- added for the Slack app (plain use cases, no Slack types) ---------------------------
    def record(
        self, answer: Answer, source: str, user_id: str | None, channel_id: str | None
    ) -> Answer:
        """Log an answer made with `explain(..., log=False)` and return it with its query id.

        Lets a caller match chatter without storing it, and store only what it answers.
        """
        if answer.query_id is not None:
            return answer
        best = answer.best
        with self.session() as s:
            query_id = repo.log_query(
                s,
                source=source if source in SOURCES else "api",
                user_id=user_id,
                channel_id=channel_id,
                text=answer.text[:20_000],
                had_secret=answer.secret_found,
                top_entry_id=best.entry.id if best else None,
                top_score=best.score if best else 0.0,
                confident=answer.confident,
                match_ids=[c.entry.id for c in answer.candidates],
            )
        return replace(answer, query_id=query_id)

    def recall(self, query_id: int, limit: int = 3) -> Answer | None:
        """The answer of a logged query, rebuilt from its stored (redacted) text; None if gone."""
        with self.session() as s:
            query = repo.get_query(s, query_id)
            if query is None:
                return None
            text, had_secret = query.text, query.had_secret
        try:
            answer = self.explain(text, limit=limit, log=False)
        except InputError:
            return None
        secrets = answer.secrets or (("secret",) if had_secret else ())
        return replace(answer, query_id=query_id, secrets=secrets)

    def explain_best(
        self,
        texts: list[str],
        source: str = "api",
        user_id: str | None = None,
        channel_id: str | None = None,
        limit: int = 3,
    ) -> Answer | None:
        """Explain whichever text matches best (earlier texts win ties); log only that one.

        None when every text is empty. Used when a mention could mean its own text or the
        message it replies to.
        """
        best: Answer | None = None
        for text in texts:
            try:
                answer = self.explain(text, source=source, limit=limit, log=False)
            except InputError:
                continue
            score = answer.best.score if answer.best else -1.0
            if best is None or score > (best.best.score if best.best else -1.0):
                best = answer
        return None if best is None else self.record(best, source, user_id, channel_id)
