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


def notes_for_version(notes: Iterable[VersionedNote], version: str | None) -> tuple[str, ...]:
    """The notes that apply to `version`; with no known version, every note with its range."""
    if version is None:
        return tuple(f"In gateway {n.applies}: {n.note}" for n in notes)
    return tuple(n.note for n in notes if in_range(version, n.applies))
