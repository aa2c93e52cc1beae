"""The live session at the bedside, one step at a time, beside the one-step form.

From a screening, "Start a session now" plans a draft; the start page confirms consent, asks the
child, and takes the "before" measure; the in-progress page ends it, completed or early. A child's
"no" at the start ends the session there: a refusal is always honoured. Each post checks the
lifecycle first (an illegal step is the 409 page) and stores nothing when any field is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.errors import ValidationError
from pedmassage.http import ActorDep, allow
from pedmassage.http.actor import witness
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.planning.plan import SessionPlan
from pedmassage.safety.contract import VerifyItem
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningPublic
from pedmassage.sessions import service
from pedmassage.sessions.schemas import (
    DraftCreate,
    SessionEnd,
    SessionFinish,
    SessionPublic,
    SessionStart,
)
from pedmassage.web.body_figure import child_figure, figure_states
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import (
    Errors,
    FormDep,
    FormInput,
    KeyFn,
    discard_refused,
    domain_errors,
)
from pedmassage.web.lifecycle import require
from pedmassage.web.rendering import render
from pedmassage.web.scales import scale_form
from pedmassage.web.screenings import DEFAULT_GOALS
from pedmassage.web.session_fields import (
    ASSENT_OPTIONS,
    CONSENT_METHOD_LABELS,
    FormError,
    body_map,
    child_assent,
    cue_groups,
    measure_fields,
    planned_delivery,
    pressure_options,
    session_key,
    validated,
    verified_fields,
)
from pedmassage.web.sessions import scales_for

router = APIRouter(include_in_schema=False, route_class=KeptAnswerRoute)

CHILD_SAID_STOP = "The child said stop."
SAYS_STOP = "says_stop"
"""The cue recorded with it (``sessions/cues.yaml``): the child's own "no" ended the session."""
START_FIELDS = ("guardian_consent_by", "consent_method", "heart_rate", "spo2")
FINISH_FIELDS = ("minutes", "pressure", "technique", "heart_rate", "spo2", "response", "note")


