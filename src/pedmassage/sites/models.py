"""A site: a program such as a hospital unit or a clinic. Every child and every member of staff
belongs to one; the registry and multi-site work build on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from pedmassage.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
