"""Input the vocabularies do not know is refused, naming the field and what is allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError as PydanticValidationError

from pedmassage.errors import ValidationError


def refused(maker, /, **fields) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        maker.screen(**fields)
    return caught.value


def test_an_unknown_device_site_names_the_field_and_the_allowed_sites(child):
    error = refused(child, devices=[{"kind": "picc", "site": "leg"}])
    assert error.field == "devices[0].site"
    assert error.value == "leg"
    assert "leg_left" in error.allowed


@pytest.mark.parametrize("part", ["conditions", "procedures", "skin"])
def test_an_unknown_site_anywhere_is_refused(child, part):
    item = {
        "conditions": {"code": "fracture", "site": "elbow"},
        "procedures": {"kind": "surgery", "site": "elbow", "date": child.days_ago(1)},
        "skin": {"finding": "burn", "site": "elbow"},
    }[part]
    assert refused(child, **{part: [item]}).field == f"{part}[0].site"


def test_platelets_per_microlitre_are_converted_to_the_unit_the_rules_use(child, ids):
    """30,000/µL = 30 × 10^9/L (UCUM: 10*9/L = 10*3/uL): the gentle tier, as if typed in 10^9/L."""
    result = child.screen(labs=[{**child.lab("platelets", 30000), "unit": "/uL"}])
    assert "platelets.low" in ids(result)
    assert child.input(labs=[{**child.lab("platelets", 30000), "unit": "/uL"}]).labs[0].value == 30


def test_a_temperature_in_fahrenheit_is_converted_to_celsius(child, ids):
    reading = {**child.vital("temperature", 100.4), "unit": "[degF]"}
    converted = child.input(vitals=[reading]).vitals[0]
    assert (round(converted.value, 6), converted.unit) == (38.0, "Cel")
    assert "fever.present" in ids(child.screen(vitals=[reading]))


def test_a_unit_that_cannot_measure_the_code_is_refused_naming_the_accepted_units(child):
    reading = {**child.lab("platelets", 3), "unit": "mmol/L"}
    error = refused(child, labs=[reading])
    assert error.field == "labs[0].unit"
    assert "10^9/L" in error.allowed and "/uL" in error.allowed


def test_a_synonym_of_a_lab_code_is_read_as_the_code(child):
    assert child.input(labs=[{**child.lab("platelets", 30), "code": "plt"}]).labs[0].code == (
        "platelets"
    )


def test_an_unknown_lab_code_is_refused(child):
    reading = {**child.lab("platelets", 30), "code": "ferritin"}
    error = refused(child, labs=[reading])
    assert error.field == "labs[0].code"
    assert "platelets" in error.allowed


def test_an_impossible_value_is_refused(child):
    assert refused(child, vitals=[child.vital("temperature", 55)]).field == "vitals[0].value"


def test_a_measurement_taken_after_the_assessment_is_refused(child):
    error = refused(child, labs=[child.lab("platelets", 30, hours_ago=-0.5)])
    assert error.field == "labs[0].taken_at"


def test_a_few_minutes_of_clock_skew_is_accepted(child):
    skew = -4 / 60
    result = child.screen(labs=[child.lab("platelets", 30, hours_ago=skew)])
    assert result.modifications.max_pressure == 2


@pytest.mark.parametrize(
    ("part", "item", "field"),
    [
        ("conditions", {"code": "thrombosys"}, "conditions[0].code"),
        ("devices", {"kind": "prot"}, "devices[0].kind"),
        ("skin", {"finding": "cut"}, "skin[0].finding"),
        ("medications", {"class": "blood_thiner_pills"}, "medications[0].class"),
    ],
)
def test_an_unknown_code_is_refused_so_a_misspelt_precaution_cannot_pass(child, part, item, field):
    assert refused(child, **{part: [item]}).field == field


def test_an_unknown_procedure_kind_is_refused(child):
    error = refused(child, procedures=[{"kind": "opperation", "date": child.days_ago(1)}])
    assert error.field == "procedures[0].kind"
    assert "surgery" in error.allowed  # the nearest known entry is named


@pytest.mark.parametrize(
    ("part", "item", "key", "local"),
    [
        ("conditions", {"code": "DVT"}, "code", "deep_vein_thrombosis"),
        ("conditions", {"code": "Hemophilia"}, "code", "haemophilia"),
        ("devices", {"kind": "port"}, "kind", "implanted_port"),
        ("devices", {"kind": "VP shunt"}, "kind", "vp_shunt"),
        ("medications", {"name": "enoxaparin"}, "class_", "anticoagulant"),
        ("conditions", {"code": {"system": "http://snomed.info/sct", "code": "363346000"}},
         "code", "cancer"),
    ],
)  # fmt: skip
def test_synonyms_spellings_and_standard_codes_are_read_as_local_codes(
    child, part, item, key, local
):
    assert getattr(getattr(child.input(**{part: [item]}), part)[0], key) == local


def test_a_medicine_whose_class_contradicts_its_name_is_refused(child):
    with pytest.raises(PydanticValidationError):
        child.input(medications=[{"name": "enoxaparin", "class": "opioid"}])


def test_a_procedure_dated_after_the_assessment_is_refused(child):
    future = (child.now + timedelta(days=1)).date()
    error = refused(child, procedures=[{"kind": "surgery", "date": future}])
    assert error.field == "procedures[0].date"


def test_a_birth_date_after_the_assessment_is_refused(child):
    error = refused(child, child={"birth_date": (child.now + timedelta(days=2)).date()})
    assert error.field == "child.birth_date"


def test_two_different_results_for_one_code_at_one_time_are_refused(child):
    error = refused(child, labs=[child.lab("platelets", 30), child.lab("platelets", 90)])
    assert error.field == "labs[1].value"
    assert "labs[0]" in error.allowed


def test_the_same_result_entered_twice_is_accepted(child):
    result = child.screen(labs=[child.lab("platelets", 30), child.lab("platelets", 30)])
    assert result.modifications.max_pressure == 2