@router.post("/screenings/{screening_id}/drafts", dependencies=[allow("session.write")])
def start_now(
    screening_id: str, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """Plan a session on the screening (refused on a hold) and go to its start page."""
    screening = screenings.get_screening(db=db, screening_id=screening_id)
    draft = service.create_draft(
        db=db,
        child_id=screening.child_id,
        now=now,
        data=DraftCreate(
            screening_id=screening.id,
            therapist=actor.display_name,
            goals=form.values("goals") or list(DEFAULT_GOALS),
        ),
    )
    return RedirectResponse(f"/sessions/{draft.id}/start", status_code=303)


@router.get("/sessions/{session_id}/start", dependencies=[allow("session.write")])
def start_form(session_id: str, request: Request, db: PageDb, now: NowDep) -> Response:
    """Consent, the child's own yes or no, and the "before" measure."""
    session = service.session_public(service.get_session(db=db, session_id=session_id))
    if session.status != "draft":
        return RedirectResponse(f"/sessions/{session_id}", status_code=303)
    return _start_page(request, db, session, now, {}, {})


@router.post("/sessions/{session_id}/start", dependencies=[allow("session.write")])
def start(
    session_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """Start the session, or, on the child's "no", end it there and then."""
    session = require(db, session_id, "start")
    screening = screenings.get_screening(db=db, screening_id=session.screening_id)
    verify = screenings.screening_public(screening).result.verify
    try:
        data = validated(SessionStart, *_start_fields(form, now, verify))
        record = service.start_session(
            db=db,
            session_id=session_id,
            data=data,
            now=now,
            seen=form.version(),
            witness=witness(actor, request),
        )
    except FormError as exc:
        return _refused(request, db, session_id, now, "start", form, exc.errors)
    except ValidationError as exc:
        errors = domain_errors(exc, session_key)
        return _refused(request, db, session_id, now, "start", form, errors)
    if record.status == "ended_early":
        return RedirectResponse(f"/sessions/{session_id}", status_code=303)
    return RedirectResponse(f"/sessions/{session_id}/in-progress", status_code=303)


@router.get("/sessions/{session_id}/in-progress", dependencies=[allow("session.write")])
def in_progress(session_id: str, request: Request, db: PageDb, now: NowDep) -> Response:
    """ "End early" first, then what was delivered and the "after" measure."""
    session = service.session_public(service.get_session(db=db, session_id=session_id))
    if session.status != "in_progress":
        return RedirectResponse(f"/sessions/{session_id}", status_code=303)
    return _live_page(request, db, session, now, {}, {})


@router.post("/sessions/{session_id}/complete", dependencies=[allow("session.write")])
def complete(session_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep) -> Response:
    """What was delivered (within the screening) and the "after" measure on the same scale."""
    session = require(db, session_id, "complete")

    def store() -> None:
        data = validated(SessionFinish, *_finish_fields(form, now, _pre_instrument(session)))
        service.complete_session(
            db=db, session_id=session_id, data=data, now=now, seen=form.version()
        )

    return _stored(_Post(request, db, session_id, now, form, "complete"), store)


@router.post("/sessions/{session_id}/end-early", dependencies=[allow("session.write")])
def end_early(
    session_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep
) -> Response:
    """The child said stop, disengaged, or something else ended it: the reason is kept."""
    require(db, session_id, "end_early")
    fields = {"ended_at": now, "cues": form.values("end_cues"), **form.present(("reason",))}
    given = form.present(("end_minutes",)).get("end_minutes")
    if given is not None:
        fields["minutes"] = given

    def store() -> None:
        data = validated(SessionEnd, fields, {}, key=end_key)
        service.end_session_early(
            db=db, session_id=session_id, data=data, now=now, seen=form.version()
        )

    return _stored(_Post(request, db, session_id, now, form, "end"), store, end_key)


@router.post("/sessions/{session_id}/child-said-stop", dependencies=[allow("session.write")])
def child_said_stop(
    session_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep
) -> Response:
    """The child said stop: the session ends now, with what was given so far, and nothing more
    is asked first. The minutes are the timer's (or the server's count since the start); the
    regions, pressure and cues are those ticked on the page when it was pressed."""
    session = require(db, session_id, "end_early")
    fields: dict[str, object] = {
        "ended_at": now,
        "reason": CHILD_SAID_STOP,
        "minutes": form.text("elapsed_minutes") or _elapsed_minutes(session, now),
        "regions": form.values("regions"),
        "cues": list(dict.fromkeys([*form.values("cues"), SAYS_STOP])),
        **form.present(("pressure", "technique")),
    }

    def store() -> None:
        data = validated(SessionEnd, fields, {})
        if data.minutes == 0:  # stopped before any massage: nothing was delivered
            data = data.model_copy(update={"regions": [], "pressure": 0})
        service.end_session_early(
            db=db, session_id=session_id, data=data, now=now, seen=form.version()
        )

    return _stored(_Post(request, db, session_id, now, form, "complete"), store)


@dataclass(frozen=True)
class _Post:
    """A step's post: what a refusal needs to show the page again with what was typed."""

    request: Request
    db: Session
    session_id: str
    now: datetime
    form: FormInput
    which: str


def _stored(post: _Post, store: Callable[[], None], key: KeyFn = session_key) -> Response:
    """Run the step, then go to the record; a refused step shows its page again, storing
    nothing, with every mistake beside its field."""
    try:
        store()
    except FormError as exc:
        errors = exc.errors
    except ValidationError as exc:
        errors = domain_errors(exc, key)
    else:
        return RedirectResponse(f"/sessions/{post.session_id}", status_code=303)
    return _refused(post.request, post.db, post.session_id, post.now, post.which, post.form, errors)


def _elapsed_minutes(session: SessionPublic, now: datetime) -> int:
    """Whole minutes since the start: a minute not yet complete was not given."""
    if session.started_at is None:
        return 0
    return max(0, int((now - session.started_at).total_seconds() // 60))


def end_key(path: str) -> str:
    """The end-early form's cues and minutes are named apart from the completion form's."""
    key = session_key(path)
    return {"cues": "end_cues", "minutes": "end_minutes"}.get(key, key)


def _start_fields(
    form: FormInput, now: datetime, verify: list[VerifyItem]
) -> tuple[dict[str, object], Errors]:
    fields: dict[str, object] = dict(form.present(START_FIELDS))
    fields["verified"] = verified_fields(form, verify)
    fields["child_assent"], errors = child_assent(form)
    fields["started_at"] = now
    fields["pre"], item_errors = measure_fields(form, "pre", form.text("instrument"))
    return fields, {**errors, **item_errors}


def _finish_fields(
    form: FormInput, now: datetime, instrument: str
) -> tuple[dict[str, object], Errors]:
    fields: dict[str, object] = dict(form.present(FINISH_FIELDS))
    fields.update(ended_at=now, regions=form.values("regions"), cues=form.values("cues"))
    fields["post"], errors = measure_fields(form, "post", instrument)
    return fields, errors


def _pre_instrument(session: SessionPublic) -> str:
    """The "after" measure uses the scale of the "before" one, never a different one."""
    return next((m.instrument_id for m in session.measures if m.timepoint == "pre"), "")


def _refused(
    request: Request,
    db: Session,
    session_id: str,
    now: datetime,
    which: str,
    form: FormInput,
    errors: Errors,
) -> Response:
    """Show the step again with what was typed; nothing of a refused form is stored."""
    discard_refused(request, db)
    session = service.session_public(service.get_session(db=db, session_id=session_id))
    draw = _start_page if session.status == "draft" else _live_page
    return draw(request, db, session, now, {which: form}, errors, status_code=422)


def _start_page(
    request: Request,
    db: Session,
    session: SessionPublic,
    now: datetime,
    posted: dict[str, FormInput],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    screening = screenings.screening_public(
        screenings.get_screening(db=db, screening_id=session.screening_id)
    )
    scales = scales_for(db, session.child_id, now, session.screening_id)
    defaults = FormInput(
        {
            "consent_method": ["in_person"],
            "instrument": [scales[0].id] if scales else [],
        }
    )
    context = {
        "scales": scales,
        "consent_methods": list(CONSENT_METHOD_LABELS.items()),
        "assent_options": ASSENT_OPTIONS,
    }
    forms = {"start": posted.get("start", defaults), "end": posted.get("end", FormInput({}))}
    page = _Page(session, screening, forms, errors, context)
    return _render(request, db, "sessions/start.html", page, now, status_code)


def _live_page(
    request: Request,
    db: Session,
    session: SessionPublic,
    now: datetime,
    posted: dict[str, FormInput],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    screening = screenings.screening_public(
        screenings.get_screening(db=db, screening_id=session.screening_id)
    )
    mods = screening.result.modifications
    plan = SessionPlan.model_validate(session.plan)
    instrument = _pre_instrument(session)
    sites = body_map(mods)
    # Regions are ticked as they are worked on, so "Child said stop" records what was given;
    # the plan's regions are drawn as planned, not pre-ticked as delivered.
    delivery = {k: v for k, v in planned_delivery(plan, mods).items() if k != "regions"}
    complete_form = posted.get("complete", FormInput(delivery))
    child = children.get_child(db=db, child_id=session.child_id)
    figure = child_figure(child.birth_date, child.ga_weeks, child.ga_days, now.date())
    context = {
        "scale": scale_form(instrument) if instrument else None,
        "body_map": sites,
        "figure": figure,
        "figure_states": figure_states(
            figure,
            [option for _, options in sites for option in options],
            planned=[r.site for r in plan.regions],
            chosen=complete_form.values("regions"),
        ),
        "pressures": pressure_options(mods),
        "elapsed_minutes": _elapsed_minutes(session, now),
    }
    forms = {"complete": complete_form, "end": posted.get("end", FormInput({}))}
    page = _Page(session, screening, forms, errors, context)
    return _render(request, db, "sessions/in_progress.html", page, now, status_code)


@dataclass(frozen=True)
class _Page:
    """What a step shows besides the child: the session, its screening, both forms, errors."""

    session: SessionPublic
    screening: ScreeningPublic
    forms: dict[str, FormInput]
    errors: Errors
    context: Mapping[str, object]


def _render(
    request: Request, db: Session, template: str, page: _Page, now: datetime, status_code: int
) -> Response:
    child = children.to_public(
        children.get_child(db=db, child_id=page.session.child_id), now.date()
    )
    cues = cue_groups(child.stage)
    return render(
        request,
        template,
        {
            "session": page.session,
            "child": child,
            "screening": page.screening,
            "mods": page.screening.result.modifications,
            "forms": page.forms,
            "errors": page.errors,
            "cue_groups": cues,
            "end_cue_groups": [g for g in cues if g.id == "disengagement"],
            **page.context,
        },
        status_code=status_code,
    )
