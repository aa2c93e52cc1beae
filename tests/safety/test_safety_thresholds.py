"""Every threshold rule at, just below and just above its default policy value."""

from __future__ import annotations

import pytest

# Fever: policy.fever_celsius = 38.0 (hold at or above).


@pytest.mark.parametrize(
    ("celsius", "decision"), [(37.9, "proceed"), (38.0, "hold"), (38.1, "hold")]
)
def test_a_temperature_of_38_or_more_holds_the_session(child, ids, celsius, decision):
    result = child.screen(vitals=[child.vital("temperature", celsius)])
    assert result.decision == decision
    assert ("fever.present" in ids(result)) is (decision == "hold")


def test_the_fever_message_says_a_still_hold_needs_the_team_to_agree(child):
    result = child.screen(vitals=[child.vital("temperature", 38.5)])
    assert "only if the treating team agrees" in result.reasons[0].message
    assert result.modifications.max_pressure == 0


# Platelets: hold below 20, gentle (max 2) from 20 to below 50, per plan from 50.


@pytest.mark.parametrize(
    ("count", "rule"),
    [(19.9, "platelets.severe"), (20.0, "platelets.low"), (20.1, "platelets.low")],
)
def test_platelets_below_20_hold_and_20_is_the_gentle_tier(child, ids, count, rule):
    result = child.screen(labs=[child.lab("platelets", count)])
    assert rule in ids(result)
    assert result.decision == ("hold" if rule == "platelets.severe" else "modify")


@pytest.mark.parametrize(("count", "capped"), [(49.9, True), (50.0, False), (50.1, False)])
def test_platelets_below_50_cap_pressure_at_2_and_50_is_per_plan(child, count, capped):
    result = child.screen(labs=[child.lab("platelets", count)])
    assert result.modifications.max_pressure == (2 if capped else None)
    assert result.decision == ("modify" if capped else "proceed")


def test_the_severe_platelet_tier_keeps_a_still_hold_away_from_the_legs(child):
    result = child.screen(labs=[child.lab("platelets", 8)])
    assert result.modifications.max_pressure == 0
    assert "legs" in result.modifications.avoid_sites


# ANC: neutropenia below 0.5 x 10^9/L.


@pytest.mark.parametrize(("anc", "neutropenic"), [(0.49, True), (0.5, False), (0.51, False)])
def test_an_anc_below_half_is_neutropenia_with_gentle_touch_and_hygiene(
    child, ids, anc, neutropenic
):
    result = child.screen(labs=[child.lab("anc", anc)])
    assert ("neutropenia.present" in ids(result)) is neutropenic
    if neutropenic:
        assert result.decision == "modify"
        assert result.modifications.max_pressure == 1
        assert any(p.startswith("Hygiene") for p in result.modifications.precautions)


@pytest.mark.parametrize(("celsius", "febrile"), [(37.9, False), (38.0, True), (38.1, True)])
def test_fever_with_neutropenia_holds_as_febrile_neutropenia(child, ids, celsius, febrile):
    result = child.screen(
        labs=[child.lab("anc", 0.3)], vitals=[child.vital("temperature", celsius)]
    )
    assert ("neutropenia.febrile" in ids(result)) is febrile
    assert result.decision == ("hold" if febrile else "modify")


def test_fever_without_neutropenia_is_not_febrile_neutropenia(child, ids):
    result = child.screen(labs=[child.lab("anc", 0.5)], vitals=[child.vital("temperature", 38.4)])
    assert "neutropenia.febrile" not in ids(result)


# INR above 1.5 caps pressure.


@pytest.mark.parametrize(("inr", "raised"), [(1.49, False), (1.5, False), (1.51, True)])
def test_an_inr_above_1_5_caps_pressure_at_2(child, ids, inr, raised):
    result = child.screen(labs=[child.lab("inr", inr)])
    assert ("coagulation.inr_high" in ids(result)) is raised
    assert result.modifications.max_pressure == (2 if raised else None)


# Surgery: the site is avoided for fewer than 42 days.


