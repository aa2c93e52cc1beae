"""Use cases of the bedside flow: screen a child, plan from the screening, record the session.

Each runs inside the caller's unit of work and only flushes, so a rejected session leaves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pedmassage.children.models import Child
from pedmassage.children.service import get_child, list_children
from pedmassage.development import GestationalAge, age_profile, stage_for
from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.safety.contract import (
    ChildFacts,
    ConditionIn,
    DeviceIn,
    Measurement,
    MedicationIn,
    ProcedureIn,
    ScreeningInput,
    ScreeningResult,
    SkinFinding,
)
from pedmassage.sessions.models import Screening, SessionMeasure, SessionRecord
from pedmassage.sessions.schemas import (
    MeasureIn,
    MeasurePublic,
    ScreeningCreate,
    ScreeningPublic,
    SessionCreate,
    SessionPublic,
)
from pedmassage.vocabulary import site_map

if TYPE_CHECKING:
    from pedmassage.planning import SessionPlan
    from pedmassage.safety import RuleBook

SCREENING_VALID_HOURS = 12
"""A screening covers sessions started within this many hours (program policy): labs, vitals and
the child's state change; an older screening must be repeated."""


def screening_input(child: Child, request: ScreeningCreate, now: datetime) -> ScreeningInput:
    """The screening contract built from the stored record plus what the therapist states now."""
    weight = _latest(child, "vital", "weight")
    return ScreeningInput(
        assessed_at=request.assessed_at or now,
        setting=request.setting or child.setting,
        child=ChildFacts(
            birth_date=child.birth_date,
            sex=child.sex,
            gestational_age_at_birth_weeks=GestationalAge(
                child.ga_weeks, child.ga_days
            ).decimal_weeks,
            verbal=child.verbal,
            cognitive_impairment=child.cognitive_impairment,
            weight_g=weight.value if weight else None,
        ),
        conditions=[ConditionIn(code=c.code, site=c.site) for c in child.conditions],
        labs=_measurements(child, "lab"),
        vitals=_measurements(child, "vital", exclude={"weight"}),
        devices=[DeviceIn(kind=d.kind, site=d.site) for d in child.devices],
        procedures=[ProcedureIn(kind=p.kind, site=p.site, date=p.date) for p in child.procedures],
        skin=[SkinFinding(finding=s.finding, site=s.site) for s in child.skin_findings],
        medications=[
            MedicationIn.model_validate({"class": m.med_class}) for m in child.medications
        ],
        respiratory_support=request.respiratory_support,
        isolation=request.isolation,
        touch_aversion=child.touch_aversion,
        trauma_history=child.trauma_history,
        guardian_consent=request.guardian_consent,
        child_assent=request.child_assent,
    )


def screen_child(
    *,
    db: Session,
    child_id: str,
    request: ScreeningCreate,
    now: datetime,
    rulebook: RuleBook | None = None,
) -> Screening:
    """Screen a stored child and keep the input, result and rule versions for audit."""
    from pedmassage.safety import evaluate

    child = get_child(db=db, child_id=child_id)
    inp = screening_input(child, request, now)
    if inp.assessed_at > now + timedelta(minutes=5):
        raise ValidationError("assessed_at", inp.assessed_at.isoformat(), "not in the future")
    result = evaluate(inp, rulebook)
    screening = Screening(
        child_id=child.id,
        assessed_at=inp.assessed_at,
        actor=request.therapist,
        decision=result.decision,
        rules_version=result.rules_version,
        policy_version=result.policy_version,
        input=inp.model_dump(mode="json", by_alias=True),
        result=result.model_dump(mode="json"),
    )
    db.add(screening)
    db.flush()
    return screening


@dataclass(frozen=True)
class CensusRow:
    child: Child
    result: ScreeningResult


def census(
    *, db: Session, ward: str, now: datetime, rulebook: RuleBook | None = None
) -> list[CensusRow]:
    """Screen every child on a ward for the round, without storing anything.

    The census answers "who can have massage today, and how" before the therapist reaches the
    bedside. It assumes the guardian's permission and the child's yes, which are asked at the
    bedside; the stored screening made there, with the real answers, is what a session rests on.
    """
    from pedmassage.safety import evaluate

    request = ScreeningCreate(therapist="census", guardian_consent=True, child_assent=True)
    rows = []
    for child in list_children(db=db, ward=ward):
        rows.append(CensusRow(child, evaluate(screening_input(child, request, now), rulebook)))
    return rows


