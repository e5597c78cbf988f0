"""Gateway version ranges (`<5.4`, `>=5.0,<5.6`) and the entry notes that apply to a version."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from typing import Protocol

_OPS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
    "=": operator.eq,
}
_CLAUSE_RE = re.compile(r"^\s*(<=|>=|<|>|==|=)?\s*v?(\d+(?:\.\d+)*)\s*$")


class VersionedNote(Protocol):
    """A note that applies to a range of gateway versions."""

    @property
    def applies(self) -> str: ...
    @property
    def note(self) -> str: ...


def parse_version(text: str) -> tuple[int, ...]:
    """`5.3.9` → (5, 3, 9); `v5.14` → (5, 14)."""
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def is_range(spec: str) -> bool:
    """Whether `spec` is a range this module understands (`<5.4`, `>=5.0,<5.6`, `==5.3`)."""
    return bool(spec.strip()) and all(_CLAUSE_RE.match(c) for c in spec.split(","))


def _pad(v: tuple[int, ...]) -> tuple[int, ...]:
    return (*v, 0, 0, 0)[:3]


def in_range(version: str, spec: str) -> bool:
    """Whether `version` satisfies every comma-separated clause of `spec`."""
    have = _pad(parse_version(version))
    for clause in spec.split(","):
        m = _CLAUSE_RE.match(clause)
        if not m:
            return False
        op, want = m.group(1) or "==", _pad(parse_version(m.group(2)))
        if op in ("==", "=") and m.group(2).count(".") < 2:
            # `==5.3` means any 5.3.x
            if have[: m.group(2).count(".") + 1] != want[: m.group(2).count(".") + 1]:
                return False
        elif not _OPS[op](have, want):
            return False
    return True


_PROBES = [
    f"{major}.{minor}.{patch}"
    for major in range(1, 8)
    for minor in range(0, 21)
    for patch in (0, 5)
]


def overlaps(spec_a: str, spec_b: str) -> bool:
    """Whether some gateway version satisfies both ranges."""
    return any(in_range(v, spec_a) and in_range(v, spec_b) for v in _PROBES)


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
