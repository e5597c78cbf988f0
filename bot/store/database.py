"""Engines, sessions and migrations: SQLite (WAL, foreign keys) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.store.writes import CrossProcessWrites

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseError(RuntimeError):
    """The database cannot be reached or set up; the message is one line for a person."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(
    url: str,
    *,
    connect_timeout: int = 3,
    statement_timeout_ms: int = 5000,
    pool_timeout: float = 2.0,
    busy_timeout: float = 10.0,
    pool_size: int = 5,
) -> Engine:
    """An engine for `url` with a timeout on every wait: connecting, each statement, a pooled
    connection, SQLite's write lock. SQLite files get WAL mode and foreign keys.

    `pool_size` connections are kept open, as many as threads use the database at once, and
    as many again may open for a moment. A connection beyond the pool is closed when given
    back: with the default 5 for 8 request threads and 8 job workers, a burst of clicks
    opened a new PostgreSQL connection (a new server process) for transaction after
    transaction."""
    url = normalise_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"pool_size": pool_size, "max_overflow": pool_size}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            kwargs = {"poolclass": StaticPool}
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if "poolclass" not in kwargs and not database.startswith("file:"):
            # Writers of one file, in every process, take turns (bot/store/writes.py).
            turn_file = Path(database).expanduser().with_name(Path(database).name + "-turn")
            CrossProcessWrites(turn_file, patience=busy_timeout).watch(engine)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=pool_timeout,
        connect_args={
            "connect_timeout": connect_timeout,
            "options": f"-c statement_timeout={statement_timeout_ms}",
        },
        **kwargs,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """An alembic Config bound to `engine` (env.py uses the connection we pass)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    """The newest migration's revision id."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Apply pending migrations; returns True when any ran."""
    try:
        if current_revision(engine) == head_revision(engine):
            return False
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return True
    except Exception as exc:  # the driver's errors differ; one line for the person
        raise DatabaseError(f"cannot set up the database: {first_line(exc)}") from exc


SETUP_LOCK_KEY = 0x7479_6B62  # "tykb": the advisory lock every replica takes to set up


@contextmanager
def setup_lock(engine: Engine, timeout: float = 120.0) -> Iterator[None]:
    """Hold the one set-up lock of this database: a PostgreSQL advisory lock, or a file lock
    beside a SQLite file. Replicas started together migrate and sync one after another."""
    if engine.dialect.name == "postgresql":
        try:
            conn = engine.connect()
            conn.execute(text("SET statement_timeout = 0"))
            conn.execute(text(f"SET lock_timeout = {int(timeout * 1000)}"))
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SETUP_LOCK_KEY})
            conn.commit()
        except Exception as exc:  # the driver's errors differ; one line for the person
            raise DatabaseError(f"cannot set up the database: {first_line(exc)}") from exc
        with conn:
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SETUP_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database or ""
    if database in ("", ":memory:"):
        yield
        return
    import fcntl

    path = Path(database).expanduser().with_suffix(".setup-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text, for one-line error messages."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
