"""Enrolment at the point of care: assess a child, randomize them, withdraw them, record the
trial's outcome measures. Each runs inside the caller's unit of work and only flushes.

Concealment of allocation (Schulz & Grimes 2002, Lancet 359:614-18) is kept by construction:

- the arm is computed from the study's secret seed at the moment the enrolment is stored, after
  eligibility and consent are recorded, under a lock on the study row, and nowhere before;
- no list of assignments is kept ahead of use, so there is nothing for any route to read;
- an assessment that does not enrol gives no arm and uses up no place in any sequence;
- every allocation appends an audit entry (who, which study, the child, its place in the stratum
  and the arm), so a monitor holding the seed can recompute each one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.audit.chain import AuditEvent
from pedmassage.audit.service import append_at_commit
from pedmassage.children.models import Child
from pedmassage.children.service import get_child
from pedmassage.development.age import GestationalAge, age_profile
from pedmassage.development.stage import stage_for
from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.inbound import not_future
from pedmassage.research.models import Enrolment, Study, StudyAssessment, StudyMeasure
from pedmassage.research.protocol import (
    ChildFacts,
    Eligibility,
    Protocol,
    check_eligibility,
    stratum_levels,
    stratum_name,
)
from pedmassage.research.schemas import (
    AssessmentIn,
    AssessmentPublic,
    AssessmentResult,
    EnrolmentPublic,
    StudyMeasureIn,
    StudyMeasurePublic,
    WithdrawalIn,
)
from pedmassage.research.studies import get_study, locked_study, protocol_of, site_names
from pedmassage.stats.randomization import allocation_sequence, minimization_assignment

BASELINE_DAY = 0


@dataclass(frozen=True)
class Asker:
    """Who is enrolling, for the record and the audit entry of the allocation."""

    name: str
    role: str
    address: str
    site_ids: frozenset[str] | None = None


def child_facts(child: Child, on: datetime) -> ChildFacts:
    """What eligibility reads of the child's profile on the day of the assessment."""
    ga = GestationalAge(child.ga_weeks, child.ga_days)
    ages = age_profile(child.birth_date, ga, on.date())
    return ChildFacts(
        site_id=child.site_id,
        age_years=ages.chronological_days / 365.25,
        corrected_age_weeks=ages.corrected_days / 7 if ages.corrected else None,
        ga_weeks=child.ga_weeks,
        sex=child.sex,
        setting=child.setting,
        stage=stage_for(ages).id,
        goals_of_care=child.goals_of_care,
        verbal=child.verbal,
        cognitive_impairment=child.cognitive_impairment,
        touch_aversion=child.touch_aversion,
        trauma_history=child.trauma_history,
        conditions=frozenset(c.code for c in child.conditions),
    )


def eligibility(*, db: Session, code: str, child_id: str, now: datetime) -> Eligibility:
    """A dry run: is the child eligible today? It records nothing and allocates nothing."""
    study = get_study(db=db, code=code)
    child = get_child(db=db, child_id=child_id)
    return check_eligibility(protocol_of(study), child_facts(child, now))


def assess(
    *, db: Session, code: str, child_id: str, data: AssessmentIn, asker: Asker, now: datetime
) -> AssessmentResult:
    """Record an assessment and, when the decision is to enrol, randomize the child.

    An ineligible child is recorded as such whatever the decision and whatever consent says
    (CONSORT: not meeting inclusion criteria). Enrolment needs the study to be enrolling, the
    child eligible and not yet enrolled, consent recorded and assent given (or the child not able
    to give it)."""
    study = locked_study(db, code)
    protocol = protocol_of(study)
    child = get_child(db=db, child_id=child_id)
    if asker.site_ids is not None and child.site_id not in asker.site_ids:
        raise NotFoundError("child", child_id)
    if data.decision == "enrol":
        _check_can_enrol(db, study, child)
    found = check_eligibility(protocol, child_facts(child, now))
    if found.eligible:
        _check_decision(data)
    outcome = _outcome(data, found)
    assessment = StudyAssessment(
        study_id=study.id,
        child_id=child.id,
        site_id=child.site_id,
        protocol_version=study.version,
        assessed_by=asker.name,
        assessed_at=now,
        eligible=found.eligible,
        unmet=list(found.unmet),
        outcome=outcome,
        reason=data.reason.strip(),
    )
    db.add(assessment)
    db.flush()
    enrolment = None
    if outcome == "enrolled":
        enrolment = _enrol(db, study, protocol, child, assessment, data, asker, now)
    return AssessmentResult(
        assessment=AssessmentPublic.model_validate(assessment),
        enrolment=None if enrolment is None else enrolment_public(db, study, enrolment),
    )


