"""children screenings and sessions

Revision ID: 0001
Revises:
Create Date: 2026-11-25 08:48:03.969890
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "children",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("mrn", sa.String(length=40), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=12), nullable=False),
        sa.Column("ga_weeks", sa.Integer(), nullable=False),
        sa.Column("ga_days", sa.Integer(), nullable=False),
        sa.Column("verbal", sa.Boolean(), nullable=False),
        sa.Column("cognitive_impairment", sa.Boolean(), nullable=False),
        sa.Column("setting", sa.String(length=12), nullable=False),
        sa.Column("ward", sa.String(length=60), nullable=True),
        sa.Column("touch_aversion", sa.Boolean(), nullable=False),
        sa.Column("trauma_history", sa.Boolean(), nullable=False),
        sa.Column("touch_notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
        sa.UniqueConstraint("mrn", name=op.f("uq_children_mrn")),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_children_ward"), ["ward"], unique=False)

    op.create_table(
        "child_conditions",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("site", sa.String(length=40), nullable=True),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_child_conditions_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_conditions")),
    )
    with op.batch_alter_table("child_conditions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_conditions_child_id"), ["child_id"], unique=False
        )

    op.create_table(
        "child_devices",
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("site", sa.String(length=40), nullable=True),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_child_devices_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_devices")),
    )
    with op.batch_alter_table("child_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_devices_child_id"), ["child_id"], unique=False)

    op.create_table(
        "child_medications",
        sa.Column("med_class", sa.String(length=60), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_child_medications_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_medications")),
    )
    with op.batch_alter_table("child_medications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_medications_child_id"), ["child_id"], unique=False
        )

    op.create_table(
        "child_procedures",
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("site", sa.String(length=40), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_child_procedures_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_procedures")),
    )
    with op.batch_alter_table("child_procedures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_procedures_child_id"), ["child_id"], unique=False
        )

    op.create_table(
        "child_skin_findings",
        sa.Column("finding", sa.String(length=60), nullable=False),
        sa.Column("site", sa.String(length=40), nullable=True),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_child_skin_findings_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_skin_findings")),
    )
    with op.batch_alter_table("child_skin_findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_skin_findings_child_id"), ["child_id"], unique=False
        )

    op.create_table(
        "guardians",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("relationship_to_child", sa.String(length=40), nullable=False),
        sa.Column("legal_authority", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_guardians_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardians")),
    )
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardians_child_id"), ["child_id"], unique=False)

    op.create_table(
        "observations",
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_observations_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
    )
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_observations_child_id"), ["child_id"], unique=False)

    op.create_table(
        "screenings",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("rules_version", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_screenings_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screenings_child_id"), ["child_id"], unique=False)

    op.create_table(
        "massage_sessions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=False),
        sa.Column("screening_id", sa.String(length=26), nullable=False),
        sa.Column("therapist", sa.String(length=80), nullable=False),
        sa.Column("deliverer", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("pressure", sa.Integer(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("technique", sa.String(length=120), nullable=False),
        sa.Column("guardian_consent_by", sa.String(length=120), nullable=False),
        sa.Column("child_assent", sa.Boolean(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_massage_sessions_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_massage_sessions_screening_id_screenings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_massage_sessions")),
    )
    with op.batch_alter_table("massage_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_massage_sessions_child_id"), ["child_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_massage_sessions_screening_id"), ["screening_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_massage_sessions_started_at"), ["started_at"], unique=False
        )

    op.create_table(
        "session_measures",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("session_id", sa.String(length=26), nullable=False),
        sa.Column("timepoint", sa.String(length=8), nullable=False),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("instrument_version", sa.String(length=20), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["massage_sessions.id"],
            name=op.f("fk_session_measures_session_id_massage_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_measures")),
    )
    with op.batch_alter_table("session_measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_measures_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("session_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_measures_session_id"))

    op.drop_table("session_measures")
    with op.batch_alter_table("massage_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_massage_sessions_started_at"))
        batch_op.drop_index(batch_op.f("ix_massage_sessions_screening_id"))
        batch_op.drop_index(batch_op.f("ix_massage_sessions_child_id"))

    op.drop_table("massage_sessions")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_child_id"))

    op.drop_table("screenings")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observations_child_id"))

    op.drop_table("observations")
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardians_child_id"))

    op.drop_table("guardians")
    with op.batch_alter_table("child_skin_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_skin_findings_child_id"))

    op.drop_table("child_skin_findings")
    with op.batch_alter_table("child_procedures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_procedures_child_id"))

    op.drop_table("child_procedures")
    with op.batch_alter_table("child_medications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_medications_child_id"))

    op.drop_table("child_medications")
    with op.batch_alter_table("child_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_devices_child_id"))

    op.drop_table("child_devices")
    with op.batch_alter_table("child_conditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_conditions_child_id"))

    op.drop_table("child_conditions")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_children_ward"))

    op.drop_table("children")
