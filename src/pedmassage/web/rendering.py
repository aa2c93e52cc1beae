"""One Jinja2 environment for every page, with the filters that turn codes into words.

Templates never see raw ids where a clinician expects a label: sites, codes, decisions and pressure
levels are translated here, once, so every page says them the same way.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.runtime
import markupsafe
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from pedmassage.vocabulary import code_book, site_map

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

PRESSURE_LABELS: dict[int, str] = {
    0: "Still hold, no stroking",
    1: "Light lotioning",
    2: "Heavy lotioning",
    3: "Relaxation (Swedish)",
    4: "Deep",
    5: "Deepest, sparingly",
}
"""Walton pressure levels in a few words each (clinical-reference.md 1.2); 0 is a still hold."""

SETTING_LABELS: dict[str, str] = {
    "hospital": "Hospital ward",
    "picu": "PICU",
    "nicu": "NICU",
    "home": "Home",
    "clinic": "Clinic",
}

DECISION_LABELS: dict[str, str] = {
    "proceed": "Proceed",
    "modify": "Modify",
    "hold": "Hold",
}


def labelled(values: list[str], labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a select or radio group; unlabelled values are capitalized."""
    labels = labels or {}
    return [(v, labels.get(v, v.replace("_", " ").capitalize())) for v in values]


def when(value: datetime | None) -> str:
    """Timestamps are stored in UTC and shown in UTC, labelled, so nobody guesses the zone."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def site_label(site: str | None) -> str:
    """A body site's label; an unknown id is shown as it is rather than hidden."""
    if site is None:
        return ""
    sites = site_map().sites
    return sites[site].label if site in sites else site


def condition_label(code: str) -> str:
    return code_book().conditions.get(code, code)


def device_label(kind: str) -> str:
    return code_book().devices.get(kind, kind)


def measure_label(code: str) -> str:
    book = code_book()
    spec = book.labs.get(code) or book.vitals.get(code)
    return spec.label if spec else code


def pressure_label(level: int | None) -> str:
    if level is None:
        return "no limit"
    return f"{level} · {PRESSURE_LABELS.get(level, '')}".rstrip(" ·")


def number(value: float) -> str:
    """Scores and values without a trailing ``.0`` (a FLACC of 3, not 3.0)."""
    return f"{value:g}"


def field_title(key: str) -> str:
    """A form field's name as the error summary says it: ``pre.flacc.face`` → "Before: face"."""
    timepoint, _, rest = key.partition(".")
    if timepoint in ("pre", "post") and rest:
        item = rest.rsplit(".", 1)[-1]
        return f"{'Before' if timepoint == 'pre' else 'After'}: {item.replace('_', ' ')}"
    return key.replace("_", " ").capitalize()


@jinja2.pass_context
def csrf_field(context: jinja2.runtime.Context) -> markupsafe.Markup:
    """The hidden field every state-changing form carries: the login's CSRF token."""
    token = context.get("csrf_token", "")
    key = uuid.uuid4().hex  # new each time the form is drawn: a resubmission is answered once
    return markupsafe.Markup(
        '<input type="hidden" name="csrf_token" value="{}">'
        '<input type="hidden" name="idempotency_key" value="{}">'
    ).format(token, key)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails a test, not a ward round
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=when,
        site_label=site_label,
        condition_label=condition_label,
        device_label=device_label,
        measure_label=measure_label,
        pressure_label=pressure_label,
        number=number,
        field_title=field_title,
    )
    env.globals.update(
        csrf_field=csrf_field,
        PRESSURE_LABELS=PRESSURE_LABELS,
        DECISION_LABELS=DECISION_LABELS,
        SETTING_LABELS=SETTING_LABELS,
    )
    return env


TEMPLATES = Jinja2Templates(env=_environment())


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page; every page learns whether the demo banner must show."""
    settings = request.app.state.settings
    page = {
        "demo": bool(getattr(settings, "demo", False)),
        "errors": {},
        "actor": getattr(request.state, "actor", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        **context,
    }
    return TEMPLATES.TemplateResponse(request, template, page, status_code=status_code)
