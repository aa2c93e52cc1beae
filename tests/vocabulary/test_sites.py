"""The body-site vocabulary: one list with parents; a restriction on a region covers its parts."""

from __future__ import annotations

import pytest

from pedmassage.errors import ValidationError
from pedmassage.vocabulary import code_book, site_map


def test_avoiding_chest_covers_both_sides_but_not_the_back() -> None:
    sites = site_map()
    assert sites.covers("chest", "chest_left")
    assert sites.covers("chest", "chest_right")
    assert not sites.covers("chest", "back_upper")


def test_a_leg_contains_its_foot() -> None:
    assert "foot_left" in site_map().descendants("leg_left")


def test_an_unknown_site_names_the_field_and_lists_the_vocabulary() -> None:
    with pytest.raises(ValidationError) as err:
        site_map().check("elbow", "devices[0].site")
    assert err.value.field == "devices[0].site"
    assert "chest_left" in err.value.allowed


def test_platelets_are_accepted_only_in_10e9_per_litre() -> None:
    with pytest.raises(ValidationError) as err:
        code_book().check_measure("lab", "platelets", 150000, "/uL", "labs[0]")
    assert err.value.field == "labs[0].unit"
    assert err.value.allowed == "10^9/L for platelets"


def test_an_impossible_temperature_is_refused_with_the_range() -> None:
    with pytest.raises(ValidationError) as err:
        code_book().check_measure("vital", "temperature", 98.6, "Cel", "vitals[0]")
    assert err.value.field == "vitals[0].value"
    assert "25 to 45 Cel" in err.value.allowed
