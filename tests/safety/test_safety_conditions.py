"""Condition, stability, isolation and neonatal rules."""

from __future__ import annotations

import pytest


def test_a_ventilated_child_is_held_unless_the_team_agrees(child):
    result = child.screen(setting="picu", respiratory_support="ventilator")
    assert result.decision == "hold"
    assert "unless the intensive care team agrees" in result.reasons[0].message
    assert result.modifications.max_pressure == 0


def test_haemodynamic_instability_holds(child):
    assert child.screen(conditions=[{"code": "haemodynamic_instability"}]).decision == "hold"


@pytest.mark.parametrize("support", ["oxygen", "high_flow", "cpap"])
def test_breathing_support_modifies_with_watchful_precautions(child, support):
    result = child.screen(respiratory_support=support)
    assert result.decision == "modify"
    assert any(p.startswith("Breathing") for p in result.modifications.precautions)


@pytest.mark.parametrize(
    ("isolation", "word"), [("contact", "gown"), ("droplet", "mask"), ("airborne", "respirator")]
)
def test_isolation_prompts_the_protective_equipment_the_room_requires(child, isolation, word):
    result = child.screen(isolation=isolation)
    assert result.decision == "modify"
    assert any(word in p for p in result.modifications.precautions)


def test_protective_isolation_adds_strict_hygiene(child):
    result = child.screen(isolation="protective")
    text = " ".join(result.modifications.precautions)
    assert "protective equipment" in text
    assert "lotion kept for this child only" in text


def test_a_suspected_clot_holds_until_ruled_out(child):
    result = child.screen(conditions=[{"code": "suspected_deep_vein_thrombosis"}])
    assert result.decision == "hold"
    assert "ruled it out" in result.reasons[0].message


def test_a_clot_without_a_site_holds_until_the_site_is_recorded(child):
    result = child.screen(conditions=[{"code": "deep_vein_thrombosis"}])
    assert result.decision == "hold"
    assert result.missing == ["record where the clot is"]


@pytest.mark.parametrize("medicine", ["anticoagulant", "antiplatelet", "thrombolytic"])
def test_blood_thinning_medicine_caps_pressure_at_2(child, medicine):
    result = child.screen(medications=[{"class": medicine}], labs=[child.lab("platelets", 200)])
    assert result.decision == "modify"
    assert result.modifications.max_pressure == 2


def test_haemophilia_caps_pressure_at_2(child):
    result = child.screen(conditions=[{"code": "haemophilia"}])
    assert result.modifications.max_pressure == 2


def test_an_acute_infection_holds(child):
    assert child.screen(conditions=[{"code": "acute_infection"}]).decision == "hold"


def test_cancer_caps_pressure_at_light_to_medium(child):
    result = child.screen(conditions=[{"code": "cancer"}], labs=[child.lab("platelets", 200)])
    assert result.modifications.max_pressure == 3


def test_a_tumour_site_is_no_contact(child):
    result = child.screen(conditions=[{"code": "tumour", "site": "abdomen"}])
    assert "abdomen" in result.modifications.avoid_sites


def test_an_arthritis_flare_site_is_no_contact(child):
    result = child.screen(conditions=[{"code": "arthritis_flare", "site": "hand_left"}])
    assert "hand_left" in result.modifications.avoid_sites


def test_a_stable_nicu_baby_gets_short_sessions_watching_stress_cues(child):
    baby = child.born(days_ago=30, ga_weeks=34.0, weight_g=2400)
    result = child.screen(setting="nicu", child=baby, child_assent=None)
    assert result.decision == "modify"
    assert result.modifications.max_minutes == 15
    assert result.modifications.max_pressure is None


def test_an_unstable_preterm_baby_is_held(child):
    baby = child.born(days_ago=10, ga_weeks=27.0, weight_g=1000)
    result = child.screen(
        setting="nicu", child=baby, child_assent=None, respiratory_support="ventilator"
    )
    assert result.decision == "hold"


def test_picu_asks_to_confirm_with_the_bedside_nurse(child):
    result = child.screen(setting="picu", vitals=[child.vital("temperature", 37.0)])
    assert result.decision == "modify"
    assert any("bedside nurse" in p for p in result.modifications.precautions)


def test_sedation_today_keeps_pressure_light_and_watches_breathing(child):
    result = child.screen(procedures=[{"kind": "sedation", "date": child.days_ago(0)}])
    assert result.modifications.max_pressure == 2


def test_holds_are_listed_before_modifications(child):
    result = child.screen(
        touch_aversion=True, vitals=[child.vital("temperature", 39.0)], guardian_consent=None
    )
    decisions = [r.decision for r in result.reasons]
    assert decisions == sorted(decisions, key=["hold", "modify", "proceed"].index)


def test_every_result_records_the_rule_and_policy_versions(child, book):
    result = child.screen()
    assert result.rules_version == book.rules_version
    assert result.policy_version == "2026.11.1-default"
    assert result.assessed_at == child.now
