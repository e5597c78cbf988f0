"""Use cases shared by the CLI, the Slack listeners and the tests. No Slack or HTTP types here.

One module per kind of use case; `Service` is all of them over one database.
"""

from __future__ import annotations

from bot.service.answering import Answering
from bot.service.answers import MAX_PASTE_CHARS, SOURCES, Answer, Candidate, InputError
from bot.service.bookkeeping import Bookkeeping
from bot.service.catalog_edits import (
    CatalogEdits,
    ConflictError,
    EditError,
    EditResult,
    ImportRejected,
    Revision,
    UnknownEntry,
    ValidationError,
)
from bot.service.core import ServiceCore, knowledge_fingerprint
from bot.service.feedback import Feedback, VoteOutcome
from bot.service.gateway_checks import GatewayChecks
from bot.service.jobs import Jobs, JobView
from bot.service.learning import EntryFeedback, Gap, Learning, ProposalView
from bot.service.retention import Retention


class Service(Jobs, Answering, Learning, Bookkeeping, Retention, GatewayChecks):
    """tykbot's use cases over one database."""


__all__ = [
    "MAX_PASTE_CHARS",
    "SOURCES",
    "Answer",
    "Candidate",
    "CatalogEdits",
    "ConflictError",
    "EditError",
    "EditResult",
    "EntryFeedback",
    "Feedback",
    "Gap",
    "GatewayChecks",
    "ImportRejected",
    "InputError",
    "JobView",
    "Learning",
    "ProposalView",
    "Retention",
    "Revision",
    "Service",
    "ServiceCore",
    "UnknownEntry",
    "ValidationError",
    "VoteOutcome",
    "knowledge_fingerprint",
]
