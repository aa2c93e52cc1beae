"""Seed the demo program's randomized trial, DEMO-PAIN: massage against usual care for pain in
children with cancer, run through the demo's 90 days.

The study pages (CONSORT diagram, baseline table, intention-to-treat result) need a study with
real records behind them to show anything on ``make run``. Every step goes through the same
services as real use, so every check applies: registration, eligibility and allocation at
assessment, the screening before each session, the baseline before the first session, the day-7
measure within its window, withdrawal. Only the trial's own cohort of synthetic children takes
part, so the rest of the demo (the roster's children and their sessions) is what it was.

The cohort is built to fill every box of the flow diagram: children not eligible, families who
decline, children discharged before consent, withdrawals, children lost to follow-up, a control
child given massage (contamination), a massage child whose every screening said hold, and the
latest enrolled whose day-7 measure is not yet due. Scores are drawn so that a massaged child's
day-7 pain is about 1.5 points lower, with per-child noise.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.children.models import Child
from pedmassage.children.schemas import ChildCreate, GuardianIn
from pedmassage.demo.delivery import give_session
from pedmassage.research import enrolment
from pedmassage.research.schemas import AssessmentIn, StudyCreate, StudyMeasureIn, WithdrawalIn
from pedmassage.research.studies import SEED_BYTES, register_study
from pedmassage.safety.contract import ConditionIn, DeviceIn, MeasurementEntry, Sex
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.sessions import service as sessions
from pedmassage.sites.service import site_for_new_child

if TYPE_CHECKING:
    from pedmassage.safety import RuleBook

STUDY_CODE = "DEMO-PAIN"
LEAD = "Demo Program Lead"
"""Who registers the study: the display name of the demo's program-lead account (``accounts.py``
cannot be imported here, as it imports the demo's seed, which calls this module)."""
OUTCOME = "nrs_11"
OUTCOME_DAY = 7
REGISTERED_DAYS_AGO = 91
FIRST_ASSESSED_DAYS_AGO = 88
LAST_ASSESSED_DAYS_AGO = 2
MASSAGE, CONTROL = "massage", "usual-care"
GOALS = ("pain", "anxiety")
EFFECT = 1.5
"""How much lower (NRS points) a massaged child's day-7 pain is drawn, on average."""
WARD = "Ward 4 Paediatrics"

Decision = Literal["enrol", "declined", "other"]
Fate = Literal["followed", "withdrawn", "lost"]

FIRST_NAMES = (
    "Aiko", "Bruno", "Carmen", "Dario", "Esme", "Felix", "Gia", "Hugo", "Iris", "Jude",
    "Kira", "Leo", "Mila", "Nico", "Olga", "Pablo", "Quinn", "Rosa", "Silas", "Tara",
    "Uma", "Viktor", "Wren", "Xavi", "Yara", "Zain", "Alma", "Bo", "Cleo", "Dev",
    "Edie", "Farid", "Greta", "Henrik", "Ilse", "Joel", "Kenji", "Lotte", "Marco", "Nell",
    "Otto", "Priya", "Rafael", "Selin", "Timo", "Una", "Vera", "Wim", "Yusra", "Zoe",
    "Anouk", "Bilal", "Clara", "Dmitri", "Elif", "Femi", "Gabe", "Hiro", "Isla", "Jana",
)  # fmt: skip
"""One invented first name per child of the cohort, none of them a roster child's."""

NOT_ENROLLED: tuple[tuple[str, Decision, str], ...] = (
    ("too_young", "enrol", ""),
    ("too_young", "enrol", ""),
    ("too_young", "enrol", ""),
    ("no_cancer", "enrol", ""),
    ("no_cancer", "enrol", ""),
    ("eligible", "declined", "family did not want randomization"),
    ("eligible", "declined", "family did not want randomization"),
    ("eligible", "declined", "too unwell to take part this week"),
    ("eligible", "other", "discharged before consent"),
    ("eligible", "other", "discharged before consent"),
)
"""The assessed children who are not randomized, each as (who, the therapist's decision, why).
The ineligible are put forward for enrolment like the others: the service finds them ineligible
and records them so, as it would at the bedside."""

WITHDRAWALS = ("family withdrew consent", "family withdrew consent")
LOST = 2
DEVICES = (("picc", "arm_left"), ("implanted_port", "chest_right"),
           ("central_venous_catheter", "chest_right"))  # fmt: skip


@dataclass(frozen=True)
class TrialSummary:
    code: str
    assessed: int
    enrolled: int
    sessions: int
    holds: int
    measures: int
    withdrawn: int


