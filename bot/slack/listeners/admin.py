"""Admin catalog edits from Slack: `/tykerror add|edit|retire|restore|history`, the editor
modal's submission, and the Edit and Restore-this-version buttons.

Every path checks on the server that the person is an admin; anything else changes nothing
and gets a polite refusal. The work itself is the service's `edit_entry`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.catalog import Entry
from bot.service import ConflictError, EditError, UnknownEntry, ValidationError
from bot.service.catalog_edits import form_changes, form_values
from bot.slack import admin_blocks as ui
from bot.slack import blocks
from bot.slack.admin import is_admin
from bot.slack.deps import Deps, guarded, on_modal_submit
from bot.slack.interactions import Durable, Interaction
from bot.slack.listeners.events import jobs_client

WORDS = ("add", "edit", "retire", "restore", "history")


def handle_command(
    deps: Deps, client: WebClient, command: dict[str, Any], words: list[str]
) -> tuple[blocks.Message, str] | None:
    """The reply to an admin subcommand of `/tykerror`, or None when it is not one."""
    first = words[0].lower() if words else ""
    # `add` stands alone and retire/restore/history take one id; other shapes are pastes.
    wanted = {"add": 1, "retire": 2, "restore": 2, "history": 2}.get(first)
    if first not in WORDS or (wanted is not None and len(words) != wanted) or len(words) < 1:
        return None
    if first == "edit" and len(words) < 2:
        return None
    user_id = str(command.get("user_id") or "")
    if not is_admin(deps.settings, client, user_id):
        return blocks.text_message(ui.REFUSAL), "admin_refused"
    rest = " ".join(words[1:])
    try:
        if first == "add":
            open_editor(deps, client, str(command.get("trigger_id") or ""), None)
            return ui.opened_message(None), "admin_add"
        if first == "edit":
            entry = find_entry(deps, rest)
            if entry is None:
                note = f"No entry matches that. Try an id from `{blocks.COMMAND} search <words>`."
                return blocks.text_message(note), "admin_no_entry"
            open_editor(deps, client, str(command.get("trigger_id") or ""), entry.id)
            return ui.opened_message(entry), "admin_edit"
        if first == "history":
            entry_key = words[1]
            record = deps.service.entry_record(entry_key)
            revisions = deps.service.history(entry_key)
            return ui.history_message(record.entry, revisions), "admin_history"
        result = deps.service.edit_entry(first, by=user_id, entry_id=words[1])
        return blocks.text_message(ui.result_text(result)), f"admin_{first}"
    except EditError as exc:
        return blocks.text_message(blocks.escape(str(exc))), "admin_error"


def find_entry(deps: Deps, id_or_paste: str) -> Entry | None:
    """The entry with that id, else the best match for it as a paste."""
    try:
        return deps.service.entry_record(id_or_paste.strip()).entry
    except UnknownEntry:
        pass
    answer = deps.service.explain(id_or_paste, source="slash", limit=1, log=False)
    return answer.best.entry if answer.best is not None else None


def open_editor(deps: Deps, client: WebClient, trigger_id: str, entry_id: str | None) -> None:
    """Open the editor modal, on an entry as stored now or blank for a new one."""
    if entry_id is None:
        view = ui.edit_modal(form_values(None), None, None)
    else:
        record = deps.service.entry_record(entry_id)
        view = ui.edit_modal(form_values(record.entry), entry_id, record.version)
    client.views_open(trigger_id=trigger_id, view=view)


def submit(
    deps: Deps, client: WebClient, view: dict[str, Any], user_id: str
) -> tuple[dict[str, Any], str]:
    """Save a submitted editor: the ack arguments (errors, conflict, saved) and an outcome."""
    if not is_admin(deps.settings, client, user_id):
        return {"response_action": "update", "view": ui.refusal_modal()}, "refused"
    entry_id, version = ui.modal_target(view)
    try:
        changes = form_changes(ui.submitted_texts(view))
        result = deps.service.edit_entry(
            "edit" if entry_id else "add",
            by=user_id,
            entry_id=entry_id,
            changes=changes,
            expected_version=version,
        )
    except ValidationError as exc:
        return {"response_action": "errors", "errors": exc.errors}, "invalid"
    except ConflictError as exc:
        again = ui.edit_modal(
            form_values(exc.yours), exc.theirs.id, exc.version, ui.conflict_notice(exc)
        )
        return {"response_action": "update", "view": again}, "conflict"
    except EditError as exc:
        notice = blocks.notice_modal(blocks.escape(str(exc)))
        return {"response_action": "update", "view": notice}, "failed"
    return {"response_action": "update", "view": ui.saved_modal(result)}, "saved"


def register(app: App, deps: Deps) -> None:
    """Add the editor's submission listener and the Edit / Restore buttons."""

    on_modal_submit(app, deps, ui.EDIT_MODAL, "admin_modal", lambda c, v, u: submit(deps, c, v, u))

    def clicked(
        client: WebClient, body: dict[str, Any], tell: Callable[[str], None], handler: ButtonHandler
    ) -> str:
        user_id = str((body.get("user") or {}).get("id") or "")
        if not is_admin(deps.settings, client, user_id):
            tell(ui.REFUSAL)
            return "refused"
        action = (body.get("actions") or [{}])[0]
        value = blocks.decode_value(action.get("value"))
        return handler(deps, client, body, value, user_id, tell)

    def opening(action_id: str, name: str, handler: ButtonHandler) -> None:
        """A button that opens a modal: inside the request (its trigger_id lasts 3 s)."""

        def on_click(
            ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, logger: Any
        ) -> None:
            def tell(text: str) -> None:
                respond(text=text, response_type="ephemeral", replace_original=False)

            def work() -> str:
                return clicked(client, body, tell, handler)

            guarded(deps, name, work, logger, lambda: tell(blocks.error_message()["text"]))
            ack()

        app.action(action_id)(on_click)

    def changing(action_id: str, kind: str, name: str, handler: ButtonHandler) -> None:
        """A button that changes the catalog: a durable job, the reply to the clicker only."""

        def teller(interaction: Interaction) -> Callable[[str], None]:
            def tell(text: str) -> None:
                interaction.respond(text=text, response_type="ephemeral", replace_original=False)

            return tell

        Durable(app, deps).action(
            action_id,
            kind,
            name,
            lambda i: clicked(jobs_client(app), i.body, teller(i), handler),
            lambda i: teller(i)(blocks.error_message()["text"]),
        )

    opening(ui.EDIT, "admin_edit", edit_clicked)
    changing(ui.REVERT, "act:revert", "admin_revert", revert_clicked)


