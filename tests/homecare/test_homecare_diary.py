"""The parent's diary: each home session is checked before it is stored, a problem raises a flag
on the therapist's list, and acknowledging it records who reviewed it and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.errors import ConflictError, ValidationError
from pedmassage.homecare import service
from pedmassage.homecare.models import HomeFlag, HomeSessionLog
from pedmassage.homecare.rules import confidence_due, diary

from .conftest import THERAPIST, Cast, LogSession


def stored(db: Session, table: type[Any]) -> int:
    return int(db.scalar(select(func.count()).select_from(table)) or 0)


def test_a_home_session_is_stored_with_who_logged_it(
    db: Session, cast: Cast, log_session: LogSession
) -> None:
    log = log_session(note="Fell asleep before the back.")

    assert log.guardian_id == cast.parent.guardian_id
    assert (log.minutes, log.response, log.problem) == (20, "relaxed", "none")
    assert log.flag is None
    assert stored(db, HomeFlag) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "allowed"),
    [
        ({"minutes": 0}, "minutes", "1 to 60 minutes"),
        ({"minutes": 61}, "minutes", "1 to 60 minutes"),
        ({"response": "happy"}, "response", "settled, relaxed, asleep, neutral, unsettled"),
        ({"problem": "bruise"}, "problem", "pain_during_massage, skin_change"),
        ({"problem": "other"}, "note", "a few words"),
    ],
)
def test_a_refused_entry_names_the_field_and_what_is_allowed_and_stores_nothing(
    db: Session, log_session: LogSession, overrides: dict[str, Any], field: str, allowed: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        log_session(**overrides)

    assert refused.value.field == field
    assert allowed in refused.value.allowed
    assert stored(db, HomeSessionLog) == 0
    assert stored(db, HomeFlag) == 0


def test_a_date_in_the_future_is_refused(
    db: Session, now: datetime, log_session: LogSession
) -> None:
    with pytest.raises(ValidationError) as refused:
        log_session(session_date=now.date() + timedelta(days=2), problem="skin_change")

    assert (refused.value.field, refused.value.allowed) == ("session_date", "not in the future")
    assert stored(db, HomeSessionLog) == 0
    assert stored(db, HomeFlag) == 0


def test_tomorrow_somewhere_east_is_still_today_for_the_family(
    now: datetime, log_session: LogSession
) -> None:
    # At 23:00 UTC it is already tomorrow from UTC+1 eastwards.
    log = log_session(session_date=now.date() + timedelta(days=1), now=now + timedelta(hours=14))

    assert log.session_date == now.date() + timedelta(days=1)


def test_a_date_before_the_program_started_is_refused(
    db: Session, now: datetime, log_session: LogSession
) -> None:
    with pytest.raises(ValidationError) as refused:
        log_session(session_date=now.date() - timedelta(days=1))

    assert refused.value.field == "session_date"
    assert "when the home program started" in refused.value.allowed
    assert stored(db, HomeSessionLog) == 0


@pytest.mark.parametrize("problem", ["pain_during_massage", "skin_change", "breathing_difficulty"])
def test_a_problem_raises_a_flag_on_the_therapists_list(
    db: Session, cast: Cast, log_session: LogSession, problem: str
) -> None:
    log = log_session(problem=problem, note="Happened halfway through.")

    (flag,) = service.open_flags(db=db, staff_name=THERAPIST)
    assert flag.log_id == log.id
    assert flag.child_id == cast.child_id
    assert flag.problem == problem
    assert flag.acknowledged_by is None and flag.acknowledged_at is None
    assert flag.urgency == diary().problem(problem).urgency


def test_breathing_difficulty_is_urgent_and_comes_first(
    db: Session, now: datetime, log_session: LogSession
) -> None:
    log_session(problem="skin_change", now=now + timedelta(hours=1))
    log_session(problem="breathing_difficulty", now=now + timedelta(hours=2))

    flags = service.open_flags(db=db, staff_name=THERAPIST)

    assert [f.problem for f in flags] == ["breathing_difficulty", "skin_change"]
    assert flags[0].urgency == "urgent"


def test_acknowledging_a_flag_records_who_and_when_and_clears_it_from_open_flags(
    db: Session, now: datetime, cast: Cast, log_session: LogSession
) -> None:
    log_session(problem="pain_during_massage")
    (flag,) = service.open_flags(db=db, staff_name=THERAPIST)
    later = now + timedelta(days=1)

    done = service.acknowledge_flag(
        db=db,
        viewer=cast.therapist,
        flag_id=flag.id,
        action="Phoned: lighter on the knee.",
        now=later,
    )

    assert (done.acknowledged_by, done.acknowledged_at) == (THERAPIST, later)
    assert done.action == "Phoned: lighter on the knee."
    assert service.open_flags(db=db, staff_name=THERAPIST) == []
    with pytest.raises(ConflictError):
        service.acknowledge_flag(db=db, viewer=cast.therapist, flag_id=flag.id, now=later)


def test_a_parent_cannot_acknowledge_a_flag(
    db: Session, now: datetime, cast: Cast, log_session: LogSession
) -> None:
    from pedmassage.errors import AccessDeniedError

    log_session(problem="skin_change")
    (flag,) = service.open_flags(db=db, staff_name=THERAPIST)

    with pytest.raises(AccessDeniedError):
        service.acknowledge_flag(db=db, viewer=cast.parent, flag_id=flag.id, now=now)
    assert len(service.open_flags(db=db, staff_name=THERAPIST)) == 1


def test_parent_confidence_is_scored_and_kept_with_its_instrument_version(
    db: Session, now: datetime, cast: Cast
) -> None:
    items = {f"item_{i}": 6.0 for i in range(1, 18)}  # nine reverse-scored items count 1 each

    measure = service.record_parent_measure(
        db=db, viewer=cast.parent, child_id=cast.child_id, items=items, now=now
    )

    assert (measure.instrument_id, measure.instrument_version) == ("psoc", "17-item")
    assert measure.total == 8 * 6 + 9 * 1
    assert measure.program_id == cast.program_id
    assert measure.entered_by == "parent"


def test_a_missing_psoc_item_is_named_and_nothing_is_stored(
    db: Session, now: datetime, cast: Cast
) -> None:
    from pedmassage.homecare.models import ParentMeasure

    items = {f"item_{i}": 3.0 for i in range(1, 17)}

    with pytest.raises(ValidationError) as refused:
        service.record_parent_measure(
            db=db, viewer=cast.therapist, child_id=cast.child_id, items=items, now=now
        )

    assert refused.value.field == "items.item_17"
    assert stored(db, ParentMeasure) == 0


def test_only_parent_confidence_instruments_are_accepted(
    db: Session, now: datetime, cast: Cast
) -> None:
    with pytest.raises(ValidationError) as refused:
        service.record_parent_measure(
            db=db,
            viewer=cast.parent,
            child_id=cast.child_id,
            instrument="flacc",
            items={"face": 0},
            now=now,
        )

    assert (refused.value.field, refused.value.allowed) == ("instrument", "one of: psoc")


def test_an_ended_program_takes_no_more_entries(
    db: Session, now: datetime, cast: Cast, log_session: LogSession
) -> None:
    service.prescribe_home_program(
        db=db, child_id=cast.child_id, prescribed_by=THERAPIST, goals=["sleep"], now=now
    )

    with pytest.raises(ConflictError):
        log_session()
    assert stored(db, HomeSessionLog) == 0


@dataclass(frozen=True)
class Taken:
    program_id: str | None
    taken_at: datetime


def test_parent_confidence_is_due_at_the_start_and_again_in_the_last_week() -> None:
    ends_on = date(2026, 12, 29)
    start = datetime(2026, 11, 25, 20, tzinfo=UTC)
    baseline = [Taken("p1", start)]

    def due(measures: list[Taken], on: date) -> str | None:
        return confidence_due(program_id="p1", ends_on=ends_on, measures=measures, as_of=on)

    assert due([], date(2026, 11, 25)) == "start"
    assert due([Taken("older", start)], date(2026, 11, 25)) == "start"
    assert due(baseline, date(2026, 12, 22)) is None
    assert due(baseline, date(2026, 12, 23)) == "end"
    assert due([*baseline, Taken("p1", start + timedelta(days=29))], date(2026, 12, 29)) is None
