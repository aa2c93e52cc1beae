"""Pages for screening: the bedside questions, and the decision with its reasons and plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, get_args
from urllib.parse import urlencode

import pydantic
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.children import service as children
from pedmassage.errors import ValidationError
from pedmassage.http import ActorDep, allow
from pedmassage.http.guard import own_name
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.safety.contract import Isolation, RespiratorySupport
from pedmassage.screenings import service
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.vocabulary import code_book
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import (
    Errors,
    FormDep,
    FormInput,
    discard_refused,
    domain_errors,
    pydantic_errors,
)
from pedmassage.web.rendering import SETTING_LABELS, labelled, render

if TYPE_CHECKING:
    from pedmassage.planning.plan import SessionPlan

router = APIRouter(include_in_schema=False, route_class=KeptAnswerRoute)

DEFAULT_GOALS = ("relaxation",)

RESPIRATORY_LABELS = {
    "none": "None",
    "oxygen": "Low-flow oxygen",
    "high_flow": "High-flow nasal cannula",
    "cpap": "CPAP",
    "bipap": "BiPAP (non-invasive ventilation)",
    "ventilator": "Ventilator",
}
ISOLATION_LABELS = {
    "none": "None",
    "contact": "Contact",
    "droplet": "Droplet",
    "airborne": "Airborne",
    "enteric": "Enteric",
    "protective": "Protective (neutropenic)",
}


@dataclass(frozen=True)
class GoalOption:
    id: str
    label: str
    description: str


@router.get("/children/{child_id}/screen", dependencies=[allow("screening.create")])
def screen_form(child_id: str, request: Request, db: PageDb, now: NowDep) -> Response:
    child = children.get_child(db=db, child_id=child_id)
    defaults = FormInput(
        {
            "respiratory_support": ["none"],
            "isolation": ["none"],
            "setting": [child.setting],
            "guardian_consent": [""],
            "child_assent": [""],
        }
    )
    return _form_page(request, db, child_id, now, defaults, {})


@router.post("/children/{child_id}/screen", dependencies=[allow("screening.create")])
def screen(
    child_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """Store the screening (input, result, rule versions) and show its result page."""
    try:
        data = ScreeningCreate.model_validate(_screening_fields(form))
        data = data.model_copy(update={"therapist": own_name(actor, data.therapist, "therapist")})
        screening = service.screen_child(
            db=db, child_id=child_id, request=data, now=now, rulebook=request.app.state.rulebook
        )
    except pydantic.ValidationError as exc:
        return _refused(request, db, child_id, now, form, pydantic_errors(exc))
    except ValidationError as exc:
        return _refused(request, db, child_id, now, form, domain_errors(exc))
    return RedirectResponse(f"/screenings/{screening.id}", status_code=303)


@router.get("/screenings/{screening_id}", dependencies=[allow("screening.read")])
def screening_result(
    screening_id: str, request: Request, db: PageDb, goals: list[str] = Query(default=[])
) -> Response:
    """The decision first, then why, then what changes, then the plan that respects it."""
    screening = service.screening_public(service.get_screening(db=db, screening_id=screening_id))
    child = children.get_child(db=db, child_id=screening.child_id)
    chosen = tuple(goals) or DEFAULT_GOALS
    plan, plan_error = None, None
    if screening.result.decision != "hold":
        plan, plan_error = plan_or_error(db, screening_id, chosen)
    return render(
        request,
        "screenings/result.html",
        {
            "screening": screening,
            "result": screening.result,
            "child_name": child.display_name,
            "child_id": child.id,
            "plan": plan,
            "plan_error": plan_error,
            "goals": chosen,
            "goal_options": goal_options(),
            "technique_label": technique_labels(),
            "session_url": f"/screenings/{screening.id}/session?"
            + urlencode([("goals", g) for g in chosen]),
        },
    )


def plan_or_error(
    db: Session, screening_id: str, goals: Sequence[str]
) -> tuple[SessionPlan | None, str | None]:
    """A plan for the chosen goals; an unknown goal is said on the page instead of failing it."""
    try:
        return service.plan_from_screening(db=db, screening_id=screening_id, goals=goals), None
    except ValidationError as exc:
        return None, f"No plan for these goals. Allowed: {exc.allowed}."


def goal_options() -> list[GoalOption]:
    from pedmassage.planning.catalogue import catalogue

    return [GoalOption(g.id, g.label, g.description) for g in catalogue().goals]


def technique_labels() -> dict[str, str]:
    from pedmassage.planning.catalogue import catalogue

    return {t.id: t.label for t in catalogue().techniques.values()}


def _screening_fields(form: FormInput) -> dict[str, object]:
    fields: dict[str, object] = dict(
        form.present(("therapist", "setting", "respiratory_support", "isolation"))
    )
    fields["guardian_consent"] = form.tristate("guardian_consent")
    fields["child_assent"] = form.tristate("child_assent")
    fields["self_consent"] = form.tristate("self_consent")
    fields["respiratory_support_long_term"] = form.flag("respiratory_support_long_term")
    return fields


def _refused(
    request: Request, db: Session, child_id: str, now: datetime, form: FormInput, errors: Errors
) -> Response:
    discard_refused(request, db)
    return _form_page(request, db, child_id, now, form, errors, status_code=422)


def _form_page(
    request: Request,
    db: Session,
    child_id: str,
    now: datetime,
    form: FormInput,
    errors: Errors,
    status_code: int = 200,
) -> Response:
    child = children.to_public(children.get_child(db=db, child_id=child_id), now.date())
    return render(
        request,
        "screenings/new.html",
        {
            "child": child,
            "form": form,
            "errors": errors,
            "respiratory": labelled(list(get_args(RespiratorySupport)), RESPIRATORY_LABELS),
            "isolation": labelled(list(get_args(Isolation)), ISOLATION_LABELS),
            "settings": labelled(code_book().settings, SETTING_LABELS),
        },
        status_code=status_code,
    )
