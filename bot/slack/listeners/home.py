"""The App Home tab (`app_home_opened` → views.publish), its review buttons, `/tykerror stats`,
and the optional reason after *Wrong error?*."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.service import EditError
from bot.service.catalog_edits import form_values
from bot.slack import admin_blocks as ui
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack import home_blocks as home
from bot.slack.admin import is_admin
from bot.slack.deps import Deps, guarded
from bot.slack.interactions import Durable, Interaction
from bot.slack.listeners.events import jobs_client
from bot.slack.membership import member_channels

REASON = cards.REASON  # the plain_text_input of *Wrong error?* (block id `tyk_reason:<q>`)


def build_home(deps: Deps, client: WebClient, user_id: str, notes: tuple[str, ...] = ()) -> Any:
    """The Home view for one person (admins get the review sections)."""
    service = deps.service
    admin = None
    if is_admin(deps.settings, client, user_id):
        feedback = service.entry_feedback()
        admin = home.AdminHome(
            proposals=service.review_list(),
            gaps=service.gaps(limit=home.MAX_GAPS),
            weak=service.weak_entries(),
            helpfulness=feedback,
        )
    member_of = member_channels(client, user_id) or ()
    mine = service.top_errors(days=7, user_id=user_id, member_of=member_of)
    return home.home_view(home.Home(top_errors=mine, admin=admin, notes=notes))


def publish(deps: Deps, client: WebClient, user_id: str, notes: tuple[str, ...] = ()) -> None:
    """Draw the Home tab of one person."""
    client.views_publish(user_id=user_id, view=build_home(deps, client, user_id, notes))


def stats_command(deps: Deps, words: list[str]) -> tuple[blocks.Message, str] | None:
    """`/tykerror stats`: the week in a few lines (None for other commands)."""
    if [w.lower() for w in words] != ["stats"]:
        return None
    return home.stats_message(deps.service.summary(7)), "stats"


def register(app: App, deps: Deps) -> None:
    """Add the Home tab, its buttons and the reason input."""

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user") or "")

        def run() -> str:
            publish(deps, client, user_id)
            return "published"

        guarded(deps, "home", run, logger)

    durable = Durable(app, deps)

    def admin_action(action_id: str, kind: str, work: Any) -> None:
        """A review button: a durable job that changes the catalog and redraws the Home tab."""

        def run(interaction: Interaction) -> str:
            body, client = interaction.body, jobs_client(app)
            user_id = str((body.get("user") or {}).get("id") or "")
            if not is_admin(deps.settings, client, user_id):
                return "refused"
            action = (body.get("actions") or [{}])[0]
            note, outcome = work(body, action, client, user_id)
            publish(deps, client, user_id, (note,) if note else ())
            return str(outcome)

        durable.action(action_id, kind, "home", run)

    admin_action(home.APPROVE, "act:approve", lambda b, a, c, u: decide(deps, a, u, True))
    admin_action(home.REJECT, "act:reject", lambda b, a, c, u: decide(deps, a, u, False))
    admin_action(home.GAP_NOISE, "act:gap_noise", lambda b, a, c, u: noise(deps, a, u))
    admin_action(home.GAP_ALIAS, "act:gap_alias", lambda b, a, c, u: gap_alias(deps, a, u))

    @app.action(home.GAP_ENTRY)
    def on_gap_entry(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, logger: Any
    ) -> None:
        """Opens the editor: inside the request (its trigger_id lasts 3 s)."""
        user_id = str((body.get("user") or {}).get("id") or "")

        def run() -> str:
            if not is_admin(deps.settings, client, user_id):
                return "refused"
            return gap_entry(body, action, client)[1]

        guarded(deps, "home", run, logger)
        ack()

    def on_reason(interaction: Interaction) -> str:
        outcome = reason(deps, interaction.body, (interaction.body.get("actions") or [{}])[0])
        if outcome == "stored":
            interaction.respond(
                text="Thanks: noted why.", response_type="ephemeral", replace_original=False
            )
        return outcome

    durable.action(REASON, "act:reason", "reason", on_reason)


def decide(deps: Deps, action: dict[str, Any], by: str, approve: bool) -> tuple[str, str]:
    """Approve or reject one proposal."""
    proposal_id = blocks.decode_value(action.get("value")).get("p")
    if not isinstance(proposal_id, int):
        return "", "bad_value"
    try:
        done = (deps.service.approve if approve else deps.service.reject)(proposal_id, by=by)
    except EditError as exc:
        return f"Proposal #{proposal_id}: {exc}", "failed"
    return f"Proposal #{done.id} {done.status}: “{done.text}” → {done.entry}", done.status


def noise(deps: Deps, action: dict[str, Any], by: str) -> tuple[str, str]:
    """Mark an unknown-error group as noise."""
    key = blocks.decode_value(action.get("value")).get("k")
    if not isinstance(key, str) or not key:
        return "", "bad_value"
    deps.service.mark_gap_noise(key, by=by)
    return "Marked as noise: similar pastes are no longer listed.", "noise"


def gap_alias(deps: Deps, action: dict[str, Any], by: str) -> tuple[str, str]:
    """Make an unknown error's phrasing an alias of the entry picked in the select."""
    phrase = str(action.get("block_id") or "").split(":", 2)[-1]
    entry_id = str((action.get("selected_option") or {}).get("value") or "")
    if not phrase or deps.service.entry(entry_id) is None:
        return "", "bad_value"
    try:
        done = deps.service.gap_to_alias(phrase, entry_id, by=by)
    except EditError as exc:
        return f"Could not add the alias: {exc}", "failed"
    return f"“{done.text}” is now an alias of {done.entry}.", "aliased"


def gap_entry(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> tuple[str, str]:
    """Open the new-entry editor prefilled with the unknown error."""
    value = blocks.decode_value(action.get("value"))
    values = form_values(None)
    values["message"] = str(value.get("x") or "")[:300]
    values["aliases"] = str(value.get("p") or "")
    client.views_open(
        trigger_id=str(body.get("trigger_id")), view=ui.edit_modal(values, None, None)
    )
    return "", "editor_opened"


def reason(deps: Deps, body: dict[str, Any], action: dict[str, Any]) -> str:
    """Store the one-line reason typed under *Wrong error?* with the person's vote."""
    _, _, query = str(action.get("block_id") or "").partition(":")
    user_id = str((body.get("user") or {}).get("id") or "")
    if not query.isdigit():
        return "bad_value"
    stored = deps.service.give_reason(int(query), user_id, str(action.get("value") or ""))
    return "stored" if stored else "no_vote"
