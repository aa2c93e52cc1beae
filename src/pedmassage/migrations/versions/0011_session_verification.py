"""The readings a screening asked for, taken before the session started, or the reason it went
ahead without them, kept on the session.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (see 0006: no table rebuild on SQLite).
    op.add_column(
        "massage_sessions",
        sa.Column("verified", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE massage_sessions DROP COLUMN verified")
