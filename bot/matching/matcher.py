"""Score catalog entries against a paste's clues and rank them.

The Matcher is built once per catalog snapshot (an inverted index of word keys over every
message and alias) and then answers pastes without I/O. For each fragment it takes the texts
that share the most informative word keys with it, scores them with rapidfuzz, and combines
the best fragment score with code agreement and the entry's helpfulness prior.

Constants (fitted ones chosen by `tests/corpus/fit.py` on the corpus's fitting part only;
the validation part is held by tests/matching/test_calibration.py):

| constant | value | meaning |
| --- | --- | --- |
| CONFIDENT_SCORE | 0.84 (fitted) | auto-replies fire at or above it; above WEIGHTS["part"] |
| OTHER_SYSTEM_FACTOR | 0.7 (fitted) | scores when other-system evidence >= Tyk's (source.py) |
| CODE_BONUS | 0.04 | per unit of code strength when the paste shows the entry's code |
| SYMPTOM_BELOW | 0.6 | below this best message score a paste is read as a symptom question |
| SYMPTOM_MIN_WORDS | 8.0 | BM25 a codeless question needs before a guess (chatter: 3-7) |
| CANDIDATES_PER_FRAGMENT | 8 | texts scored with rapidfuzz per fragment |
| TYPO_LENGTHS | 4-20 letters | words no text holds that get typo keys (one-letter deletions) |
| TYPO_KEY_WEIGHT | 0.5 | a typo, head or tail key's share of its idf when ranking candidates |
| WORDS_KEPT | 50,000 | words whose index keys are kept between pastes (not a weight) |
| SWAPPED_WORD_FACTOR | 0.85 | a pair whose fragment swaps one of the text's words for another |
| CODE_NAME_FACTOR | 0.8 | a fragment that is an error code name (`not_found`) against words |
| SWAP_CHECK_FROM | SYMPTOM_BELOW | pairs this strong are checked for a swapped word |
| SAME_WORD_MIN_LENGTH / SIMILARITY | 4 / 80 | words that count as one despite a typo |
| extract.WEIGHTS / CODE_STRENGTH | see extract.py | fragment kinds and code clues |
| symptoms.* | see symptoms.py | symptom ranking weights |
"""

from __future__ import annotations

import bisect
import copy
import functools
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.matching import symptoms
from bot.matching.extract import REASON_PHRASES, Clues, Fragment, extract
from bot.matching.normalize import normalize, normalize_all, tokens
from bot.matching.source import against_weight, tyk_weight

CONFIDENT_SCORE = 0.84
CANDIDATES_PER_FRAGMENT = 8
WORDS_KEPT = 50_000  # words whose index keys a matcher keeps (a bound on its memory)
CODE_BONUS = 0.04  # added per unit of code-clue strength when the paste shows the entry's code
OTHER_SYSTEM_FACTOR = 0.7  # scores of a paste whose other-system evidence outweighs Tyk's
REASON_ALONE_FACTOR = 0.6  # a bare reason phrase outside any body or log line lists the code
SYMPTOM_BELOW = 0.6  # below this best message score, a paste is read as a symptom question
SYMPTOM_MIN_WORDS = 8.0  # BM25 a question without a code needs before guessing (chatter scores ≤ 7)
# A phrasing people confirmed for an entry (an approved learned alias) that matched a fragment
# almost exactly counts like a status code in the paste: it outranks the entry they corrected.
LEARNED_BONUS = 0.05
MANY_ERRORS = 3  # distinct strong errors in one paste that make it a list, not one failure
TIE_MARGIN = 0.01  # two distinct strong errors closer than this: neither is the answer
# MANY_ERRORS distinct errors matching this well in fragments of their own are a list (`- 429
# Rate Limit Exceeded / - 503 … / - 504 …`), even when one of them is confident.
LISTED_FROM = 0.78
# A fragment saying a text with one word swapped for another (`Token not authorised`) is another
# system's message: its pairs scoring SWAP_CHECK_FROM or more count SWAPPED_WORD_FACTOR of it.
SWAP_CHECK_FROM = SYMPTOM_BELOW  # a swapped text must not keep a question from its guess
SWAPPED_WORD_FACTOR = 0.85
SAME_WORD_MIN_LENGTH = 4  # shorter words (key, api, ip) must be equal to count as the same
SAME_WORD_SIMILARITY = 80  # fuzz.ratio of two words that are one (a typo, a spelling, an ending)
_PLACEHOLDER_RE = re.compile(r"\$[A-Za-z][\w-]*|<[a-z][\w -]*>")
# An error code name: words joined by underscores (`not_found`, `invalid_token`), nothing else.
_IDENTIFIER_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+")
_IDENTIFIER_IN_RE = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9]")  # a text holding one (`client_id`)
CODE_NAME_FACTOR = 0.8  # a fragment that is an error code name read against words
_REASONS = frozenset(normalize(p) for p in REASON_PHRASES)
_REASON_RE = re.compile(r"(?i)\b(?:" + "|".join(map(re.escape, REASON_PHRASES)) + r")\b")
# _REASON_RE for lower-case text: the case-insensitive flag costs the engine about half its speed.
_REASON_LOWER_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, REASON_PHRASES)) + r")\b")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "for",
        "is",
        "be",
        "has",
        "have",
        "been",
        "with",
        "this",
        "that",
        "and",
        "or",
        "not",
        "no",
        "by",
        "from",
        "at",
        "it",
        "its",
        "as",
        "are",
        "was",
        "please",
    ]
)
STOP_WORDS = _STOP  # words that say nothing about which error it is
# A word's entry in Matcher.word_keys starts with a mark: a content word's is followed by the
# ids of its index keys; the others stand alone (key ids are never negative).
_CONTENT = -1
_NOT_CONTENT = -2  # a stop word or a number: candidates skip it
_NEXT_FRAGMENT = -3  # _BOUNDARY, which _fragment_keys puts between fragments
_BOUNDARY = "|"  # no normalised text holds it
_Number = TypeVar("_Number", float, npt.NDArray[np.float64])
_TYPO = "~"  # marks a typo key (_typo_keys); no normalised text holds it
TYPO_LENGTHS = (4, 20)  # words with typo keys: letters only, of these lengths
TYPO_KEY_WEIGHT = 0.5  # a typo key's weight per unit of idf, like a head or tail key


def _held_factor(cover: _Number, specificity: _Number) -> _Number:
    """What a text held whole inside a fragment counts of its partial_ratio: more as it covers
    more of the fragment (`cover`: its share of the fragment's length) and as it is more
    specific (_Text.specificity)."""
    return 0.78 + 0.1 * cover + 0.12 * specificity


def _key_weight(key: str) -> float:
    """How much a shared index key counts per unit of its idf: a whole word 1, a head, tail
    or typo key TYPO_KEY_WEIGHT."""
    partial = key.startswith(("^", _TYPO)) or key.endswith("$")
    return TYPO_KEY_WEIGHT if partial else 1.0