def _check_decision(data: AssessmentIn) -> None:
    if data.decision == "enrol":
        if data.consent is None:
            raise ValidationError("consent", None, "guardian or self: who gave permission")
        if data.assent is None:
            raise ValidationError(
                "assent", None, "given, not_able or not_applicable (a child's no is 'declined')"
            )
        if data.consent == "guardian" and data.assent == "not_applicable":
            raise ValidationError(
                "assent", data.assent, "given or not_able when a guardian gave permission"
            )
    elif data.decision == "other" and len(data.reason.strip()) < 3:
        raise ValidationError("reason", data.reason, "why the child was not enrolled")


def _check_can_enrol(db: Session, study: Study, child: Child) -> None:
    if study.status != "enrolling":
        raise ConflictError(f"Study {study.code} is {study.status}: it enrols no one.")
    already = db.scalar(
        select(Enrolment.id).where(Enrolment.study_id == study.id, Enrolment.child_id == child.id)
    )
    if already is not None:
        raise ConflictError(f"The child is already enrolled in {study.code}.", field="child_id")


def _outcome(data: AssessmentIn, found: Eligibility) -> str:
    if not found.eligible:
        return "ineligible"
    return {"enrol": "enrolled", "declined": "declined", "other": "other"}[data.decision]


def _enrol(
    db: Session,
    study: Study,
    protocol: Protocol,
    child: Child,
    assessment: StudyAssessment,
    data: AssessmentIn,
    asker: Asker,
    now: datetime,
) -> Enrolment:
    names = site_names(db, [child.site_id])
    levels = stratum_levels(protocol, child_facts(child, now), names[child.site_id])
    stratum = stratum_name(levels)
    taken = list(db.scalars(select(Enrolment).where(Enrolment.study_id == study.id)))
    number = len(taken) + 1
    stratum_number = sum(1 for e in taken if e.stratum == stratum) + 1
    arm = _allocate(study, protocol, levels, stratum, stratum_number, number, taken)
    enrolment = Enrolment(
        study_id=study.id,
        child_id=child.id,
        site_id=child.site_id,
        assessment_id=assessment.id,
        number=number,
        stratum=stratum,
        levels=levels,
        stratum_number=stratum_number,
        arm=arm,
        protocol_version=study.version,
        guardian_permission=data.consent or "",
        assent=data.assent or "",
        enrolled_by=asker.name,
        enrolled_at=now,
    )
    db.add(enrolment)
    if study.first_enrolled_at is None:
        study.first_enrolled_at = now
    db.flush()
    append_at_commit(
        db=db,
        event=AuditEvent(
            actor=asker.name,
            role=asker.role,
            action="study.allocate",
            resource=f"study {study.code} enrolment {number}: {stratum} #{stratum_number} -> {arm}",
            child_id=child.id,
            address=asker.address,
            outcome="allocated",
        ),
        at=now,
    )
    return enrolment


