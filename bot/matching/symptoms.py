"""Symptom questions: "getting 504 from tyk", "502s from the gateway", "what does a key get
once its monthly allowance is used up?". No error text to match, so entries are ranked by the
codes the question names, the words it shares with each entry's description (message,
aliases, summary, cause, tags; BM25) and how common the entry is (`prevalence`).

The result is a best guess, never confident.

| constant | value | meaning |
| --- | --- | --- |
| BM25_K1, BM25_B | 1.2, 0.75 | the usual BM25 saturation and length normalisation |
| RELATED_CODES | 502 → 500/503/504, 408 → 504 | codes reported for errors Tyk sends as others |
| WORDS_HALF | fitted | the BM25 that counts as half a match (words = bm25 / (bm25 + WORDS_HALF)) |
| W_RELATIVE | fitted | share of the words score taken relative to the best entry's BM25 |
| W_WORDS | fitted | weight of the description words |
| W_PREVALENCE | fitted | weight of the entry's prevalence |
| W_FUZZY | fitted | weight of a weak message match found by the fuzzy matcher |
| W_BASE | fitted | what every entry of a named code gets |
| OFF_CODE | fitted | factor for entries of another code than the one named |
| SYMPTOM_SCALE | 0.33 | scores stay far below the confidence threshold (about 0.5 at most) |
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Protocol, cast

import numpy as np
import numpy.typing as npt

from bot.matching.normalize import normalize, split_words, tokens

BM25_K1 = 1.2
BM25_B = 0.75
RELATED_CODES: dict[int, tuple[int, ...]] = {502: (500, 503, 504), 408: (504,)}
RELATED_FIT = 0.8
WORDS_HALF = 8.0
W_RELATIVE = 0.5
W_WORDS = 0.9
W_PREVALENCE = 0.3
W_FUZZY = 0.2
W_BASE = 0.1
OFF_CODE = 0.3
NO_CODE_FIT = 0.7
SYMPTOM_SCALE = 0.33

# How people describe what Tyk calls otherwise: a question's word or phrase → catalog words.
LEXICON: dict[str, str] = {
    "allowance": "quota",
    "used up": "quota",
    "monthly": "quota renewal",
    "per month": "quota renewal",
    "too many": "rate limit",
    "throttled": "rate limit",
    "throttling": "rate limit",
    "per second": "rate limit",
    "burst": "rate limit",
    "inactive": "inactive",
    "deactivated": "inactive",
    "disabled key": "inactive",
    "ttl": "expires",
    "lifetime": "expires",
    "issued": "expires",
    "expired": "expires",
    "expiry": "expires",
    "no key": "no credential missing",
    "without a key": "no credential missing",
    "without key": "no credential missing",
    "missing key": "no credential missing",
    "no header": "no credential missing",
    "rotated": "unknown key",
    "new key": "unknown key",
    "revoked": "unknown key",
    "password": "password basic",
    "timed out": "timeout",
    "times out": "timeout",
    "takes too long": "timeout",
    "seconds": "timeout",
    "health check": "uptime down",
    "healthcheck": "uptime down",
    "unhealthy": "uptime down",
    "refused": "refused",
    "dns": "dns lookup host",
    "resolve": "dns lookup host",
    "namespace": "dns lookup host",
    "renamed": "dns lookup host",
    "cluster local": "dns lookup host",
    "rest api": "gateway api secret",
    "admin api": "gateway api secret",
    "x tyk authorization": "gateway api secret",
    "aborts": "closed canceled",
    "cancel": "closed canceled",
    "gives up": "closed canceled",
    "giving up": "closed canceled",
    "load generator": "closed canceled",
    "recovers": "circuit breaker tripped",
    "on its own": "circuit breaker tripped",
    "tenant": "organization",
    "org wide": "organization",
    "allowlist": "ip",
    "whitelist": "ip",
    "blocklist": "ip",
}


def _alternatives(phrases: list[str]) -> str:
    """`a|b|c` for a regex, grouped by first letter (`q(?:uota|uick)`): the same matches in
    the same order of preference, but each place tries one group, not every phrase."""
    groups: dict[str, list[str]] = defaultdict(list)
    for phrase in phrases:
        groups[phrase[0]].append(re.escape(phrase[1:]))
    return "|".join(
        re.escape(first) + "(?:" + "|".join(rest) + ")" for first, rest in groups.items()
    )


_LEXICON_RE = re.compile(r"\b(" + _alternatives(list(LEXICON)) + r")\b")
_STOP_WORDS = (
    "a an the to of in on for is be has have been with this that and or not no by from at it "
    "its as are was were we our my i you they their them what when why how does do did get gets "
    "getting got every all any some since after before then just can could should would will "
    "tyk gateway api request requests call calls response responses error errors "
    # how people ask, not what about: "what does that usually mean", "returning 403 to everyone"
    "return returns returning returned usually mean means meaning everyone everybody anyone "
    "suddenly keep keeps kept seeing see seen happen happens happening lot lots bunch idea "
    "help thanks hi hello us me http https "
    # counts and chatter around the symptom: "500 from tyk on one api", "it gives 404 now"
    "one two three four five six seven eight nine ten several few many most both each other "
    "another same again still also only even give gives gave giving say says said saying show "
    "shows showed showing tell tells told know think someone something anything anybody "
    "somebody please there here now today yesterday morning week"
)
_STOP = frozenset(_STOP_WORDS.split())


class Described(Protocol):
    """What the symptom index needs of an entry."""

    @property
    def message(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def summary(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


def stem(word: str) -> str:
    """A crude stem: `expires`, `expired` → `expir`; `quotas` → `quota`."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Stemmed content words of a text, user vocabulary mapped to the catalog's."""
    norm = normalize(text)
    norm = _LEXICON_RE.sub(lambda m: f"{m.group(1)} {LEXICON[m.group(1)]}", norm)
    return [stem(w) for w in tokens(norm) if w not in _STOP and not w.isdigit()]