@dataclass(frozen=True)
class _Candidate:
    """One child of the trial's cohort: who they are, when they are assessed, what follows."""

    number: int
    who: str
    days_before: int
    age_years: float
    sex: Sex
    decision: Decision
    reason: str
    fate: Fate = "followed"
    withdrawal: str = ""

    @property
    def first_name(self) -> str:
        return FIRST_NAMES[self.number - 1]

    @property
    def name(self) -> str:
        return f"{self.first_name} (trial {self.number:02d})"


@dataclass
class _Run:
    """The seeding in progress: where it writes, its randomness, and what it has made so far."""

    db: Session
    as_of: date
    rng: random.Random
    rulebook: RuleBook | None
    therapists: Sequence[str]
    site_id: str
    enrolled: int = 0
    sessions: int = 0
    holds: int = 0
    measures: int = 0
    withdrawn: int = 0
    followed: dict[str, int] = field(default_factory=dict)
    contaminated_at: int = 0
    febrile_at: int = 0


def seed_demo_trial(
    *,
    db: Session,
    as_of: date,
    rng: random.Random,
    rulebook: RuleBook | None,
    therapists: Sequence[str],
) -> TrialSummary:
    """Register DEMO-PAIN about 90 days before ``as_of`` and run it to the day before ``as_of``.

    Every time is on a day before ``as_of``, so nothing is dated after the demo's "today". The same
    ``rng`` state and ``as_of`` make the same trial, allocations included. ``therapists`` are the
    demo's therapists' names, who assess, enrol, screen, massage and measure.
    """
    registered = _at(as_of - timedelta(days=REGISTERED_DAYS_AGO), 10)
    site = site_for_new_child(db=db, site=None, now=registered)
    study = register_study(
        db=db, data=_registration(site.id), by=LEAD, site_ids=None, now=registered
    )
    # The demo is reproducible by design: the same as_of and seed build the same trial, so the
    # allocation seed comes from the demo's rng instead of the secret one register_study drew.
    # A real study keeps its secret seed (allocation concealment); nothing else ever sets it.
    study.allocation_seed = bytes(rng.getrandbits(8) for _ in range(SEED_BYTES))
    db.flush()
    run = _Run(
        db=db, as_of=as_of, rng=rng, rulebook=rulebook, therapists=therapists, site_id=site.id
    )
    run.contaminated_at, run.febrile_at = rng.randint(2, 5), rng.randint(2, 5)
    cohort = _cohort(as_of, rng)
    for candidate in cohort:
        _take_part(run, candidate)
    return TrialSummary(
        code=STUDY_CODE,
        assessed=len(cohort),
        enrolled=run.enrolled,
        sessions=run.sessions,
        holds=run.holds,
        measures=run.measures,
        withdrawn=run.withdrawn,
    )


def _registration(site_id: str) -> StudyCreate:
    """The protocol. Eligibility starts at 6 years, not 4: the primary outcome, the NRS-11, is a
    self-report scale the catalogue offers from 6 years (not valid at 4-5)."""
    return StudyCreate.model_validate(
        {
            "code": STUDY_CODE,
            "protocol": {
                "title": "Massage three times a week: pain in children with cancer (demo)",
                "arms": [
                    {"id": MASSAGE, "label": "Massage, 3 sessions a week", "kind": "massage"},
                    {"id": CONTROL, "label": "Usual care", "kind": "control"},
                ],
                "eligibility": [
                    {"field": "age_years", "op": ">=", "value": 6},
                    {"field": "age_years", "op": "<", "value": 18},
                    {"field": "conditions", "op": "has", "value": "cancer"},
                ],
                "strata": ["site", "age_band"],
                "age_band_cuts": [8, 13],
                "randomization": {"method": "permuted_blocks", "block_sizes": [4, 6]},
                "sites": [site_id],
                "primary_outcome": {"instrument_id": OUTCOME, "day": OUTCOME_DAY, "window_days": 2},
                "target_sample_size": 86,
                "evidence_claim": "oncology.pain",
            },
        }
    )


