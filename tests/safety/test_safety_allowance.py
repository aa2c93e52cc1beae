"""What a screening allows, asked the same way by the record check, the session forms and the
planner: which sites may be touched, how firmly, and for how long.

A restriction on a region covers its parts, and a site that contains a restricted part is
restricted too (massaging the arm reaches the hand). Gentle-only sites take Walton pressure 1 at
most; the screening's ceiling applies everywhere; no ceiling means the scale's top, 5.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pedmassage.errors import ValidationError
from pedmassage.safety.allowance import (
    GENTLE_MAX_PRESSURE,
    WALTON_MAX,
    check_delivery,
    gentle_at,
    highest_pressure,
    pressure_ceiling,
    why_not_touched,
)
from pedmassage.safety.contract import Modifications
from pedmassage.vocabulary import site_map

LEFT_HAND_AVOIDED = Modifications(avoid_sites=["hand_left"])
SITES = sorted(site_map().sites)


def test_an_avoided_site_and_every_part_of_it_is_no_contact() -> None:
    mods = Modifications(avoid_sites=["arm_left"])
    assert why_not_touched(mods, "arm_left") == "no contact"
    assert why_not_touched(mods, "hand_left") == "no contact"


def test_a_site_containing_an_avoided_part_is_refused_too() -> None:
    assert why_not_touched(LEFT_HAND_AVOIDED, "arm_left") == "includes a no-contact area"
    assert why_not_touched(LEFT_HAND_AVOIDED, "whole_body") == "includes a no-contact area"


def test_a_site_clear_of_every_avoided_site_may_be_touched() -> None:
    assert why_not_touched(LEFT_HAND_AVOIDED, "arm_right") is None
    assert why_not_touched(LEFT_HAND_AVOIDED, "back") is None


def test_no_ceiling_means_the_top_of_the_walton_scale() -> None:
    assert pressure_ceiling(Modifications()) == WALTON_MAX == 5
    assert pressure_ceiling(Modifications(max_pressure=2)) == 2


def test_a_gentle_site_anywhere_in_the_session_caps_its_one_pressure() -> None:
    mods = Modifications(max_pressure=3, gentle_sites=["chest_left"])
    assert highest_pressure(mods, ["back"]) == 3
    assert highest_pressure(mods, ["back", "chest"]) == GENTLE_MAX_PRESSURE == 1
    assert gentle_at(mods, "chest") == ["chest_left"]


def test_a_delivery_within_the_screening_is_accepted() -> None:
    mods = Modifications(max_pressure=3, avoid_sites=["hand_left"], max_minutes=20)
    check_delivery(mods, ["back", "arm_right"], 3, 20, partial=False)


@pytest.mark.parametrize(
    ("regions", "pressure", "minutes", "field", "allowed"),
    [
        (["arm_left"], 1, 10, "regions[0]", "a site clear of the avoided sites hand_left"),
        (["back"], 4, 10, "pressure", "0 to 3"),
        (["back", "chest_left"], 2, 10, "pressure", "0 to 1 (gentle only at chest_left)"),
        (["back"], 2, 25, "minutes", "1 to 20"),
        (["elbow"], 1, 10, "regions[0]", None),
    ],
)
def test_a_delivery_beyond_the_screening_is_refused_naming_the_field(
    regions: list[str], pressure: int, minutes: int, field: str, allowed: str | None
) -> None:
    mods = Modifications(
        max_pressure=3, avoid_sites=["hand_left"], gentle_sites=["chest_left"], max_minutes=20
    )
    with pytest.raises(ValidationError) as refused:
        check_delivery(mods, regions, pressure, minutes, partial=False)
    assert refused.value.field == field
    if allowed is not None:
        assert refused.value.allowed == allowed


def test_a_session_ended_early_may_have_given_no_minutes() -> None:
    mods = Modifications(max_minutes=10)
    with pytest.raises(ValidationError) as refused:
        check_delivery(mods, [], 0, 11, partial=True)
    assert refused.value.allowed == "0 to 10"


@given(
    avoid=st.lists(st.sampled_from(SITES), max_size=3),
    site=st.sampled_from(SITES),
)
def test_the_forms_and_the_record_check_agree_on_every_site(avoid: list[str], site: str) -> None:
    """A site the body map offers is one the record check accepts, and the other way round."""
    mods = Modifications(avoid_sites=avoid)
    offered = why_not_touched(mods, site) is None
    try:
        check_delivery(mods, [site], 0, 0, partial=True)
        accepted = True
    except ValidationError:
        accepted = False
    assert offered == accepted
