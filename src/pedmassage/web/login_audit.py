"""The audit entry of a login attempt, success or failure."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session

from pedmassage.access.logins import LoginResult
from pedmassage.http.actor import client_address


def record_login(
    request: Request, db: Session, username: str, result: LoginResult, now: datetime
) -> None:
    from pedmassage.audit.service import AuditEvent, append

    role = result.user.role if result.user is not None else "anonymous"
    outcome = "allowed" if result.key else ("throttled" if result.throttled else "failed")
    event = AuditEvent(
        actor=username[:80] or "(empty)",
        role=role,
        action="login",
        resource="POST /login",
        child_id=None,
        address=client_address(request),
        outcome=outcome,
    )
    append(db=db, event=event, at=now)
