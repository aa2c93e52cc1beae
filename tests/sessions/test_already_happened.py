"""No time in the future is accepted for what already happened, on SQLite and PostgreSQL.

A session documented at once has started and ended by now (its end is its start plus the minutes
given); each step of the live flow, each measure's own time, each adverse event, a screening and a
lab are by now too. One rule decides, with the same tolerance everywhere for a device's clock a
few minutes fast, and each refusal names the field by its full path and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.errors import ValidationError
from pedmassage.inbound import CLOCK_SKEW
from pedmassage.safety.contract import MeasurementEntry
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.sessions import service
from pedmassage.sessions.models import AdverseEvent, SessionMeasure, SessionRecord
from pedmassage.sessions.schemas import (
    AddendumCreate,
    AdverseEventCreate,
    DraftCreate,
    SessionCreate,
    SessionEnd,
    SessionFinish,
    SessionStart,
)

UNDER_WAY = "a session still under way is recorded with “Start a session now”"
JUST_OVER = CLOCK_SKEW + timedelta(seconds=1)
"""Past what a device's clock may run ahead of the server's: in the future."""
PRE = {"instrument": "nrs_11", "items": {"score": 6}}
POST = {"instrument": "nrs_11", "items": {"score": 2}}


def make_child(db: Session, now: datetime) -> str:
    data = {
        "display_name": "Past Tense",
        "birth_date": "2016-05-02",
        "vitals": [
            {
                "code": "temperature",
                "value": 36.8,
                "unit": "Cel",
                "taken_at": (now - timedelta(hours=2)).isoformat(),
            }
        ],
    }
    return children.create_child(db=db, data=ChildCreate.model_validate(data), now=now).id


def screen(db: Session, child_id: str, now: datetime, at: datetime) -> str:
    request = ScreeningCreate(
        therapist="P. Sharma", assessed_at=at, guardian_consent=True, child_assent=True
    )
    return screenings.screen_child(db=db, child_id=child_id, request=request, now=now).id


@pytest.fixture()
def screened(db: Session, now: datetime) -> tuple[str, str]:
    """A child screened an hour before ``now``: a session given since may be documented."""
    child_id = make_child(db, now)
    return child_id, screen(db, child_id, now, now - timedelta(hours=1))


def documented(screening_id: str, started_at: datetime, **overrides: Any) -> SessionCreate:
    data: dict[str, Any] = {
        "screening_id": screening_id,
        "therapist": "P. Sharma",
        "started_at": started_at.isoformat(),
        "minutes": 15,
        "pressure": 2,
        "regions": ["back"],
        "guardian_consent_by": "mother, in person",
        "child_assent": True,
        "pre": PRE,
        "post": POST,
    }
    return SessionCreate.model_validate({**data, **overrides})


def adverse(occurred_at: datetime) -> dict[str, str]:
    return {
        "occurred_at": occurred_at.isoformat(),
        "description": "skin redness",
        "severity": "mild",
        "action_taken": "stopped that region",
    }


def stored(db: Session) -> dict[str, int]:
    return {
        model.__name__: int(db.scalar(select(func.count()).select_from(model)) or 0)
        for model in (SessionRecord, SessionMeasure, AdverseEvent)
    }


def refused(db: Session, call: Any) -> ValidationError:
    """The refusal ``call`` raises, in a savepoint rolled back, as every edge's transaction is."""
    with pytest.raises(ValidationError) as err, db.begin_nested():
        call()
    return err.value


# --- a session documented at once --------------------------------------------------------------


def test_a_session_ending_after_now_is_refused_naming_its_start_and_nothing_is_stored(
    db: Session, now: datetime, screened: tuple[str, str]
) -> None:
    child_id, screening_id = screened
    before = stored(db)
    started = now - timedelta(minutes=5)  # 15 minutes from then is ten minutes from now

    error = refused(
        db,
        lambda: service.record_session(
            db=db, child_id=child_id, data=documented(screening_id, started), now=now
        ),
    )

    assert error.field == "started_at"
    assert error.value == started.isoformat()
    assert error.allowed.startswith("a start on or before 2026-11-25 08:45 UTC")
    assert error.allowed.endswith(UNDER_WAY)
    assert stored(db) == before


