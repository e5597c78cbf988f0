"""The matcher's shortcuts agree with the slow paths they stand for."""

from __future__ import annotations

import copy
import random
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from bot.catalog import load_knowledge
from bot.matching.extract import extract
from bot.matching.matcher import (
    STOP_WORDS,
    Matcher,
    Result,
    _keys,
    _PairMeasures,
    _typo_lookups,
)
from bot.matching.normalize import _SPELLING, normalize, normalize_all, split_words

CATALOG = load_knowledge()
_PICK = random.Random(7)
# Some aliases taught (learned bonus) and priors away from 1, so every bonus is exercised.
_LEARNED = {(e.id, a) for e in CATALOG for a in e.aliases if _PICK.random() < 0.3}
_PRIORS = {e.id: _PICK.uniform(0.8, 1.2) for e in CATALOG if _PICK.random() < 0.5}
MATCHER = Matcher(CATALOG, priors=_PRIORS, learned=_LEARNED)
EVERY_PAIR = copy.copy(MATCHER)
EVERY_PAIR.prune_pairs = False
TEXTS = [t for e in CATALOG for t in (e.message, *e.aliases)]
WORDS = sorted({w for t in TEXTS for w in t.split()})


def _shown(result: Result) -> object:
    return (result.matches, result.confident, result.code_only, result.distinct_errors)


@st.composite
def _pastes(draw: st.DrawFn) -> str:
    """Lines of catalog words around catalog messages, some with a typo, some in a body or a
    log line, sometimes with a status code or another system's marks."""
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        lines.append(" ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))))
    for _ in range(draw(st.integers(0, 4))):
        text = draw(st.sampled_from(TEXTS))
        if draw(st.booleans()) and len(text) > 5:
            cut = draw(st.integers(0, len(text) - 1))
            text = text[:cut] + text[cut + 1 :]
        wrap = draw(
            st.sampled_from(
                ["{}", '{{"error": "{}"}}', 'level=error msg="{}"', "HTTP/1.1 403 Forbidden\n{}"]
            )
        )
        lines.insert(draw(st.integers(0, len(lines))), wrap.format(text))
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["nginx 502 Bad Gateway", "x-generator: tyk.io", ""])))
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(_pastes(), st.sampled_from([1, 2, 5, 8]))
def test_pruned_pairs_give_the_results_of_scoring_every_pair(paste: str, limit: int) -> None:
    clues = extract(paste)
    assert _shown(MATCHER.match_clues(clues, limit)) == _shown(EVERY_PAIR.match_clues(clues, limit))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=600), st.sampled_from([1, 5]))
def test_pruned_pairs_agree_on_any_text(paste: str, limit: int) -> None:
    clues = extract(paste)
    assert _shown(MATCHER.match_clues(clues, limit)) == _shown(EVERY_PAIR.match_clues(clues, limit))


_ALPHABET = st.sampled_from("abcdeorst $1")


@settings(max_examples=500, deadline=None)
@given(st.text(_ALPHABET, min_size=1, max_size=90), st.text(_ALPHABET, min_size=1, max_size=90))
def test_partial_ratio_bound_holds(a: str, b: str) -> None:
    short, long = sorted((a, b), key=len)
    whole = fuzz.ratio(a, b) / 100
    nowhere = np.zeros(0, dtype=np.intp)
    measures = _PairMeasures(
        whole=np.array([whole]),
        aligned=np.array([0], dtype=np.intp),
        factor=np.array([1.0]),
        short=[short],
        long=[long],
        lengths=np.array([len(a) + len(b)]),
        short_lengths=np.array([len(short)]),
        found_aligned=nowhere,
        found_at=nowhere,
        found_elsewhere=nowhere,
        templated=nowhere,
        template_scores=np.zeros(0),
    )
    assert fuzz.partial_ratio(short, long) / 100 <= measures.part_bound()[0]


# Characters that make normalize's steps differ: quotes, apostrophes, dashes, `$`, NUL (the
# joined texts' separator), newlines, a Greek sigma (lower-cased by context), `İ` (lower-cased
# to two characters), letters outside ASCII, digits.
_TRICKY = st.sampled_from(
    [
        *"aAsS'’“-— \n\t\x00$_.:éΣσİK9",
        " authorised",
        "Behaviour ",
        "cancelled",
        "don't",
        "organisation's",
        "ΑΣ ",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.lists(_TRICKY, max_size=12).map("".join))))
def test_normalize_all_is_normalize_of_each(texts: list[str]) -> None:
    assert normalize_all(texts) == [normalize(t) for t in texts]


def test_normalize_all_spells_the_american_way_in_every_text() -> None:
    texts = [f"{word}." for word in _SPELLING] + ["x" + word for word in _SPELLING]
    assert normalize_all(texts) == [normalize(t) for t in texts]


