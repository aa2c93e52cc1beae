"""Session records with their measures, adverse events and addenda.

A session moves through a lifecycle (``lifecycle.py``): it is planned as a draft on a stored
screening, started with consent and the child's assent, completed or ended early, then signed; a
signed session never changes, and corrections are addenda with their author and time.

The guard that refuses changes to a signed session is registered here, beside the models, so it
holds wherever the models are used, whichever other module is imported.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, event, inspect, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from pedmassage.db import Base, UTCDateTime, id_column_type, new_id, utcnow
from pedmassage.errors import ConflictError
from pedmassage.screenings.models import Screening


class SessionRecord(Base):
    __tablename__ = "massage_sessions"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    therapist: Mapped[str] = mapped_column(String(80))
    deliverer: Mapped[str] = mapped_column(String(12), default="therapist")
    status: Mapped[str] = mapped_column(String(12))  # see lifecycle.STATES
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"), index=True)
    """One more on every change of this row (SQLAlchemy counts it); the ETag of the record."""
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once, by the mapper)
    ended_early: Mapped[bool] = mapped_column(Boolean, default=False)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    # consent and assent, asked again at the start of every session
    guardian_consent_by: Mapped[str] = mapped_column(String(120), default="")
    consent_method: Mapped[str] = mapped_column(String(20), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    child_assent: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # the readings the screening asked for, taken before the start, or why it went ahead without
    verified: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    # what was delivered
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    pressure: Mapped[int] = mapped_column(Integer, default=0)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    technique: Mapped[str] = mapped_column(String(120), default="")
    # monitoring and response
    heart_rate_pre: Mapped[int | None] = mapped_column(Integer, nullable=True)
    heart_rate_post: Mapped[int | None] = mapped_column(Integer, nullable=True)
    spo2_pre: Mapped[int | None] = mapped_column(Integer, nullable=True)
    spo2_post: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cues: Mapped[list[str]] = mapped_column(JSON, default=list)
    response: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    signed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    measures: Mapped[list[SessionMeasure]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="(SessionMeasure.timepoint.desc(), SessionMeasure.taken_at)",
    )
    adverse_events: Mapped[list[AdverseEvent]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="AdverseEvent.occurred_at"
    )
    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Addendum.written_at"
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
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    instrument_id: Mapped[str] = mapped_column(String(40))
    instrument_version: Mapped[str] = mapped_column(String(20))
    items: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[float] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(30))
    session: Mapped[SessionRecord] = relationship(back_populates="measures")


class AdverseEvent(Base):
    __tablename__ = "adverse_events"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("massage_sessions.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10))  # mild | moderate | severe
    action_taken: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    session: Mapped[SessionRecord] = relationship(back_populates="adverse_events")


class Addendum(Base):
    """A correction or addition to a signed session: the record itself never changes."""

    __tablename__ = "session_addenda"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("massage_sessions.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(80))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    session: Mapped[SessionRecord] = relationship(back_populates="addenda")


@event.listens_for(Session, "before_flush")
def _signed_sessions_never_change(session: Session, _context: object, _instances: object) -> None:
    """A signed session's own columns cannot be changed, nor the row deleted, through the ORM.

    The lifecycle already refuses every action on a signed session but an addendum; this catches
    any other code path that reaches the database.
    """
    for obj in [*session.dirty, *session.deleted]:
        if (
            isinstance(obj, SessionRecord)
            and _was_signed(obj)
            and (obj in session.deleted or session.is_modified(obj, include_collections=False))
        ):
            raise ConflictError(
                "A signed session never changes: add an addendum instead.", field="status"
            )


def _was_signed(record: SessionRecord) -> bool:
    history = inspect(record).attrs.status.history
    before = history.deleted[0] if history.deleted else record.status
    return before == "signed"
