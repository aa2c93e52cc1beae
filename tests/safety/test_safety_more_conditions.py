"""Conditions, devices and isolation the review found refused, each with its own precaution.

Sources are in each rule: raised intracranial pressure holds (minimal handling, Kochanek 2019);
NEC keeps off the abdomen (Neu & Walker 2011); IVH keeps the head midline and untouched (de
Bijl-Marcus 2020); Down syndrome protects the neck (AAP, Bull 2011); osteogenesis imperfecta caps
pressure like osteoporosis; ITP and neutropenia ask for a current count; umbilical lines are at the
umbilicus; enteric isolation washes hands with soap and water (CDC 2007).
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("code", "rule", "decision"),
    [("raised_intracranial_pressure", "neuro.raised_intracranial_pressure", "hold"),
     ("epilepsy", "neuro.epilepsy", "modify"),
     ("necrotising_enterocolitis", "neonatal.nec", "modify"),
     ("intraventricular_haemorrhage", "neonatal.ivh", "modify"),
     ("mucositis", "oral.mucositis", "modify"),
     ("eczema", "skin.eczema", "modify"),
     ("congenital_heart_disease", "cardiac.congenital_heart_disease", "modify"),
     ("down_syndrome", "genetic.down_syndrome", "modify"),
     ("sickle_cell_disease", "haematology.sickle_cell", "modify"),
     ("osteogenesis_imperfecta", "bone.osteoporosis", "modify"),
     ("palliative_care", "goals.palliative_without_goals", "modify")],
)  # fmt: skip
def test_each_new_condition_has_its_precaution(child, ids, code, rule, decision):
    result = child.screen(conditions=[{"code": code}])
    assert rule in ids(result)
    assert result.decision == decision


def test_nec_keeps_off_the_abdomen_with_still_touch_only(child):
    result = child.screen(
        child=child.born(days_ago=12, ga_weeks=30), setting="nicu",
        conditions=[{"code": "NEC"}], child_assent=None,
    )  # fmt: skip
    assert "abdomen" in result.modifications.avoid_sites
    assert result.modifications.max_pressure == 0


def test_down_syndrome_keeps_the_neck_gentle(child):
    result = child.screen(conditions=[{"code": "down_syndrome"}])
    assert "neck" in result.modifications.gentle_sites


def test_osteogenesis_imperfecta_caps_pressure_as_bone_fragility(child):
    result = child.screen(conditions=[{"code": "osteogenesis_imperfecta"}])
    assert result.modifications.max_pressure == 2


@pytest.mark.parametrize("code", ["thrombocytopenia", "immune_thrombocytopenia", "ITP"])
def test_a_low_platelet_condition_asks_for_a_current_count(child, code):
    result = child.screen(conditions=[{"code": code}])
    assert [v.code for v in result.verify] == ["platelets"]


def test_neutropenia_recorded_asks_for_a_current_anc(child):
    result = child.screen(conditions=[{"code": "neutropenia"}])
    assert "anc" in [v.code for v in result.verify]


def test_palliative_care_with_comfort_goals_asks_nothing_more(child, ids):
    result = child.screen(conditions=[{"code": "palliative_care"}], goals_of_care="comfort")
    assert result.decision == "proceed"


@pytest.mark.parametrize(
    ("kind", "site"),
    [("umbilical_venous_catheter", "abdomen"), ("umbilical_arterial_catheter", "abdomen"),
     ("chest_drain", "chest"), ("nasojejunal_tube", "face")],
)  # fmt: skip
def test_devices_with_a_known_place_avoid_it_without_a_recorded_site(child, kind, site):
    result = child.screen(devices=[{"kind": kind}])
    assert site in result.modifications.avoid_sites


@pytest.mark.parametrize("kind", ["arterial_line", "vp_shunt"])
def test_devices_at_a_recorded_site_avoid_it_and_an_unrecorded_one_asks(child, ids, kind):
    at_site = child.screen(devices=[{"kind": kind, "site": "arm_right"}])
    assert "arm_right" in at_site.modifications.avoid_sites
    unknown = child.screen(devices=[{"kind": kind}])
    assert "device.site_unknown" in ids(unknown)


def test_phototherapy_keeps_the_session_short(child, ids):
    result = child.screen(child=child.born(days_ago=4), devices=[{"kind": "phototherapy"}],
                          child_assent=None)  # fmt: skip
    assert "device.phototherapy" in ids(result)
    assert result.modifications.max_minutes == 15


def test_enteric_isolation_asks_for_soap_and_water(child, ids):
    result = child.screen(isolation="enteric")
    assert "isolation.enteric" in ids(result)
    assert any("soap and water" in p for p in result.modifications.precautions)
