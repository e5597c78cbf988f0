"""The corpus's validation part (never used to fit) holds the project's targets."""

from __future__ import annotations

from bot.catalog import load_knowledge
from bot.matching.matcher import Matcher
from tests.corpus.figures import figures, load


def test_the_corpus_is_big_and_split_once() -> None:
    cases = load()
    assert len(cases) >= 400
    assert {c["split"] for c in cases} == {"fit", "validation"}
    assert len(load("validation")) >= 100


def test_validation_split_meets_the_targets() -> None:
    misses: list[str] = []
    f = figures(Matcher(load_knowledge()), load("validation"), misses)
    assert f["top1"] >= 0.95, misses
    assert f["silent"] >= 0.97, misses
    assert f["auto_wrong"] <= 0.02, misses
    assert f["auto_recall"] >= 0.78, misses
