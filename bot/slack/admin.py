"""Who may change channel settings: TYKBOT_ADMINS, or members of TYKBOT_ADMIN_GROUP."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings

log = logging.getLogger(__name__)


def is_admin(settings: Settings, client: WebClient, user_id: str) -> bool:
    """Whether a Slack user is a tykbot admin (a listed id, or in the admin user group)."""
    if user_id in settings.tykbot_admins:
        return True
    if not settings.tykbot_admin_group:
        return False
    try:
        users = client.usergroups_users_list(usergroup=settings.tykbot_admin_group)
    except SlackApiError as exc:
        log.warning(
            "cannot read admin group %s: %s", settings.tykbot_admin_group, exc.response.get("error")
        )
        return False
    return user_id in (users.get("users") or [])