ButtonHandler = Callable[
    [Deps, WebClient, dict[str, Any], dict[str, Any], str, Callable[[str], None]], str
]


def edit_clicked(
    deps: Deps,
    client: WebClient,
    body: dict[str, Any],
    value: dict[str, Any],
    user_id: str,
    tell: Callable[[str], None],
) -> str:
    """Edit on an answer: open the editor on that entry."""
    entry_id = value.get("e")
    if not isinstance(entry_id, str):
        return "bad_value"
    try:
        open_editor(deps, client, str(body.get("trigger_id") or ""), entry_id)
    except UnknownEntry:
        tell("That entry no longer exists.")
        return "gone"
    return "opened"


def revert_clicked(
    deps: Deps,
    client: WebClient,
    body: dict[str, Any],
    value: dict[str, Any],
    user_id: str,
    tell: Callable[[str], None],
) -> str:
    """Restore this version: the entry as that revision left it, as a new revision."""
    entry_id, revision_id = value.get("e"), value.get("r")
    if not isinstance(entry_id, str) or not isinstance(revision_id, int):
        return "bad_value"
    try:
        result = deps.service.edit_entry(
            "revert", by=user_id, entry_id=entry_id, revision_id=revision_id
        )
    except ValidationError as exc:
        tell(f"Cannot restore that version: {blocks.escape(str(exc))}")
        return "invalid"
    except EditError as exc:
        tell(blocks.escape(str(exc)))
        return "failed"
    tell(ui.result_text(result))
    return "reverted"
