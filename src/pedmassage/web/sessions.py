"""The one-step session form: document a whole session after it happened, within what the
screening allowed.

The form offers only what the screening permits (avoided sites and pressures above the ceiling are
disabled), and the service checks again, so a tampered post is refused like any other mistake.
The live, step-by-step path beside it is ``bedside.py``; the stored session's page is
``lifecycle.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.errors import ValidationError
from pedmassage.http import ActorDep, allow
from pedmassage.http.guard import own_name
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningPublic
from pedmassage.sessions import service
from pedmassage.sessions.schemas import SessionCreate
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
from pedmassage.web.rendering import render
from pedmassage.web.scales import ScaleForm, scale_form
from pedmassage.web.screenings import DEFAULT_GOALS
from pedmassage.web.session_fields import (
    CONSENT_METHOD_LABELS,
    SEVERITY_LABELS,
    FormError,
    body_map,
    cue_groups,
    measure_fields,
    planned_delivery,
    pressure_options,
    session_key,
    validated,
)

if TYPE_CHECKING:
    from pedmassage.planning.plan import SessionPlan

router = APIRouter(include_in_schema=False, route_class=KeptAnswerRoute)

TEXT_FIELDS = (
    "therapist",
    "minutes",
    "pressure",
    "technique",
    "guardian_consent_by",
    "consent_method",
    "status",
    "end_reason",
    "heart_rate_pre",
    "heart_rate_post",
    "spo2_pre",
    "spo2_post",
    "response",
    "note",
)
ADVERSE_INPUTS = {
    "adverse_description": "description",
    "adverse_severity": "severity",
    "adverse_action": "action_taken",
}
"""The optional adverse event's inputs and the ``AdverseEventCreate`` field each one fills."""


@router.get("/screenings/{screening_id}/session", dependencies=[allow("session.write")])
def session_form(
    screening_id: str,
    request: Request,
    db: PageDb,
    now: NowDep,
    actor: ActorDep,
    goals: list[str] = Query(default=[]),
) -> Response:
    """The form pre-filled from the plan for the chosen goals; refused outright on a hold."""
    chosen = tuple(goals) or DEFAULT_GOALS
    screening = screenings.screening_for_form(db=db, screening_id=screening_id)
    plan = screenings.plan_from_screening(db=db, screening_id=screening_id, goals=chosen)
    assent = screening_assent(screenings.assent_at_screening(db=db, screening_id=screening_id))
    scales = _scales(db, screening, now)
    form = _defaults(screening, plan, now, scales, assent, actor.display_name)
    return _form_page(request, db, screening, now, form, {}, chosen)


