"""Verify a Slack request on its raw bytes before anything parses it.

Order matters: the signature and timestamp are checked first (401 for anything unsigned, forged
or stale), and only then is the body read as JSON or a form (400 when that fails). So unsigned
garbage never reaches a parser, and signed garbage never reaches Bolt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from urllib.parse import parse_qs

MAX_BODY_BYTES = 1_000_000  # Slack's largest payloads (a 40,000-character message) are far less
MAX_AGE_SECONDS = 300


class Rejected(Exception):
    """A request refused before parsing: `status` is the HTTP status, `reason` one line."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(body: bytes, headers: Mapping[str, str], secret: str, now: float | None = None) -> None:
    """Raise Rejected unless `body` is signed with `secret`, fresh and well-formed.

    `headers` are lower-cased names. A timestamp that is signed but not a number is a 400.
    """
    stamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not secret or not stamp or not signature or len(stamp) > 32 or len(signature) > 100:
        raise Rejected(401, "unsigned request")
    base = b"v0:" + stamp.encode("utf-8", "replace") + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Rejected(401, "bad signature")
    if not stamp.isdigit():
        raise Rejected(400, "the timestamp header is not a number")
    if abs((time.time() if now is None else now) - int(stamp)) > MAX_AGE_SECONDS:
        raise Rejected(401, "stale timestamp")
    check_body(body, headers.get("content-type") or "")


def check_body(body: bytes, content_type: str) -> None:
    """Raise Rejected(400) unless the body parses the way Bolt will read it (a JSON object, or
    a form whose `payload`, if any, is a JSON object)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "the body is not UTF-8") from None
    if content_type.startswith("application/json"):
        _json_object(text, "body")
        return
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        _json_object(form["payload"][0], "payload")


def _json_object(text: str, what: str) -> None:
    try:
        data = json.loads(text)
    except ValueError:
        raise Rejected(400, f"the {what} is not JSON") from None
    if not isinstance(data, dict):
        raise Rejected(400, f"the {what} is not a JSON object")
