"""A preterm baby's growth from the record: SDS on corrected age (rcpchgrowth, UK-WHO), and
weight-gain velocity by the exponential method (1000·ln(W2/W1)/days) on and off massage, with
massage periods made from the session days."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.development import GestationalAge
from pedmassage.development.growth import growth_point
from pedmassage.outcomes.growth import PERIOD_GAP_DAYS, child_growth, growth_chart, massage_periods
from pedmassage.safety.contract import MeasurementEntry
from pedmassage.screenings.models import Screening
from pedmassage.sessions.models import SessionRecord

BORN = date(2026, 9, 1)
WEIGHTS = [(0, 1300.0), (5, 1380.0), (10, 1450.0), (14, 1560.0), (19, 1680.0), (24, 1760.0)]
MASSAGE_DAYS = [10, 11, 12, 13, 16, 17, 18, 19]  # one period: the weekend gap is 3 days


def _baby(db: Session, now: datetime) -> str:
    child = children.create_child(
        db=db,
        data=ChildCreate.model_validate(
            {
                "display_name": "Baby G",
                "birth_date": BORN.isoformat(),
                "sex": "female",
                "gestational_age_weeks": 30,
                "setting": "nicu",
            }
        ),
        now=now,
    )
    for day, grams in WEIGHTS:
        taken = datetime.combine(BORN + timedelta(days=day), datetime.min.time(), UTC)
        value, unit = (grams / 1000, "kg") if day == 14 else (grams, "g")  # kept as entered
        children.add_observation(
            db=db,
            child_id=child.id,
            category="vital",
            data=MeasurementEntry(code="weight", value=value, unit=unit, taken_at=taken),
            now=now,
        )
    screening = Screening(
        child_id=child.id, site_id=child.site_id, assessed_at=now, actor="t", decision="modify",
        rules_version="r", policy_version="p", input={}, result={},
    )  # fmt: skip
    db.add(screening)
    db.flush()
    for day in MASSAGE_DAYS:
        started = datetime.combine(BORN + timedelta(days=day), datetime.min.time(), UTC)
        db.add(
            SessionRecord(
                child_id=child.id,
                screening_id=screening.id,
                site_id=child.site_id,
                therapist="t",
                status="completed",
                plan={},
                started_at=started,
            )
        )
    db.flush()
    return child.id


def test_session_days_a_weekend_apart_are_one_massage_period() -> None:
    days = [BORN + timedelta(days=d) for d in MASSAGE_DAYS]
    [period] = massage_periods(days)
    assert (period.start, period.end) == (days[0], days[-1])
    later = days[-1] + timedelta(days=PERIOD_GAP_DAYS + 1)
    assert len(massage_periods([*days, later])) == 2


def test_velocity_on_and_off_massage_by_the_exponential_method(db: Session) -> None:
    now = datetime(2026, 10, 1, tzinfo=UTC)
    child_id = _baby(db, now)
    growth = child_growth(db=db, child_id=child_id)
    on = 1000 * math.log(1680 / 1450) / 9  # the weights on day 10 and day 19 bound the period
    assert abs((growth.velocity_on_massage or 0) - on) < 1e-9
    assert growth.velocity_off_massage is not None
    assert growth.massage_periods == [(BORN + timedelta(days=10), BORN + timedelta(days=19))]


def test_each_weight_is_read_against_uk_who_on_corrected_age(db: Session) -> None:
    now = datetime(2026, 10, 1, tzinfo=UTC)
    growth = child_growth(db=db, child_id=_baby(db, now))
    assert len(growth.points) == len(WEIGHTS)
    kilos = next(p for p in growth.points if p.observed_on == BORN + timedelta(days=14))
    direct = growth_point(
        sex="female", birth_date=BORN, gestation=GestationalAge(30, 0),
        observed_on=BORN + timedelta(days=14), method="weight", value=1560.0, unit="g",
    )  # fmt: skip
    assert kilos.sds == direct.sds
    assert kilos.corrected_gestational_age == direct.corrected_gestational_age


def test_the_growth_chart_marks_the_massage_period(db: Session) -> None:
    now = datetime(2026, 10, 1, tzinfo=UTC)
    svg = growth_chart(db=db, child_id=_baby(db, now))
    assert svg.lstrip().startswith("<?xml") and "massage 1" in svg
