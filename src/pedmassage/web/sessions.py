"""The session form: document what was delivered, within what the screening allowed.

The form offers only what the screening permits (avoided sites and pressures above the ceiling are
disabled), and the service checks again, so a tampered post is refused like any other mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pydantic
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.errors import ConflictError, ValidationError
from pedmassage.planning.catalogue import NEVER_MASSAGED
from pedmassage.safety.contract import Modifications
from pedmassage.sessions import service
from pedmassage.sessions.models import Screening
from pedmassage.sessions.schemas import ScreeningPublic, SessionCreate
from pedmassage.vocabulary import site_map
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import (
    Errors,
    FormDep,
    FormInput,
    domain_errors,
    field_key,
    local_input_value,
    parse_local_datetime,
    pydantic_errors,
)
from pedmassage.web.rendering import PRESSURE_LABELS, render
from pedmassage.web.scales import ScaleForm, item_scores, scale_form
from pedmassage.web.screenings import DEFAULT_GOALS, technique_labels

if TYPE_CHECKING:
    from pedmassage.planning.plan import SessionPlan

router = APIRouter(include_in_schema=False)

NEVER_OFFERED = frozenset({NEVER_MASSAGED})
"""Sites never massaged; the body map does not offer them at all."""

TEXT_FIELDS = (
    "therapist",
    "minutes",
    "pressure",
    "technique",
    "guardian_consent_by",
    "status",
    "end_reason",
    "response",
    "note",
)


@dataclass(frozen=True)
class SiteOption:
    """One tile of the body map; ``blocked`` says why it may not be chosen, if it may not."""

    id: str
    label: str
    blocked: str | None
    gentle: bool

    @property
    def avoided(self) -> bool:
        return self.blocked is not None


@dataclass(frozen=True)
class PressureOption:
    level: int
    label: str
    allowed: bool


@router.get("/screenings/{screening_id}/session")
def session_form(
    screening_id: str,
    request: Request,
    db: PageDb,
    now: NowDep,
    goals: list[str] = Query(default=[]),
) -> Response:
    """The form pre-filled from the plan for the chosen goals; refused outright on a hold."""
    chosen = tuple(goals) or DEFAULT_GOALS
    row = _open_screening(db, screening_id)
    screening = service.screening_public(row)
    plan = service.plan_from_screening(db=db, screening_id=screening_id, goals=chosen)
    form = _defaults(screening, plan, now, _scales(db, screening, now), screening_assent(row))
    return _form_page(request, db, screening, now, form, {}, chosen)


@router.post("/screenings/{screening_id}/session")
def record_session(
    screening_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep
) -> Response:
    """Store the session and return to the child, where it heads the history."""
    goals = tuple(form.values("goals")) or DEFAULT_GOALS
    screening = _open_screening(db, screening_id)
    try:
        data = session_create(form, screening_id)
        service.record_session(db=db, child_id=screening.child_id, data=data, now=now, goals=goals)
    except FormError as exc:
        return _refused(request, db, screening_id, now, form, exc.errors, goals)
    except ValidationError as exc:
        return _refused(
            request, db, screening_id, now, form, domain_errors(exc, session_key), goals
        )
    return RedirectResponse(f"/children/{screening.child_id}#sessions", status_code=303)


class FormError(Exception):
    """The form itself is incomplete or malformed; every such error is reported at once."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def session_create(form: FormInput, screening_id: str) -> SessionCreate:
    """The post as a ``SessionCreate``, or every field-level mistake together."""
    fields, errors = _session_fields(form, screening_id)
    try:
        data = SessionCreate.model_validate(fields)
    except pydantic.ValidationError as exc:
        raise FormError({**pydantic_errors(exc, session_key), **errors}) from exc
    if errors:
        raise FormError(errors)
    return data


def session_key(path: str) -> str:
    """Instrument errors belong beside the one scale picker, not beside "before" or "after"."""
    if path in ("pre.instrument", "post.instrument"):
        return "instrument"
    if path.startswith("items."):
        return "measures"  # a scoring refusal names the item but not the timepoint
    return field_key(path)


