"""Tables of a study: its registration and versions, every eligibility assessment, enrolments
with their allocation, and the outcome measures taken for the trial.

The allocation seed is a column of ``studies`` that no schema, page or export reads: the sequence
is computed at the moment of enrolment and never stored ahead of it, so there is no "next
assignment" anywhere to be read. Every assessment is kept (eligible or not, enrolled or not),
because CONSORT counts those assessed and why each was not randomized.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pedmassage.db import Base, UTCDateTime, id_column_type, new_id


class Study(Base):
    __tablename__ = "studies"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))  # enrolling | closed
    version: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[dict[str, Any]] = mapped_column(JSON)
    allocation_seed: Mapped[bytes] = mapped_column(LargeBinary(64))
    registered_by: Mapped[str] = mapped_column(String(80))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StudyVersion(Base):
    """One version of the protocol as registered or changed; an amendment when it came after the
    first enrolment, with the reason the lead gave."""

    __tablename__ = "study_versions"
    __table_args__ = (UniqueConstraint("study_id", "version"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[dict[str, Any]] = mapped_column(JSON)
    amendment: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list[str]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StudyAssessment(Base):
    """A child assessed for a study: eligible or not (the unmet criteria), and what followed
    (enrolled, declined, or not enrolled for another stated reason)."""

    __tablename__ = "study_assessments"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    protocol_version: Mapped[int] = mapped_column(Integer)
    assessed_by: Mapped[str] = mapped_column(String(80))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    eligible: Mapped[bool] = mapped_column(Boolean)
    unmet: Mapped[list[str]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(12))  # enrolled | declined | other | ineligible
    reason: Mapped[str] = mapped_column(Text, default="")


class Enrolment(Base):
    """A randomized child: their stratum, their place in the study's enrolment order and the arm
    allocated at that moment; consent and assent as recorded; a withdrawal if any."""

    __tablename__ = "study_enrolments"
    __table_args__ = (
        UniqueConstraint("study_id", "child_id", name="uq_study_enrolments_study_id_child_id"),
        UniqueConstraint("study_id", "number", name="uq_study_enrolments_study_id_number"),
    )

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("study_assessments.id"))
    number: Mapped[int] = mapped_column(Integer)
    stratum: Mapped[str] = mapped_column(String(200))
    levels: Mapped[dict[str, str]] = mapped_column(JSON)
    stratum_number: Mapped[int] = mapped_column(Integer)
    arm: Mapped[str] = mapped_column(String(40))
    protocol_version: Mapped[int] = mapped_column(Integer)
    guardian_permission: Mapped[str] = mapped_column(String(80))
    assent: Mapped[str] = mapped_column(String(16))  # given | not_able | not_applicable
    enrolled_by: Mapped[str] = mapped_column(String(80))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")


class StudyMeasure(Base):
    """An outcome measure taken for the trial at a time point (day 0 is baseline), in either arm:
    a control child has no massage sessions to carry measures, so the trial keeps its own."""

    __tablename__ = "study_measures"
    __table_args__ = (UniqueConstraint("enrolment_id", "instrument_id", "day"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    enrolment_id: Mapped[str] = mapped_column(
        ForeignKey("study_enrolments.id", ondelete="CASCADE"), index=True
    )
    instrument_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    items: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    measured_by: Mapped[str] = mapped_column(String(80))
