"""Missing or stale safety data never yields a silent proceed."""

from __future__ import annotations


def test_platelets_taken_5_days_ago_for_a_child_with_cancer_ask_to_verify_platelets(child):
    result = child.screen(
        conditions=[{"code": "cancer"}], labs=[child.lab("platelets", 150, hours_ago=120)]
    )
    assert result.decision == "modify"
    assert "verify platelets" in result.missing
    reason = next(r for r in result.reasons if r.rule_id == "platelets.required")
    assert "120 h old" in reason.message


def test_no_platelet_count_on_chemotherapy_keeps_pressure_light_until_verified(child):
    result = child.screen(medications=[{"class": "chemotherapy"}])
    assert "verify platelets" in result.missing
    assert result.modifications.max_pressure == 2


def test_no_platelet_count_on_anticoagulants_asks_for_one(child):
    result = child.screen(medications=[{"class": "anticoagulant"}])
    assert "verify platelets" in result.missing


def test_a_fresh_platelet_count_satisfies_the_requirement(child):
    result = child.screen(conditions=[{"code": "cancer"}], labs=[child.lab("platelets", 150)])
    assert "verify platelets" not in result.missing


def test_a_stale_low_count_is_not_used_as_if_it_were_current(child, ids):
    result = child.screen(labs=[child.lab("platelets", 10, hours_ago=100)])
    assert "platelets.severe" not in ids(result)


def test_the_latest_reading_wins_over_an_older_one(child, ids):
    result = child.screen(
        labs=[child.lab("platelets", 10, hours_ago=20), child.lab("platelets", 90, hours_ago=2)]
    )
    assert ids(result) == set()


def test_an_inpatient_without_a_current_temperature_must_have_it_verified(child):
    result = child.screen(setting="hospital")
    assert result.decision == "modify"
    assert result.missing == ["verify temperature"]


def test_a_child_at_home_does_not_need_a_temperature(child):
    assert child.screen(setting="home").missing == []


def test_a_temperature_taken_yesterday_in_hospital_is_stale(child):
    result = child.screen(
        setting="hospital", vitals=[child.vital("temperature", 38.6, hours_ago=24)]
    )
    assert result.decision == "modify"
    assert "verify temperature" in result.missing


def test_a_child_on_chemotherapy_without_an_anc_must_have_it_verified(child):
    result = child.screen(
        medications=[{"class": "chemotherapy"}], labs=[child.lab("platelets", 90)]
    )
    assert "verify ANC" in result.missing


def test_a_preterm_baby_without_a_weight_gets_containment_until_weighed(child):
    baby = child.born(days_ago=7, ga_weeks=33.0)
    result = child.screen(setting="nicu", child=baby, child_assent=None)
    assert "verify weight" in result.missing
    assert result.modifications.max_pressure == 0


def test_a_weight_vital_counts_as_the_babys_weight(child):
    baby = child.born(days_ago=7, ga_weeks=33.0)
    result = child.screen(
        setting="nicu", child=baby, child_assent=None, vitals=[child.vital("weight", 1900)]
    )
    assert "verify weight" not in result.missing


def test_petechiae_without_a_current_count_ask_to_verify_platelets(child):
    result = child.screen(skin=[{"finding": "petechiae", "site": "leg_left"}])
    assert "verify platelets" in result.missing