def test_a_session_that_ended_by_now_is_documented(
    db: Session, now: datetime, screened: tuple[str, str]
) -> None:
    child_id, screening_id = screened
    data = documented(screening_id, now - timedelta(minutes=15))

    record = service.record_session(db=db, child_id=child_id, data=data, now=now)

    assert record.status == "completed" and record.ended_at == now


def test_the_end_has_the_tolerance_every_stated_time_has(
    db: Session, now: datetime, screened: tuple[str, str]
) -> None:
    """A tablet a few minutes fast may put the end up to :data:`CLOCK_SKEW` after the server's now,
    as it may any time it states; a second more is the future."""
    child_id, screening_id = screened
    over = documented(screening_id, now - timedelta(minutes=15) + JUST_OVER)
    error = refused(
        db, lambda: service.record_session(db=db, child_id=child_id, data=over, now=now)
    )
    assert error.field == "started_at"
    within = documented(screening_id, now - timedelta(minutes=15) + CLOCK_SKEW)
    record = service.record_session(db=db, child_id=child_id, data=within, now=now)
    assert record.ended_at == now + CLOCK_SKEW


def test_a_no_at_the_start_is_documented_once_its_minutes_have_passed_too(
    db: Session, now: datetime, screened: tuple[str, str]
) -> None:
    """The "after" measure of a session the child declined is dated its end: that is by now too."""
    child_id, screening_id = screened
    declined = {"child_assent": False, "status": "ended_early", "end_reason": "said no"}
    early = documented(screening_id, now - timedelta(minutes=5), **declined)

    error = refused(
        db, lambda: service.record_session(db=db, child_id=child_id, data=early, now=now)
    )

    assert error.field == "started_at" and UNDER_WAY in error.allowed


Later = Callable[[datetime, datetime], dict[str, Any]]
"""The fields that carry a time after now, from (a time by now, a time after now)."""

LATER_TIMES: list[tuple[Later, str]] = [
    (lambda _, later: {"pre": {**PRE, "taken_at": later.isoformat()}}, "pre.taken_at"),
    (lambda _, later: {"post": {**POST, "taken_at": later.isoformat()}}, "post.taken_at"),
    (lambda _, later: {"adverse_events": [adverse(later)]}, "adverse_events[0].occurred_at"),
    (
        lambda past, later: {"adverse_events": [adverse(past), adverse(later)]},
        "adverse_events[1].occurred_at",
    ),
]


@pytest.mark.parametrize(("later_times", "field"), LATER_TIMES)
def test_a_measure_or_an_adverse_event_after_now_is_refused_by_its_full_path(
    db: Session, now: datetime, screened: tuple[str, str], later_times: Later, field: str
) -> None:
    child_id, screening_id = screened
    started, later = now - timedelta(minutes=20), now + JUST_OVER
    before = stored(db)
    data = documented(screening_id, started, **later_times(started, later))

    error = refused(
        db, lambda: service.record_session(db=db, child_id=child_id, data=data, now=now)
    )

    assert (error.field, error.value) == (field, later.isoformat())
    assert error.allowed == "not in the future (now is 2026-11-25 09:00 UTC)"
    assert stored(db) == before


def test_a_start_after_now_is_refused_as_in_the_future(
    db: Session, now: datetime, screened: tuple[str, str]
) -> None:
    child_id, screening_id = screened
    data = documented(screening_id, now + JUST_OVER)

    error = refused(
        db, lambda: service.record_session(db=db, child_id=child_id, data=data, now=now)
    )

    assert error.field == "started_at"
    assert error.allowed.startswith("not in the future")


# --- the live flow, step by step ---------------------------------------------------------------


def draft(db: Session, now: datetime) -> str:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now, now)
    data = DraftCreate(screening_id=screening_id, therapist="P. Sharma")
    return service.create_draft(db=db, child_id=child_id, data=data, now=now).id


def start_at(started_at: datetime, **overrides: Any) -> SessionStart:
    data = {"started_at": started_at, "guardian_consent_by": "mother", "child_assent": True}
    return SessionStart.model_validate({**data, "pre": PRE, **overrides})


def finish_at(ended_at: datetime, **overrides: Any) -> dict[str, Any]:
    return {"ended_at": ended_at, "minutes": 10, "pressure": 2, "regions": ["back"], **overrides}


def started(db: Session, now: datetime) -> str:
    session_id = draft(db, now)
    service.start_session(db=db, session_id=session_id, data=start_at(now), now=now)
    return session_id


