"""Session record use cases, step by step: plan a draft, start, complete or end early, record an
adverse event, sign, amend.

Every step goes through :mod:`pedmassage.sessions.lifecycle`; the screening a session rests on is
checked by :func:`pedmassage.screenings.reliance.screening_for_care`, and what is delivered by the
screening's own allowance. Each public use case reads the record and the child once and hands them
to the steps, which the one-step documentation (``documentation.py``) composes the same way. Each
runs inside the caller's unit of work and only flushes, so a refused step leaves nothing behind.

Every time a step states (a start, an end, a measure's own time, an adverse event's) already
happened, so none may be in the future (:func:`pedmassage.inbound.not_future`); the times the
server sets itself (a draft's, a signature's, an addendum's) are its own now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from pedmassage.audit.chain import AuditEvent
from pedmassage.audit.service import append_at_commit
from pedmassage.children.models import Child
from pedmassage.children.service import get_child
from pedmassage.errors import NotFoundError, StaleVersionError, ValidationError
from pedmassage.inbound import not_future
from pedmassage.safety.contract import ScreeningResult
from pedmassage.screenings.models import Screening
from pedmassage.screenings.reliance import Care, screening_for_care
from pedmassage.screenings.service import plan_on
from pedmassage.sessions.delivery import close, deliver, finish, measured_by
from pedmassage.sessions.lifecycle import next_state
from pedmassage.sessions.measures import add_post, add_pre
from pedmassage.sessions.models import Addendum, AdverseEvent, SessionRecord
from pedmassage.sessions.schemas import (
    AddendumCreate,
    AdverseEventCreate,
    DraftCreate,
    SessionEnd,
    SessionFinish,
    SessionPublic,
    SessionStart,
)
from pedmassage.sessions.verification import VERIFY_OVERRIDE, Witness, verification_entries

REFUSED_AT_START = "The child said no at the start: a refusal is always honoured."


def create_draft(
    *,
    db: Session,
    child_id: str,
    data: DraftCreate,
    now: datetime,
) -> SessionRecord:
    """Plan a session now on the child's latest screening; refused on a hold or an old one."""
    child = get_child(db=db, child_id=child_id)
    care = Care.session(now)
    screening = screening_for_care(
        db=db, child_id=child.id, care=care, screening_id=data.screening_id
    )
    record = draft(db, child, screening, data)
    db.flush()
    return record


def start_session(
    *,
    db: Session,
    session_id: str,
    data: SessionStart,
    now: datetime,
    seen: int | None = None,
    witness: Witness | None = None,
) -> SessionRecord:
    """Consent confirmed, the child asked again, and the readings the screening asked for taken
    (or gone without, for a stated reason); a "no" ends the session there and then.

    ``seen`` is the version the change rests on (each step takes one): an older one is a 409.
    ``witness`` is who is starting it, for the audit entry of an override."""
    record = locked_session(db, session_id, seen)
    not_future(data.started_at, "started_at", now)
    measured_by(data.pre, "pre", now)
    care = Care.session(data.started_at, at_field="started_at")
    screening_for_care(db=db, child_id=record.child_id, care=care, screening_id=record.screening_id)
    start(db, record, get_child(db=db, child_id=record.child_id), data, witness)
    db.flush()
    return record


def complete_session(
    *, db: Session, session_id: str, data: SessionFinish, now: datetime, seen: int | None = None
) -> SessionRecord:
    """What was delivered (within the screening's limits) and the 'after' measure."""
    record = locked_session(db, session_id, seen)
    next_state(record.status, "complete")  # a session that never started is refused first
    not_future(data.ended_at, "ended_at", now)
    measured_by(data.post, "post", now)
    complete(record, get_child(db=db, child_id=record.child_id), data)
    db.flush()
    return record


def end_session_early(
    *, db: Session, session_id: str, data: SessionEnd, now: datetime, seen: int | None = None
) -> SessionRecord:
    """The child said stop or disengaged (or something else ended it): the reason is kept."""
    record = locked_session(db, session_id, seen)
    next_state(record.status, "end_early")  # a finished session is refused first
    not_future(data.ended_at, "ended_at", now)
    measured_by(data.post, "post", now)
    end_early(record, get_child(db=db, child_id=record.child_id), data)
    db.flush()
    return record


