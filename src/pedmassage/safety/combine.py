"""Combining what fired rules ask for into one decision and one set of session changes.

Every field combines towards the safer side, so the order rules run in can never matter: the most
restrictive decision, the lowest pressure cap, the shortest session, and the union of site
restrictions, positions and precautions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pedmassage.safety.contract import DECISION_ORDER, Decision, Modifications
from pedmassage.vocabulary import SiteMap


@dataclass(frozen=True)
class Changes:
    """Session changes from one source; a lightweight stand-in for ``Modifications``."""

    max_pressure: int | None = None
    max_minutes: int | None = None
    avoid_sites: frozenset[str] = frozenset()
    gentle_sites: frozenset[str] = frozenset()
    positions: frozenset[str] = frozenset()
    precautions: frozenset[str] = frozenset()

    def with_sites(self, avoid: Iterable[str], gentle: Iterable[str]) -> Changes:
        """These changes with computed sites added (e.g. the site of a clot)."""
        return Changes(
            max_pressure=self.max_pressure,
            max_minutes=self.max_minutes,
            avoid_sites=self.avoid_sites | frozenset(avoid),
            gentle_sites=self.gentle_sites | frozenset(gentle),
            positions=self.positions,
            precautions=self.precautions,
        )


@dataclass
class _Totals:
    pressures: list[int] = field(default_factory=list)
    minutes: list[int] = field(default_factory=list)
    avoid: set[str] = field(default_factory=set)
    gentle: set[str] = field(default_factory=set)
    positions: set[str] = field(default_factory=set)
    precautions: set[str] = field(default_factory=set)


def most_restrictive(decisions: Iterable[Decision]) -> Decision:
    """hold > modify > proceed; nothing at all is a proceed."""
    return max(decisions, key=DECISION_ORDER.__getitem__, default="proceed")


def combine(changes: Iterable[Changes], sites: SiteMap) -> Modifications:
    """Fold many changes into one deterministic ``Modifications``."""
    totals = _Totals()
    for c in changes:
        if c.max_pressure is not None:
            totals.pressures.append(c.max_pressure)
        if c.max_minutes is not None:
            totals.minutes.append(c.max_minutes)
        totals.avoid |= c.avoid_sites
        totals.gentle |= c.gentle_sites
        totals.positions |= c.positions
        totals.precautions |= c.precautions
    avoid, gentle = normalize_sites(totals.avoid, totals.gentle, sites)
    return Modifications(
        max_pressure=min(totals.pressures, default=None),
        max_minutes=min(totals.minutes, default=None),
        avoid_sites=avoid,
        gentle_sites=gentle,
        positions=sorted(totals.positions),
        precautions=sorted(totals.precautions),
    )


def normalize_sites(
    avoid: set[str], gentle: set[str], sites: SiteMap
) -> tuple[list[str], list[str]]:
    """Smallest equivalent lists: a region covers its parts, and "no contact" beats "gentle".

    A site listed under a region already listed is dropped; a gentle site inside (or equal to) an
    avoided region is dropped, because no contact is the stricter of the two.
    """
    kept_avoid = _outermost(avoid, sites)
    gentle_left = {s for s in gentle if not _covered(s, avoid, sites, include_self=True)}
    return sorted(kept_avoid), sorted(_outermost(gentle_left, sites))


def _outermost(regions: set[str], sites: SiteMap) -> set[str]:
    return {s for s in regions if not _covered(s, regions, sites, include_self=False)}


def _covered(site: str, regions: set[str], sites: SiteMap, *, include_self: bool) -> bool:
    chain = sites.ancestors(site)
    return any(a in regions for a in (chain if include_self else chain[1:]))
