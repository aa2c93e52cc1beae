"""Tables for the child profile. Every clinical fact carries the time it was true."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pedmassage.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class Child(Base):
    __tablename__ = "children"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    """One more whenever the profile's facts change (see ``children.service``); its ETag."""
    display_name: Mapped[str] = mapped_column(String(80))
    mrn: Mapped[str | None] = mapped_column(String(40), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(12))
    ga_weeks: Mapped[int] = mapped_column(Integer)
    ga_days: Mapped[int] = mapped_column(Integer, default=0)
    verbal: Mapped[bool] = mapped_column(Boolean, default=True)
    cognitive_impairment: Mapped[bool] = mapped_column(Boolean, default=False)
    setting: Mapped[str] = mapped_column(String(12))
    ward: Mapped[str | None] = mapped_column(String(60), index=True)
    touch_aversion: Mapped[bool] = mapped_column(Boolean, default=False)
    trauma_history: Mapped[bool] = mapped_column(Boolean, default=False)
    touch_notes: Mapped[str] = mapped_column(Text, default="")
    goals_of_care: Mapped[str] = mapped_column(
        String(16), default="curative", server_default=text("'curative'")
    )
    """``curative`` or ``comfort``: set by a physician or the program lead, read by screening."""
    goals_of_care_by: Mapped[str | None] = mapped_column(String(120))
    goals_of_care_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    conditions: Mapped[list[ChildCondition]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="ChildCondition.code"
    )
    devices: Mapped[list[ChildDevice]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="ChildDevice.kind"
    )
    observations: Mapped[list[Observation]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="Observation.taken_at"
    )
    procedures: Mapped[list[ChildProcedure]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="ChildProcedure.date"
    )
    skin_findings: Mapped[list[SkinFindingRecord]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="SkinFindingRecord.finding"
    )
    medications: Mapped[list[ChildMedication]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="ChildMedication.med_class"
    )
    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="child", cascade="all, delete-orphan", order_by="Guardian.name"
    )


class _ChildPart:
    """Columns shared by every per-child fact table."""

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)


class ChildCondition(_ChildPart, Base):
    __tablename__ = "child_conditions"

    code: Mapped[str] = mapped_column(String(60))
    site: Mapped[str | None] = mapped_column(String(40))
    child: Mapped[Child] = relationship(back_populates="conditions")


class ChildDevice(_ChildPart, Base):
    __tablename__ = "child_devices"

    kind: Mapped[str] = mapped_column(String(60))
    site: Mapped[str | None] = mapped_column(String(40))
    child: Mapped[Child] = relationship(back_populates="devices")


class Observation(_ChildPart, Base):
    """A lab result or vital sign, in the one unit its code is accepted in."""

    __tablename__ = "observations"

    category: Mapped[str] = mapped_column(String(8))  # "lab" | "vital"
    code: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    child: Mapped[Child] = relationship(back_populates="observations")


class ChildProcedure(_ChildPart, Base):
    __tablename__ = "child_procedures"

    kind: Mapped[str] = mapped_column(String(60))
    site: Mapped[str | None] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    child: Mapped[Child] = relationship(back_populates="procedures")


class SkinFindingRecord(_ChildPart, Base):
    __tablename__ = "child_skin_findings"

    finding: Mapped[str] = mapped_column(String(60))
    site: Mapped[str | None] = mapped_column(String(40))
    child: Mapped[Child] = relationship(back_populates="skin_findings")


class ChildMedication(_ChildPart, Base):
    __tablename__ = "child_medications"

    med_class: Mapped[str] = mapped_column(String(60))
    child: Mapped[Child] = relationship(back_populates="medications")


class Guardian(_ChildPart, Base):
    __tablename__ = "guardians"

    name: Mapped[str] = mapped_column(String(120))
    relationship_to_child: Mapped[str] = mapped_column(String(40))
    legal_authority: Mapped[bool] = mapped_column(Boolean, default=True)
    child: Mapped[Child] = relationship(back_populates="guardians")
