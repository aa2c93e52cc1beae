"""Home-program pages: the parent's routine, diary and confidence forms; the therapist's flags and
the child's home program beside the hospital sessions.

There is no login yet: a parent's pages carry their guardian id (``?guardian=``, an opaque id),
staff pages the staff name (``?staff=``). Someone not linked to the child gets a plain 403 page.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.access.policy import Actor
from pedmassage.errors import ValidationError
from pedmassage.homecare import parent, service, team
from pedmassage.homecare.access import Viewer, viewer_for
from pedmassage.homecare.public import flag_public
from pedmassage.homecare.rules import diary, log_errors
from pedmassage.homecare.schemas import (
    HomeProgramPublic,
    HomeStep,
    HomeSummaryPublic,
    HomeViewPublic,
    ParentConfidenceFormPublic,
    ParentDiaryFormPublic,
)
from pedmassage.http import ActorDep, allow
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.measures import instrument
from pedmassage.safety.contract import ScreeningResult
from pedmassage.screenings import service as screenings
from pedmassage.web.body_figure import Figure, FigureStates, child_figure, figure_states
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import Errors, FormDep, FormInput, domain_errors
from pedmassage.web.rendering import render
from pedmassage.web.session_fields import SiteOption, body_map

router = APIRouter(include_in_schema=False, route_class=KeptAnswerRoute)
FLAGS_PAGE_SIZE = 25  # each flag is a card with its own form


def parent_link(path: str, guardian_id: str, **extra: str) -> str:
    return f"{path}?{urlencode({'guardian': guardian_id, **extra})}"


def staff_link(path: str, staff: str) -> str:
    return f"{path}?{urlencode({'staff': staff})}"


def _parent(actor: Actor, guardian: str) -> Viewer:
    return viewer_for(actor, guardian=guardian or None)


def _staff_viewer(actor: Actor) -> Viewer:
    return viewer_for(actor)


def _staff(actor: Actor | None, staff: str | None) -> Viewer | None:
    """The logged-in member of staff (a name in the link must be their own)."""
    if actor is None or not actor.authenticated:
        return None
    return viewer_for(actor, staff=staff or None)


# --- the parent's pages ----------------------------------------------------------------------
#
# Every parent page carries the same "When to stop and call" bar (:class:`StopAndCall`), so the
# signs to stop and who to call are one tap away whatever the parent is doing.


@dataclass(frozen=True)
class StopAndCall:
    """What the bar at the foot of every parent page says.

    ``stop_when`` is the routine's own list where there is a routine (what the therapist
    prescribed), else the diary's; ``call_now`` is the advice of every problem the diary treats as
    urgent. The program keeps no telephone number, so the bar names who to call, not a number.
    """

    stop_when: list[str]
    call_now: list[str]


def _stop_and_call(program: HomeProgramPublic | None) -> StopAndCall:
    book = diary()
    return StopAndCall(
        stop_when=list(program.stop_when) if program else [s.text for s in book.stop_when],
        call_now=[p.advice for p in book.problems if p.urgency == "urgent" and p.advice],
    )


@dataclass(frozen=True)
class RoutineStep:
    """One step of the routine as the parent's page draws it: the words and minutes, where the
    step ends on the timer (``ends_at``, seconds from the start, so the timer can say which step
    is under way) and the body picture's states, highlighting where the step is done."""

    number: int
    step: HomeStep
    ends_at: int
    figure: FigureStates | None = None


def _body_figure(
    db: Session, viewer: Viewer, as_of: date
) -> tuple[Figure, list[SiteOption]] | None:
    """The body figure for the parent's own child (proportions for their age, corrected where
    that applies) and every site as the routine's screening left it, as the session pages show
    it (``session_fields.body_map``), so each step's picture also shows what must not be touched.
    None while there is no routine."""
    child, program = service.parent_home(db=db, viewer=viewer)
    if program is None:
        return None
    stored = screenings.get_screening(db=db, screening_id=program.screening_id)
    mods = ScreeningResult.model_validate(stored.result).modifications
    options = [option for _, group in body_map(mods) for option in group]
    return child_figure(child.birth_date, child.ga_weeks, child.ga_days, as_of), options


def _routine_steps(
    program: HomeProgramPublic | None, drawn: tuple[Figure, list[SiteOption]] | None
) -> list[RoutineStep]:
    steps: list[RoutineStep] = []
    elapsed = 0.0
    for number, step in enumerate(program.steps if program else [], start=1):
        elapsed += step.minutes * 60
        states = figure_states(drawn[0], drawn[1], planned=[step.site]) if drawn else None
        steps.append(RoutineStep(number, step, round(elapsed), states))
    return steps


