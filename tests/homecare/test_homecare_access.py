"""Who sees what: a parent sees their own child's routine and no other; staff see a child only
from the child's care team. Until login arrives the viewer is explicit in every call."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.errors import AccessDeniedError, ConflictError, ValidationError
from pedmassage.homecare import service
from pedmassage.homecare.access import Viewer
from pedmassage.homecare.models import HomeSessionLog, ParentMeasure

from .conftest import OTHER_THERAPIST, THERAPIST, Cast

PSOC = {f"item_{i}": 4.0 for i in range(1, 18)}


def test_a_parent_sees_their_own_childs_routine(db: Session, cast: Cast) -> None:
    child, program = service.parent_home(db=db, viewer=cast.parent)

    assert child.id == cast.child_id
    assert program is not None and program.id == cast.program_id
    assert service.get_program(db=db, viewer=cast.parent, program_id=cast.program_id).steps


def test_a_parent_cannot_see_another_childs_routine(db: Session, cast: Cast) -> None:
    with pytest.raises(AccessDeniedError) as refused:
        service.get_program(db=db, viewer=cast.other_parent, program_id=cast.program_id)
    with pytest.raises(AccessDeniedError):
        service.active_program(db=db, viewer=cast.other_parent, child_id=cast.child_id)

    assert refused.value.field == "viewer"
    assert "Zara" not in str(refused.value)


def test_the_other_parent_sees_only_their_own_child_who_has_no_routine(
    db: Session, cast: Cast
) -> None:
    child, program = service.parent_home(db=db, viewer=cast.other_parent)

    assert child.id == cast.other_child_id
    assert program is None


def test_an_unknown_guardian_id_is_refused_like_a_stranger(db: Session, cast: Cast) -> None:
    with pytest.raises(AccessDeniedError):
        service.parent_home(db=db, viewer=Viewer.guardian("01J0000000000000000000000X"))


def test_staff_off_the_care_team_are_refused(db: Session, now: datetime, cast: Cast) -> None:
    stranger = Viewer.staff(OTHER_THERAPIST)

    with pytest.raises(AccessDeniedError):
        service.child_home_summary(db=db, viewer=stranger, child_id=cast.child_id, as_of=now.date())
    with pytest.raises(AccessDeniedError):
        service.prescribe_home_program(
            db=db, child_id=cast.child_id, prescribed_by=OTHER_THERAPIST, now=now
        )
    assert service.open_flags(db=db, staff_name=OTHER_THERAPIST) == []


def test_staff_on_the_care_team_see_the_summary(db: Session, now: datetime, cast: Cast) -> None:
    summary = service.child_home_summary(
        db=db, viewer=cast.therapist, child_id=cast.child_id, as_of=now.date()
    )

    assert summary.program is not None and summary.program.id == cast.program_id


def test_only_a_parent_logs_home_sessions_and_nothing_is_stored_for_anyone_else(
    db: Session, now: datetime, cast: Cast
) -> None:
    for viewer in (cast.therapist, cast.other_parent, Viewer.staff(OTHER_THERAPIST)):
        with pytest.raises(AccessDeniedError):
            service.log_home_session(
                db=db,
                viewer=viewer,
                program_id=cast.program_id,
                session_date=now.date(),
                minutes=20,
                response="settled",
                now=now,
            )

    assert db.scalar(select(func.count()).select_from(HomeSessionLog)) == 0


def test_another_childs_parent_cannot_record_confidence_for_this_child(
    db: Session, now: datetime, cast: Cast
) -> None:
    with pytest.raises(AccessDeniedError):
        service.record_parent_measure(
            db=db, viewer=cast.other_parent, child_id=cast.child_id, items=PSOC, now=now
        )

    assert db.scalar(select(func.count()).select_from(ParentMeasure)) == 0


def test_the_parents_guardian_ids_are_listed_only_to_the_care_team(db: Session, cast: Cast) -> None:
    parents = service.parents(db=db, viewer=cast.therapist, child_id=cast.child_id)

    assert [p.id for p in parents] == [cast.parent.guardian_id]
    with pytest.raises(AccessDeniedError):
        service.parents(db=db, viewer=Viewer.staff(OTHER_THERAPIST), child_id=cast.child_id)
    with pytest.raises(AccessDeniedError):
        service.parents(db=db, viewer=cast.parent, child_id=cast.child_id)


def test_the_same_person_cannot_join_a_care_team_twice(
    db: Session, now: datetime, cast: Cast
) -> None:
    with pytest.raises(ConflictError):
        service.add_care_team_member(
            db=db, child_id=cast.child_id, staff_name=f"  {THERAPIST} ", role="nurse", now=now
        )


def test_a_viewer_is_exactly_one_of_a_parent_or_staff() -> None:
    with pytest.raises(ValidationError) as neither:
        Viewer.from_parts(guardian=None, staff="  ")
    with pytest.raises(ValidationError):
        Viewer.from_parts(guardian="01J0000000000000000000000X", staff=THERAPIST)

    assert neither.value.field == "viewer"
    assert Viewer.from_parts(guardian=None, staff=" R.  Okafor ").staff_name == "R. Okafor"
