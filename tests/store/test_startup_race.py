"""Replicas started together on an empty database all come up: migrations and the knowledge
sync run under one lock (PostgreSQL advisory lock, a file lock on SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.store.database import normalise_url

TYKBOT = Path(sys.executable).with_name("tykbot")


@pytest.fixture(params=["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else []))
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database: a SQLite path, or `tykbot_race_<random>` created and dropped."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'race.db'}"
        return
    admin_url = make_url(normalise_url(os.environ["TEST_DATABASE_URL"]))
    name = f"tykbot_race_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_four_upgrades_at_once_on_an_empty_database_all_succeed(
    empty_database: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TYKBOT_"))}
    env["DATABASE_URL"] = empty_database
    procs = [
        subprocess.Popen(
            [str(TYKBOT), "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    counts = {out.strip().splitlines()[-1] for out in outputs}
    assert len(counts) == 1 and next(iter(counts)).startswith("database ready:")