def get_screening(*, db: Session, screening_id: str) -> Screening:
    screening = db.get(Screening, screening_id)
    if screening is None:
        raise NotFoundError("screening", screening_id)
    return screening


def latest_screening(*, db: Session, child_id: str) -> Screening | None:
    query = (
        select(Screening)
        .where(Screening.child_id == child_id)
        .order_by(Screening.assessed_at.desc(), Screening.id.desc())
        .limit(1)
    )
    return db.scalars(query).first()


def screening_public(screening: Screening) -> ScreeningPublic:
    return ScreeningPublic(
        id=screening.id,
        child_id=screening.child_id,
        assessed_at=screening.assessed_at,
        actor=screening.actor,
        result=ScreeningResult.model_validate(screening.result),
    )


def plan_from_screening(
    *, db: Session, screening_id: str, goals: Sequence[str], minutes: int | None = None
) -> SessionPlan:
    """An individualized plan that respects the screening's restrictions (refused on a hold)."""
    from pedmassage.planning import plan_session

    screening = get_screening(db=db, screening_id=screening_id)
    child = get_child(db=db, child_id=screening.child_id)
    ages = age_profile(
        child.birth_date,
        GestationalAge(child.ga_weeks, child.ga_days),
        screening.assessed_at.date(),
    )
    return plan_session(
        stage=stage_for(ages).id,
        conditions=[c.code for c in child.conditions],
        goals=goals,
        setting=str(screening.input["setting"]),
        screening=ScreeningResult.model_validate(screening.result),
        touch_apprehension=child.touch_aversion or child.trauma_history,
        minutes=minutes,
    )


def record_session(
    *,
    db: Session,
    child_id: str,
    data: SessionCreate,
    now: datetime,
    goals: Sequence[str] = ("relaxation",),
) -> SessionRecord:
    """Document a delivered session; it must fit the screening it rests on, or nothing is stored."""
    child = get_child(db=db, child_id=child_id)
    screening = _usable_screening(db, child, data, now)
    result = ScreeningResult.model_validate(screening.result)
    _check_delivery(data, result)
    plan = plan_from_screening(db=db, screening_id=screening.id, goals=goals, minutes=data.minutes)
    record = SessionRecord(
        child_id=child.id,
        screening_id=screening.id,
        therapist=data.therapist,
        status=data.status,
        end_reason=data.end_reason,
        started_at=data.started_at,
        minutes=data.minutes,
        pressure=data.pressure,
        regions=list(data.regions),
        technique=data.technique,
        guardian_consent_by=data.guardian_consent_by,
        child_assent=data.child_assent,
        plan=plan.model_dump(mode="json"),
        response=data.response,
        note=data.note,
    )
    record.measures = [
        _scored("pre", data.pre, child, data.started_at),
        _scored("post", data.post, child, data.started_at),
    ]
    db.add(record)
    db.flush()
    return record


def list_sessions(*, db: Session, child_id: str) -> list[SessionRecord]:
    get_child(db=db, child_id=child_id)
    query = (
        select(SessionRecord)
        .where(SessionRecord.child_id == child_id)
        .options(selectinload(SessionRecord.measures))
        .order_by(SessionRecord.started_at, SessionRecord.id)
    )
    return list(db.scalars(query))


def session_public(record: SessionRecord) -> SessionPublic:
    return SessionPublic(
        id=record.id,
        child_id=record.child_id,
        screening_id=record.screening_id,
        therapist=record.therapist,
        status=record.status,
        end_reason=record.end_reason,
        started_at=record.started_at,
        minutes=record.minutes,
        pressure=record.pressure,
        regions=list(record.regions),
        technique=record.technique,
        guardian_consent_by=record.guardian_consent_by,
        child_assent=record.child_assent,
        response=record.response,
        note=record.note,
        measures=[
            MeasurePublic(
                timepoint=m.timepoint,
                instrument_id=m.instrument_id,
                instrument_version=m.instrument_version,
                total=m.total,
                band=m.band,
                items=dict(m.items),
            )
            for m in record.measures
        ],
    )


