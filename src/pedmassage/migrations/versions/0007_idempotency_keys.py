"""Idempotency keys: a creating request's key, claimed with the record it creates, and its answer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pedmassage.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.UniqueConstraint("actor", "key", name=op.f("uq_idempotency_keys_actor")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_claimed_at"), "idempotency_keys", ["claimed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_claimed_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
