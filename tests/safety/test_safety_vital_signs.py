"""Oxygen saturation, low temperature and haemoglobin, each at its published threshold.

Thresholds: SpO2 below 90 % is hypoxaemia (WHO 2016, Oxygen therapy for children); hypothermia is
below 35 °C (Brown et al., N Engl J Med 2012); a newborn is normal at 36.5-37.5 °C, mildly
hypothermic at 36.0-36.4 °C and moderately below 36.0 °C (WHO 1997, Thermal protection of the
newborn); severe anaemia is below 70 g/L at 6-59 months and below 80 g/L at 5-14 years (WHO 2011).
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("spo2", "decision"), [(89, "hold"), (90, "proceed"), (98, "proceed")])
def test_saturation_below_90_holds(child, ids, spo2, decision):
    result = child.screen(vitals=[child.vital("spo2", spo2)])
    assert result.decision == decision
    assert ("vital.hypoxaemia" in ids(result)) is (decision == "hold")


def test_a_four_month_old_at_84_percent_on_room_air_is_held(child, ids):
    result = child.screen(
        child=child.born(days_ago=120),
        vitals=[child.vital("spo2", 84), child.vital("heart_rate", 150)],
    )
    assert result.decision == "hold"
    assert "vital.hypoxaemia" in ids(result)
    assert "usual level" in result.reasons[0].message


@pytest.mark.parametrize(("celsius", "held"), [(34.5, True), (34.9, True), (35.0, False)])
def test_a_child_below_35_degrees_is_held(child, ids, celsius, held):
    result = child.screen(vitals=[child.vital("temperature", celsius)])
    assert ("temperature.hypothermia" in ids(result)) is held
    assert (result.decision == "hold") is held


@pytest.mark.parametrize(
    ("celsius", "rule", "decision"),
    [
        (35.2, "temperature.newborn_hypothermia", "hold"),
        (35.9, "temperature.newborn_hypothermia", "hold"),
        (36.0, "temperature.newborn_cold_stress", "modify"),
        (36.4, "temperature.newborn_cold_stress", "modify"),
        (36.5, None, "proceed"),
    ],
)
def test_a_newborns_temperature_is_read_against_the_who_bands(child, ids, celsius, rule, decision):
    result = child.screen(
        child=child.born(days_ago=10), vitals=[child.vital("temperature", celsius)]
    )
    assert result.decision == decision
    fired = {r for r in ids(result) if r.startswith("temperature.")}
    assert fired == ({rule} if rule else set())


def test_cold_stress_keeps_the_baby_covered_with_still_touch_only(child):
    result = child.screen(child=child.born(days_ago=5), vitals=[child.vital("temperature", 36.2)])
    assert result.modifications.max_pressure == 0
    assert any("covered" in p for p in result.modifications.precautions)


def test_the_newborn_bands_end_at_28_days(child, ids):
    result = child.screen(child=child.born(days_ago=28), vitals=[child.vital("temperature", 36.2)])
    assert result.decision == "proceed"
    assert not any(r.startswith("temperature.") for r in ids(result))


@pytest.mark.parametrize(
    ("grams_per_litre", "rule", "decision"),
    [
        (45, "haemoglobin.critical", "hold"),
        (59, "haemoglobin.critical", "hold"),
        (60, "haemoglobin.severe_anaemia", "modify"),
        (79, "haemoglobin.severe_anaemia", "modify"),
        (80, None, "proceed"),
    ],
)
def test_a_school_age_childs_haemoglobin_against_the_who_severe_cut_off_of_80(
    child, ids, grams_per_litre, rule, decision
):
    result = child.screen(labs=[child.lab("haemoglobin", grams_per_litre)])
    assert result.decision == decision
    fired = {r for r in ids(result) if r.startswith("haemoglobin.")}
    assert fired == ({rule} if rule else set())


@pytest.mark.parametrize(("grams_per_litre", "severe"), [(69, True), (70, False), (75, False)])
def test_under_five_the_severe_cut_off_is_70(child, ids, grams_per_litre, severe):
    result = child.screen(
        child=child.born(days_ago=700), labs=[child.lab("haemoglobin", grams_per_litre)]
    )
    assert ("haemoglobin.severe_anaemia" in ids(result)) is severe


def test_severe_anaemia_keeps_pressure_light_and_says_when_to_stop(child):
    result = child.screen(labs=[child.lab("haemoglobin", 72)])
    assert result.modifications.max_pressure == 2
    assert "breathlessness" in result.reasons[0].message


def test_normal_readings_add_no_reason(child, ids):
    result = child.screen(
        vitals=[child.vital("spo2", 97), child.vital("temperature", 36.8)],
        labs=[child.lab("haemoglobin", 121)],
    )
    assert result.decision == "proceed"
    assert not ids(result)
