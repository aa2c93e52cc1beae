"""May this care rest on this screening, at this time? One answer, for sessions and home programs.

A screening describes the child when it was made. A session rests on it for 12 hours, a home
program for 7 days; never on a hold, never on another child's screening, and never once a newer
screening of the child exists. Device clocks may differ by up to five minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.screenings import service as screenings
from pedmassage.screenings.reliance import (
    CLOCK_SKEW,
    Care,
    latest_screening_before,
    screening_for_care,
)
from pedmassage.screenings.schemas import ScreeningCreate


def make_child(db: Session, now: datetime, measured: timedelta = timedelta(hours=1)) -> str:
    data: dict[str, Any] = {
        "display_name": "Reliance Child",
        "birth_date": "2017-05-02",
        "sex": "female",
        "conditions": [{"code": "asthma"}],
        "vitals": [
            {
                "code": "temperature",
                "value": 36.8,
                "unit": "Cel",
                "taken_at": (now - measured).isoformat(),
            }
        ],
    }
    return children.create_child(db=db, data=ChildCreate.model_validate(data), now=now).id


def screen(db: Session, child_id: str, at: datetime, consent: bool | None = True) -> str:
    request = ScreeningCreate(therapist="R. Okafor", guardian_consent=consent, child_assent=True)
    request = request.model_copy(update={"assessed_at": at})
    return screenings.screen_child(db=db, child_id=child_id, request=request, now=at).id


def rests_on(db: Session, child_id: str, care: Care, screening_id: str | None) -> str:
    found = screening_for_care(db=db, child_id=child_id, care=care, screening_id=screening_id)
    return found.id


def test_a_session_within_twelve_hours_rests_on_its_screening(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    at = now + timedelta(hours=12)
    assert rests_on(db, child_id, Care.session(at), screening_id) == screening_id


def test_a_session_past_the_window_names_the_screening_when_the_time_is_now(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    late = now + timedelta(hours=12) + CLOCK_SKEW + timedelta(seconds=1)
    with pytest.raises(ValidationError) as refused:
        rests_on(db, child_id, Care.session(late), screening_id)
    assert refused.value.field == "screening_id"
    assert refused.value.allowed == "a screening from the last 12 h; screen again"


def test_a_stated_start_outside_the_window_names_the_start(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    for at in (now - timedelta(seconds=1), now + timedelta(hours=12, seconds=1)):
        with pytest.raises(ValidationError) as refused:
            rests_on(db, child_id, Care.session(at, at_field="started_at"), screening_id)
        assert refused.value.field == "started_at"
        assert "within 12 h after the screening" in refused.value.allowed


def test_a_session_planned_now_tolerates_clocks_a_few_minutes_apart(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    for at in (now - CLOCK_SKEW, now + timedelta(hours=12) + CLOCK_SKEW):
        assert rests_on(db, child_id, Care.session(at), screening_id) == screening_id


def test_a_home_program_window_has_no_tolerance(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    assert rests_on(db, child_id, Care.home_program(now + timedelta(days=7)), None) == screening_id
    with pytest.raises(ValidationError):
        rests_on(db, child_id, Care.home_program(now + timedelta(days=7, seconds=1)), None)


def test_no_care_rests_on_a_hold(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    held = screen(db, child_id, now, consent=None)  # no permission recorded: hold
    with pytest.raises(ConflictError, match="says hold: no session") as refused:
        rests_on(db, child_id, Care.session(now), held)
    assert "Guardian" in str(refused.value)  # the hold's own reasons are given
    with pytest.raises(ConflictError, match="says hold: no home program"):
        rests_on(db, child_id, Care.home_program(now), None)


def test_a_newer_screening_replaces_the_one_named(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    first = screen(db, child_id, now)
    newer = screen(db, child_id, now + timedelta(hours=1))
    at = now + timedelta(hours=2)
    with pytest.raises(ConflictError, match="newer screening"):
        rests_on(db, child_id, Care.session(at), first)
    with pytest.raises(ValidationError) as refused:
        rests_on(db, child_id, Care.home_program(at), first)
    assert refused.value.allowed == f"the latest screening ({newer})"


def test_a_screening_made_after_the_care_does_not_replace_it(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    first = screen(db, child_id, now)
    screen(db, child_id, now + timedelta(hours=3))
    documented_session = now + timedelta(hours=1)
    assert rests_on(db, child_id, Care.session(documented_session), first) == first


def test_a_home_program_takes_the_latest_screening_within_seven_days(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now, measured=timedelta(days=3))
    screen(db, child_id, now - timedelta(days=2))
    latest = screen(db, child_id, now - timedelta(days=1))
    assert rests_on(db, child_id, Care.home_program(now), None) == latest
    with pytest.raises(ValidationError) as refused:
        rests_on(db, child_id, Care.home_program(now + timedelta(days=7)), None)
    assert refused.value.allowed == "a screening from the last 7 days; screen again"


def test_a_child_never_screened_has_nothing_to_rest_on(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    with pytest.raises(ConflictError, match="has not been screened"):
        rests_on(db, child_id, Care.home_program(now), None)


def test_another_childs_screening_is_refused(db: Session, now: datetime) -> None:
    child_id, other = make_child(db, now), make_child(db, now)
    theirs = screen(db, other, now)
    with pytest.raises(ValidationError) as refused:
        rests_on(db, child_id, Care.session(now), theirs)
    assert refused.value.allowed == "a screening of this child"


def test_an_unknown_screening_is_not_found(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    with pytest.raises(NotFoundError):
        rests_on(db, child_id, Care.session(now), "01JZZZZZZZZZZZZZZZZZZZZZZZ")


def test_the_latest_screening_before_a_moment_ignores_later_ones(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)
    first = screen(db, child_id, now)
    screen(db, child_id, now + timedelta(hours=2))
    found = latest_screening_before(db=db, child_id=child_id, moment=now + timedelta(hours=1))
    assert found is not None and found.id == first
