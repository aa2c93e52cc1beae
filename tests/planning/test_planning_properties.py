"""Property: for any screening, every plan respects it (or planning refuses with ConflictError)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from pedmassage.development import stages
from pedmassage.errors import ConflictError
from pedmassage.planning import SessionPlan, goals, plan_session, protocols
from pedmassage.planning.catalogue import PROTOCOL_CONDITIONS, catalogue
from pedmassage.safety.contract import Modifications, MovingTechniqueKind, ScreeningResult
from pedmassage.vocabulary import code_book, site_map

MakeScreening = Callable[..., ScreeningResult]
SITES = sorted(site_map().sites)
PRECAUTIONS = [
    "touch_aversion",
    "Keep clear of the PICC line",
    "Bleeding precautions: light stroking only (level 2 at most); no kneading, friction.",
]
KINDS = list(get_args(MovingTechniqueKind))
STAGES = [s.id for s in stages()]


def _subset(items: list[str], max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(items), unique=True, max_size=max_size)


@composite
def modifications(draw: DrawFn) -> dict[str, Any]:
    """Random avoid/gentle subsets of the whole vocabulary, pressure 0-5 and minutes caps."""
    return {
        "avoid_sites": draw(_subset(SITES, 6)),
        "gentle_sites": draw(_subset(SITES, 6)),
        "max_pressure": draw(st.none() | st.integers(0, 5)),
        "max_minutes": draw(st.none() | st.integers(0, 45)),
        "precautions": draw(_subset(PRECAUTIONS, 3)),
        "forbidden_techniques": draw(_subset(KINDS, 3)),
    }


def _nothing_clear(avoid: list[str]) -> bool:
    preferred = catalogue().touch.still_hold_sites
    return all(any(site_map().overlaps(a, s) for a in avoid) for s in preferred)


def _expected_total(plan: SessionPlan, minutes: int | None, cap: int | None) -> float:
    """The full session length, unless the plan fell back to a short still hold."""
    limits = [x for x in (minutes, cap) if x is not None]
    target = min([protocols()[plan.protocol_id].minutes, *limits])
    still_hold_only = any("still hold only" in a for a in plan.regions[0].adjustments)
    return min(target, 5) if still_hold_only else target


def _check_regions(plan: SessionPlan, mods: Modifications) -> None:
    sites = site_map()
    for region in plan.regions:
        assert not any(sites.covers(a, region.site) for a in mods.avoid_sites), region
        assert not any(sites.overlaps(a, region.site) for a in mods.avoid_sites), region
        assert not sites.overlaps("genital", region.site)
        assert mods.max_pressure is None or region.pressure <= mods.max_pressure
        if any(sites.overlaps(g, region.site) for g in mods.gentle_sites):
            assert region.pressure <= 1
        assert region.pressure > 0 or region.technique == "still_hold"
        assert region.minutes > 0


def _check_holds_and_kinds(plan: SessionPlan) -> None:
    """No still hold shares an area with another; no planned kind is one the screening forbids."""
    holds = [r.site for r in plan.regions if r.kind == "still"]
    for i, a in enumerate(holds):
        assert not any(site_map().overlaps(a, b) for b in holds[i + 1 :]), holds
    assert not {r.kind for r in plan.regions} & set(plan.forbidden_kinds)
    assert all(r.kind == catalogue().techniques[r.technique].kind for r in plan.regions)


def _check_minutes(plan: SessionPlan, mods: Modifications, minutes: int | None) -> None:
    assert sum(r.minutes for r in plan.regions) == pytest.approx(plan.total_minutes, abs=1e-9)
    assert mods.max_minutes is None or plan.total_minutes <= mods.max_minutes
    assert minutes is None or plan.total_minutes <= minutes
    assert plan.total_minutes == _expected_total(plan, minutes, mods.max_minutes)


@settings(max_examples=400, deadline=None, database=None)
@given(
    decision=st.sampled_from(["proceed", "modify"]),
    mods=modifications(),
    stage=st.sampled_from(STAGES),
    conditions=_subset(sorted(PROTOCOL_CONDITIONS), 3),
    wanted=_subset(goals(), 3),
    setting=st.sampled_from(code_book().settings),
    apprehensive=st.booleans(),
    minutes=st.none() | st.integers(1, 60),
)
def test_every_plan_respects_its_screening(
    screening: MakeScreening,
    decision: str,
    mods: dict[str, Any],
    stage: str,
    conditions: list[str],
    wanted: list[str],
    setting: str,
    apprehensive: bool,
    minutes: int | None,
) -> None:
    result = screening(decision, **mods)
    try:
        plan = plan_session(
            stage=stage,
            conditions=conditions,
            goals=wanted,
            setting=setting,
            screening=result,
            touch_apprehension=apprehensive,
            minutes=minutes,
        )
    except ConflictError:
        assert mods["max_minutes"] == 0 or _nothing_clear(mods["avoid_sites"])
        return
    assert plan.regions
    assert plan.max_pressure == max(r.pressure for r in plan.regions)
    assert plan.precautions == mods["precautions"]
    _check_regions(plan, result.modifications)
    _check_holds_and_kinds(plan)
    _check_minutes(plan, result.modifications, minutes)


def test_a_hold_never_yields_a_plan_whatever_its_modifications(screening: MakeScreening) -> None:
    with pytest.raises(ConflictError):
        plan_session(
            stage="school_age",
            conditions=[],
            goals=[],
            setting="home",
            screening=screening("hold"),
        )
