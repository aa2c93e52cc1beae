"""The demo's trial, DEMO-PAIN, seeded on its own on a fresh database (the roster's children are
not needed, and leaving them out keeps these tests to seconds): it fills every box of the CONSORT
flow, shows the effect it was drawn with, dates nothing on or after the demo's "today", and the
same seed builds the same trial."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.db import make_engine, unit_of_work
from pedmassage.demo.accounts import DEMO_ACCOUNTS
from pedmassage.demo.seed import THERAPISTS
from pedmassage.demo.trial import LEAD, STUDY_CODE, TrialSummary, seed_demo_trial
from pedmassage.models import Screening, SessionRecord
from pedmassage.research.consort import total
from pedmassage.research.models import Enrolment, StudyAssessment, StudyMeasure
from pedmassage.research.results import StudyResults, results_public, study_results
from pedmassage.research.studies import get_study

AS_OF = date(2026, 11, 25)
SEED = 2026


def seed(url: str, seed: int = SEED) -> TrialSummary:
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        summary = seed_demo_trial(
            db=db, as_of=AS_OF, rng=random.Random(seed), rulebook=None, therapists=THERAPISTS
        )
    engine.dispose()
    return summary


T = TypeVar("T")


def read(url: str, query: Callable[[Session], T]) -> T:
    engine = make_engine(url)
    with Session(engine) as db:
        found = query(db)
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def trial(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, TrialSummary]:
    path = tmp_path_factory.mktemp("trial") / "trial.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    return url, seed(url)


def results(url: str) -> StudyResults:
    return read(url, lambda db: study_results(db, get_study(db=db, code=STUDY_CODE), AS_OF))


def test_the_trial_fills_every_box_of_the_flow_diagram(trial: tuple[str, TrialSummary]) -> None:
    url, summary = trial
    consort = results(url).consort  # built only when the counts add up
    assert consort.randomized == summary.enrolled >= 40
    assert consort.assessed == summary.assessed
    assert consort.not_meeting_criteria and consort.declined and consort.other_reasons
    assert all(arm.allocated for arm in consort.arms)
    assert sum(total(arm.not_received) for arm in consort.arms) >= 2  # contamination, holds
    assert sum(total(arm.discontinued) for arm in consort.arms) == summary.withdrawn >= 1
    assert sum(total(arm.lost_to_follow_up) for arm in consort.arms) >= 1
    reasons = {r.reason for arm in consort.arms for r in arm.excluded_from_analysis}
    assert "day-7 measure not yet due" in reasons


def test_massage_lowers_day_7_pain_in_the_intention_to_treat_analysis(
    trial: tuple[str, TrialSummary],
) -> None:
    url, _ = trial
    found = results(url)
    effect = found.itt.effect
    assert effect is not None and effect.arm == "massage"
    assert effect.estimate < 0 and effect.ci_high < 0
    assert found.per_protocol.effect is not None
    assert found.per_protocol.n < found.itt.n
    shown = read(url, lambda db: results_public(db, get_study(db=db, code=STUDY_CODE), AS_OF))
    assert shown.itt.estimate == effect.estimate
    assert len(shown.balance) > 4


def test_nothing_is_dated_on_or_after_the_demo_today(trial: tuple[str, TrialSummary]) -> None:
    url, _ = trial
    today = datetime.combine(AS_OF, time(0), UTC)
    columns = (
        StudyAssessment.assessed_at,
        Enrolment.enrolled_at,
        Enrolment.withdrawn_at,
        StudyMeasure.measured_at,
        Screening.assessed_at,
        SessionRecord.started_at,
        SessionRecord.ended_at,
        SessionRecord.signed_at,
    )
    latest = read(url, lambda db: [db.scalar(select(func.max(c))) for c in columns])
    assert all(t is not None and t < today for t in latest)


def test_the_same_seed_builds_the_same_trial(
    trial: tuple[str, TrialSummary], sqlite_url: str
) -> None:
    url, summary = trial
    assert seed(sqlite_url) == summary

    def allocations(db: Session) -> list[tuple[int, str, str]]:
        rows = db.execute(select(Enrolment.number, Enrolment.stratum, Enrolment.arm))
        return sorted((number, stratum, arm) for number, stratum, arm in rows)

    def scores(db: Session) -> list[tuple[int, float]]:
        rows = db.execute(
            select(Enrolment.number, StudyMeasure.day, StudyMeasure.score).join(
                Enrolment, Enrolment.id == StudyMeasure.enrolment_id
            )
        )
        return sorted((number * 100 + day, score) for number, day, score in rows)

    assert read(sqlite_url, allocations) == read(url, allocations)
    assert read(sqlite_url, scores) == read(url, scores)


def test_the_study_is_registered_by_the_demo_program_lead(
    trial: tuple[str, TrialSummary],
) -> None:
    url, _ = trial
    lead = next(a.display_name for a in DEMO_ACCOUNTS if a.role == "program_lead")
    assert lead == LEAD
    assert read(url, lambda db: get_study(db=db, code=STUDY_CODE).registered_by) == lead
