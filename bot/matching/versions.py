"""Gateway version ranges and the entry notes that apply to a version.

A range is one span (`<5.4`, `>=5.0,<5.6`, `==5.3`) or several joined by `||` for long-term
support backports (`>=5.8.8,<5.9 || >=5.11`). Clauses inside a span are separated by commas or
spaces. Comparisons are `packaging`'s (`SpecifierSet`, `Version`); `==5.3` means any 5.3.x.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

_CLAUSE_RE = re.compile(r"^(<=|>=|<|>|==|=)?v?(\d+(?:\.\d+){0,2})$")
_TOKEN_RE = re.compile(r"(<=|>=|<|>|==|=)?\s*v?\d+(?:\.\d+)*")


class VersionedNote(Protocol):
    """A note that applies to a range of gateway versions."""

    @property
    def applies(self) -> str: ...
    @property
    def note(self) -> str: ...


def parse_version(text: str) -> tuple[int, ...]:
    """`5.3.9` → (5, 3, 9); `v5.14` → (5, 14)."""
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _clause(token: str) -> str | None:
    m = _CLAUSE_RE.match(re.sub(r"\s+", "", token))
    if not m:
        return None
    op, number = m.group(1) or "==", m.group(2)
    if op in ("==", "="):
        # `==5.3` means any 5.3.x; `==5.3.9` exactly that release.
        return f"=={number}" if number.count(".") >= 2 else f"=={number}.*"
    return f"{op}{number}"


@lru_cache(maxsize=1024)
def _spans(spec: str) -> tuple[SpecifierSet, ...] | None:
    """The spans of `spec` as specifier sets, or None when it is not a range."""
    spans: list[SpecifierSet] = []
    for part in spec.split("||"):
        tokens = [t for t in re.split(r"[,\s]+(?=[<>=v\d])", part.strip()) if t.strip(", ")]
        if not tokens:
            return None
        clauses = [_clause(t.strip(", ")) for t in tokens]
        if any(c is None for c in clauses):
            return None
        try:
            spans.append(SpecifierSet(",".join(c for c in clauses if c)))
        except InvalidSpecifier:
            return None
    return tuple(spans)


def _version(text: str) -> Version | None:
    try:
        return Version(".".join(str(p) for p in parse_version(text)) or "x")
    except InvalidVersion:
        return None


def is_range(spec: str) -> bool:
    """Whether `spec` is a range this module understands (`<5.4`, `>=5.0,<5.6`,
    `>=5.8.3,<5.9 || >=5.9`)."""
    return bool(spec.strip()) and _spans(spec) is not None


def in_range(version: str, spec: str) -> bool:
    """Whether `version` is in one of the spans of `spec`."""
    spans, have = _spans(spec), _version(version)
    if not spans or have is None:
        return False
    return any(span.contains(have, prereleases=True) for span in spans)


def _candidates(*specs: str) -> list[str]:
    """Versions that reach into every interval two ranges can share: the lowest version, each
    bound named in either range, and the patch release just above it (for `>` bounds)."""
    out = ["0.0.0"]
    for spec in specs:
        for m in _TOKEN_RE.finditer(spec):
            major, minor, patch = (*parse_version(m.group(0)), 0, 0)[:3]
            out += [f"{major}.{minor}.{patch}", f"{major}.{minor}.{patch + 1}"]
    return out


def overlaps(spec_a: str, spec_b: str) -> bool:
    """Whether some gateway version satisfies both ranges."""
    return any(in_range(v, spec_a) and in_range(v, spec_b) for v in _candidates(spec_a, spec_b))


def notes_for_version(notes: Iterable[VersionedNote], seen: str | None) -> tuple[str, ...]:
    """The notes that concern the gateway version range seen in a paste (`==5.3.9`,
    `>=5.14`, `<5.14`): plain when the version is exact, labelled with their range when the
    paste only narrows it down, and every note, labelled, when nothing is known."""
    notes = list(notes)
    if seen is None:
        return tuple(f"In gateway {n.applies}: {n.note}" for n in notes)
    if seen.startswith("=="):
        return tuple(n.note for n in notes if in_range(seen[2:], n.applies))
    return tuple(f"In gateway {n.applies}: {n.note}" for n in notes if overlaps(seen, n.applies))
