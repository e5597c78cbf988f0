"""Answering: explain a paste, log it, recall it, search the catalog, list a code's entries."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.catalog import Entry
from bot.matching.matcher import Match, Matcher, code_from_word
from bot.matching.redact import redact
from bot.matching.values import paste_values
from bot.matching.versions import notes_for_version
from bot.service.answers import MAX_PASTE_CHARS, SOURCES, Answer, Candidate, InputError
from bot.service.core import ServiceCore
from bot.store import repository as repo

_log = logging.getLogger("bot.service")


def query_values(
    answer: Answer, source: str, user_id: str | None, channel_id: str | None
) -> dict[str, object]:
    """The query log row of an answer: the (redacted) text matched and what was shown."""
    best = answer.best
    return {
        "source": source if source in SOURCES else "api",
        "user_id": user_id,
        "channel_id": channel_id,
        "text": answer.text,
        "had_secret": answer.secret_found,
        "top_entry_id": best.entry.id if best else None,
        "top_score": best.score if best else 0.0,
        "confident": answer.confident,
        "match_ids": [c.entry.id for c in answer.candidates],
        "match_scores": [c.score for c in answer.candidates],
        "truncated": answer.truncated,
    }


def keep_end(text: str, limit: int = MAX_PASTE_CHARS) -> str:
    """The last `limit` characters, from a line start when one is near (the error is last)."""
    tail = text[-limit:]
    start = tail.find("\n", 0, 2_000)
    return tail[start + 1 :] if start >= 0 and tail[start + 1 :].strip() else tail


class Answering(ServiceCore):
    """Use cases that turn pastes into answers."""

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
            text = keep_end(text)
        redaction = redact(text)
        matcher, entries = self._current()
        # Extra matches: same-text siblings fold into one candidate and free their places.
        result = matcher.match(redaction.text, limit=max(limit, 1) + 3)
        version = result.clues.version
        codes_seen = tuple(sorted(result.clues.codes, key=lambda c: -result.clues.codes[c]))
        candidates = self._one_per_text(
            matcher,
            entries,
            [self._candidate(entries, m, version) for m in result.matches],
            codes_seen,
            version,
        )[:limit]
        best_ids = {e.id for c in candidates[:1] for e in (c.entry, *c.siblings)}
        also = self._one_per_text(
            matcher,
            entries,
            [
                self._candidate(entries, m, version)
                for m in result.distinct_errors
                if m.entry_id not in best_ids
            ],
            codes_seen,
            version,
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
            values=paste_values(redaction.text, version),
            codes_seen=codes_seen,
        )
        best = answer.best
        _log.info(
            "tykbot: explained a paste (%s)",
            "matched" if best else "no match",
            extra={"entry": best.entry.id, "score": round(best.score, 3)} if best else {},
        )
        return self.record(answer, source, user_id, channel_id) if log else answer

    @staticmethod
    def _candidate(entries: dict[str, Entry], match: Match, version: str | None) -> Candidate:
        entry = entries[match.entry_id]
        notes = notes_for_version(entry.versions, version)
        return Candidate(
            entry=entry,
            score=match.score,
            reason=match.reason,
            version_notes=notes,
            kind=match.kind,
            fragment=match.fragment,
        )

    @staticmethod
    def _rebuilt(
        matcher: Matcher,
        entries: dict[str, Entry],
        entry: Entry,
        score: float,
        reason: str,
        version: str | None,
    ) -> Candidate:
        """A candidate for an entry named by id (not found by matching just now)."""
        return Candidate(
            entry=entry,
            score=score,
            reason=reason,
            version_notes=notes_for_version(entry.versions, version),
            kind="chosen",
            siblings=tuple(entries[i] for i in matcher.same_text(entry) if i in entries),
        )

    @staticmethod
    def _one_per_text(
        matcher: Matcher,
        entries: dict[str, Entry],
        ranked: list[Candidate],
        codes_seen: tuple[int, ...],
        version: str | None,
    ) -> tuple[Candidate, ...]:
        """One candidate per text: entries listing the same words under other codes become its
        siblings, and the code the paste shows picks which entry leads (codes decide ties)."""
        out: list[Candidate] = []
        taken: set[str] = set()
        for candidate in ranked:
            if candidate.entry.id in taken:
                continue
            siblings = [entries[i] for i in matcher.same_text(candidate.entry) if i in entries]
            taken.update([candidate.entry.id, *(e.id for e in siblings)])
            lead = next((e for c in codes_seen for e in siblings if e.code == c), None)
            if lead is not None and candidate.entry.code not in codes_seen:
                siblings = [candidate.entry, *(e for e in siblings if e.id != lead.id)]
                notes = notes_for_version(lead.versions, version)
                candidate = replace(candidate, entry=lead, version_notes=notes)
            out.append(replace(candidate, siblings=tuple(siblings)))
        return tuple(out)

    def entries_for_code(self, code_or_word: str) -> list[Entry]:
        """Active entries of a status code given as `429` or a reason phrase like `forbidden`:
        those clients really receive first, the most common (prevalence, then how often people
        asked) before the rare."""
        code = code_from_word(code_or_word)
        if code is None:
            return []
        matcher, entries = self._current()
        with self.session() as s:
            asked = repo.asked_counts(s)
        found = [entries[e.id] for e in matcher.entries_for_code(code)]
        return sorted(
            found, key=lambda e: (not e.reaches_clients, -e.prevalence, -asked.get(e.id, 0))
        )

    def answer_for_entry(self, entry_id: str, base: Answer | None = None) -> Answer | None:
        """An answer naming one chosen entry (a list's *Explain*, a *Wrong error?* pick).

        With `base`, the paste's values, codes and version come along, so the chosen entry's
        card still speaks of that paste; the query id is kept for votes.
        """
        matcher, entries = self._current()
        entry = entries.get(entry_id)
        if entry is None:
            return None
        version = base.version if base else None
        chosen = self._rebuilt(matcher, entries, entry, 1.0, "chosen by a person", version)
        if base is None:
            return Answer(query_id=None, text="", candidates=(chosen,), confident=True)
        return replace(base, candidates=(chosen,), also_found=(), confident=True, code_only=False)

    def recall_many(self, query_ids: list[int]) -> list[Answer]:
        """The answers of several logged queries, in order (forgotten ones left out)."""
        return [a for a in (self.recall(q) for q in query_ids) if a is not None]

    def search(self, words: str, limit: int = 10) -> list[Candidate]:
        """Entries whose message, aliases, override ids, cause, action or tags mention the words
        (ranked)."""
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
                    *entry.override_ids,
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

    def record(
        self, answer: Answer, source: str, user_id: str | None, channel_id: str | None
    ) -> Answer:
        """Log an answer made with `explain(..., log=False)` and return it with its query id.

        Lets a caller match chatter without storing it, and store only what it answers.
        """
        if answer.query_id is not None:
            return answer
        with self.session(wait_for_disk=False) as s:  # someone waits for the answer
            query_id = repo.log_query(s, **query_values(answer, source, user_id, channel_id))
        return replace(answer, query_id=query_id)

    def recall(self, query_id: int, limit: int = 3) -> Answer | None:
        """The answer of a logged query exactly as it was shown: its stored (redacted) text
        read again for values and details, but the candidates, their order and scores, and
        how sure it was, are the stored ones (votes since then change no shown answer)."""
        with self.session() as s:
            query = repo.get_query(s, query_id)
            if query is None:
                return None
            text, had_secret, truncated = query.text, query.had_secret, query.truncated
            ids, scores, confident = (
                list(query.match_ids),
                list(query.match_scores),
                query.confident,
            )
        try:
            answer = self.explain(text, limit=max(limit, len(ids)), log=False)
        except InputError:
            return None
        matcher, entries = self._current()
        found = {c.entry.id: c for c in (*answer.candidates, *answer.also_found)}
        shown: list[Candidate] = []
        for i, entry_id in enumerate(ids[:limit]):
            score = scores[i] if i < len(scores) else (answer.best.score if answer.best else 0.0)
            if entry_id in found:
                shown.append(replace(found[entry_id], score=score))
            elif entry_id in entries:
                entry = entries[entry_id]
                shown.append(
                    self._rebuilt(
                        matcher, entries, entry, score, "as first answered", answer.version
                    )
                )
        shown_ids = {e.id for c in shown for e in (c.entry, *c.siblings)}
        secrets = answer.secrets or (("secret",) if had_secret else ())
        return replace(
            answer,
            query_id=query_id,
            candidates=tuple(shown),
            also_found=tuple(c for c in answer.also_found if c.entry.id not in shown_ids),
            confident=confident,
            secrets=secrets,
            truncated=truncated or answer.truncated,
        )

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
