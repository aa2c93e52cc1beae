"""Measurements convert to the unit their code is stored in; the original stays with them."""

from __future__ import annotations

import math

import pytest

from pedmassage.errors import ValidationError
from pedmassage.vocabulary import accepted_units, code_book, to_stored_unit
from pedmassage.vocabulary.units import convert


@pytest.mark.parametrize("unit", ["10^9/L", "10*9/L", "10^3/uL", "10*3/uL", "10^3/µL", "/nL"])
def test_the_spellings_of_10e9_per_litre_are_one_unit(unit: str) -> None:
    assert to_stored_unit("lab", "platelets", 150, unit, "labs[0]").value == pytest.approx(150)


@pytest.mark.parametrize("unit", ["/uL", "/µL"])
def test_a_count_per_microlitre_becomes_10e9_per_litre(unit: str) -> None:
    converted = to_stored_unit("lab", "platelets", 150000, unit, "labs[0]")
    assert converted.value == pytest.approx(150)
    assert converted.unit == "10^9/L"
    assert (converted.original_value, converted.original_unit) == (150000, unit)


@pytest.mark.parametrize(("value", "unit"), [(98.6, "[degF]"), (98.6, "°F"), (37, "°C")])
def test_temperature_becomes_celsius(value: float, unit: str) -> None:
    converted = to_stored_unit("vital", "temperature", value, unit, "vitals[0]")
    assert converted.value == pytest.approx(37.0)
    assert converted.unit == "Cel"


def test_haemoglobin_in_g_per_decilitre_becomes_g_per_litre() -> None:
    assert to_stored_unit("lab", "haemoglobin", 12.5, "g/dL", "labs[0]").value == pytest.approx(125)


def test_haemoglobin_in_mmol_per_litre_is_refused_without_a_cited_factor() -> None:
    with pytest.raises(ValidationError) as err:
        to_stored_unit("lab", "haemoglobin", 7.8, "mmol/L", "labs[1]")
    assert err.value.field == "labs[1].unit"
    assert "g/dL" in err.value.allowed


@pytest.mark.parametrize(("value", "unit", "grams"), [(2.5, "kg", 2500), (1, "[lb_av]", 453.59237)])
def test_weight_becomes_grams(value: float, unit: str, grams: float) -> None:
    assert to_stored_unit("vital", "weight", value, unit, "vitals[0]").value == pytest.approx(grams)


@pytest.mark.parametrize("unit", ["/min", "{beats}/min"])
def test_rates_per_minute(unit: str) -> None:
    assert to_stored_unit("vital", "heart_rate", 120, unit, "vitals[0]").value == 120


def test_a_value_in_the_stored_unit_is_returned_as_it_came() -> None:
    converted = to_stored_unit("vital", "spo2", 97, "%", "vitals[0]")
    assert (converted.value, converted.unit, converted.original_unit) == (97, "%", "%")


def test_an_incompatible_unit_names_the_field_and_the_accepted_units() -> None:
    with pytest.raises(ValidationError) as err:
        to_stored_unit("vital", "weight", 3, "cm", "vitals[2]")
    assert err.value.field == "vitals[2].unit"
    for unit in accepted_units("vital", "weight"):
        assert unit in err.value.allowed


def test_an_unknown_code_is_refused_on_the_code() -> None:
    with pytest.raises(ValidationError) as err:
        to_stored_unit("lab", "glucose", 5, "mmol/L", "labs[0]")
    assert err.value.field == "labs[0].code"


@pytest.mark.parametrize("kind", ["lab", "vital"])
def test_every_accepted_unit_converts_to_the_stored_unit(kind: str) -> None:
    book = code_book()
    for code, spec in (book.labs if kind == "lab" else book.vitals).items():
        for unit in accepted_units(kind, code):
            assert math.isfinite(convert(1.0, unit, spec.unit)), (code, unit)
