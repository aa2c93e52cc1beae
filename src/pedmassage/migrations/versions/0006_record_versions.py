"""A version on every editable record (child profiles, sessions, home programs): a write that rests
on an older version than the stored one is refused with a 409 instead of being merged.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("children", "massage_sessions", "home_programs")


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: SQLite's batch mode would rebuild the tables, which
    # the signed-session triggers on them forbid.
    for table in TABLES:
        op.add_column(
            table, sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN version")
