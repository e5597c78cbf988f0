"""Gateway check results and the key modal as Block Kit (pure functions, no secrets in)."""

from __future__ import annotations

import json
from typing import Any

from bot.gateway.checks import OK, PROBLEM, CheckResult
from bot.matching.redact import redact
from bot.slack.blocks import (
    COMMAND,
    Block,
    Message,
    button,
    clip,
    code_block,
    context,
    escape,
    message,
    section,
)
from bot.store.repository import AuditRow

CHECK_SHARE = "tyk_check_share"
KEY_MODAL = "tyk_check_key"
KEY_BLOCK = "tyk_check_key_input"
KEY_INPUT = "value"
MARKS = {OK: ":white_check_mark:", PROBLEM: ":x:"}


def _masked(text: str) -> str:
    """Belt and braces: whatever looks like a secret is masked (the checks hold none)."""
    return redact(text).text


def result_blocks(row: AuditRow, shared_by: str = "") -> list[Block]:
    """A check's verdict, evidence and calls; a *Share* button on the private copy."""
    mark = MARKS.get(row.outcome, ":grey_question:")
    head = f"{mark} *{escape(_masked(row.verdict))}*"
    out: list[Block] = []
    if shared_by:
        out.append(context(f"<@{escape(shared_by)}> shared a gateway check from tykbot:"))
    out.append(section(head))
    if row.evidence:
        out.append(section(code_block(clip(_masked("\n".join(row.evidence)), 2800))))
    target = f" · {escape(row.target)}" if row.target else ""
    out.append(
        context(f"Checked on *{escape(row.gateway)}*{target} · {len(row.calls)} read-only calls")
    )
    if not shared_by:
        share = button("Share in channel", CHECK_SHARE, {"a": row.id}, style="primary")
        out.append({"type": "actions", "elements": [share]})
    return out


def result_message(row: AuditRow, shared_by: str = "") -> Message:
    """The check result as a message payload."""
    return message(f"Check on {row.gateway}: {_masked(row.verdict)}", result_blocks(row, shared_by))


def check_result_row(result: CheckResult, audit_id: int, user_id: str) -> AuditRow:
    """An AuditRow-shaped view of a result just run (no second read)."""
    from datetime import UTC, datetime

    return AuditRow(
        audit_id, datetime.now(UTC), user_id, "", result.gateway, result.target, [],
        list(result.calls), result.outcome, result.verdict, result.lines(),
    )  # fmt: skip


def key_modal(metadata: dict[str, Any], gateway: str) -> Block:
    """Ask privately for the key to check (used for that one call, never stored)."""
    return {
        "type": "modal",
        "callback_id": KEY_MODAL,
        "title": {"type": "plain_text", "text": clip(f"Check on {gateway}", 24)},
        "submit": {"type": "plain_text", "text": "Check"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "blocks": [
            section(
                "This error is about a key. Paste it to check its policies, expiry, quota and "
                "rate limits; it is used for this one call and never stored or shown (only its "
                "last 4 characters). Leave it empty to check the API only."
            ),
            {
                "type": "input",
                "block_id": KEY_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Key (optional)"},
                "element": {"type": "plain_text_input", "action_id": KEY_INPUT, "max_length": 512},
            },
        ],
    }


def check_help_line(gateways: tuple[str, ...]) -> str:
    """The help line of `/tykerror check` (empty when no gateway is configured)."""
    if not gateways:
        return ""
    return (
        f"• `{COMMAND} check <api_id or /listen/path/>`: look at an API on "
        f"{', '.join(gateways)} (read-only, checkers)"
    )


def text_message(text: str) -> Message:
    return message(text, [section(text)])
