"""A user's display name is unique: records, signatures and care teams carry it, so two accounts
with one name could act as each other.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 19:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.create_unique_constraint(batch.f("uq_users_display_name"), ["display_name"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_display_name"), type_="unique")