TERMS_KEPT = 50_000  # words whose term is kept between questions (a bound on memory)
_TERMS: dict[str, str] = {}  # a word's stemmed term, "" for a stop word or a number


def term_set(text: str) -> set[str]:
    """`set(terms(text))`, each distinct word looked up once (a 4 KB question holds ~600
    words, a few hundred distinct) and its term kept for the next question."""
    norm = normalize(text)
    norm = _LEXICON_RE.sub(lambda m: f"{m.group(1)} {LEXICON[m.group(1)]}", norm)
    distinct = set(split_words(norm))  # normalised words and lexicon words: single spaces
    fresh = {word: _term(word) for word in distinct - _TERMS.keys()}
    if len(_TERMS) + len(fresh) > TERMS_KEPT:
        _TERMS.clear()
    _TERMS.update(fresh)
    found = set(map(_TERMS.get, distinct))  # no Python step per word
    if None in found:  # another thread cleared the terms meanwhile
        found = set(map(_term, distinct))
    found.discard("")
    return cast(set[str], found)  # no None left


def _term(word: str) -> str:
    """A word's stemmed term, "" for a stop word or a number."""
    return "" if word in _STOP or word.isdigit() else stem(word)


class SymptomIndex:
    """BM25 over each entry's description."""

    def __init__(self, entries: Sequence[Described]) -> None:
        docs = [
            terms(" ".join([e.message, e.message, *e.aliases, e.summary, e.cause, *e.tags]))
            for e in entries
        ]
        self.size = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        average = float(lengths.mean()) if len(docs) else 1.0
        counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for i, doc in enumerate(docs):
            for term in doc:
                counts[term][i] += 1
        self.postings: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]] = {}
        for term, per_doc in counts.items():
            ids = np.fromiter(per_doc, dtype=np.int32, count=len(per_doc))
            tf = np.fromiter(per_doc.values(), dtype=np.float64, count=len(per_doc))
            idf = math.log(1 + (self.size - len(per_doc) + 0.5) / (len(per_doc) + 0.5))
            norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[ids] / max(average, 1.0))
            self.postings[term] = (ids, idf * tf * (BM25_K1 + 1) / (tf + norm))
        # The postings laid end to end (term `k` holds post_docs[starts[k]:starts[k] + sizes[k]]):
        # a question's hundreds of terms gathered at once, not concatenated one by one.
        self.term_ids = {term: k for k, term in enumerate(self.postings)}
        self.sizes = np.array([len(ids) for ids, _ in self.postings.values()], dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(self.sizes)[:-1])).astype(np.int64)
        self.post_docs = np.concatenate(
            [ids for ids, _ in self.postings.values()] or [np.zeros(0, dtype=np.int32)]
        )
        self.post_bm25 = np.concatenate(
            [bm25 for _, bm25 in self.postings.values()] or [np.zeros(0, dtype=np.float64)]
        )

    def words(self, text: str) -> tuple[npt.NDArray[np.float64], float]:
        """Each entry's BM25 for the text on a 0-1 scale (squashed, half at WORDS_HALF, mixed
        with its share of the best entry's by W_RELATIVE), and the best entry's BM25 itself."""
        known = self.term_ids
        # The terms in set order, as ever: bincount adds each entry's weights in this order.
        hits = np.array([known[t] for t in term_set(text) if t in known], dtype=np.int64)
        if not len(hits):
            return np.zeros(self.size), 0.0
        sizes = self.sizes[hits]
        ends = np.cumsum(sizes)
        at = np.arange(ends[-1]) + np.repeat(self.starts[hits] - (ends - sizes), sizes)
        scores = np.bincount(
            self.post_docs[at], weights=self.post_bm25[at], minlength=self.size
        ).astype(np.float64)
        top = float(scores.max())
        squashed = scores / (scores + WORDS_HALF)
        return (1 - W_RELATIVE) * squashed + W_RELATIVE * scores / top, top


def code_fit(entry_codes: Sequence[int], asked: Mapping[int, float]) -> float:
    """How well an entry's codes (its own and the gateway's commonest first) fit the codes a
    question names (NO_CODE_FIT when none are)."""
    if not asked:
        return NO_CODE_FIT
    if any(c in asked for c in entry_codes[:2]):
        return 1.0
    if any(c in RELATED_CODES.get(a, ()) for a in asked for c in entry_codes[:2]):
        return RELATED_FIT
    if any(c in asked for c in entry_codes):
        return RELATED_FIT
    return OFF_CODE
