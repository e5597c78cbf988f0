"""The Slack Web API client: honours SLACK_API_URL and waits out 429s (Retry-After)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.config import Settings


def api_base_url(settings: Settings) -> str:
    """The Web API base URL with the trailing slash slack_sdk expects."""
    url = settings.slack_api_url.strip() or "https://slack.com/api/"
    return url if url.endswith("/") else url + "/"


def make_client(settings: Settings, timeout: int = 10) -> WebClient:
    """A WebClient for the bot token that retries rate-limited and dropped calls."""
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=api_base_url(settings),
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )
