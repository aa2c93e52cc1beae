"""Home programs for the demo: the children seen at home get a routine, a parent's diary kept
about 70% of the time with the odd problem flagged, and a PSOC at the start and near the end.

Everything goes through the same services as real use (care team, prescribing on a screening, the
diary's checks), so the demo shows real routines, real refusals and real flags. Call it after the
demo's screenings exist; the same ``rng`` seed gives the same diaries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pedmassage.children.models import Child
from pedmassage.errors import ConflictError
from pedmassage.homecare import service
from pedmassage.homecare.access import Viewer, on_care_team
from pedmassage.homecare.models import HomeProgram
from pedmassage.screenings.models import Screening

ADHERENCE = 0.7
PROBLEM_CHANCE = 0.03
START_DAYS_BEFORE = 28
LATEST_START_DAYS_BEFORE = 7
ACKNOWLEDGED_AFTER_DAYS = 10

GOALS_BY_CONDITION = {
    "sleep_problem": "sleep",
    "constipation": "constipation",
    "asthma": "breathing",
    "cystic_fibrosis": "breathing",
    "juvenile_idiopathic_arthritis": "pain",
    "arthritis_flare": "pain",
    "autism": "sleep",
    "adhd": "anxiety",
    "post_traumatic_stress": "anxiety",
    "cerebral_palsy": "relaxation",
    "prematurity": "bonding",
}
RESPONSES = (("settled", 30), ("relaxed", 30), ("asleep", 18), ("neutral", 12), ("unsettled", 7))
PROBLEMS = {
    "skin_change": "A small red patch where I stroked; it had faded by the morning.",
    "pain_during_massage": "Said it hurt when I stroked the sore side, so I stopped.",
    "breathing_difficulty": "Coughing and a little wheezy halfway through; inhaler helped.",
    "other": "Very itchy after the lotion; we washed it off.",
}
PROBLEM_WEIGHTS = (3, 3, 1, 2)
ACTIONS = (
    "Phoned the family: settled by the morning; carry on avoiding that area for a week.",
    "Talked it through at the home visit; lighter pressure on that side from now on.",
    "Checked at clinic: nothing of concern; routine continues as prescribed.",
)


@dataclass(frozen=True)
class HomeSeedSummary:
    programs: int
    logs: int
    flags: int
    open_flags: int
    parent_measures: int


def seed_home_programs(*, db: Session, as_of: date, rng: random.Random) -> HomeSeedSummary:
    """Prescribe and fill a home program for every demo child at home with a parent."""
    counts = [0, 0, 0, 0, 0]
    query = select(Child).where(Child.setting == "home").order_by(Child.display_name, Child.id)
    for child in db.scalars(query).all():
        program = _prescribe(db, child, as_of)
        if program is None:
            continue
        logs, flags, still_open = _diary(db, child, program, as_of, rng)
        measures = _confidence(db, child, program, as_of, rng)
        counts = [
            a + b for a, b in zip(counts, (1, logs, flags, still_open, measures), strict=True)
        ]
    return HomeSeedSummary(*counts)


def _prescribe(db: Session, child: Child, as_of: date) -> HomeProgram | None:
    screening = _starting_screening(db, child.id, as_of)
    if screening is None or not child.guardians:
        return None
    therapist = screening.actor
    if not on_care_team(db, child.id, therapist):
        service.add_care_team_member(
            db=db,
            child_id=child.id,
            staff_name=therapist,
            role="therapist",
            now=screening.assessed_at,
        )
    try:
        return service.prescribe_home_program(
            db=db,
            child_id=child.id,
            prescribed_by=therapist,
            screening_id=screening.id,
            goals=_goals(child),
            now=screening.assessed_at + timedelta(hours=1),
        )
    except ConflictError:
        return None  # the planner found nothing it could safely prescribe


def _starting_screening(db: Session, child_id: str, as_of: date) -> Screening | None:
    """The last usable screening about four weeks back, else the first one a week before."""
    usable = (
        select(Screening)
        .where(Screening.child_id == child_id, Screening.decision != "hold")
        .order_by(Screening.assessed_at, Screening.id)
    )
    found = list(db.scalars(usable))
    early = [s for s in found if s.assessed_at.date() <= as_of - timedelta(START_DAYS_BEFORE)]
    if early:
        return early[-1]
    later = [
        s for s in found if s.assessed_at.date() <= as_of - timedelta(LATEST_START_DAYS_BEFORE)
    ]
    return later[0] if later else None


def _goals(child: Child) -> list[str]:
    goals = [GOALS_BY_CONDITION[c.code] for c in child.conditions if c.code in GOALS_BY_CONDITION]
    return list(dict.fromkeys(goals)) or ["relaxation"]


def _diary(
    db: Session, child: Child, program: HomeProgram, as_of: date, rng: random.Random
) -> tuple[int, int, int]:
    viewer = Viewer.guardian(child.guardians[0].id)
    last = min(as_of - timedelta(days=1), program.ends_on)
    chance = ADHERENCE * min(program.sessions_per_week / 7, 1.0)
    logs = flags = still_open = 0
    day = program.started_on
    while day <= last:
        if rng.random() < chance:
            flagged, acknowledged = _log(db, viewer, program, day, as_of, rng)
            logs, flags = logs + 1, flags + flagged
            still_open += flagged and not acknowledged
        day += timedelta(days=1)
    return logs, flags, still_open


def _log(
    db: Session, viewer: Viewer, program: HomeProgram, day: date, as_of: date, rng: random.Random
) -> tuple[bool, bool]:
    problem = "none"
    if rng.random() < PROBLEM_CHANCE:
        problem = rng.choices(list(PROBLEMS), weights=PROBLEM_WEIGHTS)[0]
    response = rng.choices([r for r, _ in RESPONSES], weights=[w for _, w in RESPONSES])[0]
    evening = _at(day, 19, rng.choice((0, 15, 30, 45)))
    log = service.log_home_session(
        db=db,
        viewer=viewer,
        program_id=program.id,
        session_date=day,
        minutes=max(1, min(60, program.minutes + rng.randint(-4, 2))),
        response=response,
        problem=problem,
        note=PROBLEMS.get(problem, ""),
        now=evening + timedelta(minutes=40),
    )
    if log.flag is None:
        return False, False
    if (as_of - day).days < ACKNOWLEDGED_AFTER_DAYS:
        return True, False
    service.acknowledge_flag(
        db=db,
        viewer=Viewer.staff(program.prescribed_by),
        flag_id=log.flag.id,
        action=rng.choice(ACTIONS),
        now=evening + timedelta(hours=14),
    )
    return True, True


def _confidence(
    db: Session, child: Child, program: HomeProgram, as_of: date, rng: random.Random
) -> int:
    """PSOC at the start and, once three weeks have passed, near the end."""
    viewer = Viewer.guardian(child.guardians[0].id)
    moments = [(program.started_on, rng.uniform(3.0, 4.0))]
    end = min(program.ends_on, as_of - timedelta(days=1))
    if (end - program.started_on).days >= 21:
        moments.append((end, moments[0][1] + rng.uniform(0.3, 0.9)))
    for day, level in moments:
        service.record_parent_measure(
            db=db,
            viewer=viewer,
            child_id=child.id,
            items=_psoc_answers(level, rng),
            now=_at(day, 20),
        )
    return len(moments)


def _psoc_answers(level: float, rng: random.Random) -> dict[str, float]:
    """Answers of a parent whose sense of competence is about ``level`` (1-6)."""
    from pedmassage.measures import instrument

    answers: dict[str, float] = {}
    for item in instrument("psoc").items:
        felt = min(6, max(1, round(level + rng.uniform(-1, 1))))
        answers[item.key] = float(7 - felt if item.reverse else felt)
    return answers


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)