def add_adverse_event(
    *,
    db: Session,
    session_id: str,
    data: AdverseEventCreate,
    recorded_by: str,
    now: datetime,
    seen: int | None = None,
) -> AdverseEvent:
    """An adverse event with severity and action; after signing, use an addendum."""
    record = locked_session(db, session_id, seen)
    adverse = adverse_event(record, data, recorded_by, now=now)
    flag_modified(record, "status")  # the record a reader saw has changed: its version moves on
    db.flush()
    return adverse


def sign_session(
    *, db: Session, session_id: str, signer: str, now: datetime, seen: int | None = None
) -> SessionRecord:
    """Sign a finished session: from now on the record never changes."""
    record = locked_session(db, session_id, seen)
    record.status = next_state(record.status, "sign")
    record.signed_by, record.signed_at = signer, now
    db.flush()
    return record


def add_addendum(*, db: Session, session_id: str, data: AddendumCreate, now: datetime) -> Addendum:
    """A correction to a signed session, with its author and time; the original stays as it was."""
    record = locked_session(db, session_id)
    record.status = next_state(record.status, "amend")
    addendum = Addendum(author=data.author, written_at=now, text=data.text)
    record.addenda.append(addendum)
    db.flush()
    return addendum


def get_session(*, db: Session, session_id: str) -> SessionRecord:
    record = db.get(SessionRecord, session_id)
    if record is None:
        raise NotFoundError("session", session_id)
    return record


def locked_session(db: Session, session_id: str, seen: int | None = None) -> SessionRecord:
    """The session, read afresh under a row lock for a step that changes it: two tablets acting on
    one draft at once take turns, and the second sees what the first did (so its step is refused
    with a 409 rather than merged into the first). SQLite's write lock at BEGIN does the same.

    ``seen``, when given, is the version the step rests on; a newer stored one is a 409 that says
    what the session is now."""
    record = db.get(SessionRecord, session_id, with_for_update=True, populate_existing=True)
    if record is None:
        raise NotFoundError("session", session_id)
    StaleVersionError.check("session", record.version, seen, _now_is(record))
    return record


def _now_is(record: SessionRecord) -> str:
    """What a session is now, for someone whose view of it is out of date."""
    state = record.status.replace("_", " ")
    if record.signed_by:
        return f"{state} by {record.signed_by}"
    if record.ended_at is not None:
        return f"{state}, ended at {record.ended_at:%H:%M}"
    if record.started_at is not None:
        return f"{state}, started at {record.started_at:%H:%M}"
    return state


def list_sessions(*, db: Session, child_id: str) -> list[SessionRecord]:
    """A child's sessions, oldest first, with their measures, adverse events and addenda."""
    get_child(db=db, child_id=child_id)
    query = (
        select(SessionRecord)
        .where(SessionRecord.child_id == child_id)
        .options(
            selectinload(SessionRecord.measures),
            selectinload(SessionRecord.adverse_events),
            selectinload(SessionRecord.addenda),
        )
        .order_by(SessionRecord.started_at, SessionRecord.created_at, SessionRecord.id)
    )
    return list(db.scalars(query))


def session_public(record: SessionRecord) -> SessionPublic:
    return SessionPublic.model_validate(record)


# The lifecycle steps, on a record and child already in hand. Each moves the record's state.


def draft(db: Session, child: Child, screening: Screening, data: DraftCreate) -> SessionRecord:
    """A draft planned on ``screening``, which the caller has found this session may rest on."""
    plan = plan_on(child, screening, data.goals, data.minutes)
    record = SessionRecord(
        child_id=child.id,
        site_id=child.site_id,
        screening_id=screening.id,
        screening=screening,
        therapist=data.therapist,
        status="draft",
        goals=list(data.goals),
        plan=plan.model_dump(mode="json"),
        regions=[],
        cues=[],
    )
    db.add(record)
    return record


