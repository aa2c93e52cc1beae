"""Apply a screening's site and pressure restrictions to protocol steps.

Sites follow the vocabulary's hierarchy. A step is dropped when an avoided site covers it; when an
avoided site lies inside it, the step is narrowed to its named parts that are clear (``arms`` with
``hand_left`` avoided becomes ``arm_right``; ``arm_left`` cannot be narrowed further, since the
vocabulary names no "left arm without the hand", so it is skipped). Gentle sites cap the whole
step that touches them at pressure 1, which is the conservative reading when a step contains one.
A step whose technique kind a precaution forbids is left out. Still holds are merged: a still hold
has no stroke to repeat, so holds on one area, or on a region and a part of it, are one hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pedmassage.planning.catalogue import NEVER_MASSAGED
from pedmassage.planning.models import Step, Technique
from pedmassage.planning.plan import PlannedRegion, SkippedRegion
from pedmassage.planning.timing import total_of
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


def drop_forbidden(
    pieces: Sequence[Piece], techniques: Mapping[str, Technique], forbidden: Mapping[str, str]
) -> tuple[list[Piece], list[SkippedRegion]]:
    """The pieces whose technique kind no precaution forbids, and a record of each left out."""
    kept: list[Piece] = []
    skipped: list[SkippedRegion] = []
    for piece in pieces:
        technique = techniques[piece.step.technique]
        why = forbidden.get(technique.kind)
        if why is None:
            kept.append(piece)
            continue
        reason = (
            f"{_label(piece.site)}: {technique.label.lower()} left out, because the screening "
            f"forbids {technique.kind.replace('_', ' ')} ({why})."
        )
        record = SkippedRegion(site=piece.site, restriction=technique.kind, reason=reason)
        if record not in skipped:
            skipped.append(record)
    return kept, skipped


def _joined(first: PlannedRegion, other: PlannedRegion) -> PlannedRegion:
    larger = other if site_map().covers(other.site, first.site) else first
    note = (
        f"One hold with {_phrase(other.site)}: a still hold on an area and its parts is one hold."
    )
    return first.model_copy(
        update={
            "site": larger.site,
            "plain_language": larger.plain_language,
            "minutes": total_of([first.minutes, other.minutes]),
            "adjustments": [*first.adjustments, note],
        }
    )


def _merge_once(regions: Sequence[PlannedRegion]) -> tuple[list[PlannedRegion], bool]:
    merged: list[PlannedRegion] = []
    changed = False
    for region in regions:
        at = next(
            (
                i
                for i, kept in enumerate(merged)
                if region.kind == kept.kind == "still"
                and site_map().overlaps(kept.site, region.site)
            ),
            None,
        )
        if at is None:
            merged.append(region)
        else:
            merged[at] = _joined(merged[at], region)
            changed = True
    return merged, changed


def merge_still_holds(regions: Sequence[PlannedRegion]) -> list[PlannedRegion]:
    """Still holds sharing any area become one hold on the larger area, at the first one's place,
    for their summed minutes; other techniques are left as the protocol orders them."""
    merged, changed = list(regions), True
    while changed:
        merged, changed = _merge_once(merged)
    return merged
