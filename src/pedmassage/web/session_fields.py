"""The inputs every session form shares: the body map, the pressure scale, the cue chips and the
pain measure, each offering only what the screening allows.

The one-step form (``sessions.py``) and the bedside flow (``bedside.py``) draw their inputs from
here, so a site ruled out by the screening is disabled the same way on every page; the service
checks again, so a tampered post is refused like any other mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import pydantic

from pedmassage.errors import ValidationError
from pedmassage.planning.catalogue import NEVER_MASSAGED
from pedmassage.safety.allowance import (
    gentle_at,
    highest_pressure,
    pressure_ceiling,
    why_not_touched,
)
from pedmassage.safety.contract import Modifications, VerifyItem
from pedmassage.sessions import service
from pedmassage.vocabulary import site_map
from pedmassage.web.forms import Errors, FormInput, KeyFn, field_key, pydantic_errors
from pedmassage.web.rendering import PRESSURE_LABELS
from pedmassage.web.scales import item_scores, scale_form
from pedmassage.web.screenings import technique_labels

if TYPE_CHECKING:
    from pedmassage.planning.plan import SessionPlan

Model = TypeVar("Model", bound=pydantic.BaseModel)

NEVER_OFFERED = frozenset({NEVER_MASSAGED})
"""Sites never massaged; the body map does not offer them at all."""

CUE_GROUP_TITLES = {
    "engagement": "Engagement cues",
    "disengagement": "Disengagement cues: pause, and stop if they go on",
}

STATE_LABELS: dict[str, str] = {
    "draft": "Draft",
    "in_progress": "In progress",
    "completed": "Completed",
    "ended_early": "Ended early",
    "signed": "Signed",
}
"""The lifecycle's states (``sessions/lifecycle.py``) as a badge says them."""

CONSENT_METHOD_LABELS: dict[str, str] = {
    "in_person": "In person",
    "phone": "By phone",
    "written": "Written",
    "standing_consent": "Standing consent",
}
SEVERITY_LABELS: dict[str, str] = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"}
ASSENT_OPTIONS = [
    ("yes", "Yes"),
    ("no", "No"),
    ("not_able", "Not able to answer (not developmentally able)"),
]
"""The child's own answer at the start of a session. None is pre-selected: the therapist asks the
child then and there and records what the child said, never a default or the screening's answer."""
ASSENT_ANSWERS: dict[str, bool | None] = {"yes": True, "no": False, "not_able": None}

ADVERSE_FIELDS = {
    "description": "adverse_description",
    "severity": "adverse_severity",
    "action_taken": "adverse_action",
    "occurred_at": "started_at",  # the one-step form records the event at the session's start
}
"""Where an error in the one-step form's adverse event belongs."""


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


@dataclass(frozen=True)
class CueOption:
    code: str
    label: str


@dataclass(frozen=True)
class CueGroup:
    """Engagement or disengagement cues, as tap-to-select chips."""

    id: str
    title: str
    cues: tuple[CueOption, ...]


class FormError(Exception):
    """The form itself is incomplete or malformed; every such error is reported at once."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def validated(
    schema: type[Model], fields: dict[str, object], errors: Errors, key: KeyFn | None = None
) -> Model:
    """``fields`` as ``schema``, or :class:`FormError` with every field-level mistake together:
    the schema's, and the ``errors`` found while reading the form."""
    try:
        data = schema.model_validate(fields)
    except pydantic.ValidationError as exc:
        raise FormError({**pydantic_errors(exc, key or session_key), **errors}) from exc
    if errors:
        raise FormError(errors)
    return data


def session_key(path: str) -> str:
    """Instrument errors belong beside the one scale picker, not beside "before" or "after"; a
    reading to verify, beside its own box (a missing one, beside the reading's)."""
    if path.startswith("verified."):
        parts = path.split(".")
        return ".".join((*parts[:2], parts[2] if len(parts) > 2 else "value"))
    if path in ("pre.instrument", "post.instrument"):
        return "instrument"
    if path.startswith(("pre.items.", "post.items.")):
        return "measures"  # the before and after scores sit together in one group
    if path.startswith("adverse_events."):
        return ADVERSE_FIELDS.get(path.rsplit(".", 1)[-1], "adverse_description")
    return field_key(path)


