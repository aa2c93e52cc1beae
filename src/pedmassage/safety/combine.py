"""Combining what fired rules ask for into one decision and one set of session changes.

Every field combines towards the safer side, so the order rules run in can never matter: the most
restrictive decision, the lowest pressure cap, the shortest session, and the union of site
restrictions, positions and precautions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pedmassage.safety.contract import DECISION_ORDER, Decision, Modifications, Reason
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
    forbidden_techniques: frozenset[str] = frozenset()

    def with_sites(self, avoid: Iterable[str], gentle: Iterable[str]) -> Changes:
        """These changes with computed sites added (e.g. the site of a clot)."""
        return Changes(
            max_pressure=self.max_pressure,
            max_minutes=self.max_minutes,
            avoid_sites=self.avoid_sites | frozenset(avoid),
            gentle_sites=self.gentle_sites | frozenset(gentle),
            positions=self.positions,
            precautions=self.precautions,
            forbidden_techniques=self.forbidden_techniques,
        )


def most_restrictive(decisions: Iterable[Decision]) -> Decision:
    """hold > modify > proceed; nothing at all is a proceed."""
    return max(decisions, key=DECISION_ORDER.__getitem__, default="proceed")


def reason_order(reason: Reason) -> tuple[int, str, str]:
    """Holds first, then modifies, then by rule id: the order a therapist should read them."""
    return (-DECISION_ORDER[reason.decision], reason.rule_id, reason.message)


SiteMemo = dict[tuple[SiteMap, frozenset[str], frozenset[str]], tuple[tuple[str, ...], ...]]
"""Remembered ``normalize_sites`` answers, by site map and (avoid, gentle) sets."""
MEMO_LIMIT = 4096


def combine(
    changes: Iterable[Changes], sites: SiteMap, memo: SiteMemo | None = None
) -> Modifications:
    """Fold many changes into one deterministic ``Modifications``."""
    return Modifications(**combined(changes, sites, memo))


def combined(
    changes: Iterable[Changes], sites: SiteMap, memo: SiteMemo | None = None
) -> dict[str, Any]:
    """The fields of ``combine``'s ``Modifications``, for a caller that validates them itself."""
    pressure: int | None = None
    minutes: int | None = None
    avoid: set[str] = set()
    gentle: set[str] = set()
    positions: set[str] = set()
    precautions: set[str] = set()
    forbidden: set[str] = set()
    for c in changes:
        if c.max_pressure is not None and (pressure is None or c.max_pressure < pressure):
            pressure = c.max_pressure
        if c.max_minutes is not None and (minutes is None or c.max_minutes < minutes):
            minutes = c.max_minutes
        avoid |= c.avoid_sites
        gentle |= c.gentle_sites
        positions |= c.positions
        precautions |= c.precautions
        forbidden |= c.forbidden_techniques
    kept_avoid, kept_gentle = normalize_sites(avoid, gentle, sites, memo)
    return {
        "max_pressure": pressure,
        "max_minutes": minutes,
        "avoid_sites": kept_avoid,
        "gentle_sites": kept_gentle,
        "positions": sorted(positions),
        "precautions": sorted(precautions),
        "forbidden_techniques": sorted(forbidden),
    }


def normalize_sites(
    avoid: set[str], gentle: set[str], sites: SiteMap, memo: SiteMemo | None = None
) -> tuple[list[str], list[str]]:
    """Smallest equivalent lists: a region covers its parts, and "no contact" beats "gentle".

    A site listed under a region already listed is dropped; a gentle site inside (or equal to) an
    avoided region is dropped, because no contact is the stricter of the two. With a ``memo``
    (one per rule book), answers are remembered: few combinations of sites ever occur.
    """
    key = (sites, frozenset(avoid), frozenset(gentle))
    found = None if memo is None else memo.get(key)
    if found is None:
        chains = _chains(sites)
        kept_avoid = _outermost(avoid, chains, sites)
        gentle_left = {
            s for s in gentle if not _covered(s, avoid, chains, sites, include_self=True)
        }
        found = (tuple(sorted(kept_avoid)), tuple(sorted(_outermost(gentle_left, chains, sites))))
        if memo is not None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = found
    return list(found[0]), list(found[1])


_Chains = dict[str, tuple[str, ...]]
_CHAINS: dict[int, tuple[SiteMap, _Chains]] = {}
_CHAINS_LIMIT = 8


def _chains(sites: SiteMap) -> _Chains:
    """Each site's ``ancestors`` chain, kept per site map (an index of its fixed hierarchy)."""
    known = _CHAINS.get(id(sites))
    if known is None or known[0] is not sites:
        if len(_CHAINS) >= _CHAINS_LIMIT:
            _CHAINS.clear()
        known = _CHAINS[id(sites)] = (sites, {})
    return known[1]


def _outermost(regions: set[str], chains: _Chains, sites: SiteMap) -> set[str]:
    return {s for s in regions if not _covered(s, regions, chains, sites, include_self=False)}


def _covered(
    site: str, regions: set[str], chains: _Chains, sites: SiteMap, *, include_self: bool
) -> bool:
    chain = chains.get(site)
    if chain is None:
        chain = chains[site] = tuple(sites.ancestors(site))
    return not regions.isdisjoint(chain if include_self else chain[1:])