def _cohort(as_of: date, rng: random.Random) -> list[_Candidate]:
    """Sixty children, one assessed on each of sixty days between 88 and 2 days ago, in the order
    of assessment; of the enrolled assessed at least 12 days ago (their day-7 window closed), a
    few withdraw and a few are lost to follow-up."""
    count = len(FIRST_NAMES)
    enrol: tuple[str, Decision, str] = ("eligible", "enrol", "")
    plans = [*NOT_ENROLLED, *[enrol] * (count - len(NOT_ENROLLED))]
    rng.shuffle(plans)
    days = sorted(rng.sample(range(LAST_ASSESSED_DAYS_AGO, FIRST_ASSESSED_DAYS_AGO + 1), count))
    days.reverse()
    cohort = [
        _Candidate(
            number=number,
            who=who,
            days_before=days_before,
            age_years=rng.uniform(2.5, 5.8) if who == "too_young" else rng.uniform(6.1, 17.8),
            sex=rng.choice(("female", "male")),
            decision=decision,
            reason=reason,
        )
        for number, ((who, decision, reason), days_before) in enumerate(
            zip(plans, days, strict=True), start=1
        )
    ]
    closed = [
        i
        for i, c in enumerate(cohort)
        if c.who == "eligible" and c.decision == "enrol" and c.days_before >= 12
    ]
    chosen = rng.sample(closed, len(WITHDRAWALS) + LOST)
    for i, reason in zip(chosen, WITHDRAWALS, strict=False):
        cohort[i] = replace(cohort[i], fate="withdrawn", withdrawal=reason)
    for i in chosen[len(WITHDRAWALS) :]:
        cohort[i] = replace(cohort[i], fate="lost")
    return cohort


def _take_part(run: _Run, candidate: _Candidate) -> None:
    """Assess the child; when randomized, the baseline, the arm's sessions, any withdrawal and
    the day-7 measure, each on its own day."""
    day = run.as_of - timedelta(days=candidate.days_before)
    child = _admit(run, candidate, day)
    therapist = run.rng.choice(run.therapists)
    assessed_at = _at(day, 9, run.rng.choice((0, 15, 30, 45)))
    asker = enrolment.Asker(name=therapist, role="therapist", address="demo")
    putting_forward = candidate.decision == "enrol"
    intent = AssessmentIn(
        decision=candidate.decision,
        consent="guardian" if putting_forward else None,
        assent="given" if putting_forward else None,
        reason=candidate.reason,
    )
    found = enrolment.assess(
        db=run.db, code=STUDY_CODE, child_id=child.id, data=intent, asker=asker, now=assessed_at
    )
    if found.enrolment is None:
        return
    run.enrolled += 1
    arm = found.enrolment.arm
    baseline = min(9, max(2, round(run.rng.gauss(5.5, 1.6))))
    _measure(run, child, 0, baseline, assessed_at + timedelta(minutes=10), therapist)
    measured_on = _day7(run, candidate, day)
    withdrawn_on = (
        day + timedelta(days=run.rng.randint(2, 4)) if candidate.fate == "withdrawn" else None
    )
    stop = min(d for d in (measured_on, withdrawn_on, day + timedelta(days=OUTCOME_DAY)) if d)
    delivered = _sessions_of(
        run, child, candidate, arm, day, min(stop, run.as_of), measured_on is not None
    )
    if withdrawn_on is not None:
        enrolment.withdraw(
            db=run.db,
            code=STUDY_CODE,
            child_id=child.id,
            data=WithdrawalIn(reason=candidate.withdrawal),
            by=therapist,
            now=_at(withdrawn_on, 12),
        )
        run.withdrawn += 1
    if measured_on is not None:
        expected = 0.6 * baseline + 1.6 - (EFFECT if delivered else 0.0)
        score = min(10, max(0, round(expected + run.rng.gauss(0, 1.1))))
        taken = _at(measured_on, run.rng.choice((10, 11)), run.rng.choice((0, 20, 40)))
        _measure(run, child, OUTCOME_DAY, score, taken, run.rng.choice(run.therapists))


def _day7(run: _Run, candidate: _Candidate, day: date) -> date | None:
    """The day of the day-7 measure, within its window and before ``as_of``; none for the
    withdrawn and the lost, nor while it is still to come."""
    if candidate.fate != "followed":
        return None
    when = day + timedelta(days=OUTCOME_DAY + run.rng.choice((-1, 0, 0, 0, 1, 2)))
    return when if when < run.as_of else None


