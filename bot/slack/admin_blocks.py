"""Block Kit for admins: the entry editor modal, conflicts, history and results.

Pure functions returning plain dicts within Slack's limits; user text is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.catalog import PLACEHOLDERS, Entry
from bot.service import ConflictError, EditResult, Revision
from bot.service.catalog_edits import EDITABLE, LABELS
from bot.slack.blocks import (
    COMMAND,
    MAX_MODAL_BLOCKS,
    Block,
    Message,
    button,
    cap,
    clip,
    clip_escaped,
    context,
    entry_title,
    escape,
    message,
    notice_modal,
    section,
    text_message,
)

EDIT_MODAL = "tyk_admin_edit"  # callback id of the editor modal
EDIT = "tyk_edit"  # the Edit button on answers (shown to admins): value {"e": entry id}
REVERT = "tyk_revert"  # Restore this version: value {"e": entry id, "r": revision id}
INPUT = "value"  # action id of every input in the editor
MAX_INPUT = 3000  # Slack's plain_text_input max_length
MAX_HISTORY = 20
REFUSAL = "Only tykbot admins can change the catalog. Ask one of them, or see `/tykerror help`."

_MULTILINE = {"cause", "action", "guidance", "note", "aliases", "versions", "first_step"}
_LIMITS = {"message": 300, "summary": 120, "first_step": 200, "code": 3, "docs_url": 500}
_HINTS = {
    "aliases": "One wording a line: the gateway's text, log lines, other spellings.",
    "tags": "Separated by commas.",
    "versions": "One a line as `<range>: <note>`, for example `<5.4: old wording`.",
    "first_step": "A template: "
    + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    + " are filled from the paste.",
    "gateway_codes": "Codes the gateway really sends it with, separated by commas.",
    "override_ids": "The tyk.conf override_messages keys that re-word it, such as "
    "auth.key_not_found, separated by commas.",
    "summary": "One line, at most 120 characters.",
}
_REQUIRED = {"code", "message"}


def _input(name: str, value: str) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": INPUT,
        "multiline": name in _MULTILINE,
        "max_length": _LIMITS.get(name, MAX_INPUT),
    }
    if value:
        element["initial_value"] = value[: element["max_length"]]
    block: Block = {
        "type": "input",
        "block_id": name,
        "optional": name not in _REQUIRED,
        "label": {"type": "plain_text", "text": LABELS[name]},
        "element": element,
    }
    if name in _HINTS:
        block["hint"] = {"type": "plain_text", "text": _HINTS[name]}
    return block


def edit_modal(
    values: dict[str, str],
    entry_id: str | None,
    version: int | None,
    notice: Sequence[Block] = (),
) -> Block:
    """The editor: every editable field, prefilled; the entry id and the version it shows
    travel in private_metadata so a stale save is caught."""
    blocks = [*notice, *(_input(name, values.get(name, "")) for name in EDITABLE)]
    return {
        "type": "modal",
        "callback_id": EDIT_MODAL,
        "title": {"type": "plain_text", "text": "Edit entry" if entry_id else "New entry"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"e": entry_id, "v": version}, separators=(",", ":")),
        "blocks": cap(blocks, MAX_MODAL_BLOCKS),
    }


def modal_target(view: dict[str, Any]) -> tuple[str | None, int | None]:
    """The entry id and version an editor modal was opened on (None, None for a new entry)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None, None
    entry_id = meta.get("e") if isinstance(meta, dict) else None
    version = meta.get("v") if isinstance(meta, dict) else None
    return (
        entry_id if isinstance(entry_id, str) else None,
        version if isinstance(version, int) else None,
    )


def submitted_texts(view: dict[str, Any]) -> dict[str, str]:
    """The texts of a submitted editor, by field (empty inputs as "")."""
    state = (view.get("state") or {}).get("values") or {}
    out: dict[str, str] = {}
    for name in EDITABLE:
        element = (state.get(name) or {}).get(INPUT) or {}
        if name in state:
            out[name] = str(element.get("value") or "")
    return out


def _shown(value: Any) -> str:
    if value is None:
        return "_(not recorded)_"
    if isinstance(value, list):
        value = "\n".join(
            f"{v['applies']}: {v['note']}" if isinstance(v, dict) else str(v) for v in value
        )
    text = str(value)
    return f"```{clip_escaped(text, 1200)}```" if text.strip() else "_(empty)_"


def conflict_notice(conflict: ConflictError) -> list[Block]:
    """What the other admin saved and what you wrote, field by field, above your form."""
    blocks = [
        section(
            f":warning: *{escape(conflict.changed_by)} saved this entry while you were editing* "
            f"(now version {conflict.version}). Nothing is lost: the form below holds *your* "
            "text. Compare, then Save again to keep yours, or Cancel to keep theirs."
        )
    ]
    for f in conflict.fields[:20]:
        blocks.append(
            section(
                f"*{escape(LABELS.get(f.field, f.field))}*\n"
                f"Theirs: {_shown(f.theirs)}\nYours: {_shown(f.yours)}"
            )
        )
    blocks.append({"type": "divider"})
    return blocks


def saved_modal(result: EditResult) -> Block:
    """The modal after a save."""
    return notice_modal(result_text(result))


def result_text(result: EditResult) -> str:
    """One line on what a change did."""
    title = entry_title(result.entry)
    if not result.changed:
        return f"Nothing to change in *{title}*."
    done = {
        "add": "Added",
        "edit": "Saved",
        "retire": "Retired",
        "restore": "Restored",
        "revert": "Reverted",
    }.get(result.action, "Saved")
    fields = ", ".join(LABELS.get(name, name) for name in result.changed)
    extra = " It no longer matches." if result.action == "retire" else ""
    return f":white_check_mark: {done} *{title}* (version {result.version}; {fields}).{extra}"


def refusal_modal() -> Block:
    """The polite no for a non-admin's submission."""
    return notice_modal(REFUSAL)


def history_message(entry: Entry, revisions: Sequence[Revision]) -> Message:
    """An entry's revisions, newest first, each with a *Restore this version* button."""
    blocks: list[Block] = [section(f"*History of {entry_title(entry)}* (`{escape(entry.id)}`)")]
    for i, r in enumerate(revisions[:MAX_HISTORY]):
        fields = ", ".join(LABELS.get(name, name) for name in r.changes) or "no fields"
        line = (
            f"*v{r.version}* {r.action} by {escape(r.changed_by)}, "
            f"{r.changed_at:%Y-%m-%d %H:%M} UTC: {escape(fields)}"
        )
        if r.reason and r.reason != r.action:
            line += f"\n_{clip_escaped(r.reason, 200)}_"
        block = section(line)
        if i > 0:  # the newest revision is the entry as it is now
            block["accessory"] = button("Restore this version", REVERT, {"e": entry.id, "r": r.id})
        blocks.append(block)
    if len(revisions) > MAX_HISTORY:
        blocks.append(context(f"{len(revisions) - MAX_HISTORY} older revision(s) not shown."))
    return message(f"History of {entry.code} {clip(entry.message, 100)}", blocks)


def opened_message(entry: Entry | None) -> Message:
    """The private reply to `/tykerror add` or `edit`: the editor is open."""
    if entry is None:
        return text_message("Opened the editor for a new entry.")
    return text_message(f"Opened the editor for *{entry_title(entry)}*.")


def admin_help() -> str:
    """The admin commands, for replies that need them."""
    return (
        f"`{COMMAND} add`, `{COMMAND} edit <id or paste>`, `{COMMAND} retire <id>`, "
        f"`{COMMAND} restore <id>`, `{COMMAND} history <id>`"
    )
