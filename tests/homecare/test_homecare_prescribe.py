"""Prescribing: the routine comes from the planner on the child's latest screening, in plain words,
with what to avoid and when to stop; one routine at a time; never on a hold or an old screening."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from pedmassage.errors import ConflictError, ValidationError
from pedmassage.homecare import service
from pedmassage.homecare.public import program_public
from pedmassage.homecare.rules import diary

from .conftest import THERAPIST, Cast, make_child, screen


def temperature_at(moment: datetime) -> list[dict[str, object]]:
    return [{"code": "temperature", "value": 36.8, "unit": "Cel", "taken_at": moment.isoformat()}]


def on_team(db: Session, child_id: str, now: datetime) -> None:
    service.add_care_team_member(
        db=db, child_id=child_id, staff_name=THERAPIST, role="therapist", now=now
    )


def test_the_routine_is_the_planners_parent_protocol_in_plain_words(
    db: Session, cast: Cast
) -> None:
    program = program_public(
        service.get_program(db=db, viewer=cast.therapist, program_id=cast.program_id)
    )

    assert (program.protocol_id, program.protocol_version) == ("asthma_parent_bedtime", "2026.11.1")
    assert program.status == "active"
    assert (program.minutes, program.sessions_per_week, program.weeks) == (20, 7, 5)
    assert program.timing == "Before bed"
    assert program.prescribed_by == THERAPIST
    assert all(step.plain_language for step in program.steps)
    assert program.sources and "Field T" in program.sources[0]


def test_what_to_avoid_comes_from_the_screening_in_plain_words(db: Session, cast: Cast) -> None:
    program = service.get_program(db=db, viewer=cast.therapist, program_id=cast.program_id)

    assert "Do not touch: Arm (left)." in program.avoid
    assert "Never massage the genital area." in program.avoid
    assert not any("arm_left" in line for line in program.avoid)
    assert {s["site"] for s in program.steps}.isdisjoint({"arm_left", "hand_left"})
    assert any("Lines" in line for line in program.precautions)


def test_the_stop_signs_are_the_diarys_plain_words(db: Session, cast: Cast) -> None:
    program = service.get_program(db=db, viewer=cast.parent, program_id=cast.program_id)

    assert program.stop_when == [sign.text for sign in diary().stop_when]
    assert any("says stop" in line for line in program.stop_when)
    assert any("breathing" in line.lower() for line in program.stop_when)


def test_signs_meant_for_babies_are_left_out_for_a_school_age_child(
    db: Session, now: datetime, cast: Cast
) -> None:
    program = service.get_program(db=db, viewer=cast.parent, program_id=cast.program_id)
    baby = make_child(
        db,
        now,
        birth_date=(now.date() - timedelta(days=200)).isoformat(),
        conditions=[{"code": "sleep_problem"}],
        devices=[],
        verbal=False,
    )[0]
    screen(db, baby, now, child_assent=None)
    on_team(db, baby, now)
    infant = service.prescribe_home_program(
        db=db, child_id=baby, prescribed_by=THERAPIST, goals=["sleep"], now=now
    )

    assert any("fever" in line for line in program.skip_if)
    assert not any("baby" in line for line in program.skip_if)
    assert any("baby" in line for line in infant.skip_if)
    assert infant.protocol_id == "sleep_bedtime"


def test_the_therapist_can_shorten_and_space_out_the_routine(db: Session, now: datetime) -> None:
    child_id, _ = make_child(db, now)
    screen(db, child_id, now)
    on_team(db, child_id, now)

    program = service.prescribe_home_program(
        db=db,
        child_id=child_id,
        prescribed_by=THERAPIST,
        goals=["breathing"],
        minutes=10,
        sessions_per_week=3,
        weeks=2,
        now=now,
    )

    assert (program.minutes, program.sessions_per_week, program.weeks) == (10, 3, 2)
    assert program.ends_on == now.date() + timedelta(days=13)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [("sessions_per_week", 0, "1 to 14"), ("weeks", 27, "1 to 26"), ("minutes", 90, "1 to 60")],
)
def test_an_impossible_frequency_names_the_field(
    db: Session, now: datetime, cast: Cast, field: str, value: int, allowed: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        service.prescribe_home_program(
            db=db, child_id=cast.child_id, prescribed_by=THERAPIST, now=now, **{field: value}
        )

    assert refused.value.field == field
    assert allowed in refused.value.allowed


def test_prescribing_again_ends_the_previous_routine(
    db: Session, now: datetime, cast: Cast
) -> None:
    later = now + timedelta(hours=2)
    newer = service.prescribe_home_program(
        db=db, child_id=cast.child_id, prescribed_by=THERAPIST, goals=["anxiety"], now=later
    )
    older = service.get_program(db=db, viewer=cast.therapist, program_id=cast.program_id)

    assert (older.status, older.ended_at) == ("ended", later)
    assert "Replaced" in older.end_reason
    assert newer.status == "active"
    active = service.active_program(db=db, viewer=cast.parent, child_id=cast.child_id)
    assert active is not None and active.id == newer.id


def test_a_hold_is_refused_and_nothing_is_prescribed(db: Session, now: datetime) -> None:
    child_id, guardian_id = make_child(db, now)
    screen(db, child_id, now, guardian_consent=None)  # no permission: the screening holds
    on_team(db, child_id, now)

    with pytest.raises(ConflictError) as refused:
        service.prescribe_home_program(db=db, child_id=child_id, prescribed_by=THERAPIST, now=now)

    assert "hold" in str(refused.value)
    from pedmassage.homecare.access import Viewer

    _, program = service.parent_home(db=db, viewer=Viewer.guardian(guardian_id))
    assert program is None


def test_a_child_who_was_never_screened_cannot_be_prescribed(db: Session, now: datetime) -> None:
    child_id, _ = make_child(db, now)
    on_team(db, child_id, now)

    with pytest.raises(ConflictError) as refused:
        service.prescribe_home_program(db=db, child_id=child_id, prescribed_by=THERAPIST, now=now)

    assert refused.value.field == "screening_id"


def test_an_old_screening_must_be_repeated(db: Session, now: datetime) -> None:
    eight_days_ago = now - timedelta(days=8)
    child_id, _ = make_child(db, now, vitals=temperature_at(eight_days_ago - timedelta(hours=1)))
    screen(db, child_id, eight_days_ago)
    on_team(db, child_id, now)

    with pytest.raises(ValidationError) as refused:
        service.prescribe_home_program(db=db, child_id=child_id, prescribed_by=THERAPIST, now=now)

    assert refused.value.field == "screening_id"
    assert "screen again" in refused.value.allowed


def test_only_the_latest_screening_can_be_named(db: Session, now: datetime) -> None:
    child_id, _ = make_child(db, now, vitals=temperature_at(now - timedelta(hours=4)))
    first = screen(db, child_id, now - timedelta(hours=3))
    screen(db, child_id, now)
    on_team(db, child_id, now)

    with pytest.raises(ValidationError) as refused:
        service.prescribe_home_program(
            db=db, child_id=child_id, prescribed_by=THERAPIST, screening_id=first, now=now
        )

    assert refused.value.field == "screening_id"
