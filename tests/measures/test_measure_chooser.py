"""The chooser: which pain and anxiety instruments to offer a child, best first.

The derived rule (clinical-reference.md 2.2, NRS-11): FLACC/r-FLACC under 3 or when nonverbal
(r-FLACC first with cognitive impairment); neonatal scales for neonates and preterm infants inside
their validated ages; FACES (3+) or FPS-R (4+) for 3/4-7; NRS-11 for 8 and over (6-7 optional
after FPS-R); COMFORT-B (validated in PICU patients, Boerlage 2012) only when sedated or in
intensive care; observer scales only for a sedated child.

Published validated ranges the cases below are read from: N-PASS 0-100 days of age (Hummel 2008);
NIPS up to 6 weeks after birth (Lawrence 1993); FLACC 2 months to 7 years (Merkel 1997), beyond 7
for children who cannot self-report (Voepel-Lewis 2002, 2010); r-FLACC from 4 years with cognitive
impairment (Malviya 2006); COMFORT-B PICU 0-18 years; NRS-11 from about 8 years (Castarlenas 2013).
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


def test_a_two_month_old_born_at_28_weeks_gets_a_neonatal_scale_before_term_equivalent() -> None:
    """Corrected age = 2 months - 12 weeks, still before term (postmenstrual 36+5 weeks): N-PASS
    (0-100 days) is offered, FLACC (children 2 months to 7 years) not yet."""
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


def test_an_ex_26_week_baby_of_four_months_is_offered_flacc_not_an_intensive_care_tool() -> None:
    """Born at 26 weeks, 4 months (122 days) after birth, corrected age under 1 month, not
    sedated: past N-PASS's 100 days and NIPS's 6 weeks after birth; FLACC's 2 months are months
    of age after birth and term-equivalent age is passed (postmenstrual 43 weeks). COMFORT-B, a
    PICU tool, is not offered outside intensive care."""
    choice = choose(age_months=4, gestational_age_weeks=26)
    assert choice.age.corrected and choice.age.corrected_months < 2
    assert [rec.id for rec in choice.pain] == ["flacc"]


def test_a_term_baby_of_four_months_is_offered_flacc() -> None:
    assert pain(age_months=4, gestational_age_weeks=40) == ["flacc"]


def test_in_intensive_care_comfort_b_is_offered_after_the_age_appropriate_scale() -> None:
    assert pain(age_months=4, gestational_age_weeks=26, setting="nicu") == ["flacc", "comfort_b"]
    assert pain(age_months=4, gestational_age_weeks=26, setting="hospital") == ["flacc"]


def test_a_sedated_five_year_old_gets_observer_scales_only_with_the_reason() -> None:
    choice = choose(age_months=60, sedated=True)
    assert [rec.id for rec in choice.pain] == ["comfort_b", "flacc"]
    assert [rec.id for rec in choice.anxiety] == ["comfort_b"]
    assert "self-report scales are not offered" in choice.notes[0]
    assert "Sedated" in choice.pain[1].reason


def test_a_sedated_sixteen_year_old_gets_observer_scales_only() -> None:
    """FLACC's upper age is waived for a child who cannot self-report (Voepel-Lewis 2010)."""
    choice = choose(age_months=192, sedated=True)
    assert [rec.id for rec in choice.pain] == ["comfort_b", "flacc"]
    assert [rec.id for rec in choice.anxiety] == ["comfort_b"]


def test_a_verbal_sixteen_year_old_not_sedated_is_still_offered_self_report() -> None:
    choice = choose(age_months=192)
    assert [rec.id for rec in choice.pain] == ["nrs_11", "fps_r", "wong_baker_faces"]
    assert [rec.id for rec in choice.anxiety] == ["vas_anxiety", "mypas"]
    assert choice.notes == []


def test_a_nonverbal_sixteen_year_old_with_cognitive_impairment_gets_r_flacc_first() -> None:
    choice = choose(age_months=192, nonverbal=True, cognitive_impairment=True)
    assert [rec.id for rec in choice.pain] == ["r_flacc", "flacc"]
    assert "Cannot give a self-report" in choice.notes[0]


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        choose(age_months=60, setting="ward 7")
    assert raised.value.field == "setting"
    assert "picu" in raised.value.allowed


def test_an_empty_list_comes_with_a_note() -> None:
    choice = choose(age_months=12)
    assert choice.anxiety == []
    assert len(choice.notes) == 1 and "anxiety" in choice.notes[0]


def test_the_json_form_lists_ids_and_one_reason_per_id() -> None:
    payload = choose(age_months=60, sedated=True).as_json()
    assert set(payload) == {"pain", "anxiety", "reasons"}
    assert payload["pain"] == ["comfort_b", "flacc"]
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
        _check_candidate(
            "pain", Candidate(id="flacc", when="weight_g > 3.0", reason="x", source="x")
        )


def test_a_rule_offering_an_anxiety_scale_for_pain_is_a_data_error() -> None:
    with pytest.raises(KnowledgeDataError, match="does not measure pain"):
        _check_candidate("pain", Candidate(id="mypas", when="true", reason="x", source="x"))