def start(
    db: Session,
    record: SessionRecord,
    child: Child,
    data: SessionStart,
    witness: Witness | None = None,
) -> None:
    """Consent, assent, the readings to verify and the 'before' measure; a "no" ends the session
    at once (nothing is given, so nothing needs verifying)."""
    declined = data.child_assent is False
    state = next_state(record.status, "end_early" if declined else "start")
    if data.pre is None and not declined:
        raise ValidationError("pre", None, "a 'before' measure when the session goes ahead")
    if not declined:
        screening = record.screening
        record.verified = verification_entries(
            screening.input,
            ScreeningResult.model_validate(screening.result),
            data.verified,
            data.started_at,
        )
        _audit_overrides(db, record, witness, data.started_at)
    if data.pre is not None:
        add_pre(record, child, data.pre, data.started_at)
    record.status = state
    record.started_at = data.started_at
    record.guardian_consent_by = data.guardian_consent_by
    record.consent_method = data.consent_method
    record.consent_at = data.started_at
    record.child_assent = data.child_assent
    record.heart_rate_pre, record.spo2_pre = data.heart_rate, data.spo2
    if declined:
        record.ended_early, record.ended_at = True, data.started_at
        record.end_reason = REFUSED_AT_START


def _audit_overrides(
    db: Session, record: SessionRecord, witness: Witness | None, at: datetime
) -> None:
    """One audit entry per reading gone without: who decided, on which session and child. The
    reason itself stays on the session (free text may name people; the log names no one)."""
    who = witness or Witness(name=record.therapist, role="therapist", address="service")
    for entry in record.verified:
        if entry["value"] is not None:
            continue
        event = AuditEvent(
            actor=who.name,
            role=who.role,
            action=VERIFY_OVERRIDE,
            resource=f"session {record.id}: {entry['code']} not taken",
            child_id=record.child_id,
            address=who.address,
            outcome="overridden",
        )
        append_at_commit(db=db, event=event, at=at)


def complete(record: SessionRecord, child: Child, data: SessionFinish) -> None:
    """Delivery within the screening's limits, the 'after' measure and the child's response."""
    state = next_state(record.status, "complete")
    finish(record, data.ended_at, data.minutes)
    deliver(record, data.regions, data.pressure, data.minutes, data.technique)
    add_post(record, child, data.post, data.ended_at)
    close(record, data.heart_rate, data.spo2, data.cues, data.response, data.note)
    record.status = state


def end_early(record: SessionRecord, child: Child, data: SessionEnd) -> None:
    """What was given before it stopped (perhaps nothing), and why it stopped."""
    state = next_state(record.status, "end_early")
    finish(record, data.ended_at, data.minutes)
    deliver(record, data.regions, data.pressure, data.minutes, data.technique, partial=True)
    if data.post is not None:
        add_post(record, child, data.post, data.ended_at)
    record.ended_early, record.end_reason = True, data.reason
    close(record, data.heart_rate, data.spo2, data.cues, data.response, data.note)
    record.status = state


def adverse_event(
    record: SessionRecord, data: AdverseEventCreate, recorded_by: str, *, now: datetime
) -> AdverseEvent:
    """An adverse event, which cannot have happened after ``now``."""
    record.status = next_state(record.status, "record_adverse_event")
    not_future(data.occurred_at, "occurred_at", now)
    adverse = AdverseEvent(
        occurred_at=data.occurred_at,
        description=data.description,
        severity=data.severity,
        action_taken=data.action_taken,
        recorded_by=recorded_by,
    )
    record.adverse_events.append(adverse)
    return adverse


def session_ids_starting(*, db: Session, prefix: str, limit: int = 11) -> list[str]:
    """Session ids that start with ``prefix`` (any case), at most ``limit``."""
    wanted = SessionRecord.id.startswith(prefix.upper(), autoescape=True)
    return list(
        db.scalars(select(SessionRecord.id).where(wanted).order_by(SessionRecord.id).limit(limit))
    )