def _allocate(
    study: Study,
    protocol: Protocol,
    levels: dict[str, str],
    stratum: str,
    stratum_number: int,
    number: int,
    taken: Iterable[Enrolment],
) -> str:
    """The arm for the next child: the ``stratum_number``-th entry of the stratum's permuted-block
    list, or Pocock–Simon minimization over the arms' counts at the child's factor levels."""
    arms = [arm.id for arm in protocol.arms]
    method = protocol.randomization
    if method.method == "permuted_blocks":
        sequence = allocation_sequence(
            arms=arms,
            ratio=[arm.ratio for arm in protocol.arms],
            block_sizes=method.block_sizes,
            length=stratum_number,
            seed=study.allocation_seed,
            stratum=stratum,
        )
        return sequence[-1].arm
    counts: dict[str, dict[str, dict[str, int]]] = {arm: {} for arm in arms}
    for e in taken:
        for factor, level in e.levels.items():
            by_level = counts[e.arm].setdefault(factor, {})
            by_level[level] = by_level.get(level, 0) + 1
    return minimization_assignment(
        arms=arms,
        factors=levels or {"all": "all"},
        counts=counts,
        probability=method.probability,
        seed=study.allocation_seed,
        index=number,
    )


def withdraw(
    *, db: Session, code: str, child_id: str, data: WithdrawalIn, by: str, now: datetime
) -> Enrolment:
    """The child leaves the study: kept in the intention-to-treat population as randomized, with
    the reason shown in the CONSORT diagram; no further trial measures are taken."""
    study = get_study(db=db, code=code)
    enrolment = _enrolment(db, study, child_id)
    if enrolment.withdrawn_at is not None:
        raise ConflictError("The child has already been withdrawn.")
    enrolment.withdrawn_at = now
    enrolment.withdrawn_by = by
    enrolment.withdrawal_reason = data.reason.strip()
    db.flush()
    return enrolment


def record_measure(
    *, db: Session, code: str, child_id: str, data: StudyMeasureIn, by: str, now: datetime
) -> StudyMeasure:
    """A trial outcome measure at baseline (day 0, before the first massage session after
    enrolment) or on an outcome's day within its window; each (instrument, day) is taken once."""
    from pedmassage.measures import score

    study = get_study(db=db, code=code)
    protocol = protocol_of(study)
    enrolment = _enrolment(db, study, child_id)
    if enrolment.withdrawn_at is not None:
        raise ConflictError("The child was withdrawn: no further trial measures are taken.")
    taken_at = data.taken_at or now
    not_future(taken_at, "taken_at", now)
    _check_time_point(db, protocol, enrolment, data, taken_at)
    child = get_child(db=db, child_id=child_id)
    ga = GestationalAge(child.ga_weeks, child.ga_days)
    pma = age_profile(child.birth_date, ga, taken_at.date()).postmenstrual_weeks
    result = score(data.instrument, data.items, gestational_age_weeks=pma)
    duplicate = db.scalar(
        select(StudyMeasure.id).where(
            StudyMeasure.enrolment_id == enrolment.id,
            StudyMeasure.instrument_id == data.instrument,
            StudyMeasure.day == data.day,
        )
    )
    if duplicate is not None:
        raise ConflictError(
            f"{data.instrument} on day {data.day} is already recorded for this child.", "day"
        )
    measure = StudyMeasure(
        enrolment_id=enrolment.id,
        instrument_id=data.instrument,
        day=data.day,
        score=float(result.total),
        items=dict(data.items),
        measured_at=taken_at,
        measured_by=by,
    )
    db.add(measure)
    db.flush()
    return measure


def _check_time_point(
    db: Session,
    protocol: Protocol,
    enrolment: Enrolment,
    data: StudyMeasureIn,
    taken_at: datetime,
) -> None:
    outcomes = protocol.outcomes
    allowed = protocol.measure_days()
    if data.instrument not in allowed:
        raise ValidationError("instrument", data.instrument, "one of: " + ", ".join(allowed))
    days = allowed[data.instrument]
    if data.day not in days:
        raise ValidationError("day", data.day, "one of: " + ", ".join(map(str, days)))
    if taken_at < enrolment.enrolled_at - timedelta(days=1):
        raise ValidationError("taken_at", taken_at.isoformat(), "a time after enrolment")
    if data.day == BASELINE_DAY:
        first = first_session_after(db, enrolment)
        if first is not None and taken_at > first:
            raise ValidationError(
                "taken_at",
                taken_at.isoformat(),
                f"a time before the first session ({first.isoformat()}): baseline comes first",
            )
        return
    window = max(o.window_days for o in outcomes if o.day == data.day)
    actual = (taken_at.date() - enrolment.enrolled_at.date()).days
    if abs(actual - data.day) > window:
        raise ValidationError(
            "taken_at",
            taken_at.isoformat(),
            f"day {data.day} ± {window} after enrolment on {enrolment.enrolled_at.date()}"
            f" (this is day {actual})",
        )