_VOCABULARY = sorted({w for t in TEXTS for w in split_words(normalize(t))})
_FRAGMENT_WORDS = st.sampled_from(
    [*_VOCABULARY, *sorted(STOP_WORDS), "404", "zzzz", "tykk", "$id", "key$value"]
)


def _fragment_keys_one_by_one(fnorms: list[str]) -> tuple[list[int], list[int], list[float]]:
    """_fragment_keys written plainly: fragment by fragment, word by word."""
    keys, rows, content = [], [], []
    for row, fnorm in enumerate(fnorms):
        seen: set[int] = set()
        words = split_words(fnorm)
        useful = [w for w in words if w not in STOP_WORDS and not w.isdigit()]
        content.append(float(len(useful)))
        for word in useful:
            # A word no text holds may be misspelt: its typo lookups too.
            typo = () if word in MATCHER.key_ids else _typo_lookups(word)
            for k in (*_keys(word), *typo):
                k_id = MATCHER.key_ids.get(k)
                if k_id is not None and k_id not in seen:
                    seen.add(k_id)
                    keys.append(k_id)
                    rows.append(row)
    return keys, rows, content


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_FRAGMENT_WORDS, max_size=15).map(" ".join).map(normalize), max_size=8))
def test_fragment_keys_are_each_fragments_keys_in_first_seen_order(fnorms: list[str]) -> None:
    key, of, content = MATCHER._fragment_keys(fnorms)
    assert (key.tolist(), of.tolist(), content.tolist()) == _fragment_keys_one_by_one(fnorms)


def _instance_of_template_held(t: int, fnorm: str, others: list[int]) -> bool:
    """Whether another candidate of the fragment, no template itself, holds template `t`'s
    longest fixed part and more and lies word for word in the fragment."""
    literal = max(
        (normalize(p) for p in re.split(r"\$[A-Za-z][\w-]*|<[a-z][\w -]*>", MATCHER.texts[t].raw)),
        key=len,
    )
    for o in others:
        norm = MATCHER.texts[o].norm
        more = literal in norm and norm != literal
        if o != t and MATCHER.texts[o].pattern is None and more and f" {norm} " in f" {fnorm} ":
            return True
    return False


def _similarities_plainly(
    fnorms: list[str], texts: list[int], candidates: list[list[int]]
) -> list[float]:
    """The pair similarities written out pair by pair (what _PairMeasures.similarities
    computes with every pair's partial_ratio); `candidates`: each pair's fragment's texts."""
    out = []
    for fnorm, t, others in zip(fnorms, texts, candidates, strict=True):
        text = MATCHER.texts[t]
        f_len, t_len = len(fnorm), len(text.norm)
        whole = fuzz.ratio(fnorm, text.norm) / 100
        generic_short = text.generic and t_len < 0.7 * f_len
        inside = t_len <= f_len
        cover = t_len / f_len if inside else f_len / t_len
        part = 0.0
        if not generic_short and (inside or cover >= 0.5):
            short, long = (text.norm, fnorm) if inside else (fnorm, text.norm)
            part = fuzz.partial_ratio(short, long) / 100
        if inside:
            contained = part * (0.78 + 0.1 * cover + 0.12 * text.specificity)
        else:
            contained = part * (0.4 + 0.45 * cover) if cover >= 0.5 else 0.0
        best = whole if generic_short else max(whole, contained)
        if not generic_short and not inside and fnorm in text.norm:
            best = contained
        if (
            text.pattern is not None
            and text.pattern.search(fnorm)
            and not _instance_of_template_held(t, fnorm, others)
        ):
            best = 1.0 if len(fnorm) < 1.5 * len(text.norm) + 20 else 0.95
        out.append(best)
    return out


@settings(max_examples=200, deadline=None)
@given(_pastes())
def test_pair_similarities_are_those_written_out_pair_by_pair(paste: str) -> None:
    fnorms = [n for n in normalize_all([f.text for f in extract(paste).fragments]) if len(n) >= 3]
    candidates = MATCHER._candidates_many(fnorms)
    pair_fragment = np.array([r for r, c in enumerate(candidates) for _ in c], dtype=np.int64)
    pair_text = np.array([t for c in candidates for t in c], dtype=np.int64)
    measures = MATCHER._measures(fnorms, pair_fragment, pair_text)
    part = np.zeros(len(measures.aligned))
    measures.align(part, np.ones(len(part), dtype=bool))
    expected = _similarities_plainly(
        [fnorms[r] for r in pair_fragment],
        pair_text.tolist(),
        [candidates[r] for r in pair_fragment],
    )
    assert measures.similarities(part).tolist() == expected