def child_assent(form: FormInput) -> tuple[bool | None, Errors]:
    """The child's answer from a session form, or an error when none was chosen: an unanswered
    question must not pass as "not able", which would start a session nobody asked the child
    about."""
    answer = form.text("child_assent")
    if answer in ASSENT_ANSWERS:
        return ASSENT_ANSWERS[answer], {}
    choices = ", ".join(f"{value} ({text})" for value, text in ASSENT_OPTIONS)
    return None, {"child_assent": f"Ask the child now and choose one of: {choices}."}


def verified_fields(form: FormInput, items: Iterable[VerifyItem]) -> dict[str, dict[str, str]]:
    """Each reading the screening asked for, as ``VerifiedReading`` input: every item is sent,
    even empty, so the service names the one still to enter."""
    entries: dict[str, dict[str, str]] = {}
    for item in items:
        base = f"verified.{item.code}"
        entries[item.code] = {
            key: form.text(f"{base}.{key}")
            for key in ("value", "override_reason")
            if form.text(f"{base}.{key}")
        }
    return entries


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
                blocked=why_not_touched(mods, site.id),
                gentle=bool(gentle_at(mods, site.id)),
            )
        )
    return list(groups.items())


def pressure_options(mods: Modifications) -> list[PressureOption]:
    """Every Walton level, those above the screening's ceiling shown but not allowed."""
    ceiling = pressure_ceiling(mods)
    return [
        PressureOption(level, label, level <= ceiling) for level, label in PRESSURE_LABELS.items()
    ]


def cue_groups(stage: str | None = None) -> list[CueGroup]:
    """The cues of ``sessions/cues.yaml`` seen at the child's ``stage`` (all of them when none
    is given), engagement first, in the file's order."""
    codes = service.cue_codes() if stage is None else service.cues_for_stage(stage)
    return [
        CueGroup(group, title, tuple(CueOption(c, label) for c, label in codes[group].items()))
        for group, title in CUE_GROUP_TITLES.items()
    ]


def cue_labels() -> dict[str, str]:
    """Every cue code with its label, for pages that show what was recorded."""
    codes = service.cue_codes()
    return {**codes["engagement"], **codes["disengagement"]}


def planned_delivery(plan: SessionPlan, mods: Modifications) -> dict[str, list[str]]:
    """What the plan says to deliver, as form values: a busy therapist only corrects what
    differed."""
    labels = technique_labels()
    techniques = ", ".join(
        dict.fromkeys(labels.get(r.technique, r.technique) for r in plan.regions)
    )
    return {
        "minutes": [str(max(1, round(plan.total_minutes)))],
        "pressure": [str(default_pressure(plan, mods))],
        "regions": list(dict.fromkeys(r.site for r in plan.regions)),
        "technique": [techniques[:120]],
    }


def default_pressure(plan: SessionPlan, mods: Modifications) -> int:
    """The plan's firmest stroke, but light where a planned site is gentle-only."""
    level = max((r.pressure for r in plan.regions), default=0)
    return min(level, highest_pressure(mods, [r.site for r in plan.regions]))


def measure_fields(
    form: FormInput, timepoint: str, instrument: str
) -> tuple[dict[str, object], Errors]:
    """One timepoint's scale items as ``MeasureIn`` input, and an error beside each gap."""
    if not instrument:
        return {"items": {}}, {}  # pydantic then reports the missing instrument
    try:
        scale = scale_form(instrument)
    except ValidationError:
        chosen: dict[str, object] = {"instrument": instrument, "items": {}}
        return chosen, {"instrument": "Choose a scale from the list."}
    items, errors = item_scores(form, timepoint, scale)
    return {"instrument": instrument, "items": items}, errors