def first_session_after(db: Session, enrolment: Enrolment) -> datetime | None:
    from pedmassage.sessions.models import SessionRecord

    return db.scalar(
        select(func.min(SessionRecord.started_at)).where(
            SessionRecord.child_id == enrolment.child_id,
            SessionRecord.started_at >= enrolment.enrolled_at,
        )
    )


def child_enrolments(*, db: Session, child_id: str) -> list[EnrolmentPublic]:
    """Every study the child is in, with the arm and what is due: for the child's page."""
    rows = db.scalars(
        select(Enrolment).where(Enrolment.child_id == child_id).order_by(Enrolment.enrolled_at)
    )
    return [enrolment_public(db, db.get_one(Study, e.study_id), e) for e in rows]


def enrolment_of(*, db: Session, code: str, child_id: str) -> EnrolmentPublic:
    study = get_study(db=db, code=code)
    return enrolment_public(db, study, _enrolment(db, study, child_id))


def enrolment_public(db: Session, study: Study, enrolment: Enrolment) -> EnrolmentPublic:
    protocol = protocol_of(study)
    arm = protocol.arm(enrolment.arm)
    measures = list(
        db.scalars(
            select(StudyMeasure)
            .where(StudyMeasure.enrolment_id == enrolment.id)
            .order_by(StudyMeasure.day, StudyMeasure.instrument_id)
        )
    )
    return EnrolmentPublic(
        id=enrolment.id,
        study_code=study.code,
        child_id=enrolment.child_id,
        number=enrolment.number,
        stratum=enrolment.stratum,
        arm=arm.id,
        arm_label=arm.label,
        arm_kind=arm.kind,
        enrolled_at=enrolment.enrolled_at,
        enrolled_by=enrolment.enrolled_by,
        protocol_version=enrolment.protocol_version,
        consent=enrolment.guardian_permission,
        assent=enrolment.assent,
        withdrawn_at=enrolment.withdrawn_at,
        withdrawal_reason=enrolment.withdrawal_reason,
        measures=[StudyMeasurePublic.model_validate(m) for m in measures],
        due=[] if enrolment.withdrawn_at else due_measures(protocol, enrolment, measures),
    )


def due_measures(
    protocol: Protocol, enrolment: Enrolment, measures: Iterable[StudyMeasure]
) -> list[str]:
    """The outcome measures not yet taken, each with the dates it may be taken on."""
    done = {(m.instrument_id, m.day) for m in measures}
    start = enrolment.enrolled_at.date()
    due: list[str] = []
    for outcome in protocol.outcomes:
        if (outcome.instrument_id, 0) not in done:
            due.append(f"{outcome.instrument_id} baseline (before the first session)")
            done.add((outcome.instrument_id, 0))
        if (outcome.instrument_id, outcome.day) not in done:
            first = start + timedelta(days=outcome.day - outcome.window_days)
            last = start + timedelta(days=outcome.day + outcome.window_days)
            due.append(f"{outcome.instrument_id} day {outcome.day} ({first} to {last})")
    return due


def arm_counts(*, db: Session, study: Study) -> Counter[str]:
    rows = db.scalars(select(Enrolment.arm).where(Enrolment.study_id == study.id))
    return Counter(rows)


def _enrolment(db: Session, study: Study, child_id: str) -> Enrolment:
    found = db.scalar(
        select(Enrolment).where(Enrolment.study_id == study.id, Enrolment.child_id == child_id)
    )
    if found is None:
        raise NotFoundError("enrolment", f"{study.code}/{child_id}")
    return found
