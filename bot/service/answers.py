"""What the use cases return: answers and their candidates, and the one-line input error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.catalog import Entry

# Slack's own message limit: longer pastes keep their end (where logs put the error) and the
# answer says so. Matching stays linear, so this bounds the time of one answer too.
MAX_PASTE_CHARS = 40_000
SOURCES = ("cli", "slash", "thread", "mention", "shortcut", "api")


class InputError(ValueError):
    """A paste that cannot be explained (empty, binary); the text is one line for a person."""


@dataclass(frozen=True)
class Candidate:
    """A ranked match together with its catalog entry."""

    entry: Entry
    score: float
    reason: str
    version_notes: tuple[str, ...] = ()
    kind: str = ""  # what matched: a fragment kind of bot.matching.extract, or "code"
    fragment: str = ""  # the part of the paste that matched
    siblings: tuple[Entry, ...] = ()  # the same text under other codes: one answer, all codes

    @property
    def codes(self) -> tuple[int, ...]:
        """Every code this answer's text is listed under, its own first."""
        return (self.entry.code, *(s.code for s in self.siblings if s.code != self.entry.code))


@dataclass(frozen=True)
class Answer:
    """What tykbot says about one paste."""

    query_id: int | None
    text: str
    candidates: tuple[Candidate, ...]
    confident: bool
    code_only: bool = False
    secrets: tuple[str, ...] = ()
    version: str | None = None
    version_hint: str = ""
    also_found: tuple[Candidate, ...] = ()
    truncated: bool = False
    values: Mapping[str, str] = field(default_factory=dict)  # what the paste names: host, api_id..
    codes_seen: tuple[int, ...] = ()  # status codes in the paste, strongest first

    @property
    def best(self) -> Candidate | None:
        """The top candidate, if any."""
        return self.candidates[0] if self.candidates else None

    @property
    def version_seen(self) -> str:
        """The gateway version the paste revealed, for people: `5.3.9`, `>=5.14` or ``."""
        return (self.version or "").removeprefix("==")

    @property
    def secret_found(self) -> bool:
        """Whether the paste held a secret (it was redacted before logging)."""
        return bool(self.secrets)