class CatalogEntry(symptoms.Described, Protocol):
    """What the matcher needs of an entry (bot.catalog.Entry has it): its description for
    symptom questions (symptoms.Described) and these."""

    @property
    def id(self) -> str: ...
    @property
    def code(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def gateway_codes(self) -> tuple[int, ...]: ...
    @property
    def prevalence(self) -> float: ...


@dataclass(frozen=True)
class Match:
    """One ranked candidate: the entry, a score in [0, 1] and why it matched."""

    entry_id: str
    code: int
    message: str
    score: float
    reason: str
    fragment: str = ""
    matched_text: str = ""
    kind: str = ""  # the fragment kind that matched (extract.WEIGHTS), or "code" for code-only


@dataclass
class Result:
    """The matcher's verdict on one paste."""

    matches: list[Match]
    confident: bool
    clues: Clues
    code_only: bool = False
    distinct_errors: list[Match] = field(default_factory=list)


@dataclass(frozen=True)
class _Text:
    entry: int
    raw: str
    norm: str
    is_alias: bool
    pattern: re.Pattern[str] | None
    generic: bool  # one word or an HTTP reason phrase: other systems say it too
    specificity: float  # 0 for one word, 1 for five or more
    learned: bool = False  # an approved learned phrasing of the entry


@dataclass(frozen=True)
class _Weighing:
    """Each (fragment, text) pair's factors, applied to its similarity in one fixed order (the
    same floats whichever similarities they are applied to)."""

    alias: npt.NDArray[np.float64]  # an alias counts 0.99 of the message (1 for a message)
    common: npt.NDArray[np.bool_]  # a short, common text: `generic` applies
    generic: npt.NDArray[np.float64]  # Matcher._generic_factor of the pair's fragment
    alone: npt.NDArray[np.bool_]  # the fragment is a line outside a body or log line
    reason: npt.NDArray[np.bool_]  # a bare reason phrase outside a body or log line
    weight: npt.NDArray[np.float64]  # the fragment's weight (extract.WEIGHTS)
    # The similarity of the reason phrase the pair's fragment holds word for word (-1 for
    # none, Matcher._phrase_levels): a text matching the fragment no better gets its factors.
    level: npt.NDArray[np.float64]
    # The fragment is one identifier (`not_found`, `RESOURCE_EXHAUSTED`) and the text words:
    # another system's error code that reads like Tyk's message once normalised.
    code_name: npt.NDArray[np.bool_]

    def weighed(self, sims: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Similarities with the alias, generic, reason and code-name factors applied (a factor
        of 1 where one does not apply: the same floats as applying it only where it does).
        Never decreasing in the similarity, so bounds on it give bounds on these."""
        shade = sims <= self.level
        sims = sims * self.alias
        sims = np.where(self.common | shade, sims * self.generic, sims)
        sims = np.where(self.reason | (shade & self.alone), sims * REASON_ALONE_FACTOR, sims)
        return np.where(self.code_name, sims * CODE_NAME_FACTOR, sims)

    def scores(self, weighed: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Weighed similarities times the fragments' weights."""
        return weighed * self.weight


@dataclass(frozen=True)
class _PairMeasures:
    """What the similarity of each (normalised fragment, catalog text) pair reads besides
    partial_ratio, which only the `aligned` pairs use (Matcher._measures)."""

    whole: npt.NDArray[np.float64]  # fuzz.ratio / 100 of the fragment and the text
    aligned: npt.NDArray[np.intp]  # the pairs partial_ratio scores, and of each
    factor: npt.NDArray[np.float64]  # the factor of its partial_ratio,
    short: list[str]  # the shorter string,
    long: list[str]  # the longer,
    lengths: npt.NDArray[np.int64]  # both lengths added,
    short_lengths: npt.NDArray[np.int64]  # and the shorter's
    # Pairs whose fragment lies literally inside a longer text: aligned ones (and their place
    # in `aligned`), and the others (which count for nothing)
    found_aligned: npt.NDArray[np.intp]
    found_at: npt.NDArray[np.intp]
    found_elsewhere: npt.NDArray[np.intp]
    templated: npt.NDArray[np.intp]  # pairs whose placeholder pattern holds,
    template_scores: npt.NDArray[np.float64]  # and their scores

    def align(self, part: npt.NDArray[np.float64], needed: npt.NDArray[np.bool_]) -> None:
        """Set `part` (partial_ratio / 100 of each aligned pair) where `needed`."""
        at = needed.nonzero()[0].tolist()
        if at:
            short, long = [self.short[i] for i in at], [self.long[i] for i in at]
            part[at] = process.cpdist(short, long, scorer=fuzz.partial_ratio, dtype=np.float64)
            part[at] /= 100

    def part_bound(self) -> npt.NDArray[np.float64]:
        """An upper bound of each aligned pair's partial_ratio / 100. fuzz.ratio gives the
        longest common subsequence L of the two strings; partial_ratio compares the shorter
        (length m) with pieces of the longer, each sharing at most L characters with it in
        order, so it is at most 2L / (m + L)."""
        common = np.minimum(
            np.floor(self.whole[self.aligned] * self.lengths / 2 + 1e-6), self.short_lengths
        )
        return np.minimum(2 * common / (self.short_lengths + common) + 1e-9, 1.0)

    def similarities(self, part: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """How well each pair's fragment matches its text, in [0, 1], given `part` (see
        `align`; any value from 0 up to it gives a similarity from the one without
        partial_ratio up to the true one): the whole fragment against the text, or the text
        found inside a longer fragment (its partial_ratio times its factor); a fragment found
        inside a longer text is a hint, never a confident match by itself (under half of the
        text counts for nothing). Placeholder texts match by their pattern."""
        contained = part * self.factor
        best = self.whole.copy()
        best[self.aligned] = np.maximum(best[self.aligned], contained)
        best[self.found_aligned] = contained[self.found_at]
        best[self.found_elsewhere] = 0.0
        best[self.templated] = self.template_scores
        return best


def _keys(word: str) -> tuple[str, ...]:
    """Index keys of a word: the word, and its 4-char head and tail (tolerates typos)."""
    if len(word) <= 4:
        return (word,)
    return (word, "^" + word[:4], word[-4:] + "$")


def _deletions(word: str) -> tuple[str, ...]:
    """A word's one-letter deletions (each once), for words of TYPO_LENGTHS letters only: none
    for numbers, ids or hosts."""
    if not (TYPO_LENGTHS[0] <= len(word) <= TYPO_LENGTHS[1] and word.isalpha()):
        return ()
    return tuple(dict.fromkeys(word[:i] + word[i + 1 :] for i in range(len(word))))


def _typo_keys(word: str) -> tuple[str, ...]:
    """The index keys a catalog word gets for misspellings of it: its deletions, marked `~`."""
    return tuple(_TYPO + d for d in _deletions(word))


def _typo_lookups(word: str) -> tuple[str, ...]:
    """The keys a paste word no catalog text holds looks up, SymSpell style: itself and its
    deletions among the catalog words' deletions (`~`), and its deletions among the words.
    Two words one deletion, insertion, substitution or swap of neighbours apart meet there
    (`foud` and `found`: `~foud`; `emthod` and `method`: `~ethod`; `allowwed`: `allowed`)."""
    deletions = _deletions(word)
    if not deletions:
        return ()
    return (_TYPO + word, *(_TYPO + d for d in deletions), *deletions)


def _template(raw: str) -> re.Pattern[str] | None:
    """The pattern of a text with placeholders (`failed to create key: <error>`) over normalised
    fragments: each placeholder holds one to eight words, one at either end included (bare
    `failed to create key` is another entry's message, not this one)."""
    if not _PLACEHOLDER_RE.search(raw):
        return None
    parts = _PLACEHOLDER_RE.split(raw)
    normalized = [normalize(p) for p in parts]
    body = r"\s+\S+(?:\s+\S+){0,7}\s+".join(re.escape(p) for p in normalized if p)
    if not normalized[0]:
        body = r"\S+\s+" + body
    if not normalized[-1]:
        body += r"\s+\S+"
    return re.compile(body.replace(r"\ ", r"\s+"))


class Matcher:
    """A matcher over one catalog snapshot.

    `priors` are per-entry score factors near 1 (bot.matching.priors); `learned` the
    (entry id, alias) pairs that are approved learned phrasings. New priors are swapped in with
    `with_priors`, which shares the index: only a catalog change builds a new Matcher.
    """

    # Score with partial_ratio only the pairs that can change a result (_needed_pairs); False
    # scores every pair: the reference the tests compare with.
    prune_pairs = True

    def __init__(
        self,
        entries: Iterable[CatalogEntry],
        priors: Mapping[str, float] | None = None,
        learned: Collection[tuple[str, str]] = (),
    ) -> None:
        self.entries: list[CatalogEntry] = [e for e in entries if e.status == "active"]
        self.texts: list[_Text] = []
        self.by_code: dict[int, list[int]] = defaultdict(list)
        self.priors: Mapping[str, float] = dict(priors or {})
        learned_set = set(learned)
        seen: set[tuple[int, str]] = set()
        # One text listed under two codes is one answer: entries by normalised message.
        self.by_message: dict[str, list[str]] = defaultdict(list)
        self.message_norms: list[str] = []  # each entry's normalised message
        for i, entry in enumerate(self.entries):
            self.by_code[entry.code].append(i)
            self.message_norms.append(normalize(entry.message))
            self.by_message[self.message_norms[-1]].append(entry.id)
            for raw, is_alias in [(entry.message, False)] + [(a, True) for a in entry.aliases]:
                norm = normalize(_PLACEHOLDER_RE.sub(" ", raw))
                if not norm or (i, norm) in seen:
                    continue
                seen.add((i, norm))
                content = [w for w in tokens(norm) if w not in _STOP]
                generic = len(content) <= 1 or norm in _REASONS
                specificity = min(1.0, (len(tokens(norm)) - 1) / 4)
                taught = is_alias and (entry.id, raw) in learned_set
                self.texts.append(
                    _Text(i, raw, norm, is_alias, _template(raw), generic, specificity, taught)
                )
        self.symptoms = symptoms.SymptomIndex(self.entries)
        self._index_entries()
        # The index (key → texts) is only built here: the arrays below keep what matching reads.
        index: dict[str, list[int]] = defaultdict(list)
        for t, text in enumerate(self.texts):
            for key in {k for w in tokens(text.norm) for k in _keys(w)}:
                index[key].append(t)
        # Typo keys after all the others (the others keep their ids), each word's made once.
        typo_keys: dict[str, tuple[str, ...]] = {}
        for t, text in enumerate(self.texts):
            keys: set[str] = set()
            for word in set(tokens(text.norm)) - _STOP:
                made = typo_keys.get(word)
                if made is None:
                    made = typo_keys[word] = _typo_keys(word)
                keys.update(made)
            for key in sorted(keys):
                index[key].append(t)
        n = max(len(self.texts), 1)
        idf = {k: math.log(1 + n / len(v)) * _key_weight(k) for k, v in index.items()}
        # Placeholder texts, each with its longest fixed part (a cheap test before the regex).
        self.templates = [
            (t, max((normalize(p) for p in _PLACEHOLDER_RE.split(text.raw)), key=len))
            for t, text in enumerate(self.texts)
            if text.pattern is not None
        ]
        self.template_literals = dict(self.templates)
        mass: list[float] = [0.0] * len(self.texts)
        for key, postings in index.items():
            if not key.startswith(_TYPO):  # a typo key helps a misspelt paste, never weighs
                for t in postings:
                    mass[t] += idf[key]
        # Candidates are ranked by shared key weight over sqrt(the text's own key weight),
        # so a short text fully present in the fragment beats a long one sharing a word.
        scale = [1 / math.sqrt(m) if m else 0.0 for m in mass]
        # The postings of every key laid end to end (key `k` holds the texts
        # post_texts[starts[k]:starts[k] + lengths[k]]), each with its weight.
        self.key_ids = {key: k for k, key in enumerate(index)}
        self.norms = [text.norm for text in self.texts]
        self.spaced_norms = [f" {norm} " for norm in self.norms]  # whole-word `in` tests
        self.norm_lengths = np.array([len(text.norm) for text in self.texts], dtype=np.int64)
        self.generic = np.array([text.generic for text in self.texts], dtype=bool)
        self.templated = np.array([t.pattern is not None for t in self.texts], dtype=bool)
        self.has_identifier = np.array(
            [bool(_IDENTIFIER_IN_RE.search(t.raw)) for t in self.texts], dtype=bool
        )
        self.specificity = np.array([text.specificity for text in self.texts], dtype=np.float64)
        self.text_entry = np.array([text.entry for text in self.texts], dtype=np.int64)
        self.learned = np.array([text.learned for text in self.texts], dtype=bool)
        self.entry_learned = np.zeros(len(self.entries), dtype=bool)  # has a learned text
        self.entry_learned[self.text_entry[self.learned]] = True
        self.is_reason = np.array([text.norm in _REASONS for text in self.texts], dtype=bool)
        self.reason_texts = self.is_reason.nonzero()[0].tolist()
        # An alias counts 0.99 of the message, unless people confirmed it.
        self.alias_factor = np.array(
            [0.99 if text.is_alias and not text.learned else 1.0 for text in self.texts]
        )
        self.word_keys: dict[str, list[int]] = {}
        self.lengths = np.array([len(v) for v in index.values()], dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(self.lengths)[:-1])).astype(np.int64)
        self.post_texts = np.fromiter(
            itertools.chain.from_iterable(index.values()),
            dtype=np.int64,
            count=sum(map(len, index.values())),
        )
        # idf[key] * scale[t] of each posting (the same products, taken in numpy)
        key_idf = np.fromiter(idf.values(), dtype=np.float64, count=len(idf))
        self.post_weights = key_idf.repeat(self.lengths) * np.array(scale)[self.post_texts]

    def _index_entries(self) -> None:
        """Per-entry arrays for symptom guesses: positions by id, codes, prevalence, the order
        of ids, priors, and the entries grouped by the codes symptoms.code_fit reads."""
        self.positions: dict[str, list[int]] = defaultdict(list)
        for i, entry in enumerate(self.entries):
            self.positions[entry.id].append(i)
        self.codes = np.array([e.code for e in self.entries], dtype=np.int64)
        self.prevalence = np.array([e.prevalence for e in self.entries], dtype=np.float64)
        ranks = {entry_id: r for r, entry_id in enumerate(sorted(self.positions))}
        self.id_ranks = np.array([ranks[e.id] for e in self.entries], dtype=np.int64)
        self.prior_factors = self._prior_array()
        self.code_groups: dict[bool, dict[tuple[int, ...], npt.NDArray[np.int64]]] = {}
        for bare in (False, True):
            groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
            for i, entry in enumerate(self.entries):
                groups[(entry.code,) if bare else (entry.code, *entry.gateway_codes)].append(i)
            self.code_groups[bare] = {
                codes: np.array(members, dtype=np.int64) for codes, members in groups.items()
            }

    def with_priors(self, priors: Mapping[str, float]) -> Matcher:
        """The same matcher (its index shared, not rebuilt) with other helpfulness priors."""
        clone = copy.copy(self)
        clone.priors = dict(priors)
        clone.prior_factors = clone._prior_array()
        return clone

    def match(self, text: str, limit: int = 5) -> Result:
        """Rank entries for a paste."""
        clues = extract(text)
        return self.match_clues(clues, limit)

    def match_clues(self, clues: Clues, limit: int = 5) -> Result:
        """Rank entries for already extracted clues."""
        fnorms = normalize_all([f.text for f in clues.fragments])
        read = [
            (f, fnorm) for f, fnorm in zip(clues.fragments, fnorms, strict=True) if len(fnorm) >= 3
        ]
        fnorms_read = [fnorm for _, fnorm in read]
        candidates = self._candidates_many(fnorms_read)
        pair_fragment = np.repeat(
            np.arange(len(candidates), dtype=np.int64),
            np.array(list(map(len, candidates)), dtype=np.int64),
        )
        pair_text = np.fromiter(itertools.chain.from_iterable(candidates), dtype=np.int64)
        pair_entry = self.text_entry[pair_text]
        measures = self._measures(fnorms_read, pair_fragment, pair_text)
        weighing, literal = self._weighing(read, clues, pair_fragment, pair_text)
        against = against_weight(clues.other_signals)
        tyk = tyk_weight(clues.tyk_signals, clues.tyk_named)
        source = OTHER_SYSTEM_FACTOR if against and against >= tyk else 1
        code_bonuses = self._code_bonuses(clues)
        part = np.zeros(len(measures.aligned), dtype=np.float64)
        highest = needed = None
        if self.prune_pairs and len(measures.aligned):
            # Every pair's score without partial_ratio and with an upper bound of it.
            lowest = weighing.scores(weighing.weighed(measures.similarities(part)))
            bound = measures.part_bound()
            highest = weighing.scores(weighing.weighed(measures.similarities(bound)))
            # A pair that may score SWAP_CHECK_FROM may be shaded (_shade_swapped_words).
            shaded = self._may_swap(
                highest >= SWAP_CHECK_FROM, fnorms_read, pair_fragment, pair_text
            )
            lowest = np.where(shaded, lowest * SWAPPED_WORD_FACTOR, lowest)
            bounds = (lowest, highest)
            needed = self._needed_pairs(pair_entry, bounds, code_bonuses, source, limit)
            measures.align(part, needed[measures.aligned])
        else:
            measures.align(part, np.ones(len(part), dtype=bool))
        sims = weighing.weighed(measures.similarities(part))
        scores = weighing.scores(sims)
        self._shade_swapped_words(scores, fnorms_read, pair_fragment, pair_text)
        taught = self.learned[pair_text] & (sims >= 0.95)
        winners = self._best_pairs(pair_entry, scores)  # each entry's best pair, if >= 0.4
        entry_of = pair_entry[winners]
        finals = self._final_scores(
            entry_of, scores[winners], taught[winners], code_bonuses, source
        )
        # round(…, 4) >= 0.45 needs at least 0.44995: Python rounds only the ones that may pass.
        final: dict[int, float] = {}
        shown: dict[int, float] = {}
        best: dict[int, int] = {}  # entry → its best pair
        for at in (finals >= 0.449).nonzero()[0].tolist():
            i, score = int(entry_of[at]), float(finals[at])
            if (rounded := round(min(score, 1.0), 4)) >= 0.45:
                final[i], shown[i], best[i] = score, rounded, int(winners[at])
        kept = sorted(
            final,
            key=lambda i: (-final[i], self.entries[i].code not in clues.codes, self.entries[i].id),
        )
        # A Match (its reason written out) only for what is shown; a long paste has dozens.
        matches = []
        for i in kept[:limit]:
            fragment, text = read[pair_fragment[best[i]]][0], self.texts[pair_text[best[i]]]
            taught_i = bool(taught[best[i]])
            matches.append(
                self._match(
                    i, shown[i], fragment.kind, fragment.text, text.raw, taught_i, clues, source
                )
            )
        code_only = symptom = False
        if not kept or shown[kept[0]] < SYMPTOM_BELOW:
            fuzzy = {self.entries[i].id: shown[i] for i in kept}
            guessed = self._symptom_matches(clues, fuzzy, limit, literal)
            if guessed is not None:
                matches, code_only, symptom = guessed, not kept and bool(clues.codes), True
        distinct = self._distinct_errors(self._per_fragment(pair_fragment, pair_entry, scores))
        confident = (
            bool(matches)
            and not symptom
            and matches[0].score >= CONFIDENT_SCORE
            and not _several_errors_alike(distinct)
        )
        if confident and highest is not None and needed is not None:
            # Pairs left out may score LISTED_FROM: score them now, for the listing only, when
            # the pairs that may reach it name MANY_ERRORS messages (all the listing can hold).
            may_list = highest >= LISTED_FROM
            unscored = may_list & ~needed
            messages = {self.message_norms[i] for i in pair_entry[may_list].tolist()}
            if len(messages) >= MANY_ERRORS and unscored.any():
                measures.align(part, unscored[measures.aligned])
                scores = weighing.scores(weighing.weighed(measures.similarities(part)))
                self._shade_swapped_words(scores, fnorms_read, pair_fragment, pair_text)
        if confident and len(self._listed(pair_fragment, pair_entry, scores)) >= MANY_ERRORS:
            confident = False  # a list of errors, the first one only a little stronger
        return Result(matches[:limit], confident, clues, code_only, distinct)

    def _listed(
        self,
        pair_fragment: npt.NDArray[np.int64],
        pair_entry: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float64],
    ) -> set[str]:
        """The distinct messages that fragments of their own match LISTED_FROM or more: a list
        of errors when there are MANY_ERRORS of them, even with one a little stronger."""
        listed = self._per_fragment(pair_fragment, pair_entry, scores, LISTED_FROM)
        return {self.message_norms[i] for i, _ in listed}

    def _shade_swapped_words(
        self,
        scores: npt.NDArray[np.float64],
        fnorms: Sequence[str],
        pair_fragment: npt.NDArray[np.int64],
        pair_text: npt.NDArray[np.int64],
    ) -> None:
        """Scale down (in place) the pairs scoring SWAP_CHECK_FROM or more whose fragment says
        the text with one of its words swapped for another (`_swapped_word`): `Access to this
        endpoint has been disallowed`, `Token not authorised`. Other systems share Tyk's
        predicates and name their own subject; a typo or a spelling is no swap, nor are words
        only added (detail) or only left out (a cut paste). Placeholder texts are left alone."""
        may = self._may_swap(scores >= SWAP_CHECK_FROM, fnorms, pair_fragment, pair_text)
        for p in may.nonzero()[0].tolist():
            if _swapped_word(fnorms[int(pair_fragment[p])], self.norms[int(pair_text[p])]):
                scores[p] *= SWAPPED_WORD_FACTOR

    def _may_swap(
        self,
        pairs: npt.NDArray[np.bool_],
        fnorms: Sequence[str],
        pair_fragment: npt.NDArray[np.int64],
        pair_text: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.bool_]:
        """Which of `pairs` _shade_swapped_words reads: not a placeholder text or a phrasing
        people confirmed, and not held word for word by its fragment (nothing lacks then)."""
        may: npt.NDArray[np.bool_] = pairs & ~self.templated[pair_text] & ~self.learned[pair_text]
        at = may.nonzero()[0]
        if len(at):
            spaced = [f" {fnorm} " for fnorm in fnorms]
            texts, frags = pair_text[at].tolist(), pair_fragment[at].tolist()
            held = [self.spaced_norms[t] in spaced[f] for t, f in zip(texts, frags, strict=True)]
            may[at[np.array(held, dtype=bool)]] = False
        return may

    def _weighing(
        self,
        read: Sequence[tuple[Fragment, str]],
        clues: Clues,
        pair_fragment: npt.NDArray[np.int64],
        pair_text: npt.NDArray[np.int64],
    ) -> tuple[_Weighing, set[str]]:
        """Each pair's factors: an alias's 0.99, a short, common text's factor for its fragment,
        a bare reason phrase's, the similarity of a phrase held word for word (_phrase_levels),
        and the fragment's weight; and the entries of the phrases held (_phrase_levels)."""
        fragments = [f for f, _ in read]
        # Per fragment the factor for a short, common text (`not found`), and whether a bare
        # `forbidden` is a question about a status, not that one entry.
        generic = np.array([self._generic_factor(f, clues) for f in fragments], dtype=np.float64)
        levels, literal = self._phrase_levels(read, clues, generic)
        alone = np.array([f.kind == "line" and not clues.tyk_signals for f in fragments], bool)
        named = np.array(
            [_IDENTIFIER_RE.fullmatch(f.text.strip()) is not None for f in fragments], dtype=bool
        )
        common = self.generic[pair_text]
        weighing = _Weighing(
            alias=self.alias_factor[pair_text],
            common=common,
            generic=generic[pair_fragment],
            alone=alone[pair_fragment],
            reason=common & self.is_reason[pair_text] & alone[pair_fragment],
            weight=np.array([f.weight for f in fragments], dtype=np.float64)[pair_fragment],
            level=levels[pair_fragment],
            code_name=named[pair_fragment] & ~self.has_identifier[pair_text],
        )
        return weighing, literal

    def _phrase_levels(
        self,
        read: Sequence[tuple[Fragment, str]],
        clues: Clues,
        generic: npt.NDArray[np.float64],
    ) -> tuple[npt.NDArray[np.float64], set[str]]:
        """Reason phrases that are catalog texts (`Method not allowed`, `Not Found`), held word
        for word by a fragment whose short, common texts count less (`generic` < 1): per
        fragment the best one's similarity as held inside it (-1 for none), and the ids of their
        entries when the paste shows nothing of Tyk's. Other systems say the phrase too: a text
        matching such a fragment no better than the phrase gets the factors the phrase gets,
        and a symptom guess puts the phrase's own entry first."""
        levels = np.full(len(read), -1.0)
        literal: set[str] = set()
        for r, fnorm in enumerate(fnorm for _, fnorm in read):
            if generic[r] >= 1:
                continue
            padded = f" {fnorm} "
            for t in self.reason_texts:
                norm = self.norms[t]
                if f" {norm} " not in padded:
                    continue
                if not clues.tyk_signals:
                    literal.add(self.entries[self.texts[t].entry].id)
                cover = len(norm) / len(fnorm)
                inside = _held_factor(cover, float(self.specificity[t]))
                levels[r] = max(levels[r], fuzz.ratio(fnorm, norm) / 100, inside)
        return levels, literal

    @staticmethod
    def _best_pairs(
        pair_entry: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        """Each entry's best pair (the first of equals, as a running maximum keeps), for the
        entries whose best scores at least 0.4."""
        order = np.lexsort((-scores, pair_entry))  # a stable sort: equals keep pair order
        first = np.ones(len(order), dtype=bool)
        first[1:] = pair_entry[order[1:]] != pair_entry[order[:-1]]
        winners = order[first]
        return winners[scores[winners] >= 0.4]

    @staticmethod
    def _per_fragment(
        pair_fragment: npt.NDArray[np.int64],
        pair_entry: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float64],
        floor: float = CONFIDENT_SCORE,
    ) -> list[tuple[int, float]]:
        """(entry, score) of each fragment's best pair (the first of equals), in fragment order,
        for the fragments whose best is `floor` or more (a confident score: all
        _distinct_errors reads)."""
        top: dict[int, tuple[int, float]] = {}
        for p in (scores >= floor).nonzero()[0].tolist():
            r, score = int(pair_fragment[p]), float(scores[p])
            if score > top.get(r, (-1, 0.0))[1]:
                top[r] = (int(pair_entry[p]), score)
        return [top[r] for r in sorted(top)]

    def _candidates(self, fnorm: str) -> list[int]:
        """The texts worth scoring against one normalised fragment, the likeliest first."""
        return self._candidates_many([fnorm])[0]

    def _key_ids_of(self, word: str) -> list[int]:
        """A word's entry in `word_keys` (a mark and, for a content word, the ids of its index
        keys), kept once read (up to WORDS_KEPT words)."""
        known = self.word_keys.get(word)
        if known is None:
            if len(self.word_keys) >= WORDS_KEPT:
                self.word_keys.clear()
            if word == _BOUNDARY:
                known = [_NEXT_FRAGMENT]
            elif word in _STOP or word.isdigit():
                known = [_NOT_CONTENT]
            else:
                # A word no text holds may be a misspelt one: its typo keys too.
                keys = _keys(word) if word in self.key_ids else _keys(word) + _typo_lookups(word)
                known = [_CONTENT, *(self.key_ids[k] for k in keys if k in self.key_ids)]
            self.word_keys[word] = known
        return known

    def _fragment_keys(
        self, fnorms: Sequence[str]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The index keys of every fragment's words, each once per fragment and first seen
        first (the order bincount adds them in), with the fragment each belongs to; and each
        fragment's count of content words (not stop words or numbers). One pass over all the
        words of a paste (split_words of each fragment, with _BOUNDARY between fragments), the
        rest in numpy."""
        words = f" {_BOUNDARY} ".join(fnorms).replace("$", " ").split()
        known = self.word_keys
        keyed = [known[w] if w in known else self._key_ids_of(w) for w in words]
        marks = np.fromiter(itertools.chain.from_iterable(keyed), dtype=np.int64)
        row = (marks == _NEXT_FRAGMENT).cumsum()
        content = np.bincount(row[marks == _CONTENT], minlength=len(fnorms)).astype(np.float64)
        real = marks >= 0
        key, of = marks[real], row[real]
        # Each (fragment, key)'s first place: the first of its run in a stable sort.
        pair = of * len(self.key_ids) + key
        order = pair.argsort(kind="stable")
        sorted_pairs = pair[order]
        starts_run = np.empty(len(pair), dtype=bool)
        starts_run[:1] = True
        starts_run[1:] = sorted_pairs[1:] != sorted_pairs[:-1]
        first = order[starts_run]
        first.sort()
        return key[first], of[first], content

    def _candidates_many(self, fnorms: Sequence[str]) -> list[list[int]]:
        """`_candidates` of every fragment of a paste at once: texts ranked by the weight of the
        word keys they share with the fragment, over one bincount for all fragments (a 60-line
        paste has 48 fragments; a dozen numpy calls each cost more than their arithmetic)."""
        n = len(self.texts)
        key, of, content = self._fragment_keys(fnorms)
        # Keys shared by many texts say little; short fragments may use them all the same.
        caps = np.where(content > 4, max(40, n // 40), n)
        keep = self.lengths[key] <= caps[of]
        key, of = key[keep], of[keep]
        ranked: list[list[int]] = [[] for _ in fnorms]
        if len(key):
            lengths = self.lengths[key]
            ends = lengths.cumsum()
            # The positions of the kept keys' postings, key after key: one gather for them all.
            at = np.arange(ends[-1]) + (self.starts[key] - (ends - lengths)).repeat(lengths)
            shared = np.bincount(
                self.post_texts[at] + (of * n).repeat(lengths),
                weights=self.post_weights[at],
                minlength=len(fnorms) * n,
            ).reshape(len(fnorms), n)
            k = min(CANDIDATES_PER_FRAGMENT, n - 1)
            if k > 0:
                top = (-shared).argpartition(k, axis=1)[:, : k + 1]
            else:
                top = np.broadcast_to(np.arange(n), (len(fnorms), n))
            # Row by row gathers (take_along_axis, without its Python-side index building).
            rows = np.arange(len(fnorms))[:, None]
            top_weights = shared[rows, top]
            order = (-top_weights).argsort(axis=1)
            top, top_weights = top[rows, order], top_weights[rows, order]
            best = top_weights.max(axis=1, keepdims=True)
            # Weights fall along a row, so the chosen texts are a prefix of it.
            chosen = ((top_weights >= best * 0.4) & (top_weights > 0)).sum(axis=1)
            counts = np.minimum(chosen, CANDIDATES_PER_FRAGMENT).tolist()
            ranked = [texts[:c] for texts, c in zip(top.tolist(), counts, strict=True)]
        self._add_templates(fnorms, ranked)
        return ranked

    def _add_templates(self, fnorms: Sequence[str], ranked: list[list[int]]) -> None:
        """Add to each fragment's candidates the placeholder texts whose pattern it holds.

        A template's longest fixed part is looked for in all the fragments at once (joined by
        newlines, which no normalised text holds): a dozen finds, not one test per fragment and
        template. Templates are read in order, so each fragment gets them in that order."""
        joined = "\n".join(fnorms)
        starts = [0, *itertools.accumulate(len(fnorm) + 1 for fnorm in fnorms)]
        for t, literal in self.templates:
            pattern = self.texts[t].pattern
            at = joined.find(literal)
            while at >= 0 and pattern is not None:
                row = bisect.bisect_right(starts, at) - 1
                texts = ranked[row]
                if t not in texts and pattern.search(fnorms[row]):
                    texts.append(t)
                at = joined.find(literal, starts[row + 1])  # the next fragment holding it

    @staticmethod
    def _generic_factor(fragment: Fragment, clues: Clues) -> float:
        """Short, common messages count fully only in a body or log line from Tyk."""
        factor = 1.0 if fragment.kind in ("error-field", "log-msg", "log-error") else 0.92
        return factor if clues.tyk_signals else factor * 0.8

    def _measures(
        self,
        fragment_norms: Sequence[str],
        pair_fragment: npt.NDArray[np.int64],
        texts: npt.NDArray[np.int64],
    ) -> _PairMeasures:
        """Everything the similarity of each (normalised fragment, catalog text) pair reads but
        partial_ratio (see _PairMeasures.similarities). One rapidfuzz call for all pairs, the
        arithmetic in numpy."""
        fnorms = list(map(fragment_norms.__getitem__, pair_fragment.tolist()))
        norms = list(map(self.norms.__getitem__, texts.tolist()))
        if fnorms:
            whole = process.cpdist(fnorms, norms, scorer=fuzz.ratio, dtype=np.float64) / 100
        else:
            whole = np.zeros(0, dtype=np.float64)
        f_len = np.array(list(map(len, fragment_norms)), dtype=np.int64)[pair_fragment]
        t_len = self.norm_lengths[texts]
        generic_short = self.generic[texts] & (t_len < 0.7 * f_len)
        inside = t_len <= f_len  # the text may lie inside the fragment
        cover = np.where(inside, t_len / f_len, f_len / t_len)
        # The pasted part covers over half of the text: align it (as it does when inside).
        aligned = (~generic_short & (inside | (cover >= 0.5))).nonzero()[0]
        aligned_list = aligned.tolist()
        within = inside[aligned].tolist()
        pair_texts = [norms[i] for i in aligned_list]
        pair_fragments = [fnorms[i] for i in aligned_list]
        factor = np.where(inside, _held_factor(cover, self.specificity[texts]), 0.4 + 0.45 * cover)
        # A fragment found inside a longer text counts only as much as it covers of it.
        found = np.array(
            [i for i in (~generic_short & ~inside).nonzero()[0].tolist() if fnorms[i] in norms[i]],
            dtype=np.intp,
        )
        place = np.searchsorted(aligned, found)
        is_aligned = place < len(aligned)
        is_aligned[is_aligned] = aligned[place[is_aligned]] == found[is_aligned]
        templated, template_scores = [], []
        for i in self.templated[texts].nonzero()[0].tolist():
            text = self.texts[int(texts[i])]
            if (
                text.pattern is not None
                and text.pattern.search(fnorms[i])
                and not self._instance_held(i, texts, pair_fragment, fnorms[i])
            ):
                templated.append(i)
                template_scores.append(1.0 if len(fnorms[i]) < 1.5 * len(text.norm) + 20 else 0.95)
        return _PairMeasures(
            whole=whole,
            aligned=aligned,
            factor=factor[aligned],
            short=[
                t if w else f for t, f, w in zip(pair_texts, pair_fragments, within, strict=True)
            ],
            long=[
                f if w else t for t, f, w in zip(pair_texts, pair_fragments, within, strict=True)
            ],
            lengths=(f_len + t_len)[aligned],
            short_lengths=np.minimum(f_len, t_len)[aligned],
            found_aligned=found[is_aligned],
            found_at=place[is_aligned],
            found_elsewhere=found[~is_aligned],
            templated=np.array(templated, dtype=np.intp),
            template_scores=np.array(template_scores, dtype=np.float64),
        )

    def _instance_held(
        self,
        i: int,
        texts: npt.NDArray[np.int64],
        pair_fragment: npt.NDArray[np.int64],
        fnorm: str,
    ) -> bool:
        """Whether pair `i`'s fragment holds, word for word, another candidate text that is an
        instance of pair `i`'s template: one holding the template's longest fixed part and more
        (`Failed to create key, ensure security settings are correct.` for `failed to create
        key: <error>`). The placeholder would only swallow that text's own words: the specific
        text is the match, not the template."""
        literal = self.template_literals[int(texts[i])]
        row = pair_fragment[i]
        start, end = np.searchsorted(pair_fragment, [row, row + 1]).tolist()  # grouped by fragment
        padded = f" {fnorm} "
        for j in range(start, end):
            norm = self.norms[int(texts[j])]
            if (
                j != i
                and not self.templated[texts[j]]
                and len(norm) > len(literal)
                and literal in norm
                and f" {norm} " in padded
            ):
                return True
        return False

    def _needed_pairs(
        self,
        pair_entry: npt.NDArray[np.int64],
        bounds: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
        code_bonuses: npt.NDArray[np.float64],
        source: float,
        limit: int,
    ) -> npt.NDArray[np.bool_]:
        """The pairs whose partial_ratio can change the result, from bounds on each pair's
        score (`bounds`: lowest and highest; a pair left out scores the lowest or more, never
        more than it would have). A pair is needed when it may score CONFIDENT_SCORE
        (_per_fragment reads those), or when its final score with the largest bonuses its
        entry may get may reach the floor: 0.449 (no entry below it is kept), or, when `limit`
        entries surely finish at SYMPTOM_BELOW or more (no symptom guess then), the lowest of
        those `limit` sure scores (an entry below them is not shown). An entry whose best pair
        is not needed finishes below the floor either way: its pairs left out only score less."""
        lowest, highest = bounds
        floor = 0.449
        at = (lowest >= 0.4).nonzero()[0]  # an entry's best pair is at least this one: kept
        if 1 <= limit <= len(at):
            no_bonus = np.zeros(len(at), dtype=bool)
            finals = self._final_scores(pair_entry[at], lowest[at], no_bonus, code_bonuses, source)
            sure = (finals >= SYMPTOM_BELOW).nonzero()[0]
            if len(sure) >= limit:
                # The limit-th entry met going down the sure scores: the limit-th best entry.
                order = sure[(-finals[sure]).argsort(kind="stable")]
                met: set[int] = set()
                for entry, final in zip(
                    pair_entry[at[order]].tolist(), finals[order].tolist(), strict=True
                ):
                    met.add(entry)
                    if len(met) == limit:
                        floor = final
                        break
        bonus = self.entry_learned[pair_entry]
        best_case = self._final_scores(pair_entry, highest, bonus, code_bonuses, source)
        return (best_case >= floor) | (highest >= CONFIDENT_SCORE)

    def _code_bonuses(self, clues: Clues) -> npt.NDArray[np.float64]:
        """Each entry's bonus for the paste showing its code: CODE_BONUS times the code clue's
        strength (0 without it)."""
        strength = np.zeros(len(self.entries), dtype=np.float64)
        for code, found in clues.codes.items():
            if found:
                strength[self.codes == code] = found
        return CODE_BONUS * strength

    def _final_scores(
        self,
        entries: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float64],
        taught: npt.NDArray[np.bool_],
        code_bonuses: npt.NDArray[np.float64],
        source: float = 1.0,
    ) -> npt.NDArray[np.float64]:
        """Fragment scores with a confirmed phrasing, the paste's code (`_code_bonuses`), other
        systems' marks and the entry's prior applied (the order of `_match`'s reasons). Adding
        0 where a bonus does not apply gives the same floats as adding nothing."""
        scores = scores + np.where(taught, LEARNED_BONUS, 0.0)
        scores = scores + code_bonuses[entries]
        if source < 1:
            scores = scores * source
        return scores * self.prior_factors[entries]

    def _match(
        self,
        i: int,
        score: float,
        kind: str,
        fragment: str,
        matched: str,
        taught: bool,
        clues: Clues,
        source: float = 1.0,
    ) -> Match:
        """The Match for entry `i` with its final (shown) score and the reasons behind it."""
        entry = self.entries[i]
        reasons = [f"{kind} {fragment[:80]!r} ~ {matched!r}"]
        if taught:
            reasons.append("a phrasing people confirmed")
        if clues.codes.get(entry.code):
            reasons.append(f"status {entry.code} in the paste")
        if source < 1:
            reasons.append("another system's marks: " + ", ".join(clues.other_signals[:3]))
        return Match(
            entry_id=entry.id,
            code=entry.code,
            message=entry.message,
            score=score,
            reason="; ".join(reasons),
            fragment=fragment,
            matched_text=matched,
            kind=kind,
        )

    def _symptom_matches(
        self, clues: Clues, weak: Mapping[str, float], limit: int, literal: Collection[str] = ()
    ) -> list[Match] | None:
        """The `limit` best guesses for a question or a bare code: the codes it names, the words
        it shares with each entry's description and the entry's prevalence (symptoms.py). None
        when the paste names no code and shares too few words with any entry. The entries of
        `literal` (bare reason phrases the paste holds: _bare_reasons) count as weak matches of
        SYMPTOM_BELOW."""
        words, top = self.symptoms.words(_without_reasons(clues.text))
        if not clues.codes and top < SYMPTOM_MIN_WORDS and not literal:
            return None
        bare = not weak and not top  # a code alone lists that code's own entries
        fit = self._code_fits(clues.codes, bare)
        fuzzy = np.zeros(len(self.entries))
        for entry_id, score in weak.items():
            fuzzy[self.positions.get(entry_id, [])] = score
        said = self._in(literal)
        fuzzy[said] = np.maximum(fuzzy[said], SYMPTOM_BELOW)
        # With a code, the code is the one clear clue; without, an entry needs a word or a match.
        shown = fit != symptoms.OFF_CODE if clues.codes else (words != 0) | self._in(weak) | said
        # Element by element the same arithmetic, in the same order, as one entry at a time.
        scores = fit * (
            symptoms.W_WORDS * words
            + symptoms.W_PREVALENCE * self.prevalence
            + symptoms.W_FUZZY * fuzzy
            + symptoms.W_BASE
        )
        scores = scores * self.prior_factors
        at = np.flatnonzero(shown)
        # By score, then code, then id (lexsort's last key sorts first; it is stable).
        at = at[np.lexsort((self.id_ranks[at], self.codes[at], -scores[at]))][:limit]
        named = "status " + "/".join(map(str, clues.codes)) if clues.codes else "the words"
        return [
            Match(
                self.entries[i].id,
                self.entries[i].code,
                self.entries[i].message,
                round(symptoms.SYMPTOM_SCALE * float(scores[i]), 4),
                f"best guess from {named}, the description and how common it is",
                kind="code" if not weak and clues.codes else "symptom",
            )
            for i in at.tolist()
        ]

    def _code_fits(self, asked: Mapping[int, float], bare: bool) -> npt.NDArray[np.float64]:
        """Each entry's symptoms.code_fit for the codes a question names: its own code alone
        when `bare`, else with the gateway's codes; once per distinct tuple of codes."""
        fit = np.empty(len(self.entries))
        for codes, members in self.code_groups[bare].items():
            fit[members] = symptoms.code_fit(codes, asked)
        return fit

    def _in(self, ids: Collection[str]) -> npt.NDArray[np.bool_]:
        """Which entries have one of these ids."""
        found = np.zeros(len(self.entries), dtype=bool)
        for entry_id in ids:
            found[self.positions.get(entry_id, [])] = True
        return found

    def _prior_array(self) -> npt.NDArray[np.float64]:
        """Each entry's helpfulness prior (1 without one) in entry order."""
        return np.array([self.priors.get(e.id, 1.0) for e in self.entries], dtype=np.float64)

    def _distinct_errors(self, per_fragment: Sequence[tuple[int, float]]) -> list[Match]:
        """Entries that different fragments match strongly: a paste holding two errors."""
        strongest: dict[int, float] = {}
        for i, score in per_fragment:
            if score >= CONFIDENT_SCORE:
                strongest[i] = max(score, strongest.get(i, 0.0))
        messages: dict[str, int] = {}
        for i in sorted(strongest, key=lambda i: -strongest[i]):
            messages.setdefault(self.message_norms[i], i)
        return [
            Match(
                self.entries[i].id,
                self.entries[i].code,
                self.entries[i].message,
                round(strongest[i], 4),
                "strong match in its own fragment",
            )
            for i in messages.values()
        ]

    def similar_texts(self, text: str, threshold: float = 0.9) -> list[tuple[str, str, float]]:
        """(entry id, message or alias, similarity) of the catalog texts close to `text`,
        the closest first: what a new alias would collide with."""
        fnorm = normalize(_PLACEHOLDER_RE.sub(" ", text))
        found: dict[tuple[str, str], float] = {}
        for t in self._candidates(fnorm):
            candidate = self.texts[t]
            sim = fuzz.ratio(fnorm, candidate.norm) / 100
            if sim >= threshold:
                found[(self.entries[candidate.entry].id, candidate.raw)] = sim
        return sorted(((e, r, s) for (e, r), s in found.items()), key=lambda x: -x[2])

    def same_text(self, entry: CatalogEntry) -> list[str]:
        """Ids of the other active entries with the same message under another code."""
        return [i for i in self.by_message.get(normalize(entry.message), []) if i != entry.id]

    def entries_for_code(self, code: int) -> list[CatalogEntry]:
        """Active entries with this status code."""
        return [self.entries[i] for i in self.by_code.get(code, [])]


def _matched_window(fragment: str, text: str) -> str:
    """The part of a normalised fragment that a normalised text was matched against: all of
    it when the text is about as long, else the words around partial_ratio's best alignment."""
    if len(text) >= 0.7 * len(fragment):
        return fragment
    found = fuzz.partial_ratio_alignment(text, fragment)
    if found is None:
        return fragment
    start, end = found.dest_start, found.dest_end
    start = fragment.rfind(" ", 0, start) + 1  # whole words: back to the word's start
    stop = fragment.find(" ", max(end - 1, start))
    return fragment[start : stop if stop >= 0 else len(fragment)]


@functools.lru_cache(maxsize=4096)  # a text's words are read again and again
def _content_words(norm: str) -> frozenset[str]:
    return frozenset(w for w in norm.split() if w not in _STOP and not w.isdigit())


def _same_word(a: str, b: str) -> bool:
    """The same word, give or take a typo or an ending (a short word: one letter left out)."""
    if a == b:
        return True
    shorter, longer = sorted((len(a), len(b)))
    if shorter < SAME_WORD_MIN_LENGTH:
        long_word, short_word = (a, b) if len(a) > len(b) else (b, a)
        return longer == shorter + 1 and any(
            long_word[:i] + long_word[i + 1 :] == short_word for i in range(longer)
        )
    # fuzz.ratio is at most 200 * shorter / (shorter + longer): skip it when that is too low.
    return 200 * shorter >= SAME_WORD_SIMILARITY * (shorter + longer) and (
        fuzz.ratio(a, b) >= SAME_WORD_SIMILARITY
    )


@functools.lru_cache(maxsize=4096)
def _joined_pairs(norm: str) -> frozenset[str]:
    """Every two neighbouring words written as one (`keynot`, `idnot`): a lost space."""
    words = norm.split()
    return frozenset(a + b for a, b in itertools.pairwise(words))


def _swapped_word(fragment: str, text: str) -> bool:
    """Whether `fragment` lacks a content word of `text` and, in the part matched to the text,
    holds one the text lacks in its place (both normalised). A typo, a spelling, an ending,
    two words run together or one split in two (a lost or an added space) are no swap."""
    wanted, held = _content_words(text), _content_words(fragment)
    unseen = wanted - held
    if not unseen:  # every word is there (the common case: no alignment needed)
        return False
    text_joined, fragment_joined = _joined_pairs(text), _joined_pairs(fragment)
    if not any(
        w not in fragment_joined
        and not any(_same_word(w, v) or (w in v and v in text_joined) for v in held)
        for w in unseen
    ):
        return False
    window = _content_words(_matched_window(fragment, text))
    return any(not any(_same_word(v, w) for w in wanted) for v in window - wanted)


def _several_errors_alike(distinct: Sequence[Match]) -> bool:
    """Whether a paste holds errors that each match strongly in fragments of their own with no
    one standing out: MANY_ERRORS or more (a list of messages: the docs, a question about
    codes), or the strongest two within TIE_MARGIN (two replies side by side). Whichever came
    first would be a guess, so none is answered with confidence."""
    if len(distinct) >= MANY_ERRORS:
        return True
    return len(distinct) == 2 and distinct[0].score - distinct[1].score < TIE_MARGIN


def _without_reasons(text: str) -> str:
    """The text without its HTTP reason phrases (they name a status, not a symptom). An ASCII
    text comes back lower-cased (symptom words are read in lower case): lower-cased first, it
    holds the same matches for the faster case-sensitive regex, and often none at all."""
    if not text.isascii():
        return _REASON_RE.sub(" ", text)
    low = text.lower()
    if not any(phrase in low for phrase in REASON_PHRASES):
        return low
    return _REASON_LOWER_RE.sub(" ", low)


def code_from_word(word: str) -> int | None:
    """`429` → 429, `forbidden` → 403, `Too Many Requests` → 429; else None."""
    word = word.strip().lower()
    if re.fullmatch(r"[45]\d\d", word):
        return int(word)
    return REASON_PHRASES.get(word)


__all__ = ["CONFIDENT_SCORE", "Fragment", "Match", "Matcher", "Result", "code_from_word"]
