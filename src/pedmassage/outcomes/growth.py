"""A child's growth on the record: centiles and SDS on corrected age, weight-gain velocity on and
off massage, and the growth chart with the massage periods marked.

Measurements come from the child's vitals (weight, length, head circumference, in whatever
accepted unit they were entered); massage periods come from the child's sessions: session days
no more than ``PERIOD_GAP_DAYS`` apart form one period (a daily NICU protocol with a weekend off
stays one period). That grouping is program policy, stated here once.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from pedmassage.children.models import Child, Observation
from pedmassage.development import GestationalAge
from pedmassage.development.growth import (
    DatedWeight,
    GrowthPoint,
    MassagePeriod,
    growth_chart_svg,
    growth_point,
    velocity_by_massage,
)
from pedmassage.errors import NotFoundError, ValidationError
from pedmassage.outcomes.schemas import ChildGrowth, GrowthPointPublic, PeriodVelocityPublic
from pedmassage.sessions.models import SessionRecord
from pedmassage.vocabulary import to_stored_unit

PERIOD_GAP_DAYS = 3
MEASUREMENTS = {"weight": "weight", "length": "height", "head_circumference": "ofc"}
"""The record's vital codes and the growth reference's measurement methods."""


def massage_periods(days: list[date]) -> list[MassagePeriod]:
    """Session days grouped into periods; a gap over ``PERIOD_GAP_DAYS`` starts a new one."""
    periods: list[MassagePeriod] = []
    for day in sorted(set(days)):
        if periods and (day - periods[-1].end).days <= PERIOD_GAP_DAYS:
            last = periods[-1]
            periods[-1] = MassagePeriod(start=last.start, end=day, label=last.label)
        else:
            periods.append(MassagePeriod(start=day, end=day, label=f"massage {len(periods) + 1}"))
    return periods


def _child(db: Session, child_id: str) -> Child:
    child = db.get(Child, child_id)
    if child is None:
        raise NotFoundError("child", child_id)
    return child


def _periods(db: Session, child_id: str) -> list[MassagePeriod]:
    from sqlalchemy import select

    started = db.scalars(
        select(SessionRecord.started_at).where(
            SessionRecord.child_id == child_id, SessionRecord.started_at.is_not(None)
        )
    )
    return massage_periods([s.date() for s in started if s is not None])


def _points(child: Child) -> tuple[list[GrowthPoint], list[str]]:
    ga = GestationalAge(child.ga_weeks, child.ga_days)
    points: list[GrowthPoint] = []
    notes: list[str] = []
    for o in sorted(child.observations, key=lambda o: o.taken_at):
        method = MEASUREMENTS.get(o.code)
        if o.category != "vital" or method is None:
            continue
        stored = to_stored_unit("vital", o.code, o.value, o.unit, o.code)
        try:
            points.append(
                growth_point(
                    sex=child.sex,
                    birth_date=child.birth_date,
                    gestation=ga,
                    observed_on=o.taken_at.date(),
                    method=method,
                    value=stored.value,
                    unit=stored.unit,
                )
            )
        except ValidationError as exc:
            notes.append(f"{o.code} on {o.taken_at.date()}: {exc.allowed}")
    return points, notes


def child_growth(*, db: Session, child_id: str) -> ChildGrowth:
    """Every growth measurement with its SDS and centile, and weight-gain velocity on and off
    massage (exponential method, g/kg/day)."""
    child = _child(db, child_id)
    points, notes = _points(child)
    periods = _periods(db, child_id)
    weights = _weights(child)
    velocity = velocity_by_massage(weights=weights, periods=periods) if len(weights) > 1 else None
    return ChildGrowth(
        child_id=child_id,
        points=[GrowthPointPublic.of(p) for p in points],
        massage_periods=[(p.start, p.end) for p in periods],
        velocity_on_massage=None if velocity is None else velocity.on_massage,
        velocity_off_massage=None if velocity is None else velocity.off_massage,
        periods=[] if velocity is None else [PeriodVelocityPublic.of(v) for v in velocity.periods],
        notes=notes if len(weights) > 1 else [*notes, "fewer than two weights: no velocity"],
    )


def _weights(child: Child) -> list[DatedWeight]:
    """One weight per day (the day's last), in grams."""
    latest: dict[date, Observation] = {}
    for o in child.observations:
        if o.category == "vital" and o.code == "weight":
            day = o.taken_at.date()
            if day not in latest or o.taken_at > latest[day].taken_at:
                latest[day] = o
    return [
        DatedWeight(
            on=day, grams=to_stored_unit("vital", "weight", o.value, o.unit, "weight").value
        )
        for day, o in sorted(latest.items())
    ]


def growth_chart(*, db: Session, child_id: str, measurement: str = "weight") -> str:
    """The growth chart (SDS on corrected age) of one measurement with massage periods shaded."""
    if measurement not in MEASUREMENTS:
        raise ValidationError("measurement", measurement, "one of: " + ", ".join(MEASUREMENTS))
    child = _child(db, child_id)
    points = [p for p in _points(child)[0] if p.method == MEASUREMENTS[measurement]]
    if not points:
        raise NotFoundError("growth measurement", measurement)
    first, last = points[0].observed_on, points[-1].observed_on
    periods = [
        p
        for p in _periods(db, child_id)
        if p.end >= first - timedelta(days=1) and p.start <= last + timedelta(days=1)
    ]
    return growth_chart_svg(
        points=points,
        birth_date=child.birth_date,
        gestation=GestationalAge(child.ga_weeks, child.ga_days),
        periods=periods,
    )
