"""Settings from environment variables and `.env`: the one place configuration is read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file in the user's data directory."""
    directory = Path(user_data_dir("tykbot", appauthor=False))
    return f"sqlite:///{directory / 'tykbot.db'}"


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Everything tykbot can be told, each from the env var of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = Field(default_factory=default_database_url)
    port: int = 3000
    tykbot_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    tykbot_admin_group: str = ""
    # Whether Slack workspace admins and owners are tykbot admins too (checked with users.info).
    tykbot_workspace_admins_are_admins: bool = False
    # Bot ids whose posts are explained anyway (alerting bots); all other bots are ignored.
    tykbot_allowed_bots: Annotated[list[str], NoDecode] = Field(default_factory=list)
    tykbot_autoreply_default: bool = True
    # How often (seconds) a process checks whether another replica changed the catalog.
    tykbot_catalog_poll_seconds: float = 2.0
    tykbot_log_level: str = "INFO"
    # Approve a learned phrasing once this many different people confirmed it (0: admins only).
    tykbot_learn_auto_approve: int = 0
    # `tykbot purge` forgets query texts, reasons and Slack bookkeeping older than this.
    tykbot_retention_days: int = 90

    @field_validator("tykbot_admins", "tykbot_allowed_bots", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_ids(value)
