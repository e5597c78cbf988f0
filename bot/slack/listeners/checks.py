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
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.gateway.checks import Target
from bot.service import Answer
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack import check_blocks as views
from bot.slack.admin import is_checker
from bot.slack.deps import Deps, guarded
from bot.slack.interactions import Durable, Interaction, enqueue
from bot.slack.listeners.actions import Click, _answer_of, share_marker
from bot.slack.listeners.events import jobs_client

log = logging.getLogger("bot.slack.checks")
KEY_TAGS = frozenset({"auth", "keys", "quota", "rate-limit"})
CHECK_JOB = "act:check"
COMMAND_JOB = "cmd:check"
NOT_CHECKER = "Only tykbot checkers can run gateway checks (TYKBOT_CHECKERS); ask one of them."


def register(app: App, deps: Deps) -> None:
    """Add the check button, select, share and key-modal listeners.

    A check is a durable job written before the ack (a restart or another replica finishes
    it). Two things run inside the request instead: opening the key modal (its trigger_id
    lasts 3 s), and the check with a key typed into that modal, which must never be stored,
    so it runs in a thread after the ack and is lost if the process dies (ask again).
    """
    durable = Durable(app, deps)

    def clicked(interaction: Interaction) -> Click:
        return _read(Click.of_interaction(interaction, jobs_client(app)))

    def job(kind: str, name: str, handler: Callable[[Deps, Click], str]) -> None:
        def tell_failed(interaction: Interaction) -> None:
            clicked(interaction).tell([blocks.section(blocks.error_message()["text"])])

        durable.handle(kind, name, lambda i: handler(deps, clicked(i)), tell_failed)

    job(CHECK_JOB, "check", check_clicked)
    durable.action(
        views.CHECK_SHARE, "act:check_share", "check_share", lambda i: share_check(deps, clicked(i))
    )
    durable.handle(COMMAND_JOB, "check", lambda i: command_check(deps, app, i))

    @app.action(re.compile(rf"^{cards.CHECK}_(?:\d+|pick)$"))
    def on_check(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, logger: Any
    ) -> None:
        click = _read(Click.of(body, (body.get("actions") or [{}])[0], respond, client))
        fail = [blocks.section(blocks.error_message()["text"])]
        asked = guarded(
            deps, "check", lambda: ask_key(deps, click), logger, lambda: click.tell(fail)
        )
        if asked == "no_key":
            enqueue(deps, CHECK_JOB, body)
        ack()

    @app.view(views.KEY_MODAL)
    def on_key(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        here = contextvars.copy_context()

        def work() -> None:
            guarded(deps, "check", lambda: key_submitted(deps, client, body, view), log)

        threading.Thread(target=here.run, args=(work,), name="tykbot-check", daemon=True).start()


def _read(click: Click) -> Click:
    """A gateway picked in the select carries its value in the selected option."""
    if click.action.get("type") == "static_select":
        click.value = blocks.decode_value((click.action.get("selected_option") or {}).get("value"))
    return click


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
def _gateway_of(deps: Deps, click: Click) -> Any:
    name = click.text_id("g") or ""
    return deps.service.gateway(name) if name in deps.gateways else None


def ask_key(deps: Deps, click: Click) -> str:
    """Inside the request: open the private key modal when the error is about keys and the
    person may check ("asked_key"); else "no_key" and the check runs as a job."""
    gateway = _gateway_of(deps, click)
    trigger = click.body.get("trigger_id")
    if gateway is None or not trigger:
        return "no_key"
    if refusal(deps, click.client, click.user_id, _channel(click.body), gateway):
        return "no_key"  # the job refuses, says why and audits it
    answer = _answer_of(deps, click)
    if answer is None or answer.best is None or not KEY_TAGS & set(answer.best.entry.tags):
        return "no_key"
    meta: dict[str, Any] = {k: click.value[k] for k in ("q", "e") if k in click.value}
    meta.update({"g": gateway.name, "c": _channel(click.body), "r": click.body.get("response_url")})
    click.client.views_open(trigger_id=str(trigger), view=views.key_modal(meta, gateway.name))
    return "asked_key"


def check_clicked(deps: Deps, click: Click) -> str:
    """*Check on <gateway>* (a job): refuse, or run the check and answer privately."""
    gateway = _gateway_of(deps, click)
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
    msg, outcome = run_check(
        deps, click.client, click.user_id, channel, gateway.name, Target(_values(answer)),
        answer.best.entry.tags,
    )  # fmt: skip
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
    job = {"gateway": gateway, "values": values, "user": user_id, "channel": channel}
    enqueue(deps, COMMAND_JOB, {"response_url": command.get("response_url"), "check": job})
    shown = blocks.escape(wanted)
    return views.text_message(f":mag: Checking `{shown}` on *{gateway}*…"), "check_started"


def command_check(deps: Deps, app: App, interaction: Interaction) -> str:
    """The job of one `/tykerror check`: run it, answer by the command's response URL."""
    job = interaction.body.get("check") or {}
    values = {str(k): str(v) for k, v in dict(job.get("values") or {}).items()}
    msg, outcome = run_check(
        deps, jobs_client(app), str(job.get("user") or ""), str(job.get("channel") or ""),
        str(job.get("gateway") or ""), Target(values), kinds=["api", "upstream"],
    )  # fmt: skip
    interaction.respond(response_type="ephemeral", replace_original=False, **msg)
    return outcome


# -- *Share* -----------------------------------------------------------------------------------
def share_check(deps: Deps, click: Click) -> str:
    """Post one's own check result in the channel (secrets masked); mark the private copy."""
    audit_id = click.value.get("a")
    row = deps.service.audit_row(audit_id) if isinstance(audit_id, int) else None
    if row is None or row.user_id != click.user_id:
        click.tell([blocks.section("Only the person who ran a check can share it.")])
        return "refused"
    marker = share_marker({"audit_id": row.id, "user": click.user_id}, "tykbot_check_share")
    click.share(views.result_message(row, shared_by=click.user_id), "check", marker)
    return "shared"
