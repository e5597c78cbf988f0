"""learning: proposed phrasings, gap marks, the reason on a vote

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("confirmers", sa.JSON(), nullable=False),
        sa.Column("corrected_entry_id", sa.String(length=120), nullable=True),
        sa.Column("collision", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("entry_id", "key", name="uq_proposal_entry_key"),
    )
    op.create_index("ix_proposals_entry_id", "proposals", ["entry_id"])
    op.create_index("ix_proposals_status", "proposals", ["status"])
    op.create_table(
        "gap_marks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("marked_by", sa.String(length=80), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_column("reason")
    op.drop_table("gap_marks")
    op.drop_index("ix_proposals_status", table_name="proposals")
    op.drop_index("ix_proposals_entry_id", table_name="proposals")
    op.drop_table("proposals")
