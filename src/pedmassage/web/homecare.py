"""Home-program pages: the parent's routine, diary and confidence forms; the therapist's flags and
the child's home program beside the hospital sessions.

There is no login yet: a parent's pages carry their guardian id (``?guardian=``, an opaque id),
staff pages the staff name (``?staff=``). Someone not linked to the child gets a plain 403 page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.errors import AccessDeniedError, ValidationError
from pedmassage.homecare import service
from pedmassage.homecare.access import Viewer
from pedmassage.homecare.public import flag_public, log_public, program_public
from pedmassage.homecare.rules import MAX_LOG_MINUTES, confidence_due, diary, log_errors
from pedmassage.homecare.schemas import HomeSummaryPublic
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import Errors, FormDep, FormInput, domain_errors
from pedmassage.web.rendering import render

PSOC_ANSWERS = (1, 2, 3, 4, 5, 6)
"""PSOC answers run from 1 (strongly disagree) to 6 (strongly agree); psoc.yaml notes."""


router = APIRouter(include_in_schema=False)


def parent_link(path: str, guardian_id: str, **extra: str) -> str:
    return f"{path}?{urlencode({'guardian': guardian_id, **extra})}"


def staff_link(path: str, staff: str) -> str:
    return f"{path}?{urlencode({'staff': staff})}"


# --- the parent's pages ----------------------------------------------------------------------


@router.get("/home")
def parent_routine(
    request: Request,
    db: PageDb,
    now: NowDep,
    guardian: str = "",
    logged: str = "",
    saved: str = "",
) -> Response:
    """The parent's own child's routine, in large plain words, with the diary so far."""
    from pedmassage.homecare.rules import adherence

    viewer = Viewer.from_parts(guardian=guardian, staff=None)
    guardian = viewer.guardian_id or ""
    child, program = service.parent_home(db=db, viewer=viewer)
    logs = list(program.logs) if program else []
    just_logged = next((log for log in logs if log.id == logged), None)
    measures = service.parent_measures(db=db, viewer=viewer, child_id=child.id)
    return render(
        request,
        "homecare/routine.html",
        {
            "child_name": child.display_name,
            "guardian": guardian,
            "program": program_public(program) if program else None,
            "adherence": adherence(program, logs, now.date()) if program else None,
            "logs": [log_public(log) for log in reversed(logs[-10:])],
            "just_logged": log_public(just_logged) if just_logged else None,
            "saved_confidence": saved == "confidence",
            "confidence_due": (
                confidence_due(
                    program_id=program.id,
                    ends_on=program.ends_on,
                    measures=measures,
                    as_of=now.date(),
                )
                if program
                else None
            ),
            "responses": {r.id: r.label for r in diary().responses},
            "problems": {p.id: p.label for p in diary().problems},
            "log_link": parent_link("/home/log", guardian),
            "confidence_link": parent_link("/home/confidence", guardian),
        },
    )


@router.get("/home/log")
def log_form(request: Request, db: PageDb, now: NowDep, guardian: str = "") -> Response:
    viewer = Viewer.from_parts(guardian=guardian, staff=None)
    _, program = service.parent_home(db=db, viewer=viewer)
    defaults = FormInput(
        {
            "guardian": [guardian],
            "session_date": [now.date().isoformat()],
            "minutes": [str(program.minutes) if program else ""],
            "problem": ["none"],
        }
    )
    return _log_page(request, db, viewer, defaults, {})


@router.post("/home/log")
def log_session(request: Request, form: FormDep, db: PageDb, now: NowDep) -> Response:
    """Store the diary entry and go back to the routine; on a refusal show the form again with
    every mistake beside its field."""
    guardian = form.text("guardian")
    viewer = Viewer.from_parts(guardian=guardian, staff=None)
    _, program = service.parent_home(db=db, viewer=viewer)
    if program is None:
        return _log_page(request, db, viewer, form, {}, status_code=409)
    entry, errors = _read_entry(form, program.started_on, now)
    if errors:
        return _log_page(request, db, viewer, form, errors, status_code=422)
    try:
        log = service.log_home_session(
            db=db, viewer=viewer, program_id=program.id, now=now, **entry
        )
    except ValidationError as exc:
        db.rollback()  # nothing of a refused entry may be stored
        return _log_page(request, db, viewer, form, _entry_errors([exc]), status_code=422)
    return RedirectResponse(parent_link("/home", guardian, logged=log.id), status_code=303)


def _read_entry(form: FormInput, started_on: date, now: datetime) -> tuple[dict[str, Any], Errors]:
    """The form as a diary entry, and every mistake in it, keyed by the field to change."""
    entry: dict[str, Any] = {
        "session_date": started_on,
        "minutes": 1,
        "response": form.text("response"),
        "problem": form.text("problem") or "none",
        "note": form.text("note"),
    }
    wrong: list[ValidationError] = []
    for name, parse in (("session_date", _form_date), ("minutes", _form_minutes)):
        try:
            entry[name] = parse(form.text(name))
        except ValidationError as exc:
            wrong.append(exc)
    checked = log_errors(started_on=started_on, now=now, **entry)
    wrong += [e for e in checked if e.field not in {w.field for w in wrong}]
    return entry, _entry_errors(wrong)


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
    db: Session,
    viewer: Viewer,
    form: FormInput,
    errors: Errors,
    status_code: int = 200,
) -> Response:
    child, program = service.parent_home(db=db, viewer=viewer)
    book = diary()
    return render(
        request,
        "homecare/log.html",
        {
            "child_name": child.display_name,
            "program": program_public(program) if program else None,
            "guardian": viewer.guardian_id,
            "form": form,
            "errors": errors,
            "responses": book.responses,
            "problems": book.problems,
            "max_minutes": MAX_LOG_MINUTES,
            "back": parent_link("/home", viewer.guardian_id or ""),
        },
        status_code=status_code,
    )


def _form_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("session_date", text, "a date, e.g. 2026-11-24") from None


def _form_minutes(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError("minutes", text, f"a whole number, 1 to {MAX_LOG_MINUTES}") from None


@router.get("/home/confidence")
def confidence_form(request: Request, db: PageDb, guardian: str = "") -> Response:
    viewer = Viewer.from_parts(guardian=guardian, staff=None)
    return _confidence_page(request, db, viewer, FormInput({"guardian": [guardian]}), {})


@router.post("/home/confidence")
def record_confidence(request: Request, form: FormDep, db: PageDb, now: NowDep) -> Response:
    """Score the PSOC answers; every unanswered statement is marked beside it."""
    guardian = form.text("guardian")
    viewer = Viewer.from_parts(guardian=guardian, staff=None)
    child, _ = service.parent_home(db=db, viewer=viewer)
    keys = _psoc_keys()
    missing = {key: "Choose an answer." for key in keys if not form.text(key)}
    if missing:
        return _confidence_page(request, db, viewer, form, missing, status_code=422)
    try:
        items = {key: float(form.text(key)) for key in keys}
        service.record_parent_measure(db=db, viewer=viewer, child_id=child.id, items=items, now=now)
    except (ValueError, ValidationError) as exc:
        db.rollback()
        errors = domain_errors(exc, _item_key) if isinstance(exc, ValidationError) else {}
        return _confidence_page(request, db, viewer, form, errors, status_code=422)
    return RedirectResponse(parent_link("/home", guardian, saved="confidence"), status_code=303)


def _item_key(path: str) -> str:
    return path.removeprefix("items.")


def _psoc_keys() -> list[str]:
    from pedmassage.measures import instrument

    return [item.key for item in instrument("psoc").items]


def _confidence_page(
    request: Request,
    db: Session,
    viewer: Viewer,
    form: FormInput,
    errors: Errors,
    status_code: int = 200,
) -> Response:
    child, _ = service.parent_home(db=db, viewer=viewer)
    return render(
        request,
        "homecare/confidence.html",
        {
            "child_name": child.display_name,
            "guardian": viewer.guardian_id,
            "form": form,
            "errors": errors,
            "keys": _psoc_keys(),
            "answers": PSOC_ANSWERS,
            "back": parent_link("/home", viewer.guardian_id or ""),
        },
        status_code=status_code,
    )


# --- the therapist's pages -------------------------------------------------------------------


@router.get("/flags")
def flags_page(request: Request, db: PageDb, staff: str = "") -> Response:
    """Open problems parents logged, for the children on this person's care team."""
    name = " ".join(staff.split())
    found = [flag_public(f) for f in service.open_flags(db=db, staff_name=name)] if name else []
    return render(
        request,
        "homecare/flags.html",
        {"staff": name, "flags": found, "action": "/flags"},
    )


