"""When a protocol cannot be given as studied, the plan says so and why (clinical review findings).

Screenings here come from the real rule book, so each test reads as the child it describes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError as PydanticValidationError

from pedmassage.errors import ConflictError
from pedmassage.planning import SessionPlan, plan_session, protocols
from pedmassage.safety import ScreeningInput, ScreeningResult, default_rulebook, evaluate
from pedmassage.safety.contract import ChildFacts, Measurement, Modifications
from pedmassage.vocabulary import site_map

MakeScreening = Callable[..., ScreeningResult]
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
FRESH = NOW - timedelta(hours=1)
SCHOOL_CHILD = ChildFacts(birth_date=date(2018, 1, 10))
TRI = "tri_preterm_tactile_kinesthetic"
CONTAINMENT = "preterm_containment"


def _reading(code: str, value: float, unit: str) -> Measurement:
    return Measurement(code=code, value=value, unit=unit, taken_at=FRESH)


def _screen(**facts: Any) -> ScreeningResult:
    facts.setdefault("vitals", [_reading("temperature", 36.9, "Cel")])
    screening_input = ScreeningInput(assessed_at=NOW, guardian_consent=True, **facts)
    return evaluate(screening_input, default_rulebook())


def _preterm(weight_g: float, ga_weeks: float, **facts: Any) -> ScreeningResult:
    child = ChildFacts(
        birth_date=date(2026, 2, 1), gestational_age_at_birth_weeks=ga_weeks, weight_g=weight_g
    )
    facts.setdefault("conditions", [{"code": "prematurity"}])
    return _screen(setting="nicu", child=child, **facts)


def _plan_preterm(screening: ScreeningResult, goals: list[str]) -> SessionPlan:
    return plan_session(
        stage="preterm",
        conditions=["prematurity"],
        goals=goals,
        setting="nicu",
        screening=screening,
    )


def _overlapping(plan: SessionPlan) -> list[tuple[str, str]]:
    sites = [r.site for r in plan.regions]
    return [
        (a, b) for i, a in enumerate(sites) for b in sites[i + 1 :] if site_map().overlaps(a, b)
    ]


# Finding 1: a 1,400 g preterm on CPAP is offered containment, not fourteen duplicate holds.


def test_a_1400_g_preterm_on_cpap_gets_one_or_two_sustained_containment_holds() -> None:
    screening = _preterm(1400, 30, respiratory_support="cpap")
    assert screening.modifications.max_pressure == 0  # containment only, per the screening
    plan = _plan_preterm(screening, [])
    assert plan.protocol_id == CONTAINMENT
    assert 1 <= len(plan.regions) <= 2
    assert {(r.technique, r.pressure) for r in plan.regions} == {("still_hold", 0)}
    assert _overlapping(plan) == []
    assert all(r.minutes >= 3 for r in plan.regions)  # held still for several minutes
    assert plan.total_minutes == plan.dose.minutes
    assert any("Harrison" in s and "2000" in s for s in plan.sources)


def test_the_plan_says_why_the_tri_protocol_gave_way_to_containment() -> None:
    plan = _plan_preterm(_preterm(1400, 30, respiratory_support="cpap"), [])
    [passed] = plan.not_applicable
    assert passed.protocol_id == TRI and "Vickers 2004" in passed.reason
    assert "does not apply" in plan.selection_reason


def test_containment_keeps_to_the_clear_hold_when_the_head_is_avoided() -> None:
    screening = _preterm(1400, 30, devices=[{"kind": "nasogastric_tube"}])
    plan = _plan_preterm(screening, [])
    assert plan.protocol_id == CONTAINMENT
    assert [r.site for r in plan.regions] == ["legs"]
    assert plan.total_minutes == plan.dose.minutes


def test_no_protocol_ever_plans_one_technique_twice_on_a_region_and_its_part_in_a_phase() -> None:
    for protocol in protocols().values():
        steps = protocol.steps
        for i, a in enumerate(steps):
            for b in steps[i + 1 :]:
                nested = a.site != b.site and site_map().overlaps(a.site, b.site)
                same = a.technique == b.technique and a.phase == b.phase is not None
                assert not (nested and same), (protocol.id, a.site, b.site)


# Finding 2: weight gain is a goal for a medically stable preterm infant, and refused otherwise.


def test_weight_gain_chooses_the_tri_protocol_for_a_stable_preterm_infant() -> None:
    screening = _preterm(1750, 31, vitals=[_reading("temperature", 36.9, "Cel")])
    assert screening.decision != "hold" and screening.modifications.max_pressure is None
    plan = _plan_preterm(screening, ["weight_gain"])
    assert plan.protocol_id == TRI
    assert plan.declined_goals == []
    assert (plan.dose.minutes, plan.dose.sessions_per_day) == (15, 3)
    assert (plan.dose.days_min, plan.dose.days_max) == (5, 10)
    kinds = [r.kind for r in plan.regions]
    assert kinds.index("stroking") < kinds.index("passive_movement")


def test_weight_gain_alone_reaches_the_tri_protocol_without_the_condition_code() -> None:
    plan = plan_session(
        stage="preterm",
        conditions=[],
        goals=["weight_gain"],
        setting="nicu",
        screening=_preterm(1750, 31),
    )
    assert plan.protocol_id == TRI


def test_weight_gain_is_refused_with_the_reason_when_only_still_touch_is_allowed() -> None:
    plan = _plan_preterm(_preterm(1400, 30, respiratory_support="cpap"), ["weight_gain"])
    [declined] = plan.declined_goals
    assert declined.goal == "weight_gain"
    assert "pressure" in declined.reason and "Vickers 2004" in declined.reason
    assert any(n.startswith("Goal weight_gain is not pursued") for n in plan.notes)


def test_weight_gain_is_refused_for_a_child_who_is_not_preterm() -> None:
    screening = _screen(setting="clinic", child=SCHOOL_CHILD, child_assent=True)
    plan = plan_session(
        stage="school_age",
        conditions=[],
        goals=["weight_gain"],
        setting="clinic",
        screening=screening,
    )
    [declined] = plan.declined_goals
    assert declined.goal == "weight_gain" and "preterm" in declined.reason


def test_weight_gain_is_refused_for_an_unstable_preterm_infant() -> None:
    screening = _preterm(
        1750, 31, conditions=[{"code": "prematurity"}, {"code": "haemodynamic_instability"}]
    )
    with pytest.raises(ConflictError, match="unstable"):
        _plan_preterm(screening, ["weight_gain"])


# Finding 3: a protocol whose region is avoided does not apply, and the plan says so.


def test_constipation_with_a_gastrostomy_says_the_abdominal_protocol_does_not_apply() -> None:
    screening = _screen(
        setting="home",
        child=SCHOOL_CHILD,
        child_assent=True,
        conditions=[{"code": "constipation"}],
        devices=[{"kind": "gastrostomy_tube"}],
    )
    plan = plan_session(
        stage="school_age",
        conditions=["constipation"],
        goals=["constipation"],
        setting="home",
        screening=screening,
    )
    assert plan.protocol_id != "constipation_abdominal"
    [passed] = plan.not_applicable
    assert passed.protocol_id == "constipation_abdominal"
    assert "abdomen" in passed.reason
    assert "does not apply" in plan.selection_reason
    [declined] = plan.declined_goals
    assert declined.goal == "constipation" and "abdomen" in declined.reason
    assert not any(site_map().overlaps("abdomen", r.site) for r in plan.regions)


# Finding 4: a bleeding precaution and the plan agree.


def test_a_low_platelet_child_s_plan_holds_only_what_the_precaution_allows() -> None:
    """Gentle tier (20-50 × 10^9/L): light stroking at level 2 at most, no kneading or friction."""
    screening = _screen(
        setting="hospital",
        child=SCHOOL_CHILD,
        child_assent=True,
        conditions=[{"code": "cancer"}],
        labs=[_reading("platelets", 35, "10^9/L"), _reading("anc", 2.0, "10^9/L")],
    )
    [bleeding] = [p for p in screening.modifications.precautions if p.startswith("Bleeding")]
    assert "light stroking only" in bleeding and "no kneading, friction" in bleeding
    assert screening.modifications.forbidden_techniques == ["friction", "kneading"]
    plan = plan_session(
        stage="school_age", conditions=["cancer"], goals=[], setting="hospital", screening=screening
    )
    kinds = {r.kind for r in plan.regions}
    assert not kinds & {"kneading", "friction"}
    assert plan.max_pressure <= 2
    assert plan.precautions == screening.modifications.precautions


def test_the_platelet_hold_tier_under_comfort_care_plans_still_holds_only() -> None:
    screening = _screen(
        setting="home",
        child=SCHOOL_CHILD,
        child_assent=True,
        goals_of_care="comfort",
        conditions=[{"code": "cancer"}],
        labs=[_reading("platelets", 15, "10^9/L")],
    )
    assert screening.decision == "modify"
    plan = plan_session(
        stage="school_age", conditions=["cancer"], goals=[], setting="home", screening=screening
    )
    assert {r.kind for r in plan.regions} == {"still"}
    assert not any(site_map().overlaps("legs", r.site) for r in plan.regions)


def test_light_stroking_keeps_strokes_at_level_2_and_leaves_out_kneading(
    screening: MakeScreening,
) -> None:
    plan = plan_session(
        stage="school_age",
        conditions=["constipation"],
        goals=[],
        setting="home",
        screening=screening(
            "modify", max_pressure=2, forbidden_techniques=["kneading", "friction"]
        ),
    )
    assert plan.protocol_id == "constipation_abdominal"
    assert "kneading" not in {r.kind for r in plan.regions}
    assert "stroking" in {r.kind for r in plan.regions}
    assert plan.max_pressure <= 2 and plan.total_minutes == plan.dose.minutes
    assert [s.restriction for s in plan.skipped] == ["kneading"]
    assert plan.forbidden_kinds == ["friction", "kneading"]


def test_a_condition_protocol_made_only_of_forbidden_strokes_does_not_apply(
    screening: MakeScreening,
) -> None:
    plan = plan_session(
        stage="school_age",
        conditions=["cancer"],
        goals=["pain"],
        setting="hospital",
        screening=screening(
            "modify", max_pressure=2, forbidden_techniques=["stroking", "kneading", "friction"]
        ),
    )
    assert [n.protocol_id for n in plan.not_applicable] == ["oncology_palliative_comfort"]
    assert "stroking is forbidden" in plan.not_applicable[0].reason
    assert {r.kind for r in plan.regions} == {"still"}


def test_a_forbidden_technique_outside_the_kinds_is_refused_by_the_contract() -> None:
    with pytest.raises(PydanticValidationError):
        Modifications(forbidden_techniques=["pummelling"])  # type: ignore[list-item]
