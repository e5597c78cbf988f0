"""Which channels a person is in (`users.conversations`), for the Home tab's "your channels".

Needs the `channels:read` and `groups:read` scopes; without them (or when Slack fails) the
answer is None and the Home tab falls back to the channels the person asked tykbot in.
Cached a few minutes per person: the Home tab is opened often, channels change rarely.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.store.database import first_line

log = logging.getLogger("bot.slack.membership")
CACHE_SECONDS = 300.0
MAX_PAGES = 10  # 2,000 channels: enough for anyone; the rest is left out
PAGE_SIZE = 200

_cache: dict[str, tuple[float, frozenset[str]]] = {}
_lock = threading.Lock()


def member_channels(client: WebClient, user_id: str) -> frozenset[str] | None:
    """The public and private channels `user_id` is in that the bot can see; None when Slack
    cannot say (missing scope, an error)."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(user_id)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    found: set[str] = set()
    cursor = ""
    try:
        for _ in range(MAX_PAGES):
            page = client.users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=PAGE_SIZE,
                cursor=cursor or None,
            )
            found.update(str(c.get("id")) for c in page.get("channels") or [] if c.get("id"))
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
    except (SlackApiError, OSError) as exc:
        log.info("tykbot: cannot list the channels of %s: %s", user_id, first_line(exc))
        return None
    channels = frozenset(found)
    with _lock:
        _cache[user_id] = (now, channels)
    return channels


def forget(user_id: str | None = None) -> None:
    """Drop cached memberships (one person's, or everyone's)."""
    with _lock:
        if user_id is None:
            _cache.clear()
        else:
            _cache.pop(user_id, None)
