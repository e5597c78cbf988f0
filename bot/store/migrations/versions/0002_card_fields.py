"""card fields (summary, first_step, gateway wording and codes, reaches_clients); thread messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("first_step", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("gateway_message", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("gateway_codes", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("reaches_clients", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "thread_messages",
        sa.Column("channel_id", sa.String(length=40), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("query_ids", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "thread_ts"),
    )
    with op.batch_alter_table("thread_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_thread_messages_message_ts"), ["message_ts"], unique=False
        )


def downgrade() -> None:
    op.drop_table("thread_messages")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        for column in ("reaches_clients", "gateway_codes", "gateway_message", "first_step"):
            batch_op.drop_column(column)
        batch_op.drop_column("summary")
