"""Learning: phrasings people confirmed become proposed aliases, unmatched pastes are grouped
into unknown errors, and entries people often call wrong are listed with their reasons.

A confirmation is *Helped* on an answer that was only a best guess, or the right entry chosen
after *Wrong error?* (a correction). Its phrase is the paste's distinctive fragment with ids,
hosts and numbers as placeholders (bot.matching.phrases). An approved proposal becomes an
alias of origin `learned` through `edit_entry` (a revision; the catalog version moves, so every
replica rebuilds its matcher), and the matcher lets a learned phrasing outrank the entry it
corrected.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from bot.catalog import Entry
from bot.matching.matcher import Matcher
from bot.matching.phrases import distinctive_fragment, gap_key, key_of, mask_volatile, phrase_of
from bot.matching.priors import prior_factors, verdicts
from bot.service.catalog_edits import CatalogEdits, EditError, UnknownEntry
from bot.service.feedback import Feedback, VoteOutcome
from bot.store import repository as repo
from bot.store.models import Proposal

GAP_SOURCES = ("slash", "mention", "shortcut", "cli", "api")  # never thread chatter
GAP_SIMILARITY = 80  # rapidfuzz token_sort_ratio: two pastes of one unknown error
MAX_GAP_PASTES = 2000
COLLISION_SIMILARITY = 0.9


@dataclass(frozen=True)
class ProposalView:
    """A proposed phrasing of an entry and who confirmed it."""

    id: int
    entry_id: str
    entry: str  # `403 Access to this API has been disallowed`
    text: str
    status: str
    confirmers: int
    corrected_entry_id: str | None
    collision: str
    created_at: datetime
    updated_at: datetime
    decided_by: str | None

    def to_json(self) -> dict[str, Any]:
        """The proposal as JSON for the CLI."""
        return {
            "id": self.id,
            "entry_id": self.entry_id,
            "entry": self.entry,
            "text": self.text,
            "status": self.status,
            "confirmers": self.confirmers,
            "corrected_entry_id": self.corrected_entry_id,
            "collision": self.collision,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "decided_by": self.decided_by,
        }


def gap_id(key: str) -> str:
    """Eight hex digits naming an unknown-error group by its key."""
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]


@dataclass(frozen=True)
class Gap:
    """A group of similar pastes nothing matched with confidence: an unknown error."""

    key: str
    example: str  # the latest paste's distinctive part, ids and hosts masked
    phrase: str | None  # what an alias made from it would say (None: too little to go on)
    count: int
    first_seen: datetime
    last_seen: datetime
    channels: tuple[str, ...]
    suggestions: tuple[Entry, ...]  # entries it might be an alias of

    @property
    def id(self) -> str:
        """A short, stable name for the group (from its key), for `tykbot gaps alias ID ...`."""
        return gap_id(self.key)

    def to_json(self) -> dict[str, Any]:
        """The group as JSON for the CLI."""
        return {
            "id": self.id,
            "key": self.key,
            "example": self.example,
            "phrase": self.phrase,
            "count": self.count,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "channels": list(self.channels),
            "suggestions": [e.id for e in self.suggestions],
        }


@dataclass(frozen=True)
class EntryFeedback:
    """What people said about one entry: distinct people it helped, who called it wrong, the
    share of wrong verdicts, the prior it gets, and the reasons given."""

    entry: Entry
    helped: int
    wrong: int
    prior: float
    reasons: tuple[str, ...] = ()

    @property
    def wrong_rate(self) -> float:
        """Wrong verdicts over all verdicts."""
        total = self.helped + self.wrong
        return self.wrong / total if total else 0.0

    def to_json(self) -> dict[str, Any]:
        """The figures as JSON."""
        return {
            "id": self.entry.id,
            "code": self.entry.code,
            "message": self.entry.message,
            "helped": self.helped,
            "wrong": self.wrong,
            "wrong_rate": round(self.wrong_rate, 3),
            "prior": round(self.prior, 4),
            "reasons": list(self.reasons),
        }


class Learning(Feedback, CatalogEdits):
    """Use cases that let the catalog learn from the people using it."""

    # -- confirmations become proposals ---------------------------------------------------------
    def vote(
        self,
        query_id: int,
        entry_id: str,
        user_id: str,
        helpful: bool,
        chosen_entry_id: str | None = None,
    ) -> VoteOutcome:
        """A vote (see Feedback.vote); a confirmation also proposes the paste's phrasing."""
        outcome = super().vote(query_id, entry_id, user_id, helpful, chosen_entry_id)
        if outcome.status == "changed":  # what they confirmed on this answer before is void
            with self.session() as s:
                repo.withdraw_confirmations(s, query_id, user_id)
        if outcome.status != "same":
            self._learn(outcome, query_id, entry_id, user_id, helpful, chosen_entry_id)
        return outcome

    def _learn(
        self,
        outcome: VoteOutcome,
        query_id: int,
        entry_id: str,
        user_id: str,
        helpful: bool,
        chosen_entry_id: str | None,
    ) -> None:
        text, confident = outcome.query_text, outcome.query_confident
        if chosen_entry_id:
            target, corrected = chosen_entry_id, entry_id
        elif helpful and not confident:
            target, corrected = entry_id, None
        else:
            return
        proposal = self.propose(text, target, user_id, query_id, corrected)
        wanted = self.settings.tykbot_learn_auto_approve
        if (
            proposal is not None
            and wanted > 0
            and proposal.status == "open"
            and not proposal.collision
            and proposal.confirmers >= wanted
        ):
            self.approve(proposal.id, by=f"auto-approve ({proposal.confirmers} people)")

    def propose(
        self,
        text: str,
        entry_id: str,
        user_id: str | None,
        query_id: int = 0,
        corrected: str | None = None,
    ) -> ProposalView | None:
        """Propose the phrasing of a paste as an alias of `entry_id`, confirmed by `user_id`.
        None when the paste has too little distinctive text or the entry already matches it."""
        if not text.strip() or self.entry(entry_id) is None:
            return None
        matcher = self.matcher()
        result = matcher.match(text, limit=5)
        if result.confident and result.matches[0].entry_id == entry_id:
            return None  # it already answers this paste with this entry
        fragments = [m.fragment for m in result.matches if m.fragment and m.kind != "code"]
        phrase = phrase_of(distinctive_fragment(text, fragments[0] if fragments else ""))
        if phrase is None:
            return None
        collision = self._collision(matcher, entry_id, phrase)
        with self.session() as s:
            row = repo.confirm_proposal(
                s, entry_id, phrase, key_of(phrase), user_id, query_id, corrected, collision
            )
            return self._view(row)

    def _collision(self, matcher: Matcher, entry_id: str, phrase: str) -> str:
        """What another entry already says that a phrase would clash with ("" when nothing)."""
        for other, text, sim in matcher.similar_texts(phrase, COLLISION_SIMILARITY):
            if other != entry_id:
                same = "is" if sim >= 0.999 else f"is {sim:.0%} like"
                return f"{same} {text!r} of {other}"
        return ""

    def _view(self, row: Proposal) -> ProposalView:
        entry = self.entry(row.entry_id)
        title = f"{entry.code} {entry.message}" if entry else row.entry_id
        return ProposalView(
            id=row.id,
            entry_id=row.entry_id,
            entry=title,
            text=row.text,
            status=row.status,
            confirmers=len(row.confirmers or {}),
            corrected_entry_id=row.corrected_entry_id,
            collision=row.collision,
            created_at=repo.aware(row.created_at),
            updated_at=repo.aware(row.updated_at),
            decided_by=row.decided_by,
        )

    # -- review ---------------------------------------------------------------------------------
    def review_list(self, status: str | None = "open", limit: int = 100) -> list[ProposalView]:
        """Proposals waiting for an admin (or all of them with `status=None`)."""
        with self.session() as s:
            return [self._view(p) for p in repo.proposals(s, status, limit)]

    def proposal(self, proposal_id: int) -> ProposalView:
        """One proposal; UnknownEntry when there is none."""
        with self.session() as s:
            row = repo.proposal(s, proposal_id)
            if row is None:
                raise UnknownEntry(f"no proposal {proposal_id}")
            return self._view(row)

    def approve(self, proposal_id: int, by: str) -> ProposalView:
        """Make a proposal an alias of its entry (origin `learned`), recorded as a revision."""
        proposal = self.proposal(proposal_id)
        if proposal.status != "open":
            raise EditError(f"proposal {proposal_id} is already {proposal.status}")
        entry = self.entry_record(proposal.entry_id).entry
        if entry.status != "active":
            raise EditError(f"{entry.id} is retired; restore it before adding phrasings")
        key = key_of(proposal.text)
        if all(key_of(a) != key for a in entry.aliases):
            people = f", confirmed by {proposal.confirmers}" if proposal.confirmers else ""
            self.edit_entry(
                "edit",
                by=by,
                entry_id=entry.id,
                changes={"aliases": [*entry.aliases, proposal.text]},
                alias_origin="learned",
                reason=f"learned phrasing #{proposal_id}{people}",
            )
        with self.session() as s:
            repo.decide_proposal(s, proposal_id, "approved", by)
        return self.proposal(proposal_id)

    def reject(self, proposal_id: int, by: str) -> ProposalView:
        """Turn a proposal down; later confirmations of it no longer count."""
        proposal = self.proposal(proposal_id)
        if proposal.status != "open":
            raise EditError(f"proposal {proposal_id} is already {proposal.status}")
        with self.session() as s:
            repo.decide_proposal(s, proposal_id, "rejected", by)
        return self.proposal(proposal_id)

    # -- gaps -------------------------------------------------------------------------------------
    def gaps(self, days: int = 30, limit: int = 10) -> list[Gap]:
        """Unknown errors: recent pastes no entry matched with confidence (slash commands,
        mentions, the shortcut, the CLI; never thread chatter), grouped by similarity, the
        biggest first. Groups the catalog now answers, or an admin marked as noise, are left
        out."""
        since = datetime.now(UTC) - timedelta(days=days)
        with self.session() as s:
            rows = repo.unconfident_queries(s, since, GAP_SOURCES, MAX_GAP_PASTES)
            marks = repo.gap_marks(s)
        pastes = [(row, gap_key(row[3])) for row in rows]
        pastes = [(row, key) for row, key in pastes if key]
        if not pastes:
            return []
        keys = [key for _, key in pastes]
        keep = np.ones(len(keys), dtype=bool)
        if marks:
            noise = process.cdist(keys, marks, scorer=fuzz.token_sort_ratio, workers=-1)
            keep = noise.max(axis=1) < GAP_SIMILARITY
        close = process.cdist(keys, keys, scorer=fuzz.token_sort_ratio, workers=-1)
        close = close >= GAP_SIMILARITY
        taken = ~keep
        groups: list[list[int]] = []
        for i in range(len(keys)):  # newest first: each group is led by its latest paste
            if taken[i]:
                continue
            found = np.flatnonzero(close[i] & ~taken)
            taken[found] = True
            groups.append([int(m) for m in found])
        matcher = self.matcher()
        out: list[Gap] = []
        for members in sorted(groups, key=lambda g: -len(g)):
            latest = pastes[members[0]][0]
            result = matcher.match(latest[3], limit=5)
            if result.confident:
                continue  # an entry or alias added since answers it
            times = [pastes[m][0][1] for m in members]
            channels = Counter(str(pastes[m][0][2]) for m in members if pastes[m][0][2])
            fragment = distinctive_fragment(latest[3])
            out.append(
                Gap(
                    key=pastes[members[0]][1],
                    example=" ".join(mask_volatile(fragment).split())[:300],
                    phrase=phrase_of(fragment),
                    count=len(members),
                    first_seen=min(times),
                    last_seen=max(times),
                    channels=tuple(c for c, _ in channels.most_common()),
                    suggestions=tuple(
                        e for e in (self.entry(m.entry_id) for m in result.matches) if e
                    ),
                )
            )
            if len(out) >= limit:
                break
        return out

    def find_gap(self, wanted: str, days: int = 30) -> Gap:
        """The unknown-error group listed under `wanted` (its id or its key); EditError when
        no current group has it (answered since, marked as noise, or older than `days`)."""
        for gap in self.gaps(days=days, limit=MAX_GAP_PASTES):
            if wanted in (gap.id, gap.key):
                return gap
        raise EditError(f"no unknown-error group {wanted!r} in the last {days} days")

    def gap_to_entry(self, gap: Gap, changes: dict[str, Any], by: str) -> str:
        """Add a new entry for an unknown error, its phrasing as the entry's first alias;
        returns the new entry's id. `changes` needs at least the code and the message."""
        values: dict[str, Any] = dict(changes)
        if gap.phrase:
            values["aliases"] = [*values.get("aliases", []), gap.phrase]
        result = self.edit_entry("add", by=by, changes=values, reason="from an unknown error")
        return result.entry.id

    def mark_gap_noise(self, key: str, by: str) -> None:
        """Stop listing an unknown-error group (and pastes like it) as a gap."""
        with self.session() as s:
            repo.mark_gap(s, key[:300], "noise", by)

    def gap_to_alias(self, phrase: str, entry_id: str, by: str) -> ProposalView:
        """Make an unknown error's phrasing an alias of an existing entry at once."""
        proposal = self.propose(phrase, entry_id, None)
        if proposal is None:
            raise EditError(f"{entry_id} already answers this, or it has too few words to learn")
        return self.approve(proposal.id, by)

    # -- how entries fare -----------------------------------------------------------------------
    def entry_feedback(self) -> list[EntryFeedback]:
        """Per entry that has votes: distinct people it helped or that called it wrong (their
        latest verdict), its prior, and the reasons people gave (newest first)."""
        with self.session() as s:
            votes = repo.vote_rows(s)
        facts = [repo.vote_fact(v) for v in votes]
        latest = verdicts(facts)
        priors = prior_factors(facts, datetime.now(UTC))
        tally: dict[str, list[int]] = {}
        for (entry_id, _user), (helpful, _at) in latest.items():
            tally.setdefault(entry_id, [0, 0])[0 if helpful else 1] += 1
        reasons: dict[str, list[str]] = {}
        for vote in reversed(votes):
            if vote.reason and not vote.helpful:
                reasons.setdefault(vote.entry_id, []).append(vote.reason)
        out = []
        for entry_id, (helped, wrong) in tally.items():
            entry = self.entry(entry_id)
            if entry is not None:
                found = tuple(dict.fromkeys(reasons.get(entry_id, [])))[:5]
                out.append(EntryFeedback(entry, helped, wrong, priors.get(entry_id, 1.0), found))
        return sorted(out, key=lambda f: (-(f.helped + f.wrong), f.entry.id))

    def weak_entries(self, limit: int = 10) -> list[EntryFeedback]:
        """Entries people called the wrong error, the highest share of wrong verdicts first."""
        weak = [f for f in self.entry_feedback() if f.wrong]
        weak.sort(key=lambda f: (-f.wrong_rate, -f.wrong, f.entry.id))
        return weak[:limit]

    def feedback_export(self) -> list[dict[str, Any]]:
        """Every vote and correction: time, answer, entry, verdict, chosen entry, reason, user."""
        with self.session() as s:
            return [
                {
                    "time": repo.aware(v.updated_at).isoformat(),
                    "query_id": v.query_id,
                    "entry_id": v.entry_id,
                    "verdict": "helped" if v.helpful else "wrong",
                    "chosen_entry_id": v.chosen_entry_id or "",
                    "reason": v.reason or "",
                    "user_id": v.user_id,
                }
                for v in repo.vote_rows(s)
            ]

    # -- summaries --------------------------------------------------------------------------------
    def top_errors(
        self,
        days: int = 7,
        user_id: str | None = None,
        limit: int = 5,
        member_of: Collection[str] = (),
    ) -> list[tuple[Entry, int]]:
        """The entries most often answered in the last days, with counts. With `user_id`: only
        in that person's channels, the ones they are in (`member_of`) and the ones they asked
        tykbot in."""
        since = datetime.now(UTC) - timedelta(days=days)
        with self.session() as s:
            channels = None
            if user_id:
                channels = sorted(set(repo.channels_of(s, user_id, since)) | set(member_of))
                if not channels:
                    return []
            rows = repo.top_entries(s, since, channels, limit)
        return [(e, n) for e, n in ((self.entry(i), n) for i, n in rows) if e is not None]

    def summary(self, days: int = 7) -> dict[str, Any]:
        """The week in figures: answers, top errors, new unknown errors, weak entries, open
        proposals (for `/tykerror stats`, the digest and the App Home)."""
        since = datetime.now(UTC) - timedelta(days=days)
        with self.session() as s:
            figures = repo.query_stats(s, since)
        gaps = self.gaps(days=max(days, 30), limit=50)
        return {
            "days": days,
            "queries": figures["queries"],
            "confident": figures["confident"],
            "top": self.top_errors(days),
            "new_gaps": [g for g in gaps if g.first_seen >= since][:5],
            "weak": self.weak_entries(5),
            "open_proposals": len(self.review_list()),
        }


__all__ = ["GAP_SOURCES", "EntryFeedback", "Gap", "Learning", "ProposalView"]