@pytest.mark.parametrize("field", ["started_at", "pre.taken_at"])
def test_a_start_or_its_before_measure_after_now_is_refused(
    db: Session, now: datetime, field: str
) -> None:
    session_id = draft(db, now)
    later = now + JUST_OVER
    by_field = {
        "started_at": start_at(later),
        "pre.taken_at": start_at(now, pre={**PRE, "taken_at": later}),
    }

    error = refused(
        db,
        lambda: service.start_session(db=db, session_id=session_id, data=by_field[field], now=now),
    )

    assert (error.field, error.value) == (field, later.isoformat())
    assert service.get_session(db=db, session_id=session_id).status == "draft"


@pytest.mark.parametrize("step", ["complete", "end_early"])
@pytest.mark.parametrize("field", ["ended_at", "post.taken_at"])
def test_an_end_or_its_after_measure_after_now_is_refused(
    db: Session, now: datetime, step: str, field: str
) -> None:
    session_id = started(db, now)
    ended, later = now + timedelta(minutes=10), now + timedelta(minutes=10) + JUST_OVER
    post = {**POST, "taken_at": later if field == "post.taken_at" else ended}
    given = finish_at(later if field == "ended_at" else ended, post=post)
    finishing: SessionFinish | SessionEnd
    if step == "complete":
        finishing = SessionFinish.model_validate(given)
        use_case: Any = service.complete_session
    else:
        finishing = SessionEnd.model_validate({**given, "reason": "arched and looked away"})
        use_case = service.end_session_early

    error = refused(db, lambda: use_case(db=db, session_id=session_id, data=finishing, now=ended))

    assert (error.field, error.value) == (field, later.isoformat())
    assert service.get_session(db=db, session_id=session_id).status == "in_progress"


def test_an_adverse_event_after_now_is_refused_and_one_by_now_is_kept(
    db: Session, now: datetime
) -> None:
    session_id = started(db, now)
    later = now + timedelta(minutes=8)

    def report(at: datetime) -> AdverseEvent:
        return service.add_adverse_event(
            db=db,
            session_id=session_id,
            data=AdverseEventCreate.model_validate(adverse(at)),
            recorded_by="P. Sharma",
            now=now + timedelta(minutes=2),
        )

    error = refused(db, lambda: report(later))
    assert (error.field, error.value) == ("occurred_at", later.isoformat())
    assert stored(db)["AdverseEvent"] == 0
    assert report(now + timedelta(minutes=1)).occurred_at is not None


def test_a_signature_and_an_addendum_are_dated_by_the_server_not_stated(
    db: Session, now: datetime
) -> None:
    """Nothing to refuse: the times of a signature and an addendum are the server's own now."""
    session_id = started(db, now)
    ended = now + timedelta(minutes=10)
    service.complete_session(
        db=db,
        session_id=session_id,
        data=SessionFinish.model_validate(finish_at(ended, post=POST)),
        now=ended,
    )
    signed = service.sign_session(db=db, session_id=session_id, signer="P. Sharma", now=ended)
    assert signed.signed_at == ended
    later = ended + timedelta(hours=1)
    text = AddendumCreate(author="P. Sharma", text="Pressure was 2.")
    addendum = service.add_addendum(db=db, session_id=session_id, data=text, now=later)
    assert addendum.written_at == later


# --- the same rule beside the sessions ---------------------------------------------------------


def test_a_screening_stated_after_now_is_refused_with_the_same_tolerance(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)
    error = refused(db, lambda: screen(db, child_id, now, now + JUST_OVER))
    assert (error.field, error.allowed) == (
        "assessed_at",
        "not in the future (now is 2026-11-25 09:00 UTC)",
    )
    assert screen(db, child_id, now, now + CLOCK_SKEW)


def test_a_lab_taken_after_now_is_refused_with_the_same_tolerance(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)

    def observe(at: datetime) -> object:
        entry = MeasurementEntry(code="platelets", value=180, unit="10^9/L", taken_at=at)
        return children.add_observation(
            db=db, child_id=child_id, category="lab", data=entry, now=now
        )

    error = refused(db, lambda: observe(now + JUST_OVER))
    assert (error.field, error.allowed) == (
        "lab.taken_at",
        "not in the future (now is 2026-11-25 09:00 UTC)",
    )
    assert observe(now + CLOCK_SKEW)
