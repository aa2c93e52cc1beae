"""Studies: registration and protocol versions, eligibility assessments, enrolments with their
allocation, and the trial's outcome measures.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.String(length=26)


def _fk(
    table: str, column: str, referred: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{referred}.id"],
        name=op.f(f"fk_{table}_{column}_{referred}"),
        ondelete=ondelete,
    )


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "studies",
        sa.Column("id", ID, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.JSON(), nullable=False),
        sa.Column("allocation_seed", sa.LargeBinary(length=64), nullable=False),
        sa.Column("registered_by", sa.String(length=80), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("first_enrolled_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studies")),
        sa.UniqueConstraint("code", name=op.f("uq_studies_code")),
    )
    op.create_table(
        "study_versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("study_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.JSON(), nullable=False),
        sa.Column("amendment", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        _fk("study_versions", "study_id", "studies", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_versions")),
        sa.UniqueConstraint("study_id", "version", name=op.f("uq_study_versions_study_id")),
    )
    _index("study_versions", "study_id")
    op.create_table(
        "study_assessments",
        sa.Column("id", ID, nullable=False),
        sa.Column("study_id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=False),
        sa.Column("site_id", ID, nullable=False),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("assessed_by", sa.String(length=80), nullable=False),
        sa.Column("assessed_at", TS, nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("unmet", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _fk("study_assessments", "study_id", "studies", "CASCADE"),
        _fk("study_assessments", "child_id", "children", "CASCADE"),
        _fk("study_assessments", "site_id", "sites"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_assessments")),
    )
    _index("study_assessments", "study_id", "child_id", "site_id")
    op.create_table(
        "study_enrolments",
        sa.Column("id", ID, nullable=False),
        sa.Column("study_id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=False),
        sa.Column("site_id", ID, nullable=False),
        sa.Column("assessment_id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(length=200), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("stratum_number", sa.Integer(), nullable=False),
        sa.Column("arm", sa.String(length=40), nullable=False),
        sa.Column("protocol_version", sa.Integer(), nullable=False),
        sa.Column("guardian_permission", sa.String(length=80), nullable=False),
        sa.Column("assent", sa.String(length=16), nullable=False),
        sa.Column("enrolled_by", sa.String(length=80), nullable=False),
        sa.Column("enrolled_at", TS, nullable=False),
        sa.Column("withdrawn_at", TS, nullable=True),
        sa.Column("withdrawn_by", sa.String(length=80), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        _fk("study_enrolments", "study_id", "studies", "CASCADE"),
        _fk("study_enrolments", "child_id", "children", "CASCADE"),
        _fk("study_enrolments", "site_id", "sites"),
        _fk("study_enrolments", "assessment_id", "study_assessments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_enrolments")),
        sa.UniqueConstraint(
            "study_id", "child_id", name=op.f("uq_study_enrolments_study_id_child_id")
        ),
        sa.UniqueConstraint("study_id", "number", name=op.f("uq_study_enrolments_study_id_number")),
    )
    _index("study_enrolments", "study_id", "child_id", "site_id")
    op.create_table(
        "study_measures",
        sa.Column("id", ID, nullable=False),
        sa.Column("enrolment_id", ID, nullable=False),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("measured_at", TS, nullable=False),
        sa.Column("measured_by", sa.String(length=80), nullable=False),
        _fk("study_measures", "enrolment_id", "study_enrolments", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_measures")),
        sa.UniqueConstraint(
            "enrolment_id", "instrument_id", "day", name=op.f("uq_study_measures_enrolment_id")
        ),
    )
    _index("study_measures", "enrolment_id")


def downgrade() -> None:
    for table in (
        "study_measures",
        "study_enrolments",
        "study_assessments",
        "study_versions",
        "studies",
    ):
        op.drop_table(table)
