"""A stored session's page: everything recorded, its state, and only the actions that state allows.

The actions come from the lifecycle's own table (``sessions/lifecycle.py``), so the page never
offers what the service would refuse: "Sign" on a finished session, "Add addendum" on a signed one,
"Record adverse event" while it may still take one. Each post checks the state again before it
reads the form: an illegal post is the 409 page and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.errors import ValidationError
from pedmassage.http import ActorDep, allow
from pedmassage.http.guard import own_name
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.planning.plan import SessionPlan
from pedmassage.sessions import service
from pedmassage.sessions.lifecycle import TRANSITIONS, Action, next_state
from pedmassage.sessions.schemas import (
    AddendumCreate,
    AdverseEventReportCreate,
    MeasurePublic,
    SessionPublic,
    SignCreate,
)
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import (
    Errors,
    FormDep,
    FormInput,
    discard_refused,
    domain_errors,
    local_input_value,
    parse_local_datetime,
)
from pedmassage.web.rendering import pressure_label, render, site_label
from pedmassage.web.scales import scale_name
from pedmassage.web.screenings import technique_labels
from pedmassage.web.session_fields import (
    CONSENT_METHOD_LABELS,
    CUE_GROUP_TITLES,
    SEVERITY_LABELS,
    STATE_LABELS,
    FormError,
    validated,
)

router = APIRouter(include_in_schema=False, route_class=KeptAnswerRoute)

LIVE_PAGES = {"draft": "start", "in_progress": "in-progress"}
"""The bedside page where a session in this state goes on (``bedside.py``)."""

PAGE_FORMS = ("sign", "addendum", "adverse")
"""The forms the session page may show, each with its own values when one is refused."""


@dataclass(frozen=True)
class Comparison:
    """One line of "plan vs delivered"."""

    what: str
    planned: str
    delivered: str


@dataclass(frozen=True)
class MeasureRow:
    heading: str
    instrument: str
    measure: MeasurePublic


def allowed_actions(state: str) -> frozenset[Action]:
    """Every action the lifecycle allows from ``state``: the page offers these and no other."""
    return frozenset(action for action, moves in TRANSITIONS.items() if state in moves)


def require(db: Session, session_id: str, action: Action) -> SessionPublic:
    """The session, if its state allows ``action``; otherwise the 409 page, before any form is
    read, so a post against a signed session never gets as far as a form error."""
    session = service.session_public(service.get_session(db=db, session_id=session_id))
    next_state(session.status, action)
    return session


@router.get("/sessions/{session_id}", dependencies=[allow("session.read")])
def session_page(session_id: str, request: Request, db: PageDb, now: NowDep) -> Response:
    """Everything recorded, the state as a badge, and what may be done next."""
    return page(request, db, session_id, now, {}, {})


@router.post("/sessions/{session_id}/sign", dependencies=[allow("session.sign")])
def sign(
    session_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """Sign a finished session: from then on it takes only addenda."""
    require(db, session_id, "sign")
    try:
        data = validated(SignCreate, dict(form.present(("signer",))), {})
        signer = own_name(actor, data.signer, "signer")
        service.sign_session(
            db=db, session_id=session_id, signer=signer, now=now, seen=form.version()
        )
    except FormError as exc:
        return _refused(request, db, session_id, now, "sign", form, exc.errors)
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)


@router.post("/sessions/{session_id}/addenda", dependencies=[allow("session.amend")])
def add_addendum(
    session_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """A correction to a signed session, with its author and time; the record stays as it was."""
    require(db, session_id, "amend")
    try:
        data = validated(AddendumCreate, dict(form.present(("author", "text"))), {})
        data = data.model_copy(update={"author": own_name(actor, data.author, "author")})
        service.add_addendum(db=db, session_id=session_id, data=data, now=now)
    except FormError as exc:
        return _refused(request, db, session_id, now, "addendum", form, exc.errors)
    return RedirectResponse(f"/sessions/{session_id}#addenda", status_code=303)


@router.post("/sessions/{session_id}/adverse-events", dependencies=[allow("session.write")])
def add_adverse_event(
    session_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """An adverse event with its severity and the action taken."""
    require(db, session_id, "record_adverse_event")
    try:
        data = adverse_event_form(form)
        service.add_adverse_event(
            db=db,
            session_id=session_id,
            data=data,
            recorded_by=own_name(actor, data.recorded_by, "recorded_by"),
            now=now,
            seen=form.version(),
        )
    except FormError as exc:
        return _refused(request, db, session_id, now, "adverse", form, exc.errors)
    except ValidationError as exc:
        return _refused(request, db, session_id, now, "adverse", form, domain_errors(exc))
    return RedirectResponse(f"/sessions/{session_id}#adverse-events", status_code=303)


def adverse_event_form(form: FormInput) -> AdverseEventReportCreate:
    """The post as an ``AdverseEventReportCreate``, or every field-level mistake together."""
    fields: dict[str, object] = dict(
        form.present(("description", "severity", "action_taken", "recorded_by"))
    )
    errors: Errors = {}
    occurred = form.text("occurred_at")
    if occurred:
        try:
            fields["occurred_at"] = parse_local_datetime(occurred, "occurred_at")
        except ValidationError as exc:
            errors.update(domain_errors(exc))
    return validated(AdverseEventReportCreate, fields, errors)


def _refused(
    request: Request,
    db: Session,
    session_id: str,
    now: datetime,
    which: str,
    form: FormInput,
    errors: Errors,
) -> Response:
    discard_refused(request, db)
    return page(request, db, session_id, now, {which: form}, errors, status_code=422)


def page(
    request: Request,
    db: Session,
    session_id: str,
    now: datetime,
    posted: dict[str, FormInput],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    """The session page; a refused form keeps what was typed, the others show their defaults."""
    session = service.session_public(service.get_session(db=db, session_id=session_id))
    child = children.get_child(db=db, child_id=session.child_id)
    defaults = _form_defaults(session, now)
    live = LIVE_PAGES.get(session.status)
    return render(
        request,
        "sessions/show.html",
        {
            "session": session,
            "child_id": child.id,
            "child_name": child.display_name,
            "state_label": STATE_LABELS.get(session.status, session.status),
            "actions": allowed_actions(session.status),
            "live_url": f"/sessions/{session.id}/{live}" if live else None,
            "forms": {name: posted.get(name, defaults[name]) for name in PAGE_FORMS},
            "errors": errors,
            "plan_title": str(session.plan.get("title", "")),
            "comparison": plan_vs_delivered(session),
            "measures": measure_rows(session),
            "cues": cues_seen(session.cues),
            "consent_method": CONSENT_METHOD_LABELS.get(session.consent_method, "—"),
            "severities": list(SEVERITY_LABELS.items()),
            "severity_label": SEVERITY_LABELS,
        },
        status_code=status_code,
    )


def _form_defaults(session: SessionPublic, now: datetime) -> dict[str, FormInput]:
    return {
        "sign": FormInput({"signer": [session.therapist]}),
        "addendum": FormInput({"author": [session.signed_by or session.therapist]}),
        "adverse": FormInput(
            {"occurred_at": [local_input_value(now)], "recorded_by": [session.therapist]}
        ),
    }


def plan_vs_delivered(session: SessionPublic) -> list[Comparison]:
    """What the plan said next to what was done; nothing is "delivered" before the end."""
    plan = SessionPlan.model_validate(session.plan)
    labels = technique_labels()
    finished = session.status not in LIVE_PAGES

    def delivered(text: str) -> str:
        return (text or "none") if finished else "not yet"

    planned_sites = dict.fromkeys(r.site for r in plan.regions)
    techniques = dict.fromkeys(labels.get(r.technique, r.technique) for r in plan.regions)
    return [
        Comparison(
            "Regions",
            ", ".join(site_label(s) for s in planned_sites),
            delivered(", ".join(site_label(s) for s in session.regions)),
        ),
        Comparison(
            "Pressure",
            f"up to {pressure_label(plan.max_pressure)}",
            delivered(pressure_label(session.pressure)),
        ),
        Comparison("Minutes", f"{plan.total_minutes:g}", delivered(str(session.minutes))),
        Comparison("Technique", ", ".join(techniques), delivered(session.technique)),
    ]


def measure_rows(session: SessionPublic) -> list[MeasureRow]:
    return [
        MeasureRow("Before" if m.timepoint == "pre" else "After", scale_name(m.instrument_id), m)
        for m in session.measures
    ]


def cues_seen(codes: list[str]) -> list[tuple[str, list[str]]]:
    """The recorded cues under their group's title, with their labels; empty groups left out."""
    book = service.cue_codes()
    groups = [
        (title, [book[group][c] for c in codes if c in book[group]])
        for group, title in CUE_GROUP_TITLES.items()
    ]
    return [(title, labels) for title, labels in groups if labels]
