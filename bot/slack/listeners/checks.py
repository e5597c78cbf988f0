"""Gateway checks from Slack: *Check on <gateway>* on cards, `/tykerror check`, the private key
modal and *Share*. Only checkers, only in the gateway's channels; results go to the asker only.

The work (choosing checks, calling the gateway, auditing) is the service's; a check can take
up to 5 s, so every entry point acknowledges first and answers through the response URL.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.gateway.checks import Target
from bot.service import Answer
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack import check_blocks as views
from bot.slack.admin import is_checker
from bot.slack.deps import Deps, ack_now, guarded
from bot.slack.listeners.actions import Click, _answer_of

log = logging.getLogger("bot.slack.checks")
KEY_TAGS = frozenset({"auth", "keys", "quota", "rate-limit"})
NOT_CHECKER = "Only tykbot checkers can run gateway checks (TYKBOT_CHECKERS); ask one of them."


def register(app: App, deps: Deps) -> None:
    """Add the check button, select, share and key-modal listeners."""

    def listen(action_id: str | re.Pattern[str], name: str, handler: Any) -> None:
        def on_action(
            body: dict[str, Any], action: dict[str, Any], respond: Any, client: WebClient
        ) -> None:
            click = Click.of(body, action, respond, client)
            if action.get("type") == "static_select":
                click.value = blocks.decode_value(
                    (action.get("selected_option") or {}).get("value")
                )
            guarded(
                deps,
                name,
                lambda: handler(deps, click),
                log,
                lambda: click.tell([blocks.section(blocks.error_message()["text"])]),
            )

        app.action(action_id)(ack=ack_now, lazy=[on_action])

    listen(re.compile(rf"^{cards.CHECK}_(?:\d+|pick)$"), "check", check_clicked)
    listen(views.CHECK_SHARE, "check_share", share_check)

    def on_key(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        guarded(deps, "check", lambda: key_submitted(deps, client, body, view), log)

    app.view(views.KEY_MODAL)(ack=ack_now, lazy=[on_key])


# -- the one way a check runs ------------------------------------------------------------------
def refusal(deps: Deps, client: WebClient, user_id: str, channel_id: str, gateway: Any) -> str:
    """Why this person may not check this gateway here ("" when they may)."""
    if not is_checker(deps.settings, client, user_id):
        return NOT_CHECKER
    if not gateway.allows_channel(channel_id):
        return f"Checks on {gateway.name} are not allowed in this channel."
    return ""


def run_check(
    deps: Deps,
    client: WebClient,
    user_id: str,
    channel_id: str,
    gateway_name: str,
    target: Target,
    tags: tuple[str, ...] = (),
    kinds: list[str] | None = None,
) -> tuple[blocks.Message, str]:
    """Authorize, run and audit one check; the private message to show and an outcome word."""
    gateway = deps.service.gateway(gateway_name)
    if gateway is None:
        return views.text_message("No gateway by that name is configured."), "unknown_gateway"
    why = refusal(deps, client, user_id, channel_id, gateway)
    if why:
        deps.service.refuse_check(gateway.name, user_id, channel_id, why)
        return views.text_message(blocks.escape(why)), "refused"
    result, audit_id = deps.service.check_gateway(
        gateway, target, tags, user_id=user_id, channel_id=channel_id, kinds=kinds
    )
    return views.result_message(views.check_result_row(result, audit_id, user_id)), result.outcome


def _channel(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")


def _values(answer: Answer) -> dict[str, str]:
    return {k: str(v) for k, v in dict(answer.values).items()}


# -- the card's button -------------------------------------------------------------------------
def check_clicked(deps: Deps, click: Click) -> str:
    """*Check on <gateway>*: refuse, ask for the key privately, or run the check."""
    name = click.text_id("g") or ""
    gateway = deps.service.gateway(name) if name in deps.gateways else None
    if gateway is None:
        click.tell([blocks.section("That gateway is no longer configured.")])
        return "unknown_gateway"
    channel = _channel(click.body)
    why = refusal(deps, click.client, click.user_id, channel, gateway)
    if why:
        deps.service.refuse_check(gateway.name, click.user_id, channel, why)
        click.tell([blocks.section(blocks.escape(why))])
        return "refused"
    answer = _answer_of(deps, click)
    if answer is None or answer.best is None:
        click.tell([blocks.section("That answer is too old to check; ask again.")])
        return "gone"
    tags = answer.best.entry.tags
    if KEY_TAGS & set(tags) and click.body.get("trigger_id"):
        meta: dict[str, Any] = {k: click.value[k] for k in ("q", "e") if k in click.value}
        meta.update({"g": gateway.name, "c": channel, "r": click.body.get("response_url", "")})
        click.client.views_open(
            trigger_id=click.body["trigger_id"], view=views.key_modal(meta, name)
        )
        return "asked_key"
    msg, outcome = run_check(
        deps, click.client, click.user_id, channel, gateway.name, Target(_values(answer)), tags
    )
    click.respond(response_type="ephemeral", replace_original=False, **msg)
    return outcome


def key_submitted(deps: Deps, client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> str:
    """The key modal's submit: run the check with the key for this one call, answer privately."""
    meta = blocks.decode_value(view.get("private_metadata"))
    user_id = str((body.get("user") or {}).get("id") or "")
    state = ((view.get("state") or {}).get("values") or {}).get(views.KEY_BLOCK) or {}
    key = str((state.get(views.KEY_INPUT) or {}).get("value") or "").strip()
    query_id = meta.get("q")
    answer = (
        deps.service.recall(query_id)
        if isinstance(query_id, int)
        else deps.service.answer_for_entry(str(meta.get("e") or ""))
    )
    if answer is None or answer.best is None:
        return "gone"
    target = Target(_values(answer), key)
    del key
    msg, outcome = run_check(
        deps, client, user_id, str(meta.get("c") or ""), str(meta.get("g") or ""), target,
        answer.best.entry.tags,
    )  # fmt: skip
    target.key = ""
    _reply(client, str(meta.get("r") or ""), str(meta.get("c") or ""), user_id, msg)
    return outcome