@router.post("/screenings/{screening_id}/session", dependencies=[allow("session.write")])
def record_session(
    screening_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """Store the session and return to the child, where it heads the history."""
    goals = tuple(form.values("goals")) or DEFAULT_GOALS
    screening = screenings.screening_for_form(db=db, screening_id=screening_id)
    try:
        data = session_create(form, screening_id)
        data = data.model_copy(update={"therapist": own_name(actor, data.therapist, "therapist")})
        service.record_session(db=db, child_id=screening.child_id, data=data, now=now, goals=goals)
    except FormError as exc:
        return _refused(request, db, screening_id, now, form, exc.errors, goals)
    except ValidationError as exc:
        return _refused(
            request, db, screening_id, now, form, domain_errors(exc, session_key), goals
        )
    return RedirectResponse(f"/children/{screening.child_id}#sessions", status_code=303)


def session_create(form: FormInput, screening_id: str) -> SessionCreate:
    """The post as a ``SessionCreate``, or every field-level mistake together."""
    return validated(SessionCreate, *_session_fields(form, screening_id))


def scales_for(db: Session, child_id: str, now: datetime, screening_id: str) -> list[ScaleForm]:
    """The pain scales that fit the child now, best first (observer scales when sedated)."""
    child = children.get_child(db=db, child_id=child_id)
    sedated = screenings.sedated_at_screening(db=db, screening_id=screening_id)
    return [scale_form(i) for i in service.suitable_pain_instruments(child, now, sedated=sedated)]


def _scales(db: Session, screening: ScreeningPublic, now: datetime) -> list[ScaleForm]:
    return scales_for(db, screening.child_id, now, screening.id)


def _session_fields(form: FormInput, screening_id: str) -> tuple[dict[str, object], Errors]:
    fields: dict[str, object] = dict(form.present(TEXT_FIELDS))
    errors: Errors = {}
    started = form.text("started_at")
    if started:
        try:
            fields["started_at"] = parse_local_datetime(started, "started_at")
        except ValidationError as exc:
            errors.update(domain_errors(exc))
    fields.update(
        screening_id=screening_id,
        regions=form.values("regions"),
        child_assent=form.tristate("child_assent"),
        cues=form.values("cues"),
        adverse_events=_adverse_events(form, fields.get("started_at")),
    )
    instrument = form.text("instrument")
    for timepoint in ("pre", "post"):
        fields[timepoint], item_errors = measure_fields(form, timepoint, instrument)
        errors.update(item_errors)
    return fields, errors


def _adverse_events(form: FormInput, started_at: object) -> list[dict[str, object]]:
    """The optional adverse event: none when all its boxes are empty, else all are required."""
    given = form.present(ADVERSE_INPUTS)
    if not given:
        return []
    event: dict[str, object] = {ADVERSE_INPUTS[name]: value for name, value in given.items()}
    if started_at is not None:
        event["occurred_at"] = started_at
    return [event]


def _defaults(
    screening: ScreeningPublic,
    plan: SessionPlan,
    now: datetime,
    scales: list[ScaleForm],
    assent: str,
    therapist: str,
) -> FormInput:
    """Pre-filled from the plan and the logged-in therapist, so a busy therapist only corrects
    what differed."""
    start = default_start(now, screening.assessed_at)
    return FormInput(
        {
            "therapist": [therapist],
            "started_at": [local_input_value(start)],
            **planned_delivery(plan, screening.result.modifications),
            "consent_method": ["in_person"],
            "status": ["completed"],
            "child_assent": [assent],
            "instrument": [scales[0].id] if scales else [],
        }
    )


def default_start(now: datetime, screened_at: datetime) -> datetime:
    """Now, rounded up to the whole minute the input shows: rounding down could fall before the
    screening, and a session may not start before the screening it rests on."""
    moment = max(now, screened_at)
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def screening_assent(answer: bool | None) -> str:
    """The child's answer at screening, as the form's yes / no / not asked: asked minutes ago,
    it is the likeliest answer, and the therapist changes it if the child changed their mind."""
    return "yes" if answer is True else "no" if answer is False else ""


def _refused(
    request: Request,
    db: Session,
    screening_id: str,
    now: datetime,
    form: FormInput,
    errors: Errors,
    goals: Sequence[str],
) -> Response:
    discard_refused(request, db)
    screening = screenings.screening_for_form(db=db, screening_id=screening_id)
    return _form_page(request, db, screening, now, form, errors, goals, status_code=422)


def _form_page(
    request: Request,
    db: Session,
    screening: ScreeningPublic,
    now: datetime,
    form: FormInput,
    errors: Errors,
    goals: Sequence[str],
    status_code: int = 200,
) -> Response:
    child = children.to_public(children.get_child(db=db, child_id=screening.child_id), now.date())
    mods = screening.result.modifications
    return render(
        request,
        "sessions/new.html",
        {
            "screening": screening,
            "child": child,
            "form": form,
            "errors": errors,
            "goals": goals,
            "scales": _scales(db, screening, now),
            "body_map": body_map(mods),
            "pressures": pressure_options(mods),
            "mods": mods,
            "cue_groups": cue_groups(),
            "consent_methods": list(CONSENT_METHOD_LABELS.items()),
            "severities": list(SEVERITY_LABELS.items()),
        },
        status_code=status_code,
    )
