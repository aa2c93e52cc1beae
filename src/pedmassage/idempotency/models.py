"""A creating request's key, claimed in the same transaction as what it creates.

The row commits with the record or not at all: a request that failed leaves no key behind and may
be retried; one that succeeded leaves a key that every retry finds. The answer is kept beside the
key, so a retry gets the first answer rather than a second record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pedmassage.db import Base, UTCDateTime, id_column_type, new_id


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("actor", "key"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    actor: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the method, path, query and body: the same key for another request is refused."""
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
