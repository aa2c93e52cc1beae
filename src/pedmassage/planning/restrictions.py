"""Apply a screening's site and pressure restrictions to protocol steps.

Sites follow the vocabulary's hierarchy. A step is dropped when an avoided site covers it; when an
avoided site lies inside it, the step is narrowed to its named parts that are clear (``arms`` with
``hand_left`` avoided becomes ``arm_right``; ``arm_left`` cannot be narrowed further, since the
vocabulary names no "left arm without the hand", so it is skipped). Gentle sites cap the whole
step that touches them at pressure 1, which is the conservative reading when a step contains one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pedmassage.planning.catalogue import NEVER_MASSAGED
from pedmassage.planning.models import Step
from pedmassage.planning.plan import SkippedRegion
from pedmassage.safety.allowance import GENTLE_MAX_PRESSURE, avoided_at, gentle_at
from pedmassage.safety.contract import Modifications
from pedmassage.vocabulary import site_map


@dataclass(frozen=True)
class Piece:
    """A step, or a clear part of one, still in the plan."""

    step: Step
    site: str
    weight: float

    @property
    def narrowed(self) -> bool:
        return self.site != self.step.site


def _label(site: str) -> str:
    return site_map().label(site)


def _phrase(site: str) -> str:
    return site_map().label(site).lower()


def _children(site: str) -> list[str]:
    return [s.id for s in site_map().sites.values() if s.parent == site and s.id != NEVER_MASSAGED]


def _no_contact(site: str, blocker: str) -> SkippedRegion:
    reason = f"{_label(site)}: no contact, because the screening avoids {_phrase(blocker)}."
    return SkippedRegion(site=site, restriction=blocker, reason=reason)


def _unsplittable(site: str, inner: str) -> SkippedRegion:
    reason = (
        f"{_label(site)}: contains {_phrase(inner)}, which the screening avoids, and no named "
        "part of it is clear."
    )
    return SkippedRegion(site=site, restriction=inner, reason=reason)


def narrow(site: str, avoid: Sequence[str]) -> tuple[list[str], list[SkippedRegion]]:
    """The clear parts of ``site`` and the records of what was left out."""
    sites = site_map()
    blocker = next((a for a in avoid if sites.covers(a, site)), None)
    if blocker is not None:
        return [], [_no_contact(site, blocker)]
    inside = [a for a in avoid if sites.covers(site, a)]
    if not inside:
        return [site], []
    kept: list[str] = []
    skipped: list[SkippedRegion] = []
    for child in _children(site):
        child_kept, child_skipped = narrow(child, avoid)
        kept += child_kept
        skipped += child_skipped
    if not kept:
        return [], [_unsplittable(site, inside[0])]
    return kept, skipped


def narrow_steps(
    steps: Sequence[Step], avoid: Sequence[str]
) -> tuple[list[Piece], list[SkippedRegion]]:
    """Every step's clear pieces, in protocol order, sharing the step's minutes equally."""
    pieces: list[Piece] = []
    skipped: list[SkippedRegion] = []
    for step in steps:
        kept, left_out = narrow(step.site, avoid)
        pieces += [Piece(step, site, step.minutes / len(kept)) for site in kept]
        skipped += [s for s in left_out if s not in skipped]
    return pieces, skipped


def cap_pressure(base: int, site: str, ceiling: int, mods: Modifications) -> tuple[int, list[str]]:
    """The pressure allowed at ``site`` and, in words, each cap that applied."""
    pressure, notes = base, []
    if pressure > ceiling:
        pressure = ceiling
        notes.append(f"Pressure {base} lowered to {ceiling}, the screening's maximum.")
    gentle_site = next(iter(gentle_at(mods, site)), None)
    if gentle_site is not None and pressure > GENTLE_MAX_PRESSURE:
        notes.append(
            f"Gentle only (pressure {GENTLE_MAX_PRESSURE} or less): the screening marks "
            f"{_phrase(gentle_site)} gentle."
        )
        pressure = GENTLE_MAX_PRESSURE
    return pressure, notes


def clear_site(mods: Modifications, preferences: Sequence[str]) -> str | None:
    """The first preferred site that shares no tissue with an avoided site."""
    return next((s for s in preferences if not avoided_at(mods, s)), None)
