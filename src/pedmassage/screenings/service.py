"""Screening use cases: screen a stored child, a ward census, and the plan a screening allows.

Each runs inside the caller's unit of work and only flushes. Whether care may rest on a stored
screening is :mod:`pedmassage.screenings.reliance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.children.models import Child
from pedmassage.children.service import (
    PAGE_SIZE,
    ChildListing,
    Page,
    children_page,
    get_child,
    list_children,
    listing,
)
from pedmassage.development import GestationalAge, age_profile, stage_for
from pedmassage.errors import NotFoundError
from pedmassage.inbound import not_future
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
from pedmassage.screenings.models import Screening
from pedmassage.screenings.reliance import latest_screening_before, refuse_hold
from pedmassage.screenings.schemas import ScreeningCreate, ScreeningPublic

if TYPE_CHECKING:
    from pedmassage.planning import SessionPlan
    from pedmassage.safety import RuleBook


def screening_input(child: Child, request: ScreeningCreate, now: datetime) -> ScreeningInput:
    """The screening contract built from the stored record plus what the therapist states now."""
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
            # Weight goes in as a vital with its time, so the engine uses it only while fresh.
            weight_g=None,
        ),
        conditions=[ConditionIn(code=c.code, site=c.site) for c in child.conditions],
        labs=_measurements(child, "lab"),
        vitals=_measurements(child, "vital"),
        devices=[DeviceIn(kind=d.kind, site=d.site) for d in child.devices],
        procedures=[ProcedureIn(kind=p.kind, site=p.site, date=p.date) for p in child.procedures],
        skin=[SkinFinding(finding=s.finding, site=s.site) for s in child.skin_findings],
        medications=[
            MedicationIn.model_validate({"class": m.med_class}) for m in child.medications
        ],
        respiratory_support=request.respiratory_support,
        respiratory_support_long_term=request.respiratory_support_long_term,
        isolation=request.isolation,
        goals_of_care=child.goals_of_care,
        touch_aversion=child.touch_aversion,
        trauma_history=child.trauma_history,
        guardian_consent=request.guardian_consent,
        child_assent=request.child_assent,
        self_consent=request.self_consent,
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
    not_future(inp.assessed_at, "assessed_at", now)
    result = evaluate(inp, rulebook)
    screening = Screening(
        child_id=child.id,
        site_id=child.site_id,
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


@dataclass(frozen=True)
class ScreenedChild:
    """A row of a ward list: the child as listed, with their latest screening's decision."""

    child: ChildListing
    decision: str | None
    screened_at: datetime | None


def screened_children(
    *,
    db: Session,
    ward: str | None,
    as_of: date,
    site_ids: frozenset[str] | None = None,
    child_ids: frozenset[str] | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Page[ScreenedChild]:
    """One page of the children (of a ward, or all) the asker may see, in ward order, each with
    their latest screening's decision: three queries a page (children, their conditions, their
    latest screenings) and one count, whatever the page size or the number of children."""
    page = children_page(
        db=db,
        ward=ward,
        site_ids=site_ids,
        child_ids=child_ids,
        offset=offset,
        limit=limit,
        listing=True,
    )
    latest = latest_decisions(db=db, child_ids=[c.id for c in page.items])
    rows = [ScreenedChild(listing(c, as_of), *latest.get(c.id, (None, None))) for c in page.items]
    return Page(rows, page.offset, page.limit, page.total, page.ward_totals)


def latest_decisions(*, db: Session, child_ids: Sequence[str]) -> dict[str, tuple[str, datetime]]:
    """The decision and time of each child's most recent screening, for many children in one
    query: the screenings are ranked per child, newest first (ties broken by id, as
    :func:`latest_screening` does), and only the first of each is read."""
    if not child_ids:
        return {}
    newest_first = (Screening.assessed_at.desc(), Screening.id.desc())
    rank = func.row_number().over(partition_by=Screening.child_id, order_by=newest_first)
    ranked = (
        select(Screening.child_id, Screening.decision, Screening.assessed_at, rank.label("rank"))
        .where(Screening.child_id.in_(child_ids))
        .subquery()
    )
    query = select(ranked.c.child_id, ranked.c.decision, ranked.c.assessed_at)
    rows = db.execute(query.where(ranked.c.rank == 1))
    return {child_id: (decision, at) for child_id, decision, at in rows}


def latest_screenings(*, db: Session, child_ids: Sequence[str]) -> dict[str, Screening]:
    """Each child's most recent screening, whole (its result says what to verify), for many
    children in one query: ranked as :func:`latest_decisions` ranks them, so both agree on which
    screening is the latest."""
    if not child_ids:
        return {}
    newest_first = (Screening.assessed_at.desc(), Screening.id.desc())
    rank = func.row_number().over(partition_by=Screening.child_id, order_by=newest_first)
    ranked = (
        select(Screening.id, rank.label("rank")).where(Screening.child_id.in_(child_ids)).subquery()
    )
    query = select(Screening).join(ranked, ranked.c.id == Screening.id).where(ranked.c.rank == 1)
    return {screening.child_id: screening for screening in db.scalars(query)}


def latest_screening(*, db: Session, child_id: str) -> Screening | None:
    """The child's most recent screening, whenever it was made."""
    return latest_screening_before(db=db, child_id=child_id, moment=None)


def screening_for_form(*, db: Session, screening_id: str) -> ScreeningPublic:
    """The screening a session form rests on; a hold is refused before any form is shown.

    The rest of :func:`~pedmassage.screenings.reliance.screening_for_care` is asked when the
    form is posted, with the time the session started, which the form does not know yet.
    """
    screening = get_screening(db=db, screening_id=screening_id)
    refuse_hold(screening)
    return screening_public(screening)


def sedated_at_screening(*, db: Session, screening_id: str) -> bool:
    """Whether the child was sedated when screened (``safety.sedation``): then only observer
    scales fit the session's measures."""
    from pedmassage.safety.sedation import sedated

    stored = get_screening(db=db, screening_id=screening_id).input
    return sedated(ScreeningInput.model_validate(stored))


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
    screening = get_screening(db=db, screening_id=screening_id)
    child = get_child(db=db, child_id=screening.child_id)
    return plan_on(child, screening, goals, minutes)


def plan_on(
    child: Child, screening: Screening, goals: Sequence[str], minutes: int | None = None
) -> SessionPlan:
    """The plan for ``child`` on ``screening``, both already in hand."""
    from pedmassage.planning import plan_session

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


def _measurements(
    child: Child, category: str, exclude: set[str] | None = None
) -> list[Measurement]:
    skip = exclude or set()
    return [
        Measurement(code=o.code, value=o.value, unit=o.unit, taken_at=o.taken_at)
        for o in child.observations
        if o.category == category and o.code not in skip
    ]


def screening_ids_starting(*, db: Session, prefix: str, limit: int = 11) -> list[str]:
    """Screening ids that start with ``prefix`` (any case), at most ``limit``."""
    wanted = Screening.id.startswith(prefix.upper(), autoescape=True)
    return list(db.scalars(select(Screening.id).where(wanted).order_by(Screening.id).limit(limit)))
