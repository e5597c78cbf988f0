"""Feedback: one vote per person per answer, the other candidates after "didn't help", and the
one-line reason a person may add."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog import Entry
from bot.service.answers import InputError
from bot.service.core import ServiceCore
from bot.store import repository as repo

MAX_REASON_CHARS = 200


@dataclass
class VoteOutcome:
    """What a vote did: 'new', 'changed' or 'same', and the other candidates to offer."""

    status: str
    alternatives: list[Entry] = field(default_factory=list)
    query_text: str = ""  # the (redacted) paste voted on, and whether its answer was confident
    query_confident: bool = False


class Feedback(ServiceCore):
    """Use cases for votes."""

    def vote(
        self,
        query_id: int,
        entry_id: str,
        user_id: str,
        helpful: bool,
        chosen_entry_id: str | None = None,
    ) -> VoteOutcome:
        """Store one person's vote on an answer; 'didn't help' returns the other candidates."""
        with self.session() as s:
            query = repo.get_query(s, query_id)
            if query is None:
                raise InputError("that answer is too old to vote on")
            status = repo.record_vote(s, query_id, entry_id, user_id, helpful, chosen_entry_id)
            others = [i for i in query.match_ids if i not in (entry_id, chosen_entry_id)]
            text, confident = query.text, query.confident
        # No refresh here: the next poll (within tykbot_catalog_poll_seconds) swaps the new
        # priors in once for however many votes arrived meanwhile.
        alternatives = [e for e in (self.entry(i) for i in others) if e is not None]
        return VoteOutcome(status, [] if helpful else alternatives, text, confident)

    def give_reason(self, query_id: int, user_id: str, reason: str) -> bool:
        """Attach a person's one-line reason to their vote on an answer (False: no vote)."""
        line = " ".join(reason.split())[:MAX_REASON_CHARS]
        if not line:
            return False
        with self.session() as s:
            return repo.set_vote_reason(s, query_id, user_id, line)
