"""Adversarial pastes of Slack's maximum size cost one linear pass: no regex backtracks.

Each string repeats fragments of the patterns (their literals, quotes, token characters,
whitespace runs) to 40,000 characters. Before the patterns were bounded, a run of spaces took
22 s in extraction and `eyJa-` repeated took minutes in redaction; now each takes well under
0.2 s (see benchmarks/bench_adversarial.py). The bound here is deliberately generous.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching.extract import extract
from bot.matching.matcher import Matcher
from bot.matching.redact import redact
from bot.matching.values import paste_values
from bot.service import Service

SIZE = 40_000
FRAGMENTS = [
    "key=", "Authorization: ", "Bearer ", '"', "'", "`", "eyJ", "eyJa-", "a.", "a-", "deadbeef",
    "0123456789abcdef", "dial tcp ", "lookup ", " ", "  ", "\t", "\n", "\r\n", "msg=",
    'error="', '"error": "', "<error>", "HTTP/1.1 ", "status=", "x://", "user:pw@", "-u ", ":",
    "=", "\\", "{", "[pod/", "level=error ", "tyk gateway v", "403 ", "Forbidden ", "*", "/",
    "Get \"http://", "a ", "x", "2024-01-01T00:00:00Z ",
]  # fmt: skip
GENEROUS_SECONDS = 3.0  # the figure is ~0.1 s; before the fix it was 3-5 s up to minutes

adversarial = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map(
    lambda parts: ("".join(parts) * (SIZE // len("".join(parts)) + 1))[:SIZE]
)


def _bounded(work: object, text: str) -> None:
    start = time.perf_counter()
    work(text)  # type: ignore[operator]
    took = time.perf_counter() - start
    assert took < GENEROUS_SECONDS, f"{took:.1f}s for {text[:40]!r}..."


@settings(max_examples=40, deadline=None)
@given(adversarial)
def test_redaction_extraction_and_values_are_linear(text: str) -> None:
    _bounded(redact, text)
    _bounded(extract, text)
    _bounded(paste_values, text)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(adversarial)
def test_the_whole_matcher_is_linear(service: Service, text: str) -> None:
    matcher: Matcher = service.matcher()
    _bounded(lambda t: matcher.match(redact(t).text, limit=4), text)


def test_the_known_worst_cases_pass() -> None:
    # `dial tcp msg=`: one 40,000-character log line with 3,000 msg fields once re-read the whole
    # line for each field's log level (3-4 s).
    for fragment in ("  ", "\t", "\n", "eyJa-", "a-", "a.", "dial tcp msg="):
        text = (fragment * SIZE)[:SIZE]
        _bounded(redact, text)
        _bounded(extract, text)
