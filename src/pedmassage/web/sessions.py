"""The one-step session form: document a whole session after it happened, within what the
screening allowed.

The form offers only what the screening permits (avoided sites and pressures above the ceiling are
disabled), and the service checks again, so a tampered post is refused like any other mistake.
The live, step-by-step path beside it is ``bedside.py``; the stored session's page is
``lifecycle.py``.

A session documented here has ended, so the form's start is one the service accepts: the session
ended now, having lasted the planned minutes, but started no earlier than its screening. When even
that ends after now (the screening was moments ago), the form says so beside the start: a session
still under way is recorded with "Start a session now".
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
from pedmassage.http.actor import witness
from pedmassage.http.guard import own_name
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningPublic
from pedmassage.sessions import service
from pedmassage.sessions.documentation import UNDER_WAY, ended_by
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
    ASSENT_OPTIONS,
    CONSENT_METHOD_LABELS,
    SEVERITY_LABELS,
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
    scales = _scales(db, screening, now)
    form, notes = _defaults(screening, plan, now, scales, actor.display_name)
    return _form_page(request, db, screening, now, form, notes, chosen)


@router.post("/screenings/{screening_id}/session", dependencies=[allow("session.write")])
def record_session(
    screening_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """Store the session and return to the child, where it heads the history."""
    goals = tuple(form.values("goals")) or DEFAULT_GOALS
    screening = screenings.screening_for_form(db=db, screening_id=screening_id)
    try:
        data = session_create(form, screening)
        data = data.model_copy(update={"therapist": own_name(actor, data.therapist, "therapist")})
        service.record_session(
            db=db,
            child_id=screening.child_id,
            data=data,
            now=now,
            goals=goals,
            witness=witness(actor, request),
        )
    except FormError as exc:
        return _refused(request, db, screening_id, now, form, exc.errors, goals)
    except ValidationError as exc:
        return _refused(
            request, db, screening_id, now, form, domain_errors(exc, session_key), goals
        )
    return RedirectResponse(f"/children/{screening.child_id}#sessions", status_code=303)


def session_create(form: FormInput, screening: ScreeningPublic) -> SessionCreate:
    """The post as a ``SessionCreate``, or every field-level mistake together."""
    return validated(SessionCreate, *_session_fields(form, screening))


def scales_for(db: Session, child_id: str, now: datetime, screening_id: str) -> list[ScaleForm]:
    """The pain scales that fit the child now, best first (observer scales when sedated)."""
    child = children.get_child(db=db, child_id=child_id)
    sedated = screenings.sedated_at_screening(db=db, screening_id=screening_id)
    return [scale_form(i) for i in service.suitable_pain_instruments(child, now, sedated=sedated)]


def _scales(db: Session, screening: ScreeningPublic, now: datetime) -> list[ScaleForm]:
    return scales_for(db, screening.child_id, now, screening.id)


def _session_fields(
    form: FormInput, screening: ScreeningPublic
) -> tuple[dict[str, object], Errors]:
    fields: dict[str, object] = dict(form.present(TEXT_FIELDS))
    fields["verified"] = verified_fields(form, screening.result.verify)
    errors: Errors = {}
    started = form.text("started_at")
    if started:
        try:
            fields["started_at"] = parse_local_datetime(started, "started_at")
        except ValidationError as exc:
            errors.update(domain_errors(exc))
    fields["child_assent"], assent_errors = child_assent(form)
    errors.update(assent_errors)
    fields.update(
        screening_id=screening.id,
        regions=form.values("regions"),
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
    therapist: str,
) -> tuple[FormInput, Errors]:
    """Pre-filled from the plan and the logged-in therapist, so a busy therapist only corrects
    what differed; never the child's answer, which is recorded as the child gave it.

    With it, a note beside the start when even the earliest start the screening allows would end
    after now: the session is still under way, and the service would refuse it."""
    delivery = planned_delivery(plan, screening.result.modifications)
    minutes = int(delivery["minutes"][0])
    start = default_start(now, screening.assessed_at, minutes)
    form = FormInput(
        {
            "therapist": [therapist],
            "started_at": [local_input_value(start)],
            **delivery,
            "consent_method": ["in_person"],
            "status": ["completed"],
            "instrument": [scales[0].id] if scales else [],
        }
    )
    return form, ({} if ended_by(start, minutes, now) else {"started_at": _not_ended(minutes)})


def default_start(now: datetime, screened_at: datetime, minutes: int) -> datetime:
    """The start of a session of ``minutes`` that ended now, rounded down to the whole minute the
    input shows (rounding up would end it after now), but never before the screening it rests on
    (that is rounded up: rounding down would fall before it)."""
    ended_now = _minute(now - timedelta(minutes=minutes))
    screened = _minute(screened_at)
    return max(ended_now, screened if screened == screened_at else screened + timedelta(minutes=1))


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _not_ended(minutes: int) -> str:
    """What the form says when the planned session, started after its screening, has not ended."""
    return (
        f"A {minutes}-minute session that starts after its screening has not ended yet: "
        f"{UNDER_WAY}. Document a session here once it has ended, with its start and minutes "
        "as they were."
    )


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
            "cue_groups": cue_groups(child.stage),
            "consent_methods": list(CONSENT_METHOD_LABELS.items()),
            "assent_options": ASSENT_OPTIONS,
            "severities": list(SEVERITY_LABELS.items()),
        },
        status_code=status_code,
    )
