"""The bedside flow on real databases: screen a stored child, plan, record, read the history.

A session rests on a screening: it cannot start on a hold, cannot exceed the screening's pressure,
sites or minutes, and must be scored on a scale that fits the child. A refused session stores
nothing: each refused call runs in a savepoint, as every edge runs a use case in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.errors import ConflictError, ValidationError
from pedmassage.outcomes.service import child_trends
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.sessions import service
from pedmassage.sessions.models import SessionMeasure, SessionRecord
from pedmassage.sessions.schemas import SessionCreate


def make_child(db: Session, now: datetime, **overrides: Any) -> str:
    data: dict[str, Any] = {
        "display_name": "Flow Child",
        "birth_date": "2018-03-10",
        "sex": "male",
        "conditions": [{"code": "asthma"}],
        "devices": [{"kind": "picc", "site": "arm_left"}],
        "vitals": [
            {
                "code": "temperature",
                "value": 36.9,
                "unit": "Cel",
                "taken_at": (now - timedelta(hours=1)).isoformat(),
            }
        ],
    }
    data.update(overrides)
    return children.create_child(db=db, data=ChildCreate.model_validate(data), now=now).id


def screen(db: Session, child_id: str, now: datetime, **overrides: Any) -> str:
    request = ScreeningCreate.model_validate(
        {"therapist": "R. Okafor", "guardian_consent": True, "child_assent": True, **overrides}
    )
    return screenings.screen_child(db=db, child_id=child_id, request=request, now=now).id


def session(screening_id: str, now: datetime, **overrides: Any) -> SessionCreate:
    data: dict[str, Any] = {
        "screening_id": screening_id,
        "therapist": "R. Okafor",
        "started_at": (now + timedelta(minutes=10)).isoformat(),
        "minutes": 15,
        "pressure": 2,
        "regions": ["back", "leg_right"],
        "technique": "effleurage",
        "guardian_consent_by": "mother, in person",
        "child_assent": True,
        "pre": {"instrument": "nrs_11", "items": {"score": 6}},
        "post": {"instrument": "nrs_11", "items": {"score": 3}},
    }
    data.update(overrides)
    return SessionCreate.model_validate(data)


def stored_sessions(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(SessionRecord)) or 0)


def test_a_session_is_recorded_on_a_screening_and_shows_in_the_trend(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    record = service.record_session(
        db=db, child_id=child_id, data=session(screening_id, now), now=now + timedelta(hours=1)
    )
    assert [m.total for m in record.measures] == [3.0, 6.0] or {
        m.timepoint: m.total for m in record.measures
    } == {"pre": 6.0, "post": 3.0}
    assert all(m.instrument_version for m in record.measures)
    history = service.list_sessions(db=db, child_id=child_id)
    assert [s.id for s in history] == [record.id]
    (trend,) = child_trends(db=db, child_id=child_id)
    assert trend.instrument_id == "nrs_11"
    assert trend.mean_change == -3.0


def test_the_screening_keeps_its_input_and_rule_versions(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    stored = screenings.get_screening(db=db, screening_id=screen(db, child_id, now))
    assert stored.rules_version and stored.policy_version
    assert stored.input["devices"] == [{"kind": "picc", "site": "arm_left"}]
    assert stored.result["decision"] == stored.decision


def test_without_guardian_consent_the_screening_holds_and_no_session_can_start(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now, guardian_consent=None)
    assert screenings.get_screening(db=db, screening_id=screening_id).decision == "hold"
    with pytest.raises(ConflictError), db.begin_nested():
        service.record_session(
            db=db, child_id=child_id, data=session(screening_id, now), now=now + timedelta(hours=1)
        )
    assert stored_sessions(db) == 0


def test_massage_over_a_line_site_is_refused_and_nothing_is_stored(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    with pytest.raises(ValidationError) as err, db.begin_nested():
        service.record_session(
            db=db,
            child_id=child_id,
            data=session(screening_id, now, regions=["back", "arms"]),
            now=now + timedelta(hours=1),
        )
    assert err.value.field == "regions[1]"
    assert "arm_left" in err.value.allowed
    assert stored_sessions(db) == 0
    assert int(db.scalar(select(func.count()).select_from(SessionMeasure)) or 0) == 0


def test_pressure_above_the_screening_maximum_is_refused(db: Session, now: datetime) -> None:
    child_id = make_child(
        db,
        now,
        labs=[
            {
                "code": "platelets",
                "value": 35,
                "unit": "10^9/L",
                "taken_at": (now - timedelta(hours=2)).isoformat(),
            }
        ],
    )
    screening_id = screen(db, child_id, now)
    stored = screenings.get_screening(db=db, screening_id=screening_id)
    max_pressure = stored.result["modifications"]["max_pressure"]
    assert max_pressure is not None and max_pressure < 3
    with pytest.raises(ValidationError) as err, db.begin_nested():
        service.record_session(
            db=db,
            child_id=child_id,
            data=session(screening_id, now, pressure=3),
            now=now + timedelta(hours=1),
        )
    assert err.value.field == "pressure"


def test_a_scale_outside_the_childs_age_band_is_refused(db: Session, now: datetime) -> None:
    child_id = make_child(db, now, birth_date="2025-06-01")  # 17 months: observer scales only
    screening_id = screen(db, child_id, now, child_assent=None)
    with pytest.raises(ValidationError) as err, db.begin_nested():
        service.record_session(
            db=db,
            child_id=child_id,
            data=session(screening_id, now, child_assent=None),
            now=now + timedelta(hours=1),
        )
    assert err.value.field == "pre.instrument"
    assert "flacc" in err.value.allowed


def test_an_item_out_of_range_is_refused_naming_the_item(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    bad = session(screening_id, now, pre={"instrument": "nrs_11", "items": {"score": 11}})
    with pytest.raises(ValidationError) as err, db.begin_nested():
        service.record_session(db=db, child_id=child_id, data=bad, now=now + timedelta(hours=1))
    assert "score" in err.value.field
    assert stored_sessions(db) == 0


def test_a_screening_older_than_its_window_must_be_repeated(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    late = session(screening_id, now, started_at=(now + timedelta(hours=13)).isoformat())
    with pytest.raises(ValidationError) as err, db.begin_nested():
        service.record_session(db=db, child_id=child_id, data=late, now=now + timedelta(hours=14))
    assert err.value.field == "started_at"
    assert "screen again" in err.value.allowed


def test_a_childs_no_ends_the_session_and_it_is_recorded_as_ended_early(
    db: Session, now: datetime
) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    with pytest.raises(ValidationError) as err, db.begin_nested():
        service.record_session(
            db=db,
            child_id=child_id,
            data=session(screening_id, now, child_assent=False),
            now=now + timedelta(hours=1),
        )
    assert err.value.field == "status"
    record = service.record_session(
        db=db,
        child_id=child_id,
        now=now + timedelta(hours=1),
        data=session(
            screening_id,
            now,
            child_assent=False,
            status="ended_early",
            end_reason="said stop after 3 minutes",
            minutes=3,
        ),
    )
    assert record.status == "ended_early"


def test_the_plan_respects_the_screening(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    plan = screenings.plan_from_screening(db=db, screening_id=screening_id, goals=["breathing"])
    sites = {r.site for r in plan.regions}
    assert "arm_left" not in sites and "arms" not in sites and "hand_left" not in sites
    assert plan.total_minutes > 0


def test_no_plan_is_made_on_a_hold(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now, child_assent=False)
    with pytest.raises(ConflictError):
        screenings.plan_from_screening(db=db, screening_id=screening_id, goals=["pain"])


def test_a_newer_screening_replaces_an_older_one(db: Session, now: datetime) -> None:
    """A session rests on the child's latest screening: a later hold cannot be bypassed by
    naming the earlier screening."""
    child_id = make_child(db, now)
    first = screen(db, child_id, now)
    later = now + timedelta(hours=1)
    screen(db, child_id, later, guardian_consent=None)  # the newer screening holds
    with pytest.raises(ConflictError, match="newer screening"), db.begin_nested():
        service.record_session(
            db=db,
            child_id=child_id,
            now=later + timedelta(hours=1),
            data=session(first, later, started_at=(later + timedelta(minutes=10)).isoformat()),
        )
    assert stored_sessions(db) == 0


def test_a_stale_weight_is_not_used_for_a_preterm_infant(db: Session, now: datetime) -> None:
    born = now - timedelta(days=21)
    child_id = make_child(
        db,
        now,
        birth_date=born.date().isoformat(),
        gestational_age_weeks=30,
        conditions=[{"code": "prematurity"}],
        devices=[],
        setting="nicu",
        vitals=[
            {
                "code": "weight",
                "value": 1600,
                "unit": "g",
                "taken_at": (now - timedelta(days=20)).isoformat(),
            },
            {
                "code": "temperature",
                "value": 36.8,
                "unit": "Cel",
                "taken_at": (now - timedelta(hours=1)).isoformat(),
            },
        ],
    )
    stored = screenings.get_screening(
        db=db, screening_id=screen(db, child_id, now, child_assent=None)
    )
    assert any("weight" in item for item in stored.result["missing"])


def test_a_no_at_the_start_records_nothing_delivered(db: Session, now: datetime) -> None:
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    record = service.record_session(
        db=db,
        child_id=child_id,
        now=now + timedelta(hours=1),
        data=session(
            screening_id,
            now,
            child_assent=False,
            status="ended_early",
            end_reason="shook head and hid under the blanket",
        ),
    )
    assert (record.regions, record.minutes, record.pressure) == ([], 0, 0)
    assert record.end_reason == "shook head and hid under the blanket"


def test_documenting_a_session_at_once_reads_the_child_and_the_screening_once(
    db: Session, now: datetime
) -> None:
    """The one-step record composes the lifecycle's steps on what it already holds."""
    from sqlalchemy import event

    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    db.expire_all()
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(" ".join(statement.split()).lower())

    bind = db.get_bind()
    event.listen(bind, "before_cursor_execute", seen)
    try:
        service.record_session(
            db=db, child_id=child_id, data=session(screening_id, now), now=now + timedelta(hours=1)
        )
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    reads = [s for s in statements if s.startswith("select")]
    assert sum(" from children " in f"{s} " for s in reads) == 1
    assert sum(" from screenings " in f"{s} " for s in reads) == 1


def test_a_measure_dated_before_the_childs_birth_is_refused_naming_its_time(
    db: Session, now: datetime
) -> None:
    """A measure's time comes from its own ``taken_at`` or else the session's; either way a
    time before birth is refused naming the field it came from (never an internal age)."""
    child_id = make_child(db, now)
    screening_id = screen(db, child_id, now)
    taken = {"instrument": "nrs_11", "items": {"score": 3}, "taken_at": "2001-01-01T09:00:00Z"}
    bad = session(screening_id, now, pre=taken)
    with pytest.raises(ValidationError) as err, db.begin_nested():
        service.record_session(db=db, child_id=child_id, data=bad, now=now + timedelta(hours=1))
    assert err.value.field == "pre.taken_at"
    assert "the child's birth" in err.value.allowed
    assert stored_sessions(db) == 0