@router.get("/home", dependencies=[allow("home.routine")])
def parent_routine(
    actor: ActorDep,
    request: Request,
    db: PageDb,
    now: NowDep,
    guardian: str = "",
    logged: str = "",
    saved: str = "",
    not_done: str = "",
    problem: str = "",
) -> Response:
    """The parent's own child's routine, step by step in large plain words with a timer, and the
    diary so far. After a "not done" answer (``not_done``), it says that nothing was stored and,
    for a problem the parent chose, what to do about it."""
    viewer = _parent(actor, guardian)
    routine = parent.parent_routine(
        db=db, viewer=viewer, as_of=now.date(), logged_id=logged or None
    )
    drawn = _body_figure(db, viewer, now.date())
    book = diary()
    skipped_problem = (
        book.problem(problem) if problem in book.problem_ids() and problem != "none" else None
    )
    return render(
        request,
        "homecare/routine.html",
        {
            "routine": routine,
            "steps": _routine_steps(routine.program, drawn),
            "figure": drawn[0] if drawn else None,
            "saved_confidence": saved == "confidence",
            "not_done": not_done == "1",
            "skipped_problem": skipped_problem,
            "log_link": parent_link("/home/log", routine.guardian_id),
            "confidence_link": parent_link("/home/confidence", routine.guardian_id),
            "stop": _stop_and_call(routine.program),
        },
    )


COMPLETION = {"done": "Done", "partly": "Partly", "not_done": "Not done"}
"""How much of the routine the parent did: the first answer of the diary form. "Done" means the
whole routine, so its minutes default to the routine's; "Not done" stores nothing, because every
diary entry counts as a massage given (adherence)."""

LOG_FIELDS = {
    "completion": "Did you do the massage?",
    "session_date": "Date",
    "minutes": "Minutes",
    "response": "How your child responded",
    "problem": "Any problem",
    "note": "Note",
}
"""Each diary field as the parent's error summary names it."""


@router.get("/home/log", dependencies=[allow("home.log")])
def log_form(
    actor: ActorDep,
    request: Request,
    db: PageDb,
    now: NowDep,
    guardian: str = "",
    minutes: str = "",
) -> Response:
    """The empty diary form. Only the date is filled in (today); nothing about the child is
    chosen for the parent. ``minutes`` comes from the routine page's timer, when it was used."""
    page = parent.diary_form(db=db, viewer=_parent(actor, guardian))
    defaults = FormInput(
        {
            "guardian": [guardian],
            "session_date": [now.date().isoformat()],
            "minutes": [_timed_minutes(minutes, page.max_minutes)],
        }
    )
    return _log_page(request, page, defaults, {})


def _timed_minutes(given: str, max_minutes: int) -> str:
    """Minutes the timer measured, if they are a diary's whole minutes; anything else is none."""
    with suppress(ValueError):
        if 1 <= int(given) <= max_minutes:
            return str(int(given))
    return ""


@router.post("/home/log", dependencies=[allow("home.log")])
def log_session(
    actor: ActorDep, request: Request, form: FormDep, db: PageDb, now: NowDep
) -> Response:
    """Store the diary entry and go back to the routine; on a refusal show the form again with
    every mistake beside its field and store nothing. A massage not done is not a diary entry:
    the routine page says so (and what to do about a problem the parent chose)."""
    guardian = form.text("guardian")
    viewer = _parent(actor, guardian)
    page = parent.diary_form(db=db, viewer=viewer)
    if page.program is None:
        return _log_page(request, page, form, {}, status_code=409)
    completion = form.text("completion")
    if completion == "not_done":
        chosen = form.text("problem")
        extra = {"problem": chosen} if chosen in diary().problem_ids() else {}
        return RedirectResponse(
            parent_link("/home", guardian, not_done="1", **extra), status_code=303
        )
    entry = _read_entry(form, page.program.minutes if completion == "done" else None)
    if completion not in COMPLETION:  # every other mistake is named too; nothing is stored
        # An empty minutes box is only wrong once the answer is known ("Done" fills it in).
        unread = [
            exc
            for exc in _unreadable(form, entry, page.max_minutes)
            if exc.field != "minutes" or form.text("minutes")
        ]
        refused = log_errors(started_on=page.program.started_on, **entry, now=now)
        missing = ValidationError("completion", completion, "one of: " + ", ".join(COMPLETION))
        return _log_page(request, page, form, _entry_errors([missing, *unread, *refused]), 422)
    result = parent.log_diary_entry(db=db, viewer=viewer, **entry, now=now)
    if result.log is not None:
        return RedirectResponse(
            parent_link("/home", guardian, logged=result.log.id), status_code=303
        )
    if result.form.program is None:
        return _log_page(request, result.form, form, {}, status_code=409)
    unread = _unreadable(form, entry, result.form.max_minutes)
    return _log_page(request, result.form, form, _entry_errors([*unread, *result.refused]), 422)


