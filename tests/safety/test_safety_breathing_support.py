"""Breathing support: acute ventilation holds; a stable child on long-term ventilation does not.

Children on long-term invasive ventilation through a tracheostomy live at home and go to school on
it (ATS 2016 guideline, Sterni et al.): a stable child with spinal muscular atrophy on home
ventilation may have a session with a trained caregiver at hand.
"""

from __future__ import annotations


def test_the_case_from_the_review_stable_home_ventilation_through_a_tracheostomy(child, ids):
    result = child.screen(
        setting="home",
        conditions=[],
        respiratory_support="ventilator",
        respiratory_support_long_term=True,
        devices=[{"kind": "tracheostomy", "site": "neck"}],
    )
    assert result.decision == "modify"
    assert "stability.long_term_ventilation" in ids(result)
    assert "stability.ventilator" not in ids(result)
    assert "neck" in result.modifications.avoid_sites
    assert any("trained on the child's ventilator" in p for p in result.modifications.precautions)


def test_acute_ventilation_still_holds(child, ids):
    result = child.screen(setting="picu", respiratory_support="ventilator")
    assert result.decision == "hold"
    assert "stability.ventilator" in ids(result)


def test_bipap_counts_as_breathing_support(child, ids):
    result = child.screen(respiratory_support="bipap")
    assert "stability.respiratory_support" in ids(result)
    assert result.decision == "modify"
