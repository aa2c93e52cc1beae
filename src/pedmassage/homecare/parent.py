"""What a parent sees and does on their own pages: the routine with the diary so far, a diary
entry checked field by field, and the parent-confidence questionnaire.

A parent reaches only their own child, through their guardian id, so every use case here starts
from :func:`~pedmassage.homecare.service.parent_home` and refuses anyone else the same way. A form
is answered with every mistake at once (a parent fixes them in one go), never only the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from pedmassage.children.models import Child
from pedmassage.errors import ValidationError
from pedmassage.homecare import service
from pedmassage.homecare.access import Viewer
from pedmassage.homecare.models import HomeProgram
from pedmassage.homecare.public import (
    diary_labels,
    log_public,
    measure_public,
    program_adherence,
    program_public,
    recent_logs,
)
from pedmassage.homecare.rules import MAX_LOG_MINUTES, confidence_due, diary, log_errors
from pedmassage.homecare.schemas import (
    ConfidenceQuestion,
    HomeLogPublic,
    ParentConfidenceFormPublic,
    ParentDiaryFormPublic,
    ParentMeasurePublic,
    ParentRoutinePublic,
)

RECENT_ENTRIES = 10
"""How many diary entries the parent's routine page lists: enough to see the last week or so."""


def parent_routine(
    *, db: Session, viewer: Viewer, as_of: date, logged_id: str | None = None
) -> ParentRoutinePublic:
    """The parent's own child's routine, its adherence, the latest diary entries, the entry just
    logged (``logged_id``) and whether the parent-confidence questionnaire is due."""
    child, program = service.parent_home(db=db, viewer=viewer)
    logs = list(program.logs) if program else []
    just_logged = next((log for log in logs if log.id == logged_id), None)
    return ParentRoutinePublic(
        child_id=child.id,
        child_name=child.display_name,
        guardian_id=viewer.guardian_id or "",
        as_of=as_of,
        program=program_public(program) if program else None,
        adherence=program_adherence(program, as_of),
        recent_logs=recent_logs(program, RECENT_ENTRIES),
        just_logged=log_public(just_logged) if just_logged else None,
        confidence_due=_confidence_due(db, viewer, child, program, as_of),
        labels=diary_labels(),
    )


def _confidence_due(
    db: Session, viewer: Viewer, child: Child, program: HomeProgram | None, as_of: date
) -> Literal["start", "end"] | None:
    if program is None:
        return None
    return confidence_due(
        program_id=program.id,
        ends_on=program.ends_on,
        measures=service.parent_measures(db=db, viewer=viewer, child_id=child.id),
        as_of=as_of,
    )


# --- the diary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiaryEntryResult:
    """What became of a diary entry: stored (``log``), or refused with every reason (``refused``);
    neither when there is no routine to log against. ``form`` is the form to show again."""

    form: ParentDiaryFormPublic
    log: HomeLogPublic | None = None
    refused: tuple[ValidationError, ...] = ()


def diary_form(*, db: Session, viewer: Viewer) -> ParentDiaryFormPublic:
    """The empty diary form for the parent's own child's current routine."""
    child, program = service.parent_home(db=db, viewer=viewer)
    return _diary_form(child, program, viewer)


def _diary_form(child: Child, program: HomeProgram | None, viewer: Viewer) -> ParentDiaryFormPublic:
    book = diary()
    return ParentDiaryFormPublic(
        child_name=child.display_name,
        guardian_id=viewer.guardian_id or "",
        program=program_public(program) if program else None,
        responses=list(book.responses),
        problems=list(book.problems),
        max_minutes=MAX_LOG_MINUTES,
    )


def log_diary_entry(
    *,
    db: Session,
    viewer: Viewer,
    session_date: date | None,
    minutes: int | None,
    response: str,
    problem: str = "none",
    note: str = "",
    now: datetime,
) -> DiaryEntryResult:
    """Store the parent's entry on their child's current routine, or say every reason it cannot
    be right and store nothing.

    A date or minutes of None is a box the form could not read; the form names that mistake, and
    the rest is still checked.
    """
    child, program = service.parent_home(db=db, viewer=viewer)
    form = _diary_form(child, program, viewer)
    if program is None:
        return DiaryEntryResult(form)
    entry: dict[str, Any] = {
        "session_date": session_date,
        "minutes": minutes,
        "response": response,
        "problem": problem,
        "note": note,
        "now": now,
    }
    refused = log_errors(started_on=program.started_on, **entry)
    if refused or session_date is None or minutes is None:
        return DiaryEntryResult(form, refused=tuple(refused))
    log = service.log_home_session(db=db, viewer=viewer, program_id=program.id, **entry)
    return DiaryEntryResult(form, log=log_public(log))


# --- parent confidence -------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfidenceResult:
    """What became of the questionnaire: scored and stored (``measure``), or refused with every
    reason (``refused``: an unanswered question's refusal has no value). ``form`` is the form to
    show again."""

    form: ParentConfidenceFormPublic
    measure: ParentMeasurePublic | None = None
    refused: tuple[ValidationError, ...] = ()


def confidence_form(*, db: Session, viewer: Viewer) -> ParentConfidenceFormPublic:
    """The questionnaire as the parent's page asks it, whatever is due (a parent may answer it
    again whenever the therapist asks)."""
    child, _ = service.parent_home(db=db, viewer=viewer)
    return _confidence_form(child, viewer)


def _confidence_form(child: Child, viewer: Viewer) -> ParentConfidenceFormPublic:
    from pedmassage.measures import instrument

    questionnaire = instrument(service.PARENT_QUESTIONNAIRE)
    return ParentConfidenceFormPublic(
        child_name=child.display_name,
        guardian_id=viewer.guardian_id or "",
        instrument_id=questionnaire.id,
        questions=[
            ConfidenceQuestion(key=item.key, answers=list(item.values or ()))
            for item in questionnaire.items
        ],
    )


def record_confidence(
    *, db: Session, viewer: Viewer, answers: Mapping[str, float], now: datetime
) -> ConfidenceResult:
    """Score and keep the parent's answers, or name every unanswered question (or the answer
    scoring refused) and store nothing. Answers to no question of the form are ignored."""
    child, _ = service.parent_home(db=db, viewer=viewer)
    form = _confidence_form(child, viewer)
    keys = [question.key for question in form.questions]
    unanswered = [
        ValidationError(f"items.{key}", None, "an answer") for key in keys if key not in answers
    ]
    if unanswered:
        return ConfidenceResult(form, refused=tuple(unanswered))
    try:
        measure = service.record_parent_measure(
            db=db,
            viewer=viewer,
            child_id=child.id,
            instrument=form.instrument_id,
            items={key: answers[key] for key in keys},
            now=now,
        )
    except ValidationError as refused:  # scored before anything is stored
        return ConfidenceResult(form, refused=(refused,))
    return ConfidenceResult(form, measure=measure_public(measure))
