"""The lab / vital form: one value, in the one unit the code book accepts, and when it was taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pydantic
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.children import service
from pedmassage.errors import ValidationError
from pedmassage.http import allow
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.safety.contract import MeasurementEntry
from pedmassage.vocabulary import code_book
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import (
    Errors,
    FormDep,
    FormInput,
    discard_refused,
    domain_errors,
    local_input_value,
    parse_local_datetime,
    pydantic_errors,
)
from pedmassage.web.rendering import render

router = APIRouter(include_in_schema=False, route_class=KeptAnswerRoute)


@dataclass(frozen=True)
class CodeOption:
    """One choice of the measure select; its value carries the category ("lab:platelets")."""

    value: str
    label: str


@router.get("/children/{child_id}/observations/new", dependencies=[allow("child.write")])
def observation_form(child_id: str, request: Request, db: PageDb, now: NowDep) -> Response:
    defaults = FormInput({"taken_at": [local_input_value(now)]})
    return _form_page(request, db, child_id, now, defaults, {})


@router.post("/children/{child_id}/observations/new", dependencies=[allow("child.write")])
def add_observation(
    child_id: str, request: Request, form: FormDep, db: PageDb, now: NowDep
) -> Response:
    """Store the value and go back to the child, where the latest values are listed."""
    try:
        category, data = measurement(form)
        service.add_observation(db=db, child_id=child_id, category=category, data=data, now=now)
    except pydantic.ValidationError as exc:
        return _refused(request, db, child_id, now, form, pydantic_errors(exc))
    except ValidationError as exc:
        return _refused(request, db, child_id, now, form, domain_errors(exc, observation_key))
    return RedirectResponse(f"/children/{child_id}#observations", status_code=303)


def measurement(form: FormInput) -> tuple[str, MeasurementEntry]:
    """The posted value as a measurement in the code book's unit (the form never asks for one)."""
    category, _, code = form.text("code").partition(":")
    book = code_book()
    table = {"lab": book.labs, "vital": book.vitals}.get(category, {})
    if code not in table:
        raise ValidationError("code", form.text("code"), "a lab or vital from the list")
    taken = form.text("taken_at")
    fields: dict[str, object] = {
        "code": code,
        "unit": table[code].unit,
        **form.present(("value",)),
        "taken_at": parse_local_datetime(taken, "taken_at") if taken else None,
    }
    return category, MeasurementEntry.model_validate(
        {k: v for k, v in fields.items() if v is not None}
    )


def observation_key(path: str) -> str:
    """The service names fields after the category ("vital.value"); the form calls it "value"."""
    return path.rsplit(".", 1)[-1] if "." in path else path


def code_options() -> list[tuple[str, list[CodeOption]]]:
    book = code_book()
    return [
        (
            group,
            [
                CodeOption(f"{category}:{code}", f"{spec.label} ({spec.unit})")
                for code, spec in table.items()
            ],
        )
        for group, category, table in (
            ("Labs", "lab", book.labs),
            ("Vital signs", "vital", book.vitals),
        )
    ]


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
    child = service.to_public(service.get_child(db=db, child_id=child_id), now.date())
    return render(
        request,
        "observations/new.html",
        {
            "child": child,
            "form": form,
            "errors": errors,
            "code_options": code_options(),
        },
        status_code=status_code,
    )
