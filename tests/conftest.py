"""Shared fixtures: a database on SQLite always, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.service import Service
from bot.store.database import make_engine
from bot.store.models import Base

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or the PostgreSQL test database wiped clean."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tykbot.db'}"
        return
    url = os.environ["TEST_DATABASE_URL"]
    _reset(url)
    yield url
    _reset(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings on the test database, with no Slack tokens and no .env file."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        slack_bot_token="",
        slack_signing_secret="",
        slack_app_token="",
        tykbot_admins=["UADMIN"],
        tykbot_catalog_poll_seconds=0.0,
    )


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    """A ready service: schema created and knowledge/ loaded."""
    svc = Service.open(settings)
    yield svc
    svc.engine.dispose()
