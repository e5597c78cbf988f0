"""Alembic environment: runs on the connection tykbot hands over (or DATABASE_URL)."""

from __future__ import annotations

from alembic import context

from bot.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run migrations online on the given connection or a fresh engine."""
    connection = config.attributes.get("connection")
    if connection is None:
        from bot.config import Settings
        from bot.store.database import make_engine

        engine = config.attributes.get("engine") or make_engine(Settings().database_url)
        with engine.begin() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
