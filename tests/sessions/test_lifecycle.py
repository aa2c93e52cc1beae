"""The session lifecycle: draft → in progress → completed or ended early → signed → addenda.

Every transition the state machine does not list is illegal, and a signed session never changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.errors import ConflictError, ValidationError
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.sessions import service
from pedmassage.sessions.lifecycle import (
    STATES,
    TRANSITIONS,
    IllegalTransitionError,
    next_state,
)
from pedmassage.sessions.schemas import (
    AddendumCreate,
    AdverseEventCreate,
    DraftCreate,
    SessionEnd,
    SessionFinish,
    SessionStart,
)

LEGAL = {(state, action) for action, moves in TRANSITIONS.items() for state in moves}
ALL = [(state, action) for state in STATES for action in TRANSITIONS]


@pytest.mark.parametrize(("state", "action"), [p for p in ALL if p not in LEGAL])
def test_every_transition_not_listed_is_illegal(state: str, action: Any) -> None:
    with pytest.raises(IllegalTransitionError) as err:
        next_state(state, action)
    assert err.value.state == state


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        ("draft", "start", "in_progress"),
        ("draft", "end_early", "ended_early"),
        ("in_progress", "complete", "completed"),
        ("in_progress", "end_early", "ended_early"),
        ("completed", "sign", "signed"),
        ("ended_early", "sign", "signed"),
        ("signed", "amend", "signed"),
        ("in_progress", "record_adverse_event", "in_progress"),
    ],
)
def test_the_legal_path(state: str, action: Any, after: str) -> None:
    assert next_state(state, action) == after


def test_a_signed_session_accepts_nothing_but_addenda() -> None:
    allowed = {action for (state, action) in LEGAL if state == "signed"}
    assert allowed == {"amend"}


# --- the lifecycle through the services, on real databases -------------------------------------


def child_and_screening(db: Session, now: datetime) -> tuple[str, str]:
    child = children.create_child(
        db=db,
        now=now,
        data=ChildCreate.model_validate(
            {
                "display_name": "Life Cycle",
                "birth_date": "2015-01-10",
                "vitals": [
                    {
                        "code": "temperature",
                        "value": 36.8,
                        "unit": "Cel",
                        "taken_at": (now - timedelta(hours=1)).isoformat(),
                    }
                ],
            }
        ),
    )
    screening = screenings.screen_child(
        db=db,
        child_id=child.id,
        now=now,
        request=ScreeningCreate(therapist="P. Sharma", guardian_consent=True, child_assent=True),
    )
    return child.id, screening.id


def start(at: datetime, **overrides: Any) -> SessionStart:
    data: dict[str, Any] = {
        "started_at": at.isoformat(),
        "guardian_consent_by": "mother",
        "consent_method": "in_person",
        "child_assent": True,
        "pre": {"instrument": "nrs_11", "items": {"score": 6}},
        "heart_rate": 96,
        "spo2": 98,
    }
    return SessionStart.model_validate({**data, **overrides})


def finish(at: datetime, **overrides: Any) -> SessionFinish:
    data: dict[str, Any] = {
        "ended_at": at.isoformat(),
        "minutes": 15,
        "pressure": 2,
        "regions": ["back_upper", "hand_left"],
        "technique": "effleurage",
        "post": {"instrument": "nrs_11", "items": {"score": 2}},
        "heart_rate": 84,
        "spo2": 99,
        "cues": ["relaxed", "eye_contact"],
        "response": "settled",
    }
    return SessionFinish.model_validate({**data, **overrides})


def draft(db: Session, now: datetime) -> str:
    child_id, screening_id = child_and_screening(db, now)
    record = service.create_draft(
        db=db,
        child_id=child_id,
        now=now,
        data=DraftCreate(screening_id=screening_id, therapist="P. Sharma", goals=["pain"]),
    )
    assert record.status == "draft"
    assert record.plan["regions"]
    return record.id


def test_a_session_goes_from_draft_to_signed(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    service.start_session(db=db, session_id=session_id, data=start(t0), now=t0)
    t1 = t0 + timedelta(minutes=15)
    done = service.complete_session(db=db, session_id=session_id, data=finish(t1), now=t1)
    assert done.status == "completed"
    signed = service.sign_session(db=db, session_id=session_id, signer="P. Sharma", now=t1)
    public = service.session_public(signed)
    assert public.status == "signed" and public.signed_by == "P. Sharma"
    assert [(m.timepoint, m.total) for m in public.measures] == [("pre", 6.0), ("post", 2.0)]
    assert all(m.instrument_version and m.taken_at for m in public.measures)
    assert (public.heart_rate_pre, public.heart_rate_post) == (96, 84)


def test_a_signed_session_is_immutable_and_takes_addenda(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    service.start_session(db=db, session_id=session_id, data=start(t0), now=t0)
    t1 = t0 + timedelta(minutes=15)
    service.complete_session(db=db, session_id=session_id, data=finish(t1), now=t1)
    service.sign_session(db=db, session_id=session_id, signer="P. Sharma", now=t1)
    with pytest.raises(IllegalTransitionError):
        service.complete_session(db=db, session_id=session_id, data=finish(t1), now=t1)
    with pytest.raises(IllegalTransitionError):
        service.add_adverse_event(
            db=db,
            session_id=session_id,
            recorded_by="x",
            now=t1,
            data=AdverseEventCreate.model_validate(
                {
                    "occurred_at": t1.isoformat(),
                    "description": "redness",
                    "severity": "mild",
                    "action_taken": "observed",
                }
            ),
        )
    record = service.get_session(db=db, session_id=session_id)
    with pytest.raises(ConflictError, match="addendum"), db.begin_nested():
        record.note = "edited after signing"
        db.flush()
    addendum = service.add_addendum(
        db=db,
        session_id=session_id,
        now=t1 + timedelta(hours=1),
        data=AddendumCreate(author="J. Lindqvist", text="Pressure was 2, not 3."),
    )
    assert addendum.author == "J. Lindqvist"
    assert service.get_session(db=db, session_id=session_id).note == ""


def test_a_childs_no_at_the_start_ends_the_session(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    record = service.start_session(
        db=db, session_id=session_id, now=t0, data=start(t0, child_assent=False)
    )
    assert record.status == "ended_early" and record.ended_early
    assert "refusal" in record.end_reason
    with pytest.raises(IllegalTransitionError):
        service.complete_session(db=db, session_id=session_id, data=finish(t0), now=t0)


def test_disengagement_ends_a_session_early_with_its_reason(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    service.start_session(db=db, session_id=session_id, data=start(t0), now=t0)
    t1 = t0 + timedelta(minutes=4)
    ended = service.end_session_early(
        db=db,
        session_id=session_id,
        now=t1,
        data=SessionEnd(
            ended_at=t1,
            reason="looked away and arched; stopped",
            minutes=4,
            pressure=1,
            regions=["back_upper"],
            cues=["looking_away", "arching"],
        ),
    )
    assert ended.status == "ended_early"
    assert ended.cues == ["looking_away", "arching"]


def test_an_adverse_event_is_recorded_with_severity_and_action(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    service.start_session(db=db, session_id=session_id, data=start(t0), now=t0)
    service.add_adverse_event(
        db=db,
        session_id=session_id,
        recorded_by="P. Sharma",
        now=t0,
        data=AdverseEventCreate.model_validate(
            {
                "occurred_at": t0.isoformat(),
                "description": "skin redness",
                "severity": "mild",
                "action_taken": "stopped that region",
            }
        ),
    )
    public = service.session_public(service.get_session(db=db, session_id=session_id))
    assert public.adverse_events[0].severity == "mild"


def test_the_after_measure_must_use_the_before_scale(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    service.start_session(db=db, session_id=session_id, data=start(t0), now=t0)
    t1 = t0 + timedelta(minutes=15)
    bad = finish(t1, post={"instrument": "fps_r", "items": {"score": 2}})
    with pytest.raises(ValidationError) as err:
        service.complete_session(db=db, session_id=session_id, data=bad, now=t1)
    assert err.value.field == "post.instrument"
    assert "nrs_11" in err.value.allowed


def test_unknown_cues_are_refused_by_name(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    service.start_session(db=db, session_id=session_id, data=start(t0), now=t0)
    t1 = t0 + timedelta(minutes=15)
    with pytest.raises(ValidationError) as err:
        service.complete_session(
            db=db, session_id=session_id, now=t1, data=finish(t1, cues=["grumpy"])
        )
    assert err.value.field == "cues[0]"


def test_a_session_cannot_end_before_it_started_or_in_the_future(
    db: Session, now: datetime
) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    service.start_session(db=db, session_id=session_id, data=start(t0), now=t0)
    with pytest.raises(ValidationError) as err:
        service.complete_session(
            db=db, session_id=session_id, now=t0, data=finish(t0 - timedelta(minutes=1))
        )
    assert err.value.field == "ended_at"
    with pytest.raises(ValidationError) as err:
        service.complete_session(
            db=db, session_id=session_id, now=t0, data=finish(t0 + timedelta(hours=1))
        )
    assert err.value.field == "ended_at"


def test_a_refusal_at_the_start_needs_no_before_score(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    record = service.start_session(
        db=db, session_id=session_id, now=t0, data=start(t0, child_assent=False, pre=None)
    )
    assert record.status == "ended_early" and record.measures == []


def test_going_ahead_without_a_before_score_is_refused(db: Session, now: datetime) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    with pytest.raises(ValidationError) as err:
        service.start_session(db=db, session_id=session_id, now=t0, data=start(t0, pre=None))
    assert err.value.field == "pre"


def test_minutes_delivered_cannot_exceed_the_time_since_the_start(
    db: Session, now: datetime
) -> None:
    session_id = draft(db, now)
    t0 = now + timedelta(minutes=5)
    service.start_session(db=db, session_id=session_id, data=start(t0), now=t0)
    t1 = t0 + timedelta(minutes=2)
    with pytest.raises(ValidationError) as err:
        service.complete_session(db=db, session_id=session_id, now=t1, data=finish(t1, minutes=120))
    assert err.value.field == "minutes"
    assert "time since the start" in err.value.allowed
