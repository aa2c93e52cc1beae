"""The parent's pages as use cases: the routine shows the same adherence the care team sees, the
latest diary entries and the one just saved, and asks for parent confidence when it is due; a
diary entry or a questionnaire is either stored or refused with every mistake at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.errors import AccessDeniedError
from pedmassage.homecare import parent, service
from pedmassage.homecare.access import Viewer
from pedmassage.homecare.models import HomeSessionLog, ParentMeasure
from pedmassage.homecare.parent import DiaryEntryResult

from .conftest import Cast, LogSession

PSOC = {f"item_{i}": 4.0 for i in range(1, 18)}


def stored(db: Session, table: type[Any]) -> int:
    return int(db.scalar(select(func.count()).select_from(table)) or 0)


def diary_entry(db: Session, viewer: Viewer, now: datetime, **fields: Any) -> DiaryEntryResult:
    """An entry from the parent's diary form, by default tonight's massage without a problem."""
    entry: dict[str, Any] = {
        "session_date": now.date(),
        "minutes": 15,
        "response": "relaxed",
        "problem": "none",
        "note": "",
        **fields,
    }
    return parent.log_diary_entry(db=db, viewer=viewer, now=now + timedelta(hours=12), **entry)


def log_nightly(log_session: LogSession, now: datetime, nights: int) -> list[Any]:
    """One entry each evening from the first day of the routine."""
    return [
        log_session(
            session_date=now.date() + timedelta(days=n), now=now + timedelta(days=n, hours=12)
        )
        for n in range(nights)
    ]


def test_the_parents_routine_shows_the_same_adherence_as_the_staff_summary(
    db: Session, now: datetime, cast: Cast, log_session: LogSession
) -> None:
    log_nightly(log_session, now, 3)
    as_of = now.date() + timedelta(days=5)

    routine = parent.parent_routine(db=db, viewer=cast.parent, as_of=as_of)
    summary = service.child_home_summary(
        db=db, viewer=cast.therapist, child_id=cast.child_id, as_of=as_of
    )

    assert routine.adherence is not None
    assert (routine.adherence.sessions_logged, routine.adherence.sessions_due) == (3, 5)
    assert routine.adherence == summary.adherence


def test_the_routine_is_the_parents_own_childs_in_their_words(
    db: Session, now: datetime, cast: Cast
) -> None:
    routine = parent.parent_routine(db=db, viewer=cast.parent, as_of=now.date())

    assert (routine.child_id, routine.child_name) == (cast.child_id, "Zara Synthetic")
    assert routine.guardian_id == cast.parent.guardian_id
    assert routine.program is not None and routine.program.id == cast.program_id
    assert routine.labels.responses["asleep"] == "Fell asleep"


def test_the_routine_lists_the_latest_ten_entries_newest_first_and_the_one_just_saved(
    db: Session, now: datetime, cast: Cast, log_session: LogSession
) -> None:
    logs = log_nightly(log_session, now, 12)

    routine = parent.parent_routine(
        db=db, viewer=cast.parent, as_of=now.date() + timedelta(days=12), logged_id=logs[0].id
    )

    assert [log.id for log in routine.recent_logs] == [log.id for log in reversed(logs[2:])]
    assert routine.just_logged is not None and routine.just_logged.id == logs[0].id


def test_parent_confidence_is_asked_at_the_start_and_again_only_in_the_last_week(
    db: Session, now: datetime, cast: Cast
) -> None:
    before = parent.parent_routine(db=db, viewer=cast.parent, as_of=now.date())
    service.record_parent_measure(
        db=db, viewer=cast.parent, child_id=cast.child_id, items=PSOC, now=now
    )
    answered = parent.parent_routine(db=db, viewer=cast.parent, as_of=now.date())
    assert before.program is not None
    last_day = parent.parent_routine(db=db, viewer=cast.parent, as_of=before.program.ends_on)

    assert (before.confidence_due, answered.confidence_due) == ("start", None)
    assert last_day.confidence_due == "end"


def test_a_parent_without_a_routine_sees_their_child_and_nothing_owed(
    db: Session, now: datetime, cast: Cast
) -> None:
    routine = parent.parent_routine(db=db, viewer=cast.other_parent, as_of=now.date())

    assert (routine.child_id, routine.child_name) == (cast.other_child_id, "Leo Synthetic")
    assert routine.program is None and routine.adherence is None
    assert routine.recent_logs == [] and routine.confidence_due is None


def test_an_unknown_guardian_sees_no_routine(db: Session, now: datetime, cast: Cast) -> None:
    with pytest.raises(AccessDeniedError):
        parent.parent_routine(
            db=db, viewer=Viewer.guardian("01J0000000000000000000000X"), as_of=now.date()
        )


def test_a_diary_entry_is_refused_with_every_mistake_at_once_and_nothing_is_stored(
    db: Session, now: datetime, cast: Cast
) -> None:
    unread_date = None  # the form could not read it, and says so itself
    result = diary_entry(
        db, cast.parent, now, session_date=unread_date, minutes=0, response="", problem="bruise"
    )

    assert [refused.field for refused in result.refused] == ["response", "problem", "minutes"]
    assert result.log is None
    assert stored(db, HomeSessionLog) == 0


def test_a_good_diary_entry_is_stored_and_a_problem_flags_the_care_team(
    db: Session, now: datetime, cast: Cast
) -> None:
    result = diary_entry(db, cast.parent, now, problem="skin_change", note="Red patch.")

    assert result.refused == ()
    assert result.log is not None and result.log.flag_id is not None
    assert result.log.advice
    assert stored(db, HomeSessionLog) == 1


def test_with_no_routine_a_diary_entry_is_neither_stored_nor_refused(
    db: Session, now: datetime, cast: Cast
) -> None:
    result = diary_entry(db, cast.other_parent, now)

    assert result.form.program is None
    assert (result.log, result.refused) == (None, ())
    assert stored(db, HomeSessionLog) == 0


def test_the_diary_form_offers_the_routine_and_the_diarys_answers(db: Session, cast: Cast) -> None:
    form = parent.diary_form(db=db, viewer=cast.parent)

    assert form.program is not None and form.program.id == cast.program_id
    assert "asleep" in [r.id for r in form.responses]
    assert "breathing_difficulty" in [p.id for p in form.problems]
    assert form.max_minutes == 60


def test_the_questionnaire_asks_every_psoc_statement_on_its_six_point_scale(
    db: Session, cast: Cast
) -> None:
    form = parent.confidence_form(db=db, viewer=cast.parent)

    assert form.instrument_id == "psoc"
    assert [q.key for q in form.questions] == list(PSOC)
    assert {tuple(q.answers) for q in form.questions} == {(1, 2, 3, 4, 5, 6)}


def test_every_unanswered_statement_is_named_and_nothing_is_stored(
    db: Session, now: datetime, cast: Cast
) -> None:
    answers = {k: v for k, v in PSOC.items() if k not in ("item_5", "item_12")}

    result = parent.record_confidence(db=db, viewer=cast.parent, answers=answers, now=now)

    assert [(r.field, r.value) for r in result.refused] == [
        ("items.item_5", None),
        ("items.item_12", None),
    ]
    assert result.measure is None
    assert stored(db, ParentMeasure) == 0


def test_an_answer_off_the_scale_is_refused_naming_its_statement(
    db: Session, now: datetime, cast: Cast
) -> None:
    off_the_scale = {**PSOC, "item_3": 9.0}

    (refused,) = parent.record_confidence(
        db=db, viewer=cast.parent, answers=off_the_scale, now=now
    ).refused

    assert (refused.field, refused.value) == ("items.item_3", 9.0)
    assert stored(db, ParentMeasure) == 0


def test_the_answers_are_scored_and_kept_and_anything_else_is_ignored(
    db: Session, now: datetime, cast: Cast
) -> None:
    result = parent.record_confidence(
        db=db, viewer=cast.parent, answers={**PSOC, "page": 2.0}, now=now
    )

    assert result.refused == ()
    assert result.measure is not None
    assert result.measure.total == 8 * 4 + 9 * (7 - 4)  # 9 statements reverse-scored
    assert stored(db, ParentMeasure) == 1