UNREADABLE = {"session_date": "a date, e.g. 2026-11-24", "minutes": "a whole number, 1 to {max}"}
"""What a box the form cannot read as its kind should hold."""


def _read_entry(form: FormInput, whole_routine: int | None = None) -> dict[str, Any]:
    """The form as a diary entry; a date or minutes the form cannot read as one is None.

    ``whole_routine`` is the routine's minutes when the parent said they did all of it: an empty
    minutes box then means exactly that. No answer about the child has a default: an unanswered
    response or problem is refused, never read as "no problem"."""
    session_date: date | None = None
    minutes: int | None = None
    with suppress(ValueError):
        session_date = date.fromisoformat(form.text("session_date"))
    given = form.text("minutes")
    if not given:
        minutes = whole_routine
    with suppress(ValueError):
        minutes = int(given)
    return {
        "session_date": session_date,
        "minutes": minutes,
        "response": form.text("response"),
        "problem": form.text("problem"),
        "note": form.text("note"),
    }


def _unreadable(form: FormInput, entry: dict[str, Any], max_minutes: int) -> list[ValidationError]:
    """The boxes :func:`_read_entry` could not read, each with what it should hold."""
    return [
        ValidationError(name, form.text(name), allowed.format(max=max_minutes))
        for name, allowed in UNREADABLE.items()
        if entry[name] is None
    ]


CHOOSE_ONE = ("completion", "response", "problem")
"""The diary's questions answered by a tap: left unanswered, they say so in those words."""


def _entry_errors(wrong: list[ValidationError]) -> Errors:
    errors: Errors = {}
    for exc in wrong:
        if exc.field in CHOOSE_ONE and not exc.value:
            errors[exc.field] = "Choose one of the answers."
        else:
            errors.update(domain_errors(exc))
    return errors


def _log_page(
    request: Request,
    page: ParentDiaryFormPublic,
    form: FormInput,
    errors: Errors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "homecare/log.html",
        {
            "child_name": page.child_name,
            "program": page.program,
            "guardian": page.guardian_id,
            "form": form,
            "errors": errors,
            "titles": LOG_FIELDS,
            "completion": COMPLETION,
            "responses": page.responses,
            "problems": page.problems,
            "max_minutes": page.max_minutes,
            "back": parent_link("/home", page.guardian_id),
            "stop": _stop_and_call(page.program),
        },
        status_code=status_code,
    )


@dataclass(frozen=True)
class Statement:
    """One statement of the questionnaire as the parent reads it: its words and every answer
    with the words the instrument gives it (the number alone where it gives none)."""

    key: str
    number: int
    text: str
    answers: list[tuple[int, str]]


@dataclass(frozen=True)
class Questionnaire:
    """The questionnaire's name, where its statements come from, and the statements."""

    name: str
    source: str
    statements: list[Statement]


def _questionnaire(page: ParentConfidenceFormPublic) -> Questionnaire:
    """The form's questions in the instrument's own words (its item labels and anchors), so the
    wording and its source live with the instrument's data, never in a template."""
    found = instrument(page.instrument_id)
    statements = []
    for number, question in enumerate(page.questions, start=1):
        item = found.item(question.key)
        anchors = item.anchors if item else {}
        statements.append(
            Statement(
                key=question.key,
                number=number,
                text=item.label if item else question.key,
                answers=[(value, anchors.get(value, str(value))) for value in question.answers],
            )
        )
    return Questionnaire(found.name, found.source, statements)


@router.get("/home/confidence", dependencies=[allow("home.confidence")])
def confidence_form(actor: ActorDep, request: Request, db: PageDb, guardian: str = "") -> Response:
    page = parent.confidence_form(db=db, viewer=_parent(actor, guardian))
    return _confidence_page(request, page, FormInput({"guardian": [guardian]}), {})


@router.post("/home/confidence", dependencies=[allow("home.confidence")])
def record_confidence(
    actor: ActorDep, request: Request, form: FormDep, db: PageDb, now: NowDep
) -> Response:
    """Score the PSOC answers; every unanswered statement is marked beside it."""
    guardian = form.text("guardian")
    result = parent.record_confidence(
        db=db, viewer=_parent(actor, guardian), answers=_read_answers(form), now=now
    )
    if result.measure is None:
        errors = _answer_errors(result.refused)
        return _confidence_page(request, result.form, form, errors, status_code=422)
    return RedirectResponse(parent_link("/home", guardian, saved="confidence"), status_code=303)