def suitable_pain_instruments(child: Child, on: datetime) -> list[str]:
    """Pain scales fit for this child today, best first (corrected age for preterm infants)."""
    from pedmassage.measures import choose

    chronological_days = (on.date() - child.birth_date).days
    choice = choose(
        age_months=chronological_days / 30.4375,
        gestational_age_weeks=GestationalAge(child.ga_weeks, child.ga_days).decimal_weeks,
        nonverbal=not child.verbal,
        cognitive_impairment=child.cognitive_impairment,
    )
    return [r.id for r in choice.pain]


def _usable_screening(db: Session, child: Child, data: SessionCreate, now: datetime) -> Screening:
    screening = get_screening(db=db, screening_id=data.screening_id)
    if screening.child_id != child.id:
        raise ValidationError("screening_id", data.screening_id, "a screening of this child")
    if screening.decision == "hold":
        raise ConflictError(
            "The screening says hold: no session may start on it.", field="screening_id"
        )
    if data.started_at > now + timedelta(minutes=5):
        raise ValidationError("started_at", data.started_at.isoformat(), "not in the future")
    window = timedelta(hours=SCREENING_VALID_HOURS)
    if not screening.assessed_at <= data.started_at <= screening.assessed_at + window:
        raise ValidationError(
            "started_at",
            data.started_at.isoformat(),
            f"within {SCREENING_VALID_HOURS} h after the screening at "
            f"{screening.assessed_at.isoformat()}; screen again",
        )
    if data.child_assent is False and data.status != "ended_early":
        raise ValidationError(
            "status", data.status, "ended_early when the child said no: a refusal ends the session"
        )
    if data.status == "ended_early" and not data.end_reason.strip():
        raise ValidationError("end_reason", data.end_reason, "a reason when ended early")
    return screening


def _check_delivery(data: SessionCreate, result: ScreeningResult) -> None:
    """What was delivered may never exceed what the screening allowed."""
    mods = result.modifications
    sites = site_map()
    for i, region in enumerate(data.regions):
        sites.check(region, f"regions[{i}]")
        blocked = [a for a in mods.avoid_sites if sites.overlaps(a, region)]
        if blocked:
            raise ValidationError(
                f"regions[{i}]", region, f"a site clear of the avoided sites {', '.join(blocked)}"
            )
    if mods.max_pressure is not None and data.pressure > mods.max_pressure:
        raise ValidationError("pressure", data.pressure, f"0 to {mods.max_pressure}")
    gentle = [r for r in data.regions if any(sites.overlaps(g, r) for g in mods.gentle_sites)]
    if gentle and data.pressure > 1:
        raise ValidationError(
            "pressure", data.pressure, f"0 to 1 (gentle only at {', '.join(gentle)})"
        )
    if mods.max_minutes is not None and data.minutes > mods.max_minutes:
        raise ValidationError("minutes", data.minutes, f"1 to {mods.max_minutes}")


def _scored(timepoint: str, measure: MeasureIn, child: Child, on: datetime) -> SessionMeasure:
    from pedmassage.measures import score

    suitable = suitable_pain_instruments(child, on)
    if measure.instrument not in suitable:
        raise ValidationError(
            f"{timepoint}.instrument", measure.instrument, "one of: " + ", ".join(suitable)
        )
    ages = age_profile(child.birth_date, GestationalAge(child.ga_weeks, child.ga_days), on.date())
    result = score(
        measure.instrument, measure.items, gestational_age_weeks=ages.postmenstrual_weeks
    )
    return SessionMeasure(
        timepoint=timepoint,
        instrument_id=result.instrument,
        instrument_version=result.version,
        items=dict(measure.items),
        total=float(result.total),
        band=result.band,
    )


def _latest(child: Child, category: str, code: str) -> Measurement | None:
    matches = [o for o in child.observations if o.category == category and o.code == code]
    if not matches:
        return None
    o = max(matches, key=lambda m: m.taken_at)
    return Measurement(code=o.code, value=o.value, unit=o.unit, taken_at=o.taken_at)


def _measurements(
    child: Child, category: str, exclude: set[str] | None = None
) -> list[Measurement]:
    skip = exclude or set()
    return [
        Measurement(code=o.code, value=o.value, unit=o.unit, taken_at=o.taken_at)
        for o in child.observations
        if o.category == category and o.code not in skip
    ]
