"""What a screening allows: which sites may be touched, how firmly, and for how long.

Pure functions of the screening contract's :class:`~pedmassage.safety.contract.Modifications`.
The record check (what a session says was delivered), the session forms (what they offer) and the
planner (what it plans) all ask these, so a site or a pressure is allowed or refused the same way
everywhere. Sites follow the vocabulary's hierarchy: a restriction on a region applies to its parts,
and a site that contains a restricted part is restricted too, since its massage would reach it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pedmassage.errors import ValidationError
from pedmassage.safety.contract import Modifications
from pedmassage.vocabulary import site_map

WALTON_MAX = 5
"""The firmest pressure on the Walton scale (0 = still hold, 1-5); the ceiling with no cap."""
GENTLE_MAX_PRESSURE = 1
"""Gentle-only sites take pressure 1 (light lotioning) at most."""


def why_not_touched(mods: Modifications, site: str) -> str | None:
    """Why ``site`` may not be massaged: it lies in an avoided region, or contains one."""
    sites = site_map()
    if any(sites.covers(avoided, site) for avoided in mods.avoid_sites):
        return "no contact"
    if any(sites.covers(site, avoided) for avoided in mods.avoid_sites):
        return "includes a no-contact area"
    return None


def avoided_at(mods: Modifications, site: str) -> list[str]:
    """The avoided sites that share tissue with ``site`` (empty when it may be touched)."""
    return [avoided for avoided in mods.avoid_sites if site_map().overlaps(avoided, site)]


def gentle_at(mods: Modifications, site: str) -> list[str]:
    """The gentle-only sites that share tissue with ``site``."""
    return [gentle for gentle in mods.gentle_sites if site_map().overlaps(gentle, site)]


def pressure_ceiling(mods: Modifications) -> int:
    """The firmest pressure the screening allows anywhere."""
    return WALTON_MAX if mods.max_pressure is None else mods.max_pressure


def highest_pressure(mods: Modifications, sites: Sequence[str]) -> int:
    """The firmest pressure allowed for a session over ``sites``: the screening's ceiling, and
    gentle only if any of them is gentle-only (one pressure is recorded for the whole session)."""
    ceiling = pressure_ceiling(mods)
    if any(gentle_at(mods, site) for site in sites):
        return min(ceiling, GENTLE_MAX_PRESSURE)
    return ceiling


def check_delivery(
    mods: Modifications, regions: Sequence[str], pressure: int, minutes: int, *, partial: bool
) -> None:
    """Refuse a delivery that exceeds what the screening allowed, naming the field.

    ``partial`` is a session ended early, which may have delivered no minutes at all.
    """
    sites = site_map()
    for i, region in enumerate(regions):
        sites.check(region, f"regions[{i}]")
        blocked = avoided_at(mods, region)
        if blocked:
            allowed = f"a site clear of the avoided sites {', '.join(blocked)}"
            raise ValidationError(f"regions[{i}]", region, allowed)
    if mods.max_pressure is not None and pressure > mods.max_pressure:
        raise ValidationError("pressure", pressure, f"0 to {mods.max_pressure}")
    gentle = [region for region in regions if gentle_at(mods, region)]
    if gentle and pressure > GENTLE_MAX_PRESSURE:
        allowed = f"0 to {GENTLE_MAX_PRESSURE} (gentle only at {', '.join(gentle)})"
        raise ValidationError("pressure", pressure, allowed)
    if mods.max_minutes is not None and minutes > mods.max_minutes:
        raise ValidationError("minutes", minutes, f"{0 if partial else 1} to {mods.max_minutes}")