def _sessions_of(
    run: _Run, child: Child, candidate: _Candidate, arm: str, day: date, stop: date, measured: bool
) -> int:
    """The massage arm's 2-3 sessions in the week after enrolment; in the control arm none. Two
    children with a day-7 measure are the exceptions the flow diagram reports: a massage child,
    febrile that week, held at every screening, and a control child given a session all the same
    (contamination). Only on days before ``stop``. Returns the sessions given."""
    if measured:
        run.followed[arm] = run.followed.get(arm, 0) + 1
    special = measured and run.followed.get(arm, 0) == (
        run.febrile_at if arm == MASSAGE else run.contaminated_at
    )
    if arm == MASSAGE:
        offsets = sorted(run.rng.sample(range(1, OUTCOME_DAY), run.rng.choice((2, 3, 3))))
    elif special:
        offsets = [run.rng.randint(2, 4)]
    else:
        return 0
    delivered = 0
    for offset in offsets:
        on = day + timedelta(days=offset)
        if on < stop:
            delivered += _massage(run, child, candidate, on, fever=special and arm == MASSAGE)
    return delivered


def _massage(run: _Run, child: Child, candidate: _Candidate, on: date, *, fever: bool) -> int:
    """Screen the child and, unless the screening holds, give and sign one session (as
    ``seed._deliver`` does for the roster's children): 1 when given, 0 when held."""
    rng = run.rng
    when = _at(on, rng.choice((10, 11, 14, 15)), rng.choice((0, 15, 30, 45)))
    therapist = rng.choice(run.therapists)
    _observe(run.db, child, when, rng, fever=fever)
    screening = screenings.screen_child(
        db=run.db,
        child_id=child.id,
        now=when,
        rulebook=run.rulebook,
        request=ScreeningCreate(
            therapist=therapist, assessed_at=when, guardian_consent=True, child_assent=True
        ),
    )
    if screening.decision == "hold":
        run.holds += 1
        return 0
    pre_level = rng.uniform(0.3, 0.65)
    post_level = max(0.0, pre_level - rng.uniform(0.1, 0.25))
    record = give_session(
        run.db,
        child=child,
        screening_id=screening.id,
        goals=GOALS,
        therapist=therapist,
        when=when,
        guardian=f"Parent of {candidate.first_name} (synthetic)",
        assent=True,
        pre_level=pre_level,
        post_level=post_level,
        rng=rng,
    )
    sessions.sign_session(
        db=run.db, session_id=record.id, signer=therapist, now=when + timedelta(hours=2)
    )
    run.sessions += 1
    return 1


def _admit(run: _Run, candidate: _Candidate, day: date) -> Child:
    """The child's profile, made on the morning of the assessment: a child on chemotherapy with
    a central line on the oncology ward, or (two of them) a child with another condition."""
    rng = run.rng
    cancer = candidate.who != "no_cancer"
    condition = "cancer" if cancer else rng.choice(("sickle_cell_disease", "haemophilia"))
    device, site = rng.choice(DEVICES) if cancer else ("peripheral_iv", "hand_left")
    data = ChildCreate(
        site_id=run.site_id,
        display_name=candidate.name,
        birth_date=day - timedelta(days=round(candidate.age_years * 365.25)),
        sex=candidate.sex,
        setting="hospital",
        ward=WARD,
        conditions=[ConditionIn(code=condition)],
        devices=[DeviceIn(kind=device, site=site)],
        medications=["chemotherapy"] if cancer else [],
        guardians=[
            GuardianIn(name=f"Parent of {candidate.first_name} (synthetic)", relationship="parent")
        ],
    )
    return children.create_child(db=run.db, data=data, now=_at(day, 8))


def _observe(db: Session, child: Child, when: datetime, rng: random.Random, *, fever: bool) -> None:
    """The morning's temperature and counts that the screening reads: counts of a child between
    chemotherapy nadirs, and a fever when ``fever`` (which holds the session)."""
    taken = when - timedelta(minutes=rng.randint(20, 120))
    temperature = round(rng.uniform(38.3, 39.0) if fever else rng.uniform(36.4, 37.3), 1)
    readings = (
        ("vital", "temperature", temperature, "Cel"),
        ("lab", "platelets", float(rng.randint(140, 320)), "10^9/L"),
        ("lab", "anc", round(rng.uniform(1.2, 4.5), 1), "10^9/L"),
    )
    for category, code, value, unit in readings:
        children.add_observation(
            db=db,
            child_id=child.id,
            category=category,
            now=when,
            data=MeasurementEntry(code=code, value=value, unit=unit, taken_at=taken),
        )


def _measure(run: _Run, child: Child, day: int, score: int, taken: datetime, by: str) -> None:
    enrolment.record_measure(
        db=run.db,
        code=STUDY_CODE,
        child_id=child.id,
        data=StudyMeasureIn(instrument=OUTCOME, day=day, items={"score": score}, taken_at=taken),
        by=by,
        now=taken + timedelta(minutes=5),
    )
    run.measures += 1


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)
