"""Settings from environment variables and `.env`: the one place configuration is read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

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
    # `tykbot serve` logs one JSON object per line ("json") or classic lines ("text").
    tykbot_log_format: Literal["json", "text"] = "json"
    # HTTP mode: one line per HTTP request from gunicorn (in the same format), off by default.
    tykbot_access_log: bool = False
    # Database timeouts: connecting (s), one statement (ms, PostgreSQL), waiting for a pooled
    # connection (s), waiting for SQLite's write lock (s); /healthz and a slash command give
    # up on a silent database after these many seconds.
    tykbot_db_connect_timeout: int = Field(default=3, ge=1)
    tykbot_db_statement_timeout_ms: int = Field(default=5000, ge=100)
    tykbot_db_pool_timeout: float = Field(default=2.0, gt=0)
    tykbot_sqlite_busy_timeout: float = Field(default=10.0, gt=0)
    tykbot_health_timeout: float = Field(default=0.8, gt=0)
    tykbot_command_deadline: float = Field(default=2.0, gt=0)
    # Worker threads per process: gunicorn's request threads and the job workers (events,
    # clicks, modal replies: everything done after the ack) are each this many.
    tykbot_threads: int = Field(default=8, ge=1, le=64)
    # Durable jobs: a worker holds a job this long; a failed try waits retry * 2^(n-1) seconds
    # (or Slack's Retry-After), up to max attempts, then the job is given up (logged, counted).
    tykbot_job_lease_seconds: float = Field(default=60.0, gt=0)
    tykbot_job_retry_seconds: float = Field(default=2.0, gt=0)
    tykbot_job_max_attempts: int = Field(default=6, ge=1)
    tykbot_job_poll_seconds: float = Field(default=1.0, gt=0)
    # SQLite: a background transaction (a job's) waits up to this long (ms) while Slack
    # requests are under way, so a burst of clicks does not slow the slash commands people
    # are waiting for (0: it waits only for its turn).
    tykbot_background_yield_ms: float = Field(default=50.0, ge=0, le=5000)
    # A click's or event's acknowledgement, and a job, wait up to this long (ms) while a slash
    # command is being answered (0: no waiting); see bot/slack/priority.py.
    tykbot_answers_first_ms: float = Field(default=500.0, ge=0, le=2000)
    # `all`: this process does everything. `commands`: it is where the deployment routes slash
    # commands (/slack/commands); it runs only the jobs its own requests start and leaves the
    # queue's leftovers, retries and pruning to the `all` processes (should none run, it takes
    # a job once nobody did for three leases: slow, but nothing acknowledged is lost).
    tykbot_role: Literal["all", "commands"] = "all"
    # Bookkeeping (processed events, handled messages, thread replies, finished jobs) older
    # than this is pruned as it goes (hourly), and query texts and vote reasons as old are
    # emptied (their counts are kept for stats); `tykbot purge` does the same at once.
    tykbot_retention_days: int = Field(default=30, ge=1)
    # Approve a learned phrasing once this many different people confirmed it (0: admins only).
    tykbot_learn_auto_approve: int = 0
    # Gateway checks: `name=url` pairs (`prod=https://gw.internal:8080,staging=...`); each
    # gateway's secret is read from TYKBOT_GATEWAY_SECRET_<NAME> (or the file named by
    # TYKBOT_GATEWAY_SECRET_<NAME>_FILE) when a check runs, never stored in Settings.
    tykbot_gateways: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Who may run gateway checks: Slack user ids and/or user group ids (S...); admins if empty.
    tykbot_checkers: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator(
        "tykbot_admins", "tykbot_allowed_bots", "tykbot_gateways", "tykbot_checkers", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_ids(value)
