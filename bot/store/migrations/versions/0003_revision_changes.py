"""revision changes: what kind of change a revision was and which fields it changed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entry_revisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("action", sa.String(length=20), nullable=False, server_default="edit")
        )
        batch_op.add_column(sa.Column("changes", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("entry_revisions", schema=None) as batch_op:
        batch_op.drop_column("changes")
        batch_op.drop_column("action")
