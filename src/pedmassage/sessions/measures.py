"""The session's pain measure: which scales fit the child, and scoring one before or after.

A scale is chosen for the child's age and ability on the day it is used (corrected age for preterm
infants), scored exactly from its published items, and the 'after' measure uses the scale of the
'before' one, so the two can be compared.
"""

from __future__ import annotations

from datetime import datetime

from pedmassage.children.models import Child
from pedmassage.development import GestationalAge, age_profile
from pedmassage.errors import ValidationError
from pedmassage.sessions.models import SessionMeasure, SessionRecord
from pedmassage.sessions.schemas import MeasureIn


def suitable_pain_instruments(child: Child, on: datetime, *, sedated: bool = False) -> list[str]:
    """Pain scales fit for this child on ``on``, best first; a sedated child (as the screening
    says, ``safety.sedation``) is offered observer scales only."""
    from pedmassage.measures import choose

    chronological_days = (on.date() - child.birth_date).days
    choice = choose(
        age_months=chronological_days / 30.4375,
        gestational_age_weeks=GestationalAge(child.ga_weeks, child.ga_days).decimal_weeks,
        nonverbal=not child.verbal,
        cognitive_impairment=child.cognitive_impairment,
        sedated=sedated,
        setting=child.setting,
    )
    return [r.id for r in choice.pain]


def screened_sedated(record: SessionRecord) -> bool:
    """Whether the screening this session rests on found the child sedated."""
    from pedmassage.safety.contract import ScreeningInput
    from pedmassage.safety.sedation import sedated

    return sedated(ScreeningInput.model_validate(record.screening.input))


_SESSION_TIME = {"pre": "started_at", "post": "ended_at"}
"""Which of the session's times a measure without its own time is taken at."""


def add_pre(record: SessionRecord, child: Child, measure: MeasureIn, on: datetime) -> None:
    """The 'before' measure, taken at ``on`` unless it says when."""
    record.measures.append(_scored("pre", measure, child, on, screened_sedated(record)))


def add_post(record: SessionRecord, child: Child, measure: MeasureIn, on: datetime) -> None:
    """The 'after' measure, on the same scale as the 'before' one."""
    pre = next((m for m in record.measures if m.timepoint == "pre"), None)
    if pre is not None and measure.instrument != pre.instrument_id:
        raise ValidationError(
            "post.instrument",
            measure.instrument,
            f"{pre.instrument_id}, the scale used before the session",
        )
    record.measures.append(_scored("post", measure, child, on, screened_sedated(record)))


def _scored(
    timepoint: str, measure: MeasureIn, child: Child, on: datetime, sedated: bool
) -> SessionMeasure:
    from pedmassage.measures import score

    taken_at = measure.taken_at or on
    if taken_at.date() < child.birth_date:
        # Named by the field the time came from: the measure's own, or the session's start or end.
        field = f"{timepoint}.taken_at" if measure.taken_at else _SESSION_TIME[timepoint]
        raise ValidationError(
            field, taken_at.isoformat(), f"on or after the child's birth ({child.birth_date})"
        )
    suitable = suitable_pain_instruments(child, taken_at, sedated=sedated)
    if measure.instrument not in suitable:
        raise ValidationError(
            f"{timepoint}.instrument", measure.instrument, "one of: " + ", ".join(suitable)
        )
    ages = age_profile(
        child.birth_date, GestationalAge(child.ga_weeks, child.ga_days), taken_at.date()
    )
    try:
        result = score(
            measure.instrument, measure.items, gestational_age_weeks=ages.postmenstrual_weeks
        )
    except ValidationError as exc:
        raise exc.within(timepoint) from None
    return SessionMeasure(
        timepoint=timepoint,
        taken_at=taken_at,
        instrument_id=result.instrument,
        instrument_version=result.version,
        items=dict(measure.items),
        total=float(result.total),
        band=result.band,
    )
