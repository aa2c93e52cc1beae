"""Session lifecycle: draft to signed, consent details, monitoring, adverse events and addenda.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:22:04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "adverse_events",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("session_id", sa.String(length=26), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("action_taken", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["massage_sessions.id"],
            name=op.f("fk_adverse_events_session_id_massage_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_events")),
    )
    op.create_index(op.f("ix_adverse_events_session_id"), "adverse_events", ["session_id"])
    op.create_table(
        "session_addenda",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("session_id", sa.String(length=26), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("written_at", TS, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["massage_sessions.id"],
            name=op.f("fk_session_addenda_session_id_massage_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_addenda")),
    )
    op.create_index(op.f("ix_session_addenda_session_id"), "session_addenda", ["session_id"])
    with op.batch_alter_table("massage_sessions") as batch:
        batch.add_column(
            sa.Column("ended_early", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("goals", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("consent_method", sa.String(length=20), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("consent_at", TS, nullable=True))
        batch.add_column(sa.Column("ended_at", TS, nullable=True))
        batch.add_column(sa.Column("heart_rate_pre", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("heart_rate_post", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("spo2_pre", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("spo2_post", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cues", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("signed_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("signed_at", TS, nullable=True))
        batch.alter_column("started_at", existing_type=TS, nullable=True)
    with op.batch_alter_table("session_measures") as batch:
        batch.add_column(sa.Column("taken_at", TS, nullable=True))
    # Sessions documented before the lifecycle existed: their status already said how they ended.
    op.execute("UPDATE massage_sessions SET ended_early = (status = 'ended_early')")
    op.execute("UPDATE massage_sessions SET consent_at = started_at, ended_at = started_at")


def downgrade() -> None:
    with op.batch_alter_table("session_measures") as batch:
        batch.drop_column("taken_at")
    op.execute(
        "UPDATE massage_sessions SET status = CASE WHEN ended_early THEN 'ended_early' "
        "ELSE 'completed' END WHERE status = 'signed'"
    )
    op.execute("DELETE FROM massage_sessions WHERE started_at IS NULL")
    with op.batch_alter_table("massage_sessions") as batch:
        batch.alter_column("started_at", existing_type=TS, nullable=False)
        for column in (
            "signed_at",
            "signed_by",
            "cues",
            "spo2_post",
            "spo2_pre",
            "heart_rate_post",
            "heart_rate_pre",
            "ended_at",
            "consent_at",
            "consent_method",
            "goals",
            "ended_early",
        ):
            batch.drop_column(column)
    op.drop_index(op.f("ix_session_addenda_session_id"), table_name="session_addenda")
    op.drop_table("session_addenda")
    op.drop_index(op.f("ix_adverse_events_session_id"), table_name="adverse_events")
    op.drop_table("adverse_events")
