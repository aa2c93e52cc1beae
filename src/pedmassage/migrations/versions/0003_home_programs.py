"""Home programs: care team, prescribed routines, the parent's diary, flags and parent measures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.String(length=26)


def _child_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["child_id"],
        ["children.id"],
        name=op.f(f"fk_{table}_child_id_children"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "care_team_members",
        sa.Column("id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=False),
        sa.Column("staff_name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        _child_fk("care_team_members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_team_members")),
        sa.UniqueConstraint("child_id", "staff_name", name=op.f("uq_care_team_members_child_id")),
    )
    op.create_index(op.f("ix_care_team_members_child_id"), "care_team_members", ["child_id"])
    op.create_index(op.f("ix_care_team_members_staff_name"), "care_team_members", ["staff_name"])

    op.create_table(
        "home_programs",
        sa.Column("id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=False),
        sa.Column("screening_id", ID, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("prescribed_by", sa.String(length=80), nullable=False),
        sa.Column("prescribed_at", TS, nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("sessions_per_week", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("timing", sa.String(length=120), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("protocol_id", sa.String(length=60), nullable=False),
        sa.Column("protocol_version", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Text(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("touch_steps", sa.JSON(), nullable=False),
        sa.Column("avoid", sa.JSON(), nullable=False),
        sa.Column("stop_when", sa.JSON(), nullable=False),
        sa.Column("skip_if", sa.JSON(), nullable=False),
        sa.Column("precautions", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False),
        _child_fk("home_programs"),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_home_programs_screening_id_screenings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_programs")),
    )
    op.create_index(op.f("ix_home_programs_child_id"), "home_programs", ["child_id"])
    op.create_index(op.f("ix_home_programs_screening_id"), "home_programs", ["screening_id"])

    op.create_table(
        "home_session_logs",
        sa.Column("id", ID, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("guardian_id", ID, nullable=True),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("response", sa.String(length=12), nullable=False),
        sa.Column("problem", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("logged_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["home_programs.id"],
            name=op.f("fk_home_session_logs_program_id_home_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardians.id"],
            name=op.f("fk_home_session_logs_guardian_id_guardians"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_session_logs")),
    )
    op.create_index(op.f("ix_home_session_logs_program_id"), "home_session_logs", ["program_id"])
    op.create_index(op.f("ix_home_session_logs_guardian_id"), "home_session_logs", ["guardian_id"])

    op.create_table(
        "home_flags",
        sa.Column("id", ID, nullable=False),
        sa.Column("log_id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=False),
        sa.Column("problem", sa.String(length=24), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("acknowledged_by", sa.String(length=80), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"],
            ["home_session_logs.id"],
            name=op.f("fk_home_flags_log_id_home_session_logs"),
            ondelete="CASCADE",
        ),
        _child_fk("home_flags"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_flags")),
        sa.UniqueConstraint("log_id", name=op.f("uq_home_flags_log_id")),
    )
    op.create_index(op.f("ix_home_flags_child_id"), "home_flags", ["child_id"])

    op.create_table(
        "parent_measures",
        sa.Column("id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=False),
        sa.Column("program_id", ID, nullable=True),
        sa.Column("guardian_id", ID, nullable=True),
        sa.Column("entered_by", sa.String(length=80), nullable=False),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("taken_at", TS, nullable=False),
        _child_fk("parent_measures"),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["home_programs.id"],
            name=op.f("fk_parent_measures_program_id_home_programs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardians.id"],
            name=op.f("fk_parent_measures_guardian_id_guardians"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_measures")),
    )
    op.create_index(op.f("ix_parent_measures_child_id"), "parent_measures", ["child_id"])
    op.create_index(op.f("ix_parent_measures_program_id"), "parent_measures", ["program_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_parent_measures_program_id"), table_name="parent_measures")
    op.drop_index(op.f("ix_parent_measures_child_id"), table_name="parent_measures")
    op.drop_table("parent_measures")
    op.drop_index(op.f("ix_home_flags_child_id"), table_name="home_flags")
    op.drop_table("home_flags")
    op.drop_index(op.f("ix_home_session_logs_guardian_id"), table_name="home_session_logs")
    op.drop_index(op.f("ix_home_session_logs_program_id"), table_name="home_session_logs")
    op.drop_table("home_session_logs")
    op.drop_index(op.f("ix_home_programs_screening_id"), table_name="home_programs")
    op.drop_index(op.f("ix_home_programs_child_id"), table_name="home_programs")
    op.drop_table("home_programs")
    op.drop_index(op.f("ix_care_team_members_staff_name"), table_name="care_team_members")
    op.drop_index(op.f("ix_care_team_members_child_id"), table_name="care_team_members")
    op.drop_table("care_team_members")
