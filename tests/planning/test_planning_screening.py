"""Applying the screening: a plan never contradicts the screening it was made from."""

from __future__ import annotations

from collections.abc import Callable

import pydantic
import pytest

from pedmassage.errors import ConflictError, ValidationError
from pedmassage.planning import SessionPlan, plan_session
from pedmassage.planning.catalogue import catalogue
from pedmassage.safety.contract import Reason, ScreeningResult
from pedmassage.vocabulary import site_map

MakeScreening = Callable[..., ScreeningResult]


def _plan(screening: MakeScreening, stage: str = "school_age", **kwargs: object) -> SessionPlan:
    args: dict[str, object] = {
        "conditions": [],
        "goals": [],
        "setting": "clinic",
        "touch_apprehension": False,
        "minutes": None,
    }
    mods = {k: kwargs.pop(k) for k in list(kwargs) if k not in args}
    args.update(kwargs)
    return plan_session(stage=stage, screening=screening("modify", **mods), **args)  # type: ignore[arg-type]


def _sites(plan: SessionPlan) -> list[str]:
    return [r.site for r in plan.regions]


def test_a_hold_raises_conflict_error_and_gives_no_plan(screening: MakeScreening) -> None:
    reason = Reason(rule_id="fever", decision="hold", message="Temperature 38.4 °C", source="x")
    with pytest.raises(ConflictError, match=r"hold.*38\.4") as caught:
        plan_session(
            stage="infant",
            conditions=[],
            goals=[],
            setting="hospital",
            screening=screening("hold", reasons=[reason]),
        )
    assert caught.value.field == "screening.decision"


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("stage", {"stage": "teenager"}),
        ("conditions[1]", {"conditions": ["asthma", "flu"]}),
        ("goals[0]", {"goals": ["weight_loss"]}),
        ("setting", {"setting": "school"}),
        ("minutes", {"minutes": 0}),
        ("minutes", {"minutes": 90}),
    ],
)
def test_unknown_or_out_of_range_inputs_raise_validation_error_naming_the_field(
    screening: MakeScreening, field: str, kwargs: dict[str, object]
) -> None:
    args: dict[str, object] = {
        "stage": "school_age",
        "conditions": [],
        "goals": [],
        "setting": "home",
        "minutes": None,
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        plan_session(screening=screening(), **args)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.allowed


def test_an_avoid_site_outside_the_vocabulary_is_refused(screening: MakeScreening) -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(screening, avoid_sites=["back", "elbow"])
    assert caught.value.field == "screening.modifications.avoid_sites[1]"


def test_avoided_sites_and_all_their_parts_never_appear(screening: MakeScreening) -> None:
    plan = _plan(screening, avoid_sites=["arms", "back_upper"])
    avoided = site_map().descendants("arms") | {"back_upper"}
    assert not avoided & set(_sites(plan))
    assert "back" not in _sites(plan)  # "back" contains back_upper: narrowed to back_lower
    assert {s.site for s in plan.skipped} >= {"arm_left", "arm_right", "back_upper"}
    assert all(s.restriction in {"arms", "back_upper"} for s in plan.skipped)


def test_a_step_containing_an_avoided_site_is_narrowed_to_its_clear_parts(
    screening: MakeScreening,
) -> None:
    plan = _plan(screening, "preterm", setting="nicu", avoid_sites=["hand_left"])
    assert "arms" not in _sites(plan)
    assert "arm_right" in _sites(plan)
    arm_left = [s for s in plan.skipped if s.site == "arm_left"]
    assert arm_left and arm_left[0].restriction == "hand_left"
    narrowed = next(
        r for r in plan.regions if r.site == "arm_right" and r.phase == "1 tactile (prone)"
    )
    assert any("Narrowed from arms" in a for a in narrowed.adjustments)


def test_gentle_sites_get_pressure_one_or_less(screening: MakeScreening) -> None:
    plan = _plan(screening, gentle_sites=["back", "leg_left"])
    for region in plan.regions:
        if site_map().overlaps("back", region.site) or site_map().overlaps("leg_left", region.site):
            assert region.pressure <= 1, region
        else:
            assert region.pressure >= 2


def test_a_gentle_site_inside_a_step_caps_the_whole_step(screening: MakeScreening) -> None:
    plan = _plan(screening, "preterm", setting="nicu", gentle_sites=["foot_right"])
    legs = [r for r in plan.regions if r.site in {"legs", "leg_right"}]
    assert legs and all(r.pressure <= 1 for r in legs)
    assert all(r.pressure == 3 for r in plan.regions if r.site == "head")


def test_pressure_never_exceeds_the_screening_maximum(screening: MakeScreening) -> None:
    plan = _plan(screening, max_pressure=2)
    assert plan.max_pressure <= 2 and plan.pressure_ceiling == 2
    assert all(r.pressure <= 2 for r in plan.regions)


def test_the_tri_moderate_pressure_is_capped_by_the_screening(screening: MakeScreening) -> None:
    plan = _plan(screening, "preterm", setting="nicu", max_pressure=1)
    assert {r.pressure for r in plan.regions} == {1}
    assert plan.total_minutes == 15


def test_pressure_zero_turns_every_step_into_a_still_hold(screening: MakeScreening) -> None:
    plan = _plan(screening, max_pressure=0)
    assert {(r.pressure, r.technique) for r in plan.regions} == {(0, "still_hold")}


def test_still_holds_on_a_region_and_its_parts_become_one_hold(screening: MakeScreening) -> None:
    full = _plan(screening)
    plan = _plan(screening, max_pressure=0)
    sites = _sites(plan)
    assert not [
        (a, b) for i, a in enumerate(sites) for b in sites[i + 1 :] if site_map().overlaps(a, b)
    ]
    assert "back" in sites and not {"back_upper", "back_lower"} & set(sites)
    assert plan.total_minutes == full.total_minutes
    assert any("One hold with" in a for r in plan.regions for a in r.adjustments)


def test_minutes_never_exceed_max_minutes_and_shrink_in_proportion(
    screening: MakeScreening,
) -> None:
    full = _plan(screening)
    short = _plan(screening, max_minutes=10)
    assert short.total_minutes == 10 and full.total_minutes == 20
    for a, b in zip(full.regions, short.regions, strict=True):
        assert b.minutes == pytest.approx(a.minutes / 2, abs=0.1)


def test_an_explicit_length_shortens_the_session_but_never_passes_max_minutes(
    screening: MakeScreening,
) -> None:
    assert _plan(screening, minutes=12).total_minutes == 12
    assert _plan(screening, minutes=18, max_minutes=15).total_minutes == 15
    assert _plan(screening, minutes=8, max_minutes=15).total_minutes == 8


def test_a_request_longer_than_the_protocol_keeps_the_studied_length(
    screening: MakeScreening,
) -> None:
    plan = _plan(screening, "preterm", setting="nicu", minutes=45)
    assert plan.total_minutes == 15
    assert any("45 min were asked for" in n for n in plan.notes)


def test_minutes_freed_by_avoided_sites_go_to_the_remaining_regions(
    screening: MakeScreening,
) -> None:
    plan = _plan(screening, avoid_sites=["legs", "arms"])
    assert plan.total_minutes == 20
    assert sum(r.minutes for r in plan.regions) == pytest.approx(20)


def test_a_very_short_session_leaves_out_later_steps_and_says_why(
    screening: MakeScreening,
) -> None:
    plan = _plan(screening, conditions=["asthma"], setting="home", max_minutes=1)
    assert len(plan.regions) == 2 and plan.total_minutes == 1
    assert [s.restriction for s in plan.skipped] == ["max_minutes"] * 10


def test_when_every_routine_region_is_avoided_a_still_hold_on_the_first_clear_site_is_planned(
    screening: MakeScreening,
) -> None:
    avoid = ["arms", "legs", "back", "head", "neck"]
    plan = _plan(screening, avoid_sites=avoid)
    assert plan.protocol_id == "school_age_routine"
    preferred = catalogue().touch.still_hold_sites
    first_clear = next(s for s in preferred if not any(site_map().overlaps(a, s) for a in avoid))
    [hold] = plan.regions
    assert (hold.site, hold.technique, hold.pressure) == (first_clear, "still_hold", 0)
    assert {s.restriction for s in plan.skipped} <= set(avoid)


def test_when_every_site_is_avoided_planning_raises_conflict_error(
    screening: MakeScreening,
) -> None:
    with pytest.raises(ConflictError, match="every body site"):
        _plan(screening, avoid_sites=["whole_body"])


def test_a_screening_allowing_zero_minutes_raises_conflict_error(
    screening: MakeScreening,
) -> None:
    with pytest.raises(ConflictError, match="0 minutes"):
        _plan(screening, max_minutes=0)


def test_touch_apprehension_adds_child_led_steps_naming_a_clear_site(
    screening: MakeScreening,
) -> None:
    plan = _plan(screening, touch_apprehension=True, avoid_sites=["back"])
    assert plan.touch_steps
    text = " ".join(plan.touch_steps)
    assert "permission" in text and "stop sign" in text and "hand (right)" in text
    assert any("five P" in s for s in plan.sources)


def test_a_touch_aversion_or_trauma_precaution_in_the_screening_adds_touch_steps(
    screening: MakeScreening,
) -> None:
    assert _plan(screening, precautions=["touch_aversion"]).touch_steps
    trauma = Reason(rule_id="trauma_history", decision="modify", message="m", source="s")
    assert plan_session(
        stage="adolescent",
        conditions=[],
        goals=[],
        setting="clinic",
        screening=screening("modify", reasons=[trauma]),
    ).touch_steps


def test_infants_get_the_permission_sequence_rather_than_a_stop_sign(
    screening: MakeScreening,
) -> None:
    plan = _plan(screening, "infant", touch_apprehension=True)
    assert "rub your hands together" in " ".join(plan.touch_steps)


def test_there_are_no_touch_steps_without_a_reason(screening: MakeScreening) -> None:
    assert _plan(screening).touch_steps == []


def test_a_child_led_protocol_always_has_touch_steps(screening: MakeScreening) -> None:
    plan = _plan(screening, conditions=["post_traumatic_stress"])
    assert plan.protocol_id == "trauma_back_child_led" and plan.touch_steps


def test_screening_precautions_are_carried_into_the_plan(screening: MakeScreening) -> None:
    precautions = ["Keep 5 cm from the PICC line", "Gown and glove: contact isolation"]
    assert _plan(screening, precautions=precautions).precautions == precautions


def test_screening_positions_replace_the_protocol_position(screening: MakeScreening) -> None:
    plan = _plan(screening, positions=["supine only"])
    assert plan.position == "supine only"
    assert any("replace the protocol's" in n for n in plan.notes)


def test_the_plan_carries_its_protocol_dose_sources_and_unverified_details(
    screening: MakeScreening,
) -> None:
    plan = _plan(screening, "preterm", setting="nicu")
    assert plan.dose.sessions_per_day == 3
    assert plan.protocol_version and plan.sources and plan.unverified
    assert plan.deliverer == "therapist" and plan.parent_involvement


def test_a_plan_is_immutable(screening: MakeScreening) -> None:
    plan = _plan(screening)
    with pytest.raises(pydantic.ValidationError):
        plan.total_minutes = 99  # type: ignore[misc]
