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


ORIGINAL_PARENTS = {
    "whole_body": None, "head": "whole_body", "face": "head", "neck": "whole_body",
    "trunk": "whole_body", "chest": "trunk", "chest_left": "chest", "chest_right": "chest",
    "abdomen": "trunk", "back": "trunk", "back_upper": "back", "back_lower": "back",
    "genital": "trunk", "arms": "whole_body", "arm_left": "arms", "arm_right": "arms",
    "hand_left": "arm_left", "hand_right": "arm_right", "legs": "whole_body",
    "leg_left": "legs", "leg_right": "legs", "foot_left": "leg_left", "foot_right": "leg_right",
}  # fmt: skip


def test_the_original_sites_keep_their_ids_and_parents() -> None:
    sites = site_map().sites
    assert {s: sites[s].parent for s in ORIGINAL_PARENTS} == ORIGINAL_PARENTS


@pytest.mark.parametrize(
    ("region", "part"),
    [
        ("leg_left", "thigh_left"),
        ("leg_left", "hip_left"),
        ("legs", "thigh_right"),
        ("back_upper", "shoulder_left"),
        ("back", "shoulder_right"),
        ("back_lower", "sacrum"),
        ("trunk", "sacrum"),
    ],
)
def test_a_restriction_on_a_region_covers_its_new_parts(region: str, part: str) -> None:
    assert site_map().covers(region, part)


def test_a_left_part_is_not_under_the_right_side() -> None:
    assert not site_map().covers("leg_right", "thigh_left")
