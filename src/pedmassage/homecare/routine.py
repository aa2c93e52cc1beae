"""Turn the planner's session plan into a parent's home routine, in plain words: pure functions.

What to avoid comes from the screening (its no-contact and gentle-only sites, by their labels) and
the diary's fixed rules; when to stop and when to skip a night come from ``diary.yaml``. How often
and for how long default to the protocol's studied dose (clinical-reference.md 4: parent at home,
15-20 min nightly for 30 days).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pedmassage.errors import ValidationError
from pedmassage.homecare.rules import diary
from pedmassage.planning import Dose, SessionPlan
from pedmassage.safety.contract import ScreeningResult
from pedmassage.vocabulary import site_map

DEFAULT_DAYS = 30
"""A dose that gives no duration runs for the parent-at-home pattern's 30 days
(clinical-reference.md 4), rounded up to whole weeks."""
MAX_SESSIONS_PER_WEEK = 14
MAX_WEEKS = 26


@dataclass(frozen=True)
class Frequency:
    sessions_per_week: int
    weeks: int


@dataclass(frozen=True)
class Routine:
    """Everything the parent reads, ready to store."""

    steps: list[dict[str, object]]
    avoid: list[str]
    stop_when: list[str]
    skip_if: list[str]
    precautions: list[str]
    notes: list[str]


def frequency(dose: Dose, sessions_per_week: int | None, weeks: int | None) -> Frequency:
    """The prescribed frequency: what the therapist chose, else the protocol's dose."""
    per_week = sessions_per_week if sessions_per_week is not None else _dose_per_week(dose)
    length = weeks if weeks is not None else _dose_weeks(dose)
    if not 1 <= per_week <= MAX_SESSIONS_PER_WEEK:
        raise ValidationError(
            "sessions_per_week", per_week, f"1 to {MAX_SESSIONS_PER_WEEK} sessions a week"
        )
    if not 1 <= length <= MAX_WEEKS:
        raise ValidationError("weeks", length, f"1 to {MAX_WEEKS} weeks")
    return Frequency(per_week, length)


def _dose_per_week(dose: Dose) -> int:
    if dose.sessions_per_week is not None:
        return dose.sessions_per_week
    return min(7 * (dose.sessions_per_day or 1), MAX_SESSIONS_PER_WEEK)


def _dose_weeks(dose: Dose) -> int:
    if dose.weeks is not None:
        return dose.weeks
    return max(1, math.ceil((dose.days_max or DEFAULT_DAYS) / 7))


def home_routine(plan: SessionPlan, screening: ScreeningResult, stage: str) -> Routine:
    """The plan's steps and the screening's limits, as a parent of a child at ``stage`` reads
    them (signs meant for babies are left out for older children)."""
    book = diary()
    return Routine(
        steps=[
            {
                "site": r.site,
                "site_label": site_map().label(r.site),
                "technique": r.technique,
                "pressure": r.pressure,
                "minutes": r.minutes,
                "plain_language": r.plain_language,
            }
            for r in plan.regions
        ],
        avoid=avoid_lines(screening) + [s.text for s in book.always_avoid],
        stop_when=[s.text for s in book.stop_when],
        skip_if=[s.text for s in book.skip_if if s.applies_to(stage)],
        precautions=list(screening.modifications.precautions),
        notes=list(plan.notes),
    )


def avoid_lines(screening: ScreeningResult) -> list[str]:
    """No-contact and gentle-only sites from the screening, one plain sentence each.

    Sites the diary always avoids (the genital area) are said once, in the diary's words.
    """
    mods = screening.modifications
    always = {s.id for s in diary().always_avoid}
    avoided = [s for s in _distinct(mods.avoid_sites) if s not in always]
    return [f"Do not touch: {_label(s)}." for s in avoided] + [
        f"Lightest touch only (no rubbing): {_label(s)}." for s in _distinct(mods.gentle_sites)
    ]


def _label(site: str) -> str:
    return site_map().label(site)


def _distinct(sites: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(sites))
