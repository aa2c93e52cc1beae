"""What the audit shows of an entry: who, in which role, did what to which resource, when, from
where, and with what outcome. The hashes stay behind: ``audit verify`` is the way to check them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    resource: str
    child_id: str | None
    address: str
    outcome: str
