"""Adherence arithmetic at its boundaries: no logs, every log, a partial week, the day itself, the
program's end and a replaced program. Pure: no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from pedmassage.homecare.rules import adherence

START = date(2026, 11, 2)


@dataclass(frozen=True)
class Terms:
    started_on: date = START
    sessions_per_week: int = 7
    weeks: int = 4
    ended_on: date | None = None

    @property
    def ends_on(self) -> date:
        return self.started_on + timedelta(days=7 * self.weeks - 1)


@dataclass(frozen=True)
class Log:
    session_date: date
    minutes: int = 15


def nightly(days: int, first: date = START) -> list[Log]:
    return [Log(first + timedelta(days=d)) for d in range(days)]


def day(n: int) -> date:
    """Day ``n`` of the program, counting the first day as 1."""
    return START + timedelta(days=n - 1)


def test_before_anything_is_due_there_is_no_fraction() -> None:
    result = adherence(Terms(), [], START)

    assert (result.days_counted, result.sessions_due, result.sessions_logged) == (0, 0, 0)
    assert result.fraction is None and result.percent is None
    assert result.last_day is None


def test_no_logs_is_zero_once_a_session_was_due() -> None:
    result = adherence(Terms(), [], day(2))

    assert (result.sessions_due, result.sessions_logged, result.fraction) == (1, 0, 0.0)


def test_every_night_logged_is_complete() -> None:
    result = adherence(Terms(), nightly(10), day(11))

    assert (result.sessions_due, result.sessions_logged) == (10, 10)
    assert result.fraction == 1.0 and result.percent == 100
    assert result.minutes_logged == 150


def test_tonights_session_is_not_owed_in_the_morning_but_counts_once_logged() -> None:
    morning = adherence(Terms(), nightly(3), day(4))
    evening = adherence(Terms(), nightly(4), day(4))

    assert (morning.days_counted, morning.sessions_due, morning.fraction) == (3, 3, 1.0)
    assert (evening.days_counted, evening.sessions_due, evening.fraction) == (4, 4, 1.0)


@pytest.mark.parametrize(
    ("per_week", "days", "due"),
    [(3, 1, 0), (3, 2, 0), (3, 3, 1), (3, 5, 2), (3, 7, 3), (3, 10, 4), (2, 4, 1), (14, 3, 6)],
)
def test_a_partial_week_owes_only_the_whole_sessions_its_days_add_up_to(
    per_week: int, days: int, due: int
) -> None:
    result = adherence(Terms(sessions_per_week=per_week), [], day(days + 1))

    assert result.days_counted == days
    assert result.sessions_due == due


def test_partial_adherence_is_logged_over_due() -> None:
    logs = [Log(day(n)) for n in (1, 2, 4, 5, 7, 9, 10)]

    result = adherence(Terms(), logs, day(11))

    assert (result.sessions_logged, result.sessions_due) == (7, 10)
    assert result.fraction == pytest.approx(0.7) and result.percent == 70


def test_extra_sessions_never_raise_adherence_above_one() -> None:
    logs = nightly(3) + nightly(3)  # twice a night

    result = adherence(Terms(), logs, day(4))

    assert result.sessions_logged == 6
    assert result.fraction == 1.0


def test_the_period_stops_at_the_programs_last_day() -> None:
    terms = Terms(weeks=1)
    logs = [*nightly(7), Log(day(9))]

    result = adherence(terms, logs, day(30))

    assert result.last_day == day(7) == terms.ends_on
    assert (result.days_counted, result.days_planned) == (7, 7)
    assert (result.sessions_due, result.sessions_logged) == (7, 7)


def test_a_replaced_program_owes_nothing_from_the_day_it_ended() -> None:
    result = adherence(Terms(ended_on=day(6)), nightly(3), day(20))

    assert result.last_day == day(5)
    assert (result.sessions_due, result.sessions_logged) == (5, 3)
    assert result.fraction == pytest.approx(0.6)


def test_logs_before_the_start_do_not_count() -> None:
    result = adherence(Terms(), [Log(START - timedelta(days=1))], day(3))

    assert (result.sessions_due, result.sessions_logged) == (2, 0)
