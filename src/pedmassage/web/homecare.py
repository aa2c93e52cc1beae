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
from pedmassage.homecare.schemas import (
    HomeSummaryPublic,
    HomeViewPublic,
    ParentConfidenceFormPublic,
    ParentDiaryFormPublic,
)
from pedmassage.http import ActorDep, allow
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import Errors, FormDep, FormInput, domain_errors
from pedmassage.web.rendering import render

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


@router.get("/home", dependencies=[allow("home.routine")])
def parent_routine(
    actor: ActorDep,
    request: Request,
    db: PageDb,
    now: NowDep,
    guardian: str = "",
    logged: str = "",
    saved: str = "",
) -> Response:
    """The parent's own child's routine, in large plain words, with the diary so far."""
    routine = parent.parent_routine(
        db=db, viewer=_parent(actor, guardian), as_of=now.date(), logged_id=logged or None
    )
    return render(
        request,
        "homecare/routine.html",
        {
            "routine": routine,
            "saved_confidence": saved == "confidence",
            "log_link": parent_link("/home/log", routine.guardian_id),
            "confidence_link": parent_link("/home/confidence", routine.guardian_id),
        },
    )


@router.get("/home/log", dependencies=[allow("home.log")])
def log_form(
    actor: ActorDep, request: Request, db: PageDb, now: NowDep, guardian: str = ""
) -> Response:
    page = parent.diary_form(db=db, viewer=_parent(actor, guardian))
    defaults = FormInput(
        {
            "guardian": [guardian],
            "session_date": [now.date().isoformat()],
            "minutes": [str(page.program.minutes) if page.program else ""],
            "problem": ["none"],
        }
    )
    return _log_page(request, page, defaults, {})


@router.post("/home/log", dependencies=[allow("home.log")])
def log_session(
    actor: ActorDep, request: Request, form: FormDep, db: PageDb, now: NowDep
) -> Response:
    """Store the diary entry and go back to the routine; on a refusal show the form again with
    every mistake beside its field."""
    guardian = form.text("guardian")
    entry = _read_entry(form)
    result = parent.log_diary_entry(db=db, viewer=_parent(actor, guardian), **entry, now=now)
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


def _read_entry(form: FormInput) -> dict[str, Any]:
    """The form as a diary entry; a date or minutes the form cannot read as one is None."""
    session_date: date | None = None
    minutes: int | None = None
    with suppress(ValueError):
        session_date = date.fromisoformat(form.text("session_date"))
    with suppress(ValueError):
        minutes = int(form.text("minutes"))
    return {
        "session_date": session_date,
        "minutes": minutes,
        "response": form.text("response"),
        "problem": form.text("problem") or "none",
        "note": form.text("note"),
    }


def _unreadable(form: FormInput, entry: dict[str, Any], max_minutes: int) -> list[ValidationError]:
    """The boxes :func:`_read_entry` could not read, each with what it should hold."""
    return [
        ValidationError(name, form.text(name), allowed.format(max=max_minutes))
        for name, allowed in UNREADABLE.items()
        if entry[name] is None
    ]


def _entry_errors(wrong: list[ValidationError]) -> Errors:
    errors: Errors = {}
    for exc in wrong:
        if exc.field in ("response", "problem") and not exc.value:
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
            "responses": page.responses,
            "problems": page.problems,
            "max_minutes": page.max_minutes,
            "back": parent_link("/home", page.guardian_id),
        },
        status_code=status_code,
    )


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
    return render(
        request,
        "homecare/confidence.html",
        {
            "child_name": page.child_name,
            "guardian": page.guardian_id,
            "form": form,
            "errors": errors,
            "questions": page.questions,
            "back": parent_link("/home", page.guardian_id),
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
