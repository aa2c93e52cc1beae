"""Indexes that make the analytics snapshot's freshness check cheap at registry scale: the sum of
session versions, the latest session, screening and measure times are read from indexes instead of
scanning millions of rows (seconds) before every program report.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("massage_sessions", "version"),
    ("massage_sessions", "created_at"),
    ("screenings", "assessed_at"),
    ("session_measures", "taken_at"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in INDEXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
