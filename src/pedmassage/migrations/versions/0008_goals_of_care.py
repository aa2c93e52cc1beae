"""Goals of care on the child's profile (curative or comfort), with who set them and when: the
screening reads them, so comfort care can keep still touch and holding where a curative-care
precaution would hold.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs on both databases (see 0006: no table rebuild on SQLite).
    op.add_column(
        "children",
        sa.Column(
            "goals_of_care", sa.String(16), nullable=False, server_default=sa.text("'curative'")
        ),
    )
    op.add_column("children", sa.Column("goals_of_care_by", sa.String(120), nullable=True))
    op.add_column(
        "children", sa.Column("goals_of_care_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    for column in ("goals_of_care_at", "goals_of_care_by", "goals_of_care"):
        op.execute(f"ALTER TABLE children DROP COLUMN {column}")
