"""Session record use cases: plan a draft, start, complete or end early, sign, amend.

Every step goes through :mod:`pedmassage.sessions.lifecycle`, and what is delivered is checked
against the screening the session rests on. Each runs inside the caller's unit of work and only
flushes, so a refused step leaves nothing behind.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files

import yaml
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, selectinload

from pedmassage.children.models import Child
from pedmassage.children.service import get_child
from pedmassage.development import GestationalAge, age_profile
from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.safety.contract import ScreeningResult
from pedmassage.sessions.lifecycle import Action, next_state
from pedmassage.sessions.models import (
    Addendum,
    AdverseEvent,
    Screening,
    SessionMeasure,
    SessionRecord,
)
from pedmassage.sessions.schemas import (
    AddendumCreate,
    AdverseEventCreate,
    DraftCreate,
    MeasureIn,
    SessionCreate,
    SessionEnd,
    SessionFinish,
    SessionPublic,
    SessionStart,
)
from pedmassage.sessions.screening import (
    SCREENING_VALID_HOURS,
    get_screening,
    plan_from_screening,
    suitable_pain_instruments,
)
from pedmassage.vocabulary import site_map

CLOCK_SKEW_MINUTES = 5
CLOCK_SKEW = timedelta(minutes=CLOCK_SKEW_MINUTES)


def create_draft(
    *,
    db: Session,
    child_id: str,
    data: DraftCreate,
    now: datetime,
    planned_for: datetime | None = None,
) -> SessionRecord:
    """Plan a session on a screening of this child; refused on a hold or a stale screening.

    ``planned_for`` is when the session happens (default now): a session documented afterwards
    is judged against the screening at the time it took place.
    """
    child = get_child(db=db, child_id=child_id)
    screening = _usable_screening(db, child, data.screening_id, planned_for or now, "screening_id")
    plan = plan_from_screening(
        db=db, screening_id=screening.id, goals=data.goals, minutes=data.minutes
    )
    record = SessionRecord(
        child_id=child.id,
        screening_id=screening.id,
        therapist=data.therapist,
        status="draft",
        goals=list(data.goals),
        plan=plan.model_dump(mode="json"),
        regions=[],
        cues=[],
    )
    db.add(record)
    db.flush()
    return record


def start_session(
    *, db: Session, session_id: str, data: SessionStart, now: datetime
) -> SessionRecord:
    """Consent confirmed and the child asked again; a "no" ends the session there and then."""
    record = get_session(db=db, session_id=session_id)
    child = get_child(db=db, child_id=record.child_id)
    _not_future(data.started_at, "started_at", now)
    _within_screening(record.screening, data.started_at)
    declined = data.child_assent is False
    state = next_state(record.status, "end_early" if declined else "start")
    if data.pre is None and not declined:
        raise ValidationError("pre", None, "a 'before' measure when the session goes ahead")
    pre = None if data.pre is None else _scored("pre", data.pre, child, data.started_at)
    record.status = state
    record.started_at = data.started_at
    record.guardian_consent_by = data.guardian_consent_by
    record.consent_method = data.consent_method
    record.consent_at = data.started_at
    record.child_assent = data.child_assent
    record.heart_rate_pre, record.spo2_pre = data.heart_rate, data.spo2
    if pre is not None:
        record.measures.append(pre)
    if declined:
        record.ended_early, record.ended_at = True, data.started_at
        record.end_reason = "The child said no at the start: a refusal is always honoured."
    db.flush()
    return record


def complete_session(
    *, db: Session, session_id: str, data: SessionFinish, now: datetime
) -> SessionRecord:
    """What was delivered (within the screening's limits) and the 'after' measure."""
    record = get_session(db=db, session_id=session_id)
    state = next_state(record.status, "complete")
    _finish(db, record, data.ended_at, now, data.minutes)
    _deliver(record, data.regions, data.pressure, data.minutes, data.technique)
    _record_post(db, record, data.post, data.ended_at)
    _close(record, data.heart_rate, data.spo2, data.cues, data.response, data.note)
    record.status = state
    db.flush()
    return record


def end_session_early(
    *, db: Session, session_id: str, data: SessionEnd, now: datetime
) -> SessionRecord:
    """The child said stop or disengaged (or something else ended it): the reason is kept."""
    record = get_session(db=db, session_id=session_id)
    state = next_state(record.status, "end_early")
    _finish(db, record, data.ended_at, now, data.minutes)
    _deliver(record, data.regions, data.pressure, data.minutes, data.technique, partial=True)
    if data.post is not None:
        _record_post(db, record, data.post, data.ended_at)
    record.ended_early, record.end_reason = True, data.reason
    _close(record, data.heart_rate, data.spo2, data.cues, data.response, data.note)
    record.status = state
    db.flush()
    return record


def add_adverse_event(
    *, db: Session, session_id: str, data: AdverseEventCreate, recorded_by: str, now: datetime
) -> AdverseEvent:
    """An adverse event with severity and action; after signing, use an addendum."""
    record = get_session(db=db, session_id=session_id)
    _transition(record, "record_adverse_event")
    _not_future(data.occurred_at, "occurred_at", now)
    adverse = AdverseEvent(
        occurred_at=data.occurred_at,
        description=data.description,
        severity=data.severity,
        action_taken=data.action_taken,
        recorded_by=recorded_by,
    )
    record.adverse_events.append(adverse)
    db.flush()
    return adverse


def sign_session(*, db: Session, session_id: str, signer: str, now: datetime) -> SessionRecord:
    """Sign a finished session: from now on the record never changes."""
    record = get_session(db=db, session_id=session_id)
    record.status = next_state(record.status, "sign")
    record.signed_by, record.signed_at = signer, now
    db.flush()
    return record


def add_addendum(*, db: Session, session_id: str, data: AddendumCreate, now: datetime) -> Addendum:
    """A correction to a signed session, with its author and time; the original stays as it was."""
    record = get_session(db=db, session_id=session_id)
    _transition(record, "amend")
    addendum = Addendum(author=data.author, written_at=now, text=data.text)
    record.addenda.append(addendum)
    db.flush()
    return addendum


def record_session(
    *,
    db: Session,
    child_id: str,
    data: SessionCreate,
    now: datetime,
    goals: Sequence[str] = ("relaxation",),
) -> SessionRecord:
    """Document a whole session at once: draft, start, then complete or end early."""
    if data.status == "ended_early" and not data.end_reason.strip():
        raise ValidationError("end_reason", data.end_reason, "a reason when ended early")
    if data.child_assent is False and data.status != "ended_early":
        raise ValidationError(
            "status", data.status, "ended_early when the child said no: a refusal ends the session"
        )
    _within_screening(get_screening(db=db, screening_id=data.screening_id), data.started_at)
    draft = create_draft(
        db=db,
        child_id=child_id,
        now=now,
        planned_for=data.started_at,
        data=DraftCreate(
            screening_id=data.screening_id,
            therapist=data.therapist,
            goals=list(goals),
            minutes=data.minutes,
        ),
    )
    start = SessionStart(
        started_at=data.started_at,
        guardian_consent_by=data.guardian_consent_by,
        consent_method=data.consent_method,
        child_assent=data.child_assent,
        pre=data.pre,
        heart_rate=data.heart_rate_pre,
        spo2=data.spo2_pre,
    )
    record = start_session(db=db, session_id=draft.id, data=start, now=now)
    ended_at = data.started_at + timedelta(minutes=data.minutes)
    # Documented in one step, the session is checked as of its own end: its start must not be
    # in the future, and its end follows from the minutes given.
    finished_as_of = max(now, ended_at)
    if record.status == "ended_early":
        # The child said no at the start: nothing was delivered, whatever the form carried.
        _record_post(db, record, data.post, ended_at)
        _deliver(record, [], 0, 0, "", partial=True)
        record.end_reason = data.end_reason.strip() or record.end_reason
        _close(record, data.heart_rate_post, data.spo2_post, data.cues, data.response, data.note)
    else:
        closing = {
            "ended_at": ended_at, "minutes": data.minutes, "pressure": data.pressure,
            "regions": data.regions, "technique": data.technique, "post": data.post,
            "heart_rate": data.heart_rate_post, "spo2": data.spo2_post, "cues": data.cues,
            "response": data.response, "note": data.note,
        }  # fmt: skip
        if data.status == "ended_early":
            end = SessionEnd.model_validate({**closing, "reason": data.end_reason})
            end_session_early(db=db, session_id=record.id, now=finished_as_of, data=end)
        else:
            finish = SessionFinish.model_validate(closing)
            complete_session(db=db, session_id=record.id, now=finished_as_of, data=finish)
    for adverse in data.adverse_events:
        add_adverse_event(
            db=db,
            session_id=record.id,
            data=adverse,
            recorded_by=data.therapist,
            now=finished_as_of,
        )
    return record


def get_session(*, db: Session, session_id: str) -> SessionRecord:
    record = db.get(SessionRecord, session_id)
    if record is None:
        raise NotFoundError("session", session_id)
    return record


def list_sessions(*, db: Session, child_id: str) -> list[SessionRecord]:
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


@cache
def cue_codes() -> dict[str, dict[str, str]]:
    """Engagement and disengagement cues (``cues.yaml``), code → label."""
    raw = yaml.safe_load(files("pedmassage.sessions").joinpath("cues.yaml").read_text())
    return {"engagement": raw["engagement"], "disengagement": raw["disengagement"]}


def _transition(record: SessionRecord, action: Action) -> None:
    record.status = next_state(record.status, action)


def _usable_screening(
    db: Session, child: Child, screening_id: str, now: datetime, field: str
) -> Screening:
    screening = get_screening(db=db, screening_id=screening_id)
    if screening.child_id != child.id:
        raise ValidationError(field, screening_id, "a screening of this child")
    if screening.decision == "hold":
        raise ConflictError("The screening says hold: no session may start on it.", field=field)
    if now > screening.assessed_at + timedelta(hours=SCREENING_VALID_HOURS) + CLOCK_SKEW:
        raise ValidationError(
            field,
            screening_id,
            f"a screening from the last {SCREENING_VALID_HOURS} h; screen again",
        )
    newer = _latest_screening_before(db, child.id, now + CLOCK_SKEW)
    if newer is not None and newer.id != screening.id:
        raise ConflictError(
            f"A newer screening ({newer.assessed_at.isoformat()}, {newer.decision}) replaces "
            "this one: a session rests on the child's latest screening.",
            field=field,
        )
    return screening


def _latest_screening_before(db: Session, child_id: str, moment: datetime) -> Screening | None:
    query = (
        select(Screening)
        .where(Screening.child_id == child_id, Screening.assessed_at <= moment)
        .order_by(Screening.assessed_at.desc(), Screening.id.desc())
        .limit(1)
    )
    return db.scalars(query).first()


def _within_screening(screening: Screening, started_at: datetime) -> None:
    window = timedelta(hours=SCREENING_VALID_HOURS)
    if not screening.assessed_at <= started_at <= screening.assessed_at + window:
        raise ValidationError(
            "started_at",
            started_at.isoformat(),
            f"within {SCREENING_VALID_HOURS} h after the screening at "
            f"{screening.assessed_at.isoformat()}; screen again",
        )


def _not_future(when: datetime, field: str, now: datetime) -> None:
    if when > now + CLOCK_SKEW:
        raise ValidationError(field, when.isoformat(), f"not after {now.isoformat()}")


def _finish(
    db: Session, record: SessionRecord, ended_at: datetime, now: datetime, minutes: int
) -> None:
    _not_future(ended_at, "ended_at", now)
    if record.started_at is not None and ended_at < record.started_at:
        raise ValidationError(
            "ended_at", ended_at.isoformat(), f"after the start at {record.started_at.isoformat()}"
        )
    if record.started_at is not None:
        elapsed = math.ceil((ended_at - record.started_at).total_seconds() / 60)
        if minutes > elapsed + CLOCK_SKEW_MINUTES:
            allowed = elapsed + CLOCK_SKEW_MINUTES
            raise ValidationError("minutes", minutes, f"0 to {allowed} (the time since the start)")
    record.ended_at = ended_at


def _deliver(
    record: SessionRecord,
    regions: Sequence[str],
    pressure: int,
    minutes: int,
    technique: str,
    partial: bool = False,
) -> None:
    """What was delivered may never exceed what the screening allowed."""
    mods = ScreeningResult.model_validate(record.screening.result).modifications
    sites = site_map()
    for i, region in enumerate(regions):
        sites.check(region, f"regions[{i}]")
        blocked = [a for a in mods.avoid_sites if sites.overlaps(a, region)]
        if blocked:
            raise ValidationError(
                f"regions[{i}]", region, f"a site clear of the avoided sites {', '.join(blocked)}"
            )
    if mods.max_pressure is not None and pressure > mods.max_pressure:
        raise ValidationError("pressure", pressure, f"0 to {mods.max_pressure}")
    gentle = [r for r in regions if any(sites.overlaps(g, r) for g in mods.gentle_sites)]
    if gentle and pressure > 1:
        raise ValidationError("pressure", pressure, f"0 to 1 (gentle only at {', '.join(gentle)})")
    if mods.max_minutes is not None and minutes > mods.max_minutes:
        raise ValidationError("minutes", minutes, f"{0 if partial else 1} to {mods.max_minutes}")
    record.regions, record.pressure, record.minutes = list(regions), pressure, minutes
    record.technique = technique


def _record_post(db: Session, record: SessionRecord, post: MeasureIn, ended_at: datetime) -> None:
    pre = next((m for m in record.measures if m.timepoint == "pre"), None)
    if pre is not None and post.instrument != pre.instrument_id:
        raise ValidationError(
            "post.instrument",
            post.instrument,
            f"{pre.instrument_id}, the scale used before the session",
        )
    child = get_child(db=db, child_id=record.child_id)
    record.measures.append(_scored("post", post, child, ended_at))


def _close(
    record: SessionRecord,
    heart_rate: int | None,
    spo2: int | None,
    cues: Sequence[str],
    response: str,
    note: str,
) -> None:
    known = {**cue_codes()["engagement"], **cue_codes()["disengagement"]}
    for i, cue in enumerate(cues):
        if cue not in known:
            raise ValidationError(f"cues[{i}]", cue, "one of: " + ", ".join(sorted(known)))
    record.heart_rate_post, record.spo2_post = heart_rate, spo2
    record.cues, record.response, record.note = list(cues), response, note


def _scored(timepoint: str, measure: MeasureIn, child: Child, on: datetime) -> SessionMeasure:
    from pedmassage.measures import score

    taken_at = measure.taken_at or on
    suitable = suitable_pain_instruments(child, taken_at)
    if measure.instrument not in suitable:
        raise ValidationError(
            f"{timepoint}.instrument", measure.instrument, "one of: " + ", ".join(suitable)
        )
    ages = age_profile(
        child.birth_date, GestationalAge(child.ga_weeks, child.ga_days), taken_at.date()
    )
    result = score(
        measure.instrument, measure.items, gestational_age_weeks=ages.postmenstrual_weeks
    )
    return SessionMeasure(
        timepoint=timepoint,
        taken_at=taken_at,
        instrument_id=result.instrument,
        instrument_version=result.version,
        items=dict(measure.items),
        total=float(result.total),
        band=result.band,
    )


@event.listens_for(Session, "before_flush")
def _signed_sessions_never_change(session: Session, _context: object, _instances: object) -> None:
    """The database-side guard: a signed session's own columns cannot be changed or deleted."""
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