@pytest.mark.parametrize(("days", "avoided"), [(41, True), (42, False), (43, False)])
def test_a_surgical_site_is_avoided_for_42_days(child, days, avoided):
    surgery = {"kind": "surgery", "site": "abdomen", "date": child.days_ago(days)}
    result = child.screen(procedures=[surgery])
    assert ("abdomen" in result.modifications.avoid_sites) is avoided


# Lumbar puncture / bone marrow aspiration: avoided for fewer than 7 days.


@pytest.mark.parametrize(("days", "avoided"), [(6, True), (7, False), (8, False)])
@pytest.mark.parametrize("kind", ["lumbar_puncture", "bone_marrow_aspiration"])
def test_a_puncture_site_is_avoided_for_7_days_on_the_lower_back_by_default(
    child, kind, days, avoided
):
    result = child.screen(procedures=[{"kind": kind, "date": child.days_ago(days)}])
    assert ("back_lower" in result.modifications.avoid_sites) is avoided


# Immunization: 48 h, counted in whole days (2 days ago may be under 48 h).


@pytest.mark.parametrize(("days", "recent"), [(1, True), (2, True), (3, False)])
def test_an_infant_vaccinated_within_48_hours_is_modified(child, ids, days, recent):
    jab = {"kind": "immunization", "site": "leg_left", "date": child.days_ago(days)}
    result = child.screen(child=child.born(days_ago=120), procedures=[jab])
    assert ("immunization.infant" in ids(result)) is recent
    assert ("leg_left" in result.modifications.avoid_sites) is recent


# Assent age: 7 years = 2556.75 days, so day 2557 is the first day at 7.


@pytest.mark.parametrize(("days_old", "asked"), [(2555, False), (2557, True), (2600, True)])
def test_a_verbal_child_from_7_years_must_be_asked_for_assent(child, days_old, asked):
    result = child.screen(child=child.born(days_ago=days_old), child_assent=None)
    assert ("ask the child's assent" in result.missing) is asked
    assert result.decision == ("modify" if asked else "proceed")


# Preterm: containment only below 32+0 weeks postmenstrual age or below 1500 g.


@pytest.mark.parametrize(
    ("ga_weeks", "contained"), [(29 + 6 / 7, True), (30.0, False), (30 + 1 / 7, False)]
)
def test_containment_only_below_32_weeks_postmenstrual_age(child, ids, ga_weeks, contained):
    # Born at ga_weeks, assessed 14 days later: postmenstrual age = ga_weeks + 2.
    baby = child.born(days_ago=14, ga_weeks=ga_weeks, weight_g=1800)
    result = child.screen(setting="nicu", child=baby, child_assent=None)
    assert ("neonatal.containment_only" in ids(result)) is contained
    assert result.modifications.max_minutes == 15


@pytest.mark.parametrize(("grams", "contained"), [(1499, True), (1500, False), (1501, False)])
def test_containment_only_below_1500_grams(child, ids, grams, contained):
    baby = child.born(days_ago=21, ga_weeks=33.0, weight_g=grams)
    result = child.screen(setting="nicu", child=baby, child_assent=None)
    assert ("neonatal.containment_only" in ids(result)) is contained
    assert (result.modifications.max_pressure == 0) is contained


# Freshness windows: platelets 48 h, temperature 12 h.


@pytest.mark.parametrize(("hours", "fresh"), [(47.9, True), (48.0, True), (48.1, False)])
def test_a_platelet_count_counts_for_48_hours(child, ids, hours, fresh):
    result = child.screen(labs=[child.lab("platelets", 30, hours_ago=hours)])
    assert ("platelets.low" in ids(result)) is fresh


@pytest.mark.parametrize(("hours", "fresh"), [(11.9, True), (12.0, True), (12.1, False)])
def test_a_temperature_counts_for_12_hours(child, ids, hours, fresh):
    result = child.screen(vitals=[child.vital("temperature", 38.2, hours_ago=hours)])
    assert ("fever.present" in ids(result)) is fresh