@router.post("/flags/{flag_id}/acknowledge")
def acknowledge(flag_id: str, form: FormDep, db: PageDb, now: NowDep) -> Response:
    staff = form.text("staff")
    service.acknowledge_flag(
        db=db, viewer=Viewer.staff(staff), flag_id=flag_id, action=form.text("action"), now=now
    )
    return RedirectResponse(staff_link("/flags", staff), status_code=303)


@router.get("/children/{child_id}/home-program")
def child_home_page(
    child_id: str, request: Request, db: PageDb, now: NowDep, staff: str = ""
) -> Response:
    """The home routine, adherence and the parent's diary beside the hospital sessions."""
    from pedmassage.children.service import get_child

    child = get_child(db=db, child_id=child_id)
    section = home_program_section(db=db, child_id=child_id, as_of=now.date(), staff=staff)
    section = replace(section, show_link=False)  # this page is where the link goes
    return render(
        request,
        "homecare/child.html",
        {
            "child": child,
            "home": section,
            "hospital": _hospital_sessions(db, child_id) if section.state == "shown" else [],
            "responses": {r.id: r.label for r in diary().responses},
            "problems": {p.id: p.label for p in diary().problems},
        },
    )


def _hospital_sessions(db: Session, child_id: str) -> list[Any]:
    from pedmassage.sessions.service import list_sessions, session_public

    return [session_public(s) for s in reversed(list_sessions(db=db, child_id=child_id))]


# --- the section the child's page can include ------------------------------------------------


@dataclass(frozen=True)
class HomeSection:
    """What ``homecare/_section.html`` shows on a child's page.

    ``state`` is ``ask`` (no staff name given yet), ``denied`` (not on the care team) or ``shown``
    (``summary`` holds the routine, adherence, diary, parent measures and open flags).
    """

    child_id: str
    staff: str
    state: Literal["ask", "denied", "shown"]
    summary: HomeSummaryPublic | None
    page: str
    flags_page: str
    show_link: bool = True


def home_program_section(
    *, db: Session, child_id: str, as_of: date, staff: str | None
) -> HomeSection:
    """The "Home program" section of a child's page, for the member of staff named."""
    name = " ".join((staff or "").split())
    page = f"/children/{child_id}/home-program"
    if not name:
        return HomeSection(child_id, "", "ask", None, page, "/flags")
    page, flags = staff_link(page, name), staff_link("/flags", name)
    try:
        summary = service.child_home_summary(
            db=db, viewer=Viewer.staff(name), child_id=child_id, as_of=as_of
        )
    except AccessDeniedError:
        return HomeSection(child_id, name, "denied", None, page, flags)
    return HomeSection(child_id, name, "shown", summary, page, flags)