def body_map(mods: Modifications) -> list[tuple[str, list[SiteOption]]]:
    """Sites grouped under the large regions, marking what the screening forbids or limits."""
    sites = site_map()
    groups: dict[str, list[SiteOption]] = {}
    for site in sites.sites.values():
        if site.id in NEVER_OFFERED:
            continue
        chain = sites.ancestors(site.id)
        region = chain[-2] if len(chain) > 1 else chain[-1]
        groups.setdefault(sites.label(region), []).append(
            SiteOption(
                id=site.id,
                label=site.label,
                blocked=_blocked(site.id, mods.avoid_sites),
                gentle=any(sites.overlaps(g, site.id) for g in mods.gentle_sites),
            )
        )
    return list(groups.items())


def _blocked(site: str, avoid: list[str]) -> str | None:
    """Why a site may not be massaged: it lies in an avoided region, or it contains one (the
    service refuses both, so "whole body" is out whenever any part of it is)."""
    sites = site_map()
    if any(sites.covers(a, site) for a in avoid):
        return "no contact"
    if any(sites.covers(site, a) for a in avoid):
        return "includes a no-contact area"
    return None


def pressure_options(mods: Modifications) -> list[PressureOption]:
    ceiling = 5 if mods.max_pressure is None else mods.max_pressure
    return [
        PressureOption(level, label, level <= ceiling) for level, label in PRESSURE_LABELS.items()
    ]


def _open_screening(db: Session, screening_id: str) -> Screening:
    """The screening a session rests on; a hold is refused before any form is shown."""
    screening = service.get_screening(db=db, screening_id=screening_id)
    if screening.decision == "hold":
        raise ConflictError(
            "The screening says hold: no session may start on it.", field="screening_id"
        )
    return screening


def _scales(db: Session, screening: ScreeningPublic, now: datetime) -> list[ScaleForm]:
    child = children.get_child(db=db, child_id=screening.child_id)
    return [scale_form(i) for i in service.suitable_pain_instruments(child, now)]


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
    )
    instrument = form.text("instrument")
    for timepoint in ("pre", "post"):
        fields[timepoint], item_errors = _measure(form, timepoint, instrument)
        errors.update(item_errors)
    return fields, errors


def _measure(form: FormInput, timepoint: str, instrument: str) -> tuple[dict[str, object], Errors]:
    if not instrument:
        return {"items": {}}, {}  # pydantic then reports the missing instrument
    try:
        scale = scale_form(instrument)
    except ValidationError:
        chosen: dict[str, object] = {"instrument": instrument, "items": {}}
        return chosen, {"instrument": "Choose a scale from the list."}
    items, errors = item_scores(form, timepoint, scale)
    return {"instrument": instrument, "items": items}, errors


def _defaults(
    screening: ScreeningPublic,
    plan: SessionPlan,
    now: datetime,
    scales: list[ScaleForm],
    assent: str,
) -> FormInput:
    """Pre-filled from the plan, so a busy therapist only corrects what differed."""
    regions = list(dict.fromkeys(r.site for r in plan.regions))
    labels = technique_labels()
    techniques = ", ".join(
        dict.fromkeys(labels.get(r.technique, r.technique) for r in plan.regions)
    )
    start = default_start(now, screening.assessed_at)
    return FormInput(
        {
            "therapist": [screening.actor],
            "started_at": [local_input_value(start)],
            "minutes": [str(max(1, round(plan.total_minutes)))],
            "pressure": [str(default_pressure(plan, screening.result.modifications))],
            "regions": regions,
            "technique": [techniques[:120]],
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


def default_pressure(plan: SessionPlan, mods: Modifications) -> int:
    """The plan's firmest stroke, but light where a planned site is gentle-only."""
    sites = site_map()
    level = max((r.pressure for r in plan.regions), default=0)
    gentle = any(sites.overlaps(g, r.site) for g in mods.gentle_sites for r in plan.regions)
    return min(level, 1) if gentle else level


def screening_assent(screening: Screening) -> str:
    """The child's answer at screening, as the form's yes / no / not asked: asked minutes ago,
    it is the likeliest answer, and the therapist changes it if the child changed their mind."""
    answer = screening.input.get("child_assent")
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
    db.rollback()  # nothing of a refused form may be stored
    screening = service.screening_public(_open_screening(db, screening_id))
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
        },
        status_code=status_code,
    )
