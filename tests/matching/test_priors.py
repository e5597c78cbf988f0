"""The priors book: whatever order votes arrive, change and move in, the priors it keeps are the
ones computed from every vote at once (prior_factors), which a refresh then never re-reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.priors import PriorBook, VoteFact, prior_factors

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
ENTRIES = ["a", "b", "c", "d"]

fact = st.builds(
    VoteFact,
    entry_id=st.sampled_from(ENTRIES),
    user_id=st.sampled_from(["U1", "U2", "U3"]),
    helpful=st.booleans(),
    chosen_entry_id=st.none() | st.sampled_from(ENTRIES),
    # distinct enough times: a tie between two votes of one person is resolved by order
    at=st.integers(0, 10**6).map(lambda s: NOW - timedelta(days=120, seconds=-s * 7)),
)
# Rounds of (vote id -> its new state): new votes, and votes people changed (a second click).
rounds = st.lists(st.dictionaries(st.integers(0, 12), fact, max_size=6), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(rounds=rounds)
def test_updates_give_the_priors_of_every_vote_at_once(rounds: list[dict[int, VoteFact]]) -> None:
    book = PriorBook()
    book.reset({}, NOW)
    everything: dict[int, VoteFact] = {}
    for changed in rounds:
        everything.update(changed)
        in_order = [everything[i] for i in sorted(everything)]  # ties: the later vote wins
        assert book.update(changed, NOW) == prior_factors(in_order, NOW)


def test_a_correction_moved_to_another_entry_leaves_the_first_one() -> None:
    book = PriorBook()
    wrong_to_b = VoteFact("a", "U1", False, "b", NOW)
    wrong_to_c = VoteFact("a", "U1", False, "c", NOW + timedelta(seconds=1))
    assert set(book.reset({1: wrong_to_b}, NOW)) == {"a", "b"}
    assert set(book.update({1: wrong_to_c}, NOW)) == {"a", "c"}  # b has no vote left


def test_the_decay_of_untouched_entries_is_brought_up_to_date() -> None:
    book = PriorBook()
    book.reset({1: VoteFact("a", "U1", True, None, NOW)}, NOW)
    later = NOW + PriorBook.RECOMPUTE_AFTER + timedelta(days=200)
    fresh = book.update({2: VoteFact("b", "U1", True, None, later)}, later)
    assert fresh == prior_factors(book.facts.values(), later)
    assert fresh["a"] < prior_factors([VoteFact("a", "U1", True, None, NOW)], NOW)["a"]
