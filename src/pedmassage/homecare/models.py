"""Tables for home programs: who cares for a child, the prescribed routine, the parent's diary.

Ownership is explicit in the data: a parent is a row of ``guardians`` (each belongs to one child),
and staff see a child only through ``care_team_members``. Every table here hangs off a child, so
the question "may this person see this row?" always has one path to answer it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pedmassage.children.models import Child
from pedmassage.db import Base, UTCDateTime, id_column_type, new_id


class CareTeamMember(Base):
    """A member of staff on a child's care team: the only way staff see the child's home data."""

    __tablename__ = "care_team_members"
    __table_args__ = (UniqueConstraint("child_id", "staff_name"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    staff_name: Mapped[str] = mapped_column(String(80), index=True)
    role: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HomeProgram(Base):
    """A routine prescribed for a parent to give at home, built by the planner from a screening.

    The steps, what to avoid and when to stop are stored in the words the parent reads, with the
    protocol id and version they came from, so the routine shown later is the one prescribed.
    """

    __tablename__ = "home_programs"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    """One more on every change of this row (SQLAlchemy counts it); the ETag of the record."""
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once, by the mapper)
    status: Mapped[str] = mapped_column(String(8))  # active | ended
    prescribed_by: Mapped[str] = mapped_column(String(80))
    prescribed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_on: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    sessions_per_week: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    timing: Mapped[str] = mapped_column(String(120), default="")
    goals: Mapped[list[str]] = mapped_column(JSON)
    protocol_id: Mapped[str] = mapped_column(String(60))
    protocol_version: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    touch_steps: Mapped[list[str]] = mapped_column(JSON)
    avoid: Mapped[list[str]] = mapped_column(JSON)
    stop_when: Mapped[list[str]] = mapped_column(JSON)
    skip_if: Mapped[list[str]] = mapped_column(JSON)
    precautions: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[list[str]] = mapped_column(JSON)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str] = mapped_column(Text, default="")

    logs: Mapped[list[HomeSessionLog]] = relationship(
        back_populates="program",
        cascade="all, delete-orphan",
        order_by="(HomeSessionLog.session_date, HomeSessionLog.logged_at)",
    )

    @property
    def ends_on(self) -> date:
        """The last planned day of the routine."""
        return self.started_on + timedelta(days=7 * self.weeks - 1)

    @property
    def ended_on(self) -> date | None:
        return None if self.ended_at is None else self.ended_at.date()


class HomeSessionLog(Base):
    """One home session as the parent logged it (the home record sheet, Cullen & Barlow 2004)."""

    __tablename__ = "home_session_logs"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    program_id: Mapped[str] = mapped_column(
        ForeignKey("home_programs.id", ondelete="CASCADE"), index=True
    )
    guardian_id: Mapped[str | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="SET NULL"), index=True, nullable=True
    )
    session_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(String(12))
    problem: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())

    program: Mapped[HomeProgram] = relationship(back_populates="logs")
    flag: Mapped[HomeFlag | None] = relationship(back_populates="log", cascade="all, delete-orphan")


class HomeFlag(Base):
    """A problem a parent logged, waiting on the therapist's list until someone acknowledges it."""

    __tablename__ = "home_flags"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    log_id: Mapped[str] = mapped_column(
        ForeignKey("home_session_logs.id", ondelete="CASCADE"), unique=True
    )
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    problem: Mapped[str] = mapped_column(String(24))
    urgency: Mapped[str] = mapped_column(String(8))  # review | urgent
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    action: Mapped[str] = mapped_column(Text, default="")

    log: Mapped[HomeSessionLog] = relationship(back_populates="flag")
    child: Mapped[Child] = relationship()


class ParentMeasure(Base):
    """A parent-reported measure (PSOC by default), scored and stored with its version."""

    __tablename__ = "parent_measures"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[str | None] = mapped_column(
        ForeignKey("home_programs.id", ondelete="SET NULL"), index=True, nullable=True
    )
    guardian_id: Mapped[str | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="SET NULL"), nullable=True
    )
    entered_by: Mapped[str] = mapped_column(String(80))
    instrument_id: Mapped[str] = mapped_column(String(40))
    instrument_version: Mapped[str] = mapped_column(String(20))
    items: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[float] = mapped_column(Float)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
