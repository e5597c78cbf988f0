"""Helpfulness priors: what people's votes say about an entry, as a score factor near 1.

One person counts once per entry (their latest verdict), however many answers they voted on,
so a flood of clicks from one user moves an entry no more than one click does. Old votes fade
(a half-life), and a Bayesian average pulls entries with few votes towards neutral. The factor
is capped at ±PRIOR_CAP: it breaks near-ties but never beats a clearly better text match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

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


__all__ = ["HALF_LIFE_DAYS", "PRIOR_CAP", "VoteFact", "prior_factors", "verdicts"]
