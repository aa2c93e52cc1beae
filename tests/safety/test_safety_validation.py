"""Input the vocabularies do not know is refused, naming the field and what is allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest

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


def test_platelets_in_the_wrong_unit_are_refused_not_converted(child):
    reading = {**child.lab("platelets", 30000), "unit": "/uL"}
    error = refused(child, labs=[reading])
    assert error.field == "labs[0].unit"
    assert "10^9/L" in error.allowed


def test_a_temperature_in_fahrenheit_is_refused(child):
    reading = {**child.vital("temperature", 100.4), "unit": "degF"}
    error = refused(child, vitals=[reading])
    assert error.field == "vitals[0].unit"
    assert "Cel" in error.allowed


def test_an_unknown_lab_code_is_refused(child):
    reading = {**child.lab("platelets", 30), "code": "plt"}
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
        ("conditions", {"code": "dvt"}, "conditions[0].code"),
        ("devices", {"kind": "port"}, "devices[0].kind"),
        ("skin", {"finding": "cut"}, "skin[0].finding"),
        ("medications", {"class": "blood_thinner"}, "medications[0].class"),
    ],
)
def test_an_unknown_code_is_refused_so_a_misspelt_precaution_cannot_pass(child, part, item, field):
    assert refused(child, **{part: [item]}).field == field


def test_an_unknown_procedure_kind_is_refused(child):
    error = refused(child, procedures=[{"kind": "op", "date": child.days_ago(1)}])
    assert error.field == "procedures[0].kind"


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
