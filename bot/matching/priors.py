"""Helpfulness priors: what people's votes say about an entry, as a score factor near 1.

One person counts once per entry (their latest verdict), however many answers they voted on,
so a flood of clicks from one user moves an entry no more than one click does. Old votes fade
(a half-life), and a Bayesian average pulls entries with few votes towards neutral. The factor
is capped at ±PRIOR_CAP: it breaks near-ties but never beats a clearly better text match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

PRIOR_CAP = 0.04
HALF_LIFE_DAYS = 90.0
PRIOR_WEIGHT = 5.0  # votes' worth of "neutral" every entry starts with


@dataclass(frozen=True)
class VoteFact:
    """One stored vote: who said what about which entry, and when."""

    entry_id: str
    user_id: str
    helpful: bool
    chosen_entry_id: str | None
    at: datetime


def verdicts(votes: Iterable[VoteFact]) -> dict[tuple[str, str], tuple[bool, datetime]]:
    """Each person's latest verdict per entry; a correction to B is also a 'helped' for B."""
    latest: dict[tuple[str, str], tuple[bool, datetime]] = {}

    def keep(entry_id: str, user_id: str, helpful: bool, at: datetime) -> None:
        old = latest.get((entry_id, user_id))
        if old is None or at >= old[1]:
            latest[(entry_id, user_id)] = (helpful, at)

    for v in votes:
        keep(v.entry_id, v.user_id, v.helpful, v.at)
        if v.chosen_entry_id:
            keep(v.chosen_entry_id, v.user_id, True, v.at)
    return latest


def prior_factors(votes: Iterable[VoteFact], now: datetime) -> dict[str, float]:
    """Per entry: 1 + 2·cap·(p − ½), p the decayed Bayesian share of people it helped."""
    sums: dict[str, list[float]] = {}
    for (entry_id, _user), (helpful, at) in verdicts(votes).items():
        age_days = max((now - at).total_seconds(), 0.0) / 86_400
        weight = 0.5 ** (age_days / HALF_LIFE_DAYS)
        pair = sums.setdefault(entry_id, [0.0, 0.0])
        pair[0 if helpful else 1] += weight
    out: dict[str, float] = {}
    for entry_id, (up, down) in sums.items():
        share = (up + PRIOR_WEIGHT / 2) / (up + down + PRIOR_WEIGHT)
        out[entry_id] = 1.0 + 2 * PRIOR_CAP * (share - 0.5)
    return out


def _entries_of(fact: VoteFact) -> tuple[str, ...]:
    """The entries a vote speaks about: the one it was on, and the one chosen instead."""
    return (fact.entry_id, fact.chosen_entry_id) if fact.chosen_entry_id else (fact.entry_id,)


class PriorBook:
    """Every vote (by its id) and the priors they give, kept between refreshes so that new votes
    cost a refresh as much as they touch, not the whole history: an entry's factor depends only
    on the votes about it, so only the entries a changed vote speaks about are computed again.
    The others' decay is brought up to date by a full recompute at most every `RECOMPUTE_AFTER`
    (from memory: a half-life of 90 days moves nothing in that time)."""

    RECOMPUTE_AFTER = timedelta(minutes=10)

    def __init__(self) -> None:
        self.facts: dict[int, VoteFact] = {}
        self.factors: dict[str, float] = {}
        self._about: dict[str, set[int]] = {}  # entry id -> ids of the votes about it
        self._computed_at: datetime | None = None

    def reset(self, facts: Mapping[int, VoteFact], now: datetime) -> dict[str, float]:
        """Start again from every vote; the priors."""
        self.facts = dict(facts)
        self._about = {}
        for vote_id, fact in self.facts.items():
            for entry_id in _entries_of(fact):
                self._about.setdefault(entry_id, set()).add(vote_id)
        return self._recompute(now)

    def update(self, changed: Mapping[int, VoteFact], now: datetime) -> dict[str, float]:
        """Take in new and changed votes (by id); the priors."""
        affected: set[str] = set()
        for vote_id, fact in changed.items():
            old = self.facts.get(vote_id)
            if old == fact:
                continue
            if old is not None:
                for entry_id in _entries_of(old):
                    self._about[entry_id].discard(vote_id)
                    affected.add(entry_id)
            self.facts[vote_id] = fact
            for entry_id in _entries_of(fact):
                self._about.setdefault(entry_id, set()).add(vote_id)
                affected.add(entry_id)
        if self._computed_at is None or now - self._computed_at >= self.RECOMPUTE_AFTER:
            return self._recompute(now)
        about = {vote_id for entry_id in affected for vote_id in self._about.get(entry_id, ())}
        fresh = prior_factors((self.facts[vote_id] for vote_id in sorted(about)), now)
        for entry_id in affected:
            if entry_id in fresh:
                self.factors[entry_id] = fresh[entry_id]
            else:
                self.factors.pop(entry_id, None)
        return dict(self.factors)

    def _recompute(self, now: datetime) -> dict[str, float]:
        # In vote id order here and above: of two equally recent verdicts, the later vote's wins.
        self.factors = prior_factors((self.facts[i] for i in sorted(self.facts)), now)
        self._computed_at = now
        return dict(self.factors)


__all__ = [
    "HALF_LIFE_DAYS",
    "PRIOR_CAP",
    "PriorBook",
    "VoteFact",
    "prior_factors",
    "verdicts",
]