def _read_answers(form: FormInput) -> dict[str, float]:
    """Each answered statement as a number; a box that holds no number is unanswered."""
    answers: dict[str, float] = {}
    for name in form.as_dict():
        with suppress(ValueError):
            answers[name] = float(form.text(name))
    return answers


def _answer_errors(refused: tuple[ValidationError, ...]) -> Errors:
    errors: Errors = {}
    for exc in refused:
        if exc.value is None:
            errors[_item_key(exc.field)] = "Choose an answer."
        else:
            errors.update(domain_errors(exc, _item_key))
    return errors


def _item_key(path: str) -> str:
    return path.removeprefix("items.")


def _confidence_page(
    request: Request,
    page: ParentConfidenceFormPublic,
    form: FormInput,
    errors: Errors,
    status_code: int = 200,
) -> Response:
    questionnaire = _questionnaire(page)
    return render(
        request,
        "homecare/confidence.html",
        {
            "child_name": page.child_name,
            "guardian": page.guardian_id,
            "form": form,
            "errors": errors,
            "titles": {s.key: f"Statement {s.number}" for s in questionnaire.statements},
            "questionnaire": questionnaire,
            "back": parent_link("/home", page.guardian_id),
            "stop": _stop_and_call(None),
        },
        status_code=status_code,
    )


# --- the therapist's pages -------------------------------------------------------------------


@router.get("/flags", dependencies=[allow("flags.read")])
def flags_page(
    actor: ActorDep,
    request: Request,
    db: PageDb,
    staff: str = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """One page of the open problems parents logged, for the children on this person's care
    team."""
    name = _staff_viewer(actor).staff_name or ""
    found = service.open_flags_page(
        db=db,
        staff_name=name,
        site_ids=actor.site_ids,
        offset=(page - 1) * FLAGS_PAGE_SIZE,
        limit=FLAGS_PAGE_SIZE,
    )
    return render(
        request,
        "homecare/flags.html",
        {
            "staff": name,
            "flags": [flag_public(f) for f in found.items],
            "page": found,
            "previous": f"/flags?page={page - 1}" if found.previous_offset is not None else None,
            "next": f"/flags?page={page + 1}" if found.next_offset is not None else None,
            "action": "/flags",
        },
    )


@router.post("/flags/{flag_id}/acknowledge", dependencies=[allow("flags.acknowledge")])
def acknowledge(actor: ActorDep, flag_id: str, form: FormDep, db: PageDb, now: NowDep) -> Response:
    staff = form.text("staff")
    service.acknowledge_flag(
        db=db, viewer=_staff_viewer(actor), flag_id=flag_id, action=form.text("action"), now=now
    )
    return RedirectResponse(staff_link("/flags", staff), status_code=303)


@router.get("/children/{child_id}/home-program", dependencies=[allow("home.team")])
def child_home_page(
    actor: ActorDep, child_id: str, request: Request, db: PageDb, now: NowDep, staff: str = ""
) -> Response:
    """The home routine, adherence and the parent's diary beside the hospital sessions."""
    page = team.child_home(db=db, viewer=_staff(actor, staff), child_id=child_id, as_of=now.date())
    return render(
        request,
        "homecare/child.html",
        {"page": page, "home": _section(page.home, show_link=False)},  # the link leads here
    )


# --- the section the child's page can include ------------------------------------------------


@dataclass(frozen=True)
class HomeSection:
    """What ``homecare/_section.html`` shows on a child's page: the staff's view of the home
    program (:class:`~pedmassage.homecare.schemas.HomeViewPublic`) with the links it offers."""

    child_id: str
    staff: str
    state: Literal["ask", "denied", "shown"]
    summary: HomeSummaryPublic | None
    page: str
    flags_page: str
    show_link: bool = True


def home_program_section(
    *, db: Session, child_id: str, as_of: date, staff: str | None, actor: Actor | None = None
) -> HomeSection:
    """The "Home program" section of a child's page, for the member of staff named."""
    view = team.home_program_view(
        db=db, viewer=_staff(actor, staff), child_id=child_id, as_of=as_of
    )
    return _section(view)


def _section(view: HomeViewPublic, *, show_link: bool = True) -> HomeSection:
    """The section with its links: the staff name rides along once someone is named."""
    page, flags = f"/children/{view.child_id}/home-program", "/flags"
    if view.state != "ask":
        page, flags = staff_link(page, view.staff), staff_link(flags, view.staff)
    return HomeSection(view.child_id, view.staff, view.state, view.summary, page, flags, show_link)
