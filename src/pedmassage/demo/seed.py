"""Seed the demo program: about 40 synthetic children with three months of screenings and sessions.

Everything goes through the same services as real use (screening rules, planner, session checks),
so the demo shows real decisions: fevers hold sessions, low platelets lower the pressure, lines and
wounds are avoided. A fixed seed makes the same program every time for the same ``as_of`` date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.children.models import Child
from pedmassage.children.schemas import ChildCreate, GuardianIn
from pedmassage.demo.delivery import give_session
from pedmassage.demo.roster import DemoChild, roster
from pedmassage.safety.contract import ConditionIn, DeviceIn, MeasurementEntry, ProcedureIn
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.sessions import service as sessions

if TYPE_CHECKING:
    from pedmassage.safety import RuleBook

DEMO_SEED = 2026
DEMO_DAYS = 90
THERAPISTS = ("R. Okafor (LMT)", "J. Lindqvist (LMT)", "P. Sharma (LMT)")


@dataclass(frozen=True)
class DemoSummary:
    children: int
    screenings: int
    sessions: int
    holds: int
    home_programs: int
    home_logs: int
    open_flags: int
    trial_enrolled: int


def is_empty(db: Session) -> bool:
    return not db.scalar(select(func.count()).select_from(Child))


def seed_demo(
    *, db: Session, as_of: date, rulebook: RuleBook | None = None, seed: int = DEMO_SEED
) -> DemoSummary:
    """Create the demo program as of ``as_of`` (sessions on the 90 days before it)."""
    rng = random.Random(seed)
    totals = [0, 0, 0]
    children = roster()
    for spec in children:
        child = _create(db, spec, as_of)
        screened, delivered, held = _sessions(db, spec, child, as_of, rng, rulebook)
        totals = [totals[0] + screened, totals[1] + delivered, totals[2] + held]
    from pedmassage.demo.trial import seed_demo_trial
    from pedmassage.homecare.demo import seed_home_programs

    home = seed_home_programs(db=db, as_of=as_of, rng=rng)
    trial = seed_demo_trial(db=db, as_of=as_of, rng=rng, rulebook=rulebook, therapists=THERAPISTS)
    counts = (home.programs, home.logs, home.open_flags, trial.enrolled)
    return DemoSummary(len(children), totals[0], totals[1], totals[2], *counts)


def _create(db: Session, spec: DemoChild, as_of: date) -> Child:
    birth = as_of - timedelta(days=spec.age_days)
    first = _first_day(spec, as_of)
    procedures = (
        [
            ProcedureIn(
                kind="surgery", site=spec.surgery[0], date=first - timedelta(days=spec.surgery[1])
            )
        ]
        if spec.surgery
        else []
    )
    data = ChildCreate(
        display_name=spec.name,
        birth_date=birth,
        sex=spec.sex,
        gestational_age_weeks=spec.ga_weeks,
        gestational_age_days=spec.ga_days,
        verbal=spec.verbal,
        cognitive_impairment=spec.cognitive_impairment,
        setting=spec.setting,
        ward=spec.ward,
        touch_aversion=spec.touch_aversion,
        trauma_history=spec.trauma_history,
        touch_notes=spec.touch_notes,
        conditions=[ConditionIn(code=c, site=s) for c, s in spec.conditions],
        devices=[DeviceIn(kind=k, site=s) for k, s in spec.devices],
        procedures=procedures,
        medications=list(spec.medications),
        guardians=[GuardianIn(name=f"Parent of {spec.name} (synthetic)", relationship="parent")],
    )
    return children.create_child(db=db, data=data, now=_at(first, 8))


def _first_day(spec: DemoChild, as_of: date) -> date:
    """Inpatient stays after surgery are short; babies start once a week old; others 90 days ago."""
    days = DEMO_DAYS
    if spec.surgery:
        days = 14
    days = min(days, spec.age_days - 7)
    return as_of - timedelta(days=max(days, 1))


def _session_days(spec: DemoChild, as_of: date, rng: random.Random) -> list[date]:
    first = _first_day(spec, as_of)
    span = (as_of - first).days
    chance = min(spec.sessions_per_week / 7, 1.0)
    return [first + timedelta(days=d) for d in range(span) if rng.random() < chance]


def _sessions(
    db: Session,
    spec: DemoChild,
    child: Child,
    as_of: date,
    rng: random.Random,
    rulebook: RuleBook | None,
) -> tuple[int, int, int]:
    days = _session_days(spec, as_of, rng)
    delivered = held = 0
    for index, day in enumerate(days):
        when = _at(day, rng.choice((10, 11, 14, 15, 16)), rng.choice((0, 15, 30, 45)))
        _observe(db, spec, child, when, rng, day_index=index)
        therapist = rng.choice(THERAPISTS)
        screening = screenings.screen_child(
            db=db,
            child_id=child.id,
            now=when,
            rulebook=rulebook,
            request=ScreeningCreate(
                therapist=therapist,
                assessed_at=when,
                guardian_consent=True,
                child_assent=_assent(spec, child, when, rng),
            ),
        )
        if screening.decision == "hold":
            held += 1
            continue
        progress = index / max(len(days) - 1, 1)
        _deliver(db, spec, child, screening.id, therapist, when, progress, rng)
        delivered += 1
    return len(days), delivered, held


def _assent(spec: DemoChild, child: Child, when: datetime, rng: random.Random) -> bool | None:
    """Verbal children from 4 years are asked; about 1 in 40 says no that day."""
    if not _asked(spec, child, when):
        return None
    return rng.random() > 0.025


def _asked(spec: DemoChild, child: Child, when: datetime) -> bool:
    return spec.verbal and (when.date() - child.birth_date).days >= 4 * 365


def _observe(
    db: Session, spec: DemoChild, child: Child, when: datetime, rng: random.Random, day_index: int
) -> None:
    taken = when - timedelta(minutes=rng.randint(20, 180))
    fever = rng.random() < 0.04
    temperature = round(rng.uniform(38.1, 39.2) if fever else rng.uniform(36.4, 37.4), 1)
    readings = [("vital", "temperature", temperature, "Cel")]
    if spec.oncology:
        platelets, anc = _counts(day_index, rng)
        readings += [("lab", "platelets", platelets, "10^9/L"), ("lab", "anc", anc, "10^9/L")]
    if spec.setting == "nicu" or spec.age_days < 200:
        grams = 1300 + 25 * ((when.date() - child.birth_date).days) + rng.randint(-40, 40)
        readings.append(("vital", "weight", float(grams), "g"))
    for category, code, value, unit in readings:
        children.add_observation(
            db=db,
            child_id=child.id,
            category=category,
            now=when,
            data=MeasurementEntry(code=code, value=value, unit=unit, taken_at=taken),
        )


def _counts(day_index: int, rng: random.Random) -> tuple[float, float]:
    """Chemotherapy cycles: counts dip to a nadir every few weeks and recover."""
    phase = (day_index % 8) / 8
    dip = 1 - 0.85 * max(0.0, 1 - abs(phase - 0.5) * 4)
    platelets = round(max(8.0, 260 * dip + rng.uniform(-15, 15)))
    anc = round(max(0.1, 3.5 * dip + rng.uniform(-0.3, 0.3)), 1)
    return float(platelets), anc


def _deliver(
    db: Session,
    spec: DemoChild,
    child: Child,
    screening_id: str,
    therapist: str,
    when: datetime,
    progress: float,
    rng: random.Random,
) -> None:
    pre_level = max(0.05, spec.baseline * (1 - 0.35 * progress) + rng.uniform(-0.08, 0.08))
    post_level = max(0.0, pre_level - rng.uniform(0.1, 0.25))
    record = give_session(
        db,
        child=child,
        screening_id=screening_id,
        goals=spec.goals,
        therapist=therapist,
        when=when,
        guardian=f"Parent of {spec.name} (synthetic)",
        assent=True if _asked(spec, child, when) else None,
        pre_level=pre_level,
        post_level=post_level,
        rng=rng,
    )
    if rng.random() < 0.9:  # most notes are signed the same day; a few wait for the therapist
        sessions.sign_session(
            db=db, session_id=record.id, signer=therapist, now=when + timedelta(hours=2)
        )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def a_demo_parent(db: Session) -> str | None:
    """The guardian id of a demo child with an active home program: the way into the parent's
    pages, printed by ``pedmassage serve`` in demo mode."""
    from pedmassage.children.models import Guardian
    from pedmassage.homecare.models import HomeProgram

    query = (
        select(Guardian.id)
        .join(HomeProgram, HomeProgram.child_id == Guardian.child_id)
        .where(HomeProgram.status == "active")
        .order_by(HomeProgram.id)
        .limit(1)
    )
    return db.scalar(query)
