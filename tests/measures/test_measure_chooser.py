"""The chooser: which pain and anxiety instruments to offer a child, best first.

The derived rule (clinical-reference.md 2.2, NRS-11): FLACC/r-FLACC under 3 or when nonverbal
(r-FLACC first with cognitive impairment); neonatal scales for neonates and preterm infants; FACES
(3+) or FPS-R (4+) for 3/4-7; NRS-11 for 8 and over (6-7 optional after FPS-R); COMFORT-B first
when sedated or ventilated.
"""

from __future__ import annotations

import pytest

from pedmassage.errors import KnowledgeDataError, ValidationError
from pedmassage.measures import choose
from pedmassage.measures.chooser import Candidate, _check_candidate, chooser_rules


def pain(**kwargs: object) -> list[str]:
    return [rec.id for rec in choose(**kwargs).pain]  # type: ignore[arg-type]


def anxiety(**kwargs: object) -> list[str]:
    return [rec.id for rec in choose(**kwargs).anxiety]  # type: ignore[arg-type]


def test_a_term_newborn_gets_the_neonatal_scales() -> None:
    assert pain(age_months=0, gestational_age_weeks=40) == ["n_pass", "nips"]


def test_a_two_month_old_born_at_28_weeks_gets_a_neonatal_scale_by_corrected_age() -> None:
    """Corrected age = 2 months - 12 weeks, below term: FLACC (from 2 months) is not offered."""
    choice = choose(age_months=2, gestational_age_weeks=28)
    assert choice.age.corrected
    assert choice.age.corrected_months == pytest.approx(2 - 12 * 7 / 30.4375)
    assert [rec.id for rec in choice.pain] == ["n_pass"]


def test_a_two_month_old_born_at_term_gets_flacc() -> None:
    assert pain(age_months=2.5, gestational_age_weeks=40) == ["flacc"]


def test_a_term_one_month_old_below_flaccs_two_months_gets_n_pass() -> None:
    """NIPS stops at 6 weeks after birth and FLACC starts at 2 months; N-PASS covers 100 days."""
    assert pain(age_months=1.5) == ["n_pass"]


def test_a_term_infant_past_100_days_gets_flacc_only() -> None:
    assert pain(age_months=4) == ["flacc"]


def test_a_toddler_gets_flacc_and_an_observer_anxiety_rating() -> None:
    assert pain(age_months=30) == ["flacc"]
    assert anxiety(age_months=30) == ["mypas"]


def test_a_three_year_old_gets_faces_first_then_flacc() -> None:
    assert pain(age_months=40) == ["wong_baker_faces", "flacc"]


def test_a_five_year_old_gets_fps_r_then_faces_and_the_childrens_fear_scale() -> None:
    assert pain(age_months=60) == ["fps_r", "wong_baker_faces", "flacc"]
    assert anxiety(age_months=60) == ["childrens_fear_scale", "mypas"]


def test_a_seven_year_old_may_use_nrs_11_after_fps_r() -> None:
    assert pain(age_months=84) == ["fps_r", "wong_baker_faces", "nrs_11", "flacc"]


def test_an_eight_year_old_gets_nrs_11_first() -> None:
    assert pain(age_months=96)[0] == "nrs_11"
    assert anxiety(age_months=96) == ["childrens_fear_scale", "vas_anxiety", "mypas"]


def test_a_nonverbal_ten_year_old_gets_only_observer_scales() -> None:
    assert pain(age_months=120, nonverbal=True) == ["flacc"]
    assert anxiety(age_months=120, nonverbal=True) == ["mypas"]


def test_cognitive_impairment_puts_r_flacc_first() -> None:
    assert pain(age_months=120, cognitive_impairment=True, nonverbal=True) == ["r_flacc", "flacc"]


def test_a_sedated_child_gets_comfort_b_first_for_pain_and_distress() -> None:
    choice = choose(age_months=60, sedated=True)
    assert choice.pain[0].id == "comfort_b"
    assert choice.anxiety[0].id == "comfort_b"


def test_an_infant_outside_every_pain_band_falls_back_to_comfort_b() -> None:
    """Born at 24 weeks, 5 months old: past N-PASS's 100 days, corrected age under FLACC's 2."""
    choice = choose(age_months=5, gestational_age_weeks=24)
    assert [rec.id for rec in choice.pain] == ["comfort_b"]
    assert "No pain scale" in choice.pain[0].reason


def test_an_empty_list_comes_with_a_note() -> None:
    choice = choose(age_months=12)
    assert choice.anxiety == []
    assert len(choice.notes) == 1 and "anxiety" in choice.notes[0]


def test_the_json_form_lists_ids_and_one_reason_per_id() -> None:
    payload = choose(age_months=60, sedated=True).as_json()
    assert set(payload) == {"pain", "anxiety", "reasons"}
    assert payload["pain"][:2] == ["comfort_b", "fps_r"]
    reasons = payload["reasons"]
    assert set(reasons) == {*payload["pain"], *payload["anxiety"]}
    assert "distress" in reasons["comfort_b"] and "Observe 2 minutes" in reasons["comfort_b"]


def test_a_negative_age_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        choose(age_months=-1)
    assert raised.value.field == "age_months"


def test_an_impossible_gestational_age_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        choose(age_months=1, gestational_age_weeks=20)
    assert raised.value.field == "gestational_age_weeks"


def test_correction_stops_at_24_months_chronological() -> None:
    """Corrected age applies to infants born before 37+0 weeks until 24 months (stages.yaml)."""
    assert choose(age_months=23.9, gestational_age_weeks=30).age.corrected
    assert not choose(age_months=24, gestational_age_weeks=30).age.corrected
    assert not choose(age_months=6, gestational_age_weeks=37).age.corrected


def test_every_chooser_rule_names_a_known_instrument_of_the_right_construct() -> None:
    rules = chooser_rules()
    assert rules.pain and rules.anxiety
    assert rules.source


def test_a_rule_with_an_unknown_variable_is_a_data_error() -> None:
    with pytest.raises(KnowledgeDataError, match="unknown names"):
        _check_candidate("pain", Candidate(id="flacc", when="weight_g > 3.0", reason="x"))


def test_a_rule_offering_an_anxiety_scale_for_pain_is_a_data_error() -> None:
    with pytest.raises(KnowledgeDataError, match="does not measure pain"):
        _check_candidate("pain", Candidate(id="mypas", when="true", reason="x"))
