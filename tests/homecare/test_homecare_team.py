"""What the care team sees of the home program on a child's pages: nothing until someone is
named, a refusal in place for staff off the team, and for the team the same summary the API
gives, beside the hospital sessions; the parents' guardian ids only to the team."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from pedmassage.errors import AccessDeniedError, NotFoundError
from pedmassage.homecare import service, team
from pedmassage.homecare.access import Viewer
from pedmassage.sessions import service as sessions
from pedmassage.sessions.schemas import DraftCreate

from .conftest import OTHER_THERAPIST, THERAPIST, Cast, screen


def test_the_home_program_waits_until_someone_is_named(
    db: Session, now: datetime, cast: Cast
) -> None:
    view = team.home_program_view(db=db, viewer=None, child_id=cast.child_id, as_of=now.date())

    assert (view.state, view.staff, view.summary) == ("ask", "", None)


def test_staff_off_the_care_team_are_told_so_in_place_and_see_no_home_data(
    db: Session, now: datetime, cast: Cast
) -> None:
    stranger = Viewer.staff(OTHER_THERAPIST)

    page = team.child_home(db=db, viewer=stranger, child_id=cast.child_id, as_of=now.date())

    assert (page.home.state, page.home.staff, page.home.summary) == (
        "denied",
        OTHER_THERAPIST,
        None,
    )
    assert page.hospital_sessions == []


def test_the_care_team_sees_the_same_summary_the_api_gives(
    db: Session, now: datetime, cast: Cast
) -> None:
    view = team.home_program_view(
        db=db, viewer=cast.therapist, child_id=cast.child_id, as_of=now.date()
    )

    assert view.state == "shown"
    assert view.summary == service.child_home_summary(
        db=db, viewer=cast.therapist, child_id=cast.child_id, as_of=now.date()
    )


def test_the_home_program_sits_beside_the_hospital_sessions(
    db: Session, now: datetime, cast: Cast
) -> None:
    draft = sessions.create_draft(
        db=db,
        child_id=cast.child_id,
        data=DraftCreate(screening_id=screen(db, cast.child_id, now), therapist=THERAPIST),
        now=now,
    )

    page = team.child_home(db=db, viewer=cast.therapist, child_id=cast.child_id, as_of=now.date())

    assert (page.child_id, page.child_name) == (cast.child_id, "Zara Synthetic")
    assert [s.id for s in page.hospital_sessions] == [draft.id]
    assert page.labels.problems["skin_change"]


def test_an_unknown_child_has_no_home_program_page(db: Session, now: datetime, cast: Cast) -> None:
    with pytest.raises(NotFoundError):
        team.child_home(
            db=db, viewer=cast.therapist, child_id="01J0000000000000000000000X", as_of=now.date()
        )


def test_the_roster_shows_the_parents_only_to_a_member_of_the_care_team(
    db: Session, cast: Cast
) -> None:
    member = team.care_team_roster(db=db, child_id=cast.child_id, viewer=cast.therapist)
    anyone = team.care_team_roster(db=db, child_id=cast.child_id)

    assert [m.staff_name for m in member.care_team] == [THERAPIST]
    assert [p.guardian_id for p in member.parents] == [cast.parent.guardian_id]
    assert anyone.care_team == member.care_team and anyone.parents == []
    with pytest.raises(AccessDeniedError):
        team.care_team_roster(db=db, child_id=cast.child_id, viewer=Viewer.staff(OTHER_THERAPIST))
