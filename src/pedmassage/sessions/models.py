"""Stored screenings and session records.

A screening stores its whole input and result with the rules and policy versions, so a past decision
can be reproduced and explained. A session stores the plan it followed and what was delivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pedmassage.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class Screening(Base):
    __tablename__ = "screenings"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(String(8))
    rules_version: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(64))
    input: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class SessionRecord(Base):
    __tablename__ = "massage_sessions"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), index=True)
    therapist: Mapped[str] = mapped_column(String(80))
    deliverer: Mapped[str] = mapped_column(String(12), default="therapist")
    status: Mapped[str] = mapped_column(String(12))  # completed | ended_early
    end_reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    pressure: Mapped[int] = mapped_column(Integer)
    regions: Mapped[list[str]] = mapped_column(JSON)
    technique: Mapped[str] = mapped_column(String(120), default="")
    guardian_consent_by: Mapped[str] = mapped_column(String(120))
    child_assent: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    response: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    measures: Mapped[list[SessionMeasure]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionMeasure.timepoint"
    )
    screening: Mapped[Screening] = relationship()


class SessionMeasure(Base):
    """One scored instrument at one timepoint; the instrument version allows later re-scoring."""

    __tablename__ = "session_measures"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("massage_sessions.id", ondelete="CASCADE"), index=True
    )
    timepoint: Mapped[str] = mapped_column(String(8))  # pre | post
    instrument_id: Mapped[str] = mapped_column(String(40))
    instrument_version: Mapped[str] = mapped_column(String(20))
    items: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[float] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(30))
    session: Mapped[SessionRecord] = relationship(back_populates="measures")
