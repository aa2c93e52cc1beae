"""A whole session documented at once, after it happened: the lifecycle's steps in one go.

The child and the screening are read once; the session is planned on the screening it rests on at
its own start, started with consent and the child's answer, then completed or ended early, with any
adverse events. A "no" at the start is honoured whatever else the form carried: nothing was given.

Documented after it happened, the session has ended: its start, its end (the start plus the minutes
given), its measures and its adverse events are all by now. A session still under way is recorded
step by step instead (``records.py``, "Start a session now"), which ends it when it ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from pedmassage.children.service import get_child
from pedmassage.errors import ValidationError
from pedmassage.inbound import in_future, not_future, utc
from pedmassage.screenings.reliance import Care, screening_for_care
from pedmassage.sessions.delivery import close, deliver, measured_by, session_end
from pedmassage.sessions.measures import add_post
from pedmassage.sessions.models import SessionRecord
from pedmassage.sessions.records import adverse_event, complete, draft, end_early, start
from pedmassage.sessions.schemas import (
    DraftCreate,
    SessionCreate,
    SessionEnd,
    SessionFinish,
    SessionStart,
)
from pedmassage.sessions.verification import Witness

UNDER_WAY = "a session still under way is recorded with “Start a session now”"
"""What to do with a session that has not ended yet: the live flow records it as it goes."""


def record_session(
    *,
    db: Session,
    child_id: str,
    data: SessionCreate,
    now: datetime,
    goals: Sequence[str] = ("relaxation",),
    witness: Witness | None = None,
) -> SessionRecord:
    """Document a whole session at once: draft, start, then complete or end early.

    ``witness`` is who documents it, for the audit entry of a reading gone without."""
    _consistent(data)
    _already_happened(data, now)
    child = get_child(db=db, child_id=child_id)
    care = Care.session(data.started_at, at_field="started_at")
    screening = screening_for_care(
        db=db, child_id=child.id, care=care, screening_id=data.screening_id
    )
    planned = DraftCreate(
        screening_id=screening.id, therapist=data.therapist, goals=list(goals), minutes=data.minutes
    )
    record = draft(db, child, screening, planned)
    start(db, record, child, _start_of(data), witness)
    ended_at = session_end(data.started_at, data.minutes)
    if record.status == "ended_early":  # the child said no at the start: nothing was given
        add_post(record, child, data.post, ended_at)
        deliver(record, [], 0, 0, "", partial=True)
        record.end_reason = data.end_reason.strip() or record.end_reason
        close(record, data.heart_rate_post, data.spo2_post, data.cues, data.response, data.note)
    elif data.status == "ended_early":
        end_early(record, child, SessionEnd.model_validate(_closing(data, ended_at, reason=True)))
    else:
        complete(record, child, SessionFinish.model_validate(_closing(data, ended_at)))
    for i, adverse in enumerate(data.adverse_events):
        try:
            adverse_event(record, adverse, data.therapist, now=now)
        except ValidationError as exc:
            raise exc.within(f"adverse_events[{i}]") from None
    db.flush()
    return record


def ended_by(started_at: datetime, minutes: int, now: datetime) -> bool:
    """Whether a session of ``minutes`` from ``started_at`` has ended by ``now`` (a device's clock
    may run a little ahead): only then can it be documented at once."""
    return not in_future(session_end(started_at, minutes), now)


def _already_happened(data: SessionCreate, now: datetime) -> None:
    """The start, the end and the measures' own times are all by now.

    The end is the start plus the minutes given, so a session that would end after now is refused
    naming its start, the time the form defaults and the clinician states."""
    not_future(data.started_at, "started_at", now)
    if not ended_by(data.started_at, data.minutes, now):
        latest = now - timedelta(minutes=data.minutes)
        raise ValidationError(
            "started_at",
            data.started_at.isoformat(),
            f"a start on or before {utc(latest)}, so that the {data.minutes} minutes given "
            f"have ended by now; {UNDER_WAY}",
        )
    measured_by(data.pre, "pre", now)
    measured_by(data.post, "post", now)


def _consistent(data: SessionCreate) -> None:
    if data.status == "ended_early" and not data.end_reason.strip():
        raise ValidationError("end_reason", data.end_reason, "a reason when ended early")
    if data.child_assent is False and data.status != "ended_early":
        raise ValidationError(
            "status", data.status, "ended_early when the child said no: a refusal ends the session"
        )


def _start_of(data: SessionCreate) -> SessionStart:
    return SessionStart(
        started_at=data.started_at,
        guardian_consent_by=data.guardian_consent_by,
        consent_method=data.consent_method,
        child_assent=data.child_assent,
        pre=data.pre,
        verified=data.verified,
        heart_rate=data.heart_rate_pre,
        spo2=data.spo2_pre,
    )


def _closing(data: SessionCreate, ended_at: datetime, *, reason: bool = False) -> dict[str, object]:
    """The closing step's fields; the end follows from the start and the minutes given."""
    closing: dict[str, object] = {
        "ended_at": ended_at, "minutes": data.minutes, "pressure": data.pressure,
        "regions": data.regions, "technique": data.technique, "post": data.post,
        "heart_rate": data.heart_rate_post, "spo2": data.spo2_post, "cues": data.cues,
        "response": data.response, "note": data.note,
    }  # fmt: skip
    if reason:
        closing["reason"] = data.end_reason
    return closing