def _reply(client: WebClient, url: str, channel: str, user_id: str, msg: blocks.Message) -> None:
    """Answer privately: through the response URL, else as an ephemeral message."""
    if url:
        WebhookClient(url).send(response_type="ephemeral", replace_original=False, **msg)
    elif channel:
        client.chat_postEphemeral(channel=channel, user=user_id, **msg)


# -- /tykerror check ---------------------------------------------------------------------------
def check_command(
    deps: Deps, client: WebClient, command: dict[str, Any], args: list[str]
) -> tuple[blocks.Message, str]:
    """`/tykerror check [gateway] <api_id|/listen/path/>`: acknowledge now, answer by URL."""
    names = deps.gateways
    gateway = args[0].lower() if args and args[0].lower() in names else names[0]
    rest = args[1:] if args and args[0].lower() in names else args
    if len(rest) != 1 or len(rest[0]) > 200:
        usage = views.check_help_line(names).lstrip("• ")
        return views.text_message(f"Use {usage}."), "help"
    wanted = rest[0]
    values = {"listen_path": wanted} if wanted.startswith("/") else {"api_id": wanted}
    user_id, channel = str(command.get("user_id") or ""), str(command.get("channel_id") or "")
    found = deps.service.gateway(gateway)
    why = refusal(deps, client, user_id, channel, found) if found else "No such gateway."
    if why:
        deps.service.refuse_check(gateway, user_id, channel, why)
        return views.text_message(blocks.escape(why)), "refused"
    url = str(command.get("response_url") or "")

    def work() -> None:
        try:
            msg, _ = run_check(
                deps, client, user_id, channel, gateway, Target(values), kinds=["api", "upstream"]
            )
        except Exception:
            log.exception("tykbot: gateway check failed")
            msg = blocks.error_message()
        _reply(client, url, channel, user_id, msg)

    here = contextvars.copy_context()
    threading.Thread(target=here.run, args=(work,), name="tykbot-check", daemon=True).start()
    shown = blocks.escape(wanted)
    return views.text_message(f":mag: Checking `{shown}` on *{gateway}*…"), "check_started"


# -- *Share* -----------------------------------------------------------------------------------
def share_check(deps: Deps, click: Click) -> str:
    """Post one's own check result in the channel (secrets masked); mark the private copy."""
    audit_id = click.value.get("a")
    row = deps.service.audit_row(audit_id) if isinstance(audit_id, int) else None
    if row is None or row.user_id != click.user_id:
        click.tell([blocks.section("Only the person who ran a check can share it.")])
        return "refused"
    click.share(views.result_message(row, shared_by=click.user_id), "check")
    return "shared"
