"""Who is a tykbot admin: TYKBOT_ADMINS, members of TYKBOT_ADMIN_GROUP, and (when
TYKBOT_WORKSPACE_ADMINS_ARE_ADMINS is on) the workspace's admins and owners.

Checked on the server for every change; a user group's members are cached for a minute.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings

log = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 60.0
_group_cache: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
_cache_lock = threading.Lock()


def group_members(client: WebClient, group: str) -> frozenset[str]:
    """The members of a Slack user group, cached briefly (empty when it cannot be read)."""
    key = (client.base_url, group)
    now = time.monotonic()
    with _cache_lock:
        cached = _group_cache.get(key)
    if cached is not None and now - cached[0] < GROUP_CACHE_SECONDS:
        return cached[1]
    try:
        users = client.usergroups_users_list(usergroup=group)
    except SlackApiError as exc:
        log.warning("cannot read admin group %s: %s", group, exc.response.get("error"))
        return frozenset()
    members = frozenset(str(u) for u in users.get("users") or [])
    with _cache_lock:
        _group_cache[key] = (now, members)
    return members


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    """Whether Slack says the user is an admin or owner of the workspace."""
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as exc:
        log.warning("cannot read user %s: %s", user_id, exc.response.get("error"))
        return False
    return any(bool(user.get(flag)) for flag in ("is_admin", "is_owner", "is_primary_owner"))


def is_admin(settings: Settings, client: WebClient, user_id: str) -> bool:
    """Whether a Slack user is a tykbot admin."""
    if not user_id:
        return False
    if user_id in settings.tykbot_admins:
        return True
    group = settings.tykbot_admin_group
    if group and user_id in group_members(client, group):
        return True
    return settings.tykbot_workspace_admins_are_admins and is_workspace_admin(client, user_id)


def is_checker(settings: Settings, client: WebClient, user_id: str) -> bool:
    """Whether a Slack user may run gateway checks: TYKBOT_CHECKERS (user ids, or user group
    ids starting with S), or the tykbot admins when it is empty."""
    if not user_id:
        return False
    if not settings.tykbot_checkers:
        return is_admin(settings, client, user_id)
    if user_id in settings.tykbot_checkers:
        return True
    groups = [g for g in settings.tykbot_checkers if g.startswith("S")]
    return any(user_id in group_members(client, g) for g in groups)
