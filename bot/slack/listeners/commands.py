"""`/tykerror`: explain a paste privately; help, a status code's entries, search, autoreply."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.service import InputError
from bot.slack import blocks
from bot.slack import card_blocks as cards
from bot.slack.admin import is_admin
from bot.slack.check_blocks import check_help_line
from bot.slack.deps import Deps, guarded
from bot.slack.listeners import admin as admin_commands
from bot.slack.listeners import checks, home
from bot.slack.payloads import plain_text

HELP_WORDS = {"", "help", "-h", "--help", "?", "usage"}
UNAVAILABLE = ":hourglass: The catalog is briefly unavailable; please try again in a minute."
T = TypeVar("T")


def within(seconds: float, work: Callable[..., T], *args: Any) -> T | None:
    """`work(*args)` if it finishes within `seconds`, else None (it goes on in the background
    and its result is dropped): Slack wants a command's answer within 3 s."""
    result: list[T] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            result.append(work(*args))
        except BaseException as exc:
            failure.append(exc)
        finally:
            done.set()

    here = contextvars.copy_context()  # the request's log fields go with the work
    threading.Thread(target=here.run, args=(run,), name="tykbot-command", daemon=True).start()
    if not done.wait(seconds):
        return None
    if failure:
        raise failure[0]
    return result[0]


def register(app: App, deps: Deps) -> None:
    """Add the slash command listener."""

    @app.command(blocks.COMMAND)
    def tykerror(
        ack: Ack, command: dict[str, Any], client: WebClient, logger: logging.Logger
    ) -> None:
        reply: blocks.Message = blocks.error_message()

        def work() -> str:
            nonlocal reply
            answered = within(
                deps.settings.tykbot_command_deadline, answer_command, deps, client, command
            )
            if answered is None:
                deps.metrics.count_database_error()
                logger.warning(
                    "tykbot: /tykerror got no answer from the database within %ss",
                    deps.settings.tykbot_command_deadline,
                )
                reply = blocks.text_message(UNAVAILABLE)
                return "unavailable"
            reply, outcome = answered
            return outcome

        guarded(deps, "command", work, logger)
        ack(response_type="ephemeral", **reply)


def answer_command(
    deps: Deps, client: WebClient, command: dict[str, Any]
) -> tuple[blocks.Message, str]:
    """The private reply to one `/tykerror` and the outcome word for metrics."""
    text = plain_text(command.get("text") or "")
    user_id = str(command.get("user_id") or "")
    channel_id = str(command.get("channel_id") or "")
    words = text.split()
    first = words[0].lower() if words else ""
    admin_reply = admin_commands.handle_command(deps, client, command, words)
    if admin_reply is not None:
        return admin_reply
    stats_reply = home.stats_command(deps, words)
    if stats_reply is not None:
        return stats_reply
    if first == "check" and deps.gateways:
        return checks.check_command(deps, client, command, words[1:])
    if first in HELP_WORDS and len(words) <= 1:
        return help_message(deps), "help"
    if first == "autoreply" and len(words) <= 2:
        return autoreply(deps, client, user_id, channel_id, words[1:]), "autoreply"
    if first == "search" and len(words) > 1:
        wanted = " ".join(words[1:])
        found = [c.entry for c in deps.service.search(wanted, limit=50)]
        empty = f"No entries mention “{wanted}”. Try fewer or other words."
        return cards.list_message(f"Errors matching “{wanted}”", found, empty), "search"
    if len(text) <= 40:
        entries = deps.service.entries_for_code(text)
        if entries:
            title = f"Tyk Gateway errors with status {entries[0].code}, most common first"
            return cards.list_message(title, entries, ""), "code"
    try:
        answer = deps.service.explain(
            text, source="slash", user_id=user_id, channel_id=channel_id, limit=3
        )
    except InputError as exc:
        return help_message(deps, str(exc)), "help"
    if answer.best is None:
        msg = cards.answer_message(answer, cards.View(cards.PRIVATE, gateways=deps.gateways))
        msg["blocks"] = blocks.cap(msg["blocks"] + help_message(deps)["blocks"])
        return msg, "no_match"
    view = cards.View(
        cards.PRIVATE, gateways=deps.gateways, admin=is_admin(deps.settings, client, user_id)
    )
    return cards.answer_message(answer, view), "answered"


def autoreply(
    deps: Deps, client: WebClient, user_id: str, channel_id: str, args: list[str]
) -> blocks.Message:
    """Show or switch this channel's thread auto-replies (switching is for admins)."""
    wanted = args[0].lower() if args else "status"
    if wanted not in ("on", "off", "status"):
        return blocks.help_message("Use `/tykerror autoreply on`, `off` or `status`.")
    if wanted == "status":
        on = deps.service.autoreply_enabled(channel_id)
        return blocks.text_message(blocks.autoreply_text(channel_id, on, changed=False))
    if not is_admin(deps.settings, client, user_id):
        return blocks.text_message("Only tykbot admins can switch auto-replies; ask one of them.")
    deps.service.set_autoreply(channel_id, wanted == "on", by=user_id)
    return blocks.text_message(blocks.autoreply_text(channel_id, wanted == "on", changed=True))


def help_message(deps: Deps, note: str = "") -> blocks.Message:
    """The help, with the `check` line when gateways are configured."""
    msg = blocks.help_message(note)
    line = check_help_line(deps.gateways)
    if line:
        msg["blocks"].append(blocks.section(blocks.escape(line)))
    return msg
