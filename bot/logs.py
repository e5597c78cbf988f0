"""Logging: one JSON object per line (or plain text), with what is known about the request.

The Slack layer and the job runner bind a request id, team, channel, command or event, and
the service adds the entry and score it answered with; every line logged meanwhile carries
them. Tokens, JWTs and credentials are masked in every field, and pastes are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from bot.matching.redact import MASK, redact

_CONTEXT: ContextVar[dict[str, Any] | None] = ContextVar("tykbot_log_context", default=None)
# Fields a line may carry, from the context or from `extra=` of one call.
FIELDS = (
    "request_id",
    "team",
    "channel",
    "user",
    "command",
    "event",
    "listener",
    "job",
    "kind",
    "entry",
    "score",
    "outcome",
    "status",
    "latency_ms",
    "cause",
)
# Slack tokens (bot, user, app, config), anywhere in a line; redact() handles JWTs, keys,
# auth headers and URL credentials.
_SLACK_TOKEN = re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]{4,}")


def scrub(text: str) -> str:
    """A log text with every secret masked (linear time: the patterns do not backtrack)."""
    return redact(_SLACK_TOKEN.sub(MASK, text)).text


def context() -> dict[str, Any]:
    """The fields bound in this context."""
    return dict(_CONTEXT.get() or {})


@contextmanager
def bound(**fields: Any) -> Iterator[dict[str, Any]]:
    """Add fields (empty ones skipped) to every line logged in this block."""
    new = {**context(), **{k: v for k, v in fields.items() if v not in (None, "")}}
    token = _CONTEXT.set(new)
    try:
        yield new
    finally:
        _CONTEXT.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", <bound fields>, "exc"}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        fields = {**context(), **{k: getattr(record, k) for k in FIELDS if hasattr(record, k)}}
        for key in FIELDS:
            value = fields.get(key)
            if value is None:
                continue
            line[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[1] is not None:
            line["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The classic line, its bound fields appended as key=value, secrets masked."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = {**context(), **{k: getattr(record, k) for k in FIELDS if hasattr(record, k)}}
        extra = " ".join(f"{k}={fields[k]}" for k in FIELDS if fields.get(k) is not None)
        return scrub(super().format(record) + (f" [{extra}]" if extra else ""))


def formatter(kind: str) -> logging.Formatter:
    return TextFormatter() if kind == "text" else JsonFormatter()


def configure(level: str, kind: str = "json") -> None:
    """Send every log line to stderr in `kind` ("json" or "text") format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
