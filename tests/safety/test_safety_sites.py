"""Site restrictions: the site hierarchy, device and procedure sites, and the genital default."""

from __future__ import annotations

import pytest

from pedmassage.vocabulary import site_map


def covered(result, site: str) -> bool:
    """True when some avoided region covers ``site``."""
    return any(site_map().covers(a, site) for a in result.modifications.avoid_sites)


def test_a_dvt_in_the_legs_avoids_every_part_of_both_legs(child):
    result = child.screen(conditions=[{"code": "deep_vein_thrombosis", "site": "legs"}])
    for part in ("legs", "leg_left", "leg_right", "foot_left", "foot_right"):
        assert covered(result, part)
    assert not covered(result, "arm_left")
    assert result.decision == "modify"


def test_a_dvt_in_the_left_leg_avoids_the_left_foot_but_not_the_right_leg(child):
    result = child.screen(conditions=[{"code": "deep_vein_thrombosis", "site": "leg_left"}])
    assert "leg_left" in result.modifications.avoid_sites
    assert covered(result, "foot_left")
    assert not covered(result, "leg_right")


def test_a_region_avoided_drops_its_parts_from_the_list(child):
    result = child.screen(
        conditions=[
            {"code": "deep_vein_thrombosis", "site": "legs"},
            {"code": "fracture", "site": "foot_left"},
        ]
    )
    assert "legs" in result.modifications.avoid_sites
    assert "foot_left" not in result.modifications.avoid_sites


def test_a_site_both_gentle_and_avoided_is_avoided(child):
    result = child.screen(
        conditions=[
            {"code": "lymphoedema", "site": "arm_left"},
            {"code": "tumour", "site": "arm_left"},
        ]
    )
    assert "arm_left" in result.modifications.avoid_sites
    assert "arm_left" not in result.modifications.gentle_sites


def test_a_gentle_site_inside_an_avoided_region_is_dropped(child):
    result = child.screen(
        conditions=[
            {"code": "lymphoedema", "site": "hand_left"},
            {"code": "fracture", "site": "arm_left"},
        ]
    )
    assert result.modifications.gentle_sites == []


def test_lymphoedema_makes_its_region_gentle_only(child):
    result = child.screen(conditions=[{"code": "lymphoedema", "site": "arm_right"}])
    assert result.modifications.gentle_sites == ["arm_right"]
    assert result.decision == "modify"


def test_the_genital_area_is_avoided_in_every_plan_without_changing_the_decision(child):
    result = child.screen()
    assert result.decision == "proceed"
    assert result.reasons == []
    assert result.modifications.avoid_sites == ["genital"]


def test_the_genital_default_disappears_into_an_avoided_trunk(child):
    result = child.screen(skin=[{"finding": "burn", "site": "trunk"}])
    assert result.modifications.avoid_sites == ["trunk"]


def test_a_lumbar_puncture_at_a_recorded_site_avoids_that_site(child):
    lp = {"kind": "lumbar_puncture", "site": "back", "date": child.days_ago(1)}
    result = child.screen(procedures=[lp])
    assert "back" in result.modifications.avoid_sites


@pytest.mark.parametrize(
    ("kind", "site"),
    [
        ("implanted_port", "chest_right"),
        ("central_venous_catheter", "neck"),
        ("picc", "arm_left"),
        ("peripheral_iv", "hand_right"),
        ("drain", "abdomen"),
        ("stoma", "abdomen"),
        ("cast", "leg_right"),
        ("external_fixator", "leg_left"),
    ],
)
def test_a_device_site_is_no_contact(child, kind, site):
    result = child.screen(devices=[{"kind": kind, "site": site}])
    assert site in result.modifications.avoid_sites
    assert result.decision == "modify"


@pytest.mark.parametrize(
    ("kind", "site"),
    [
        ("gastrostomy_tube", "abdomen"),
        ("nasogastric_tube", "face"),
        ("urinary_catheter", "genital"),
    ],
)
def test_a_tube_without_a_recorded_site_avoids_where_it_always_is(child, kind, site):
    result = child.screen(devices=[{"kind": kind}])
    assert site in result.modifications.avoid_sites
    assert result.missing == []


def test_a_line_without_a_recorded_site_asks_for_it_and_keeps_pressure_light(child):
    result = child.screen(devices=[{"kind": "picc"}])
    assert "record the site of each device" in result.missing
    assert result.modifications.max_pressure == 1


def test_an_endotracheal_tube_avoids_the_face_and_keeps_the_neck_gentle(child):
    result = child.screen(devices=[{"kind": "endotracheal_tube"}])
    assert "face" in result.modifications.avoid_sites
    assert result.modifications.gentle_sites == ["neck"]


def test_a_tracheostomy_avoids_the_neck_and_keeps_the_face_gentle(child):
    result = child.screen(devices=[{"kind": "tracheostomy"}])
    assert "neck" in result.modifications.avoid_sites
    assert result.modifications.gentle_sites == ["face"]


@pytest.mark.parametrize(
    "finding",
    ["radiation_dermatitis", "open_wound", "incision", "burn", "rash", "petechiae", "other"],
)
def test_a_skin_finding_site_is_no_contact(child, finding):
    result = child.screen(skin=[{"finding": finding, "site": "back_upper"}])
    assert "back_upper" in result.modifications.avoid_sites


def test_a_skin_finding_without_a_site_asks_for_it(child):
    result = child.screen(skin=[{"finding": "burn"}])
    assert "record the site of each skin finding" in result.missing
    assert result.modifications.max_pressure == 1


def test_epidermolysis_bullosa_means_a_still_hold_everywhere(child):
    result = child.screen(conditions=[{"code": "epidermolysis_bullosa"}])
    assert result.modifications.max_pressure == 0
    assert any("never slide" in p for p in result.modifications.precautions)


def test_a_fracture_site_is_avoided_with_the_limb_supported(child):
    result = child.screen(conditions=[{"code": "fracture", "site": "arm_right"}])
    assert "arm_right" in result.modifications.avoid_sites
    assert result.modifications.positions


def test_a_bone_metastasis_is_avoided_and_caps_pressure_everywhere(child):
    result = child.screen(conditions=[{"code": "bone_metastasis", "site": "leg_left"}])
    assert "leg_left" in result.modifications.avoid_sites
    assert result.modifications.max_pressure == 2


def test_osteoporosis_caps_pressure_without_a_site(child):
    result = child.screen(conditions=[{"code": "osteoporosis"}])
    assert result.modifications.max_pressure == 2
    assert result.missing == []


def test_a_fracture_without_a_site_asks_for_it(child):
    result = child.screen(conditions=[{"code": "fracture"}])
    assert "record the site of the bone problem" in result.missing


def test_recent_surgery_without_a_site_asks_for_it(child):
    result = child.screen(procedures=[{"kind": "surgery", "date": child.days_ago(3)}])
    assert "record the surgical site" in result.missing
    assert result.modifications.max_pressure == 1


def test_an_infant_vaccinated_at_an_unknown_site_avoids_arms_and_legs(child):
    jab = {"kind": "immunization", "date": child.days_ago(1)}
    result = child.screen(child=child.born(days_ago=60), procedures=[jab])
    assert {"arms", "legs"} <= set(result.modifications.avoid_sites)
    assert "record the injection site" in result.missing
