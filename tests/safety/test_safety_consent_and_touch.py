"""Consent, assent, touch aversion and trauma."""

from __future__ import annotations


def test_no_recorded_guardian_consent_holds_and_asks_for_it(child):
    result = child.screen(guardian_consent=None)
    assert result.decision == "hold"
    assert "record guardian consent" in result.missing


def test_a_guardian_who_declines_holds_the_session(child, ids):
    result = child.screen(guardian_consent=False)
    assert result.decision == "hold"
    assert ids(result) == {"consent.guardian_declined"}


def test_a_child_who_says_no_holds_and_the_refusal_is_honoured(child):
    result = child.screen(child_assent=False)
    assert result.decision == "hold"
    assert "a refusal is always honoured" in result.reasons[0].message


def test_a_verbal_child_not_yet_asked_must_be_asked(child):
    result = child.screen(child_assent=None)
    assert result.decision == "modify"
    assert result.missing == ["ask the child's assent"]


def test_a_non_verbal_child_is_not_held_for_assent_but_watched_for_behavioural_dissent(child, ids):
    result = child.screen(child={"verbal": False}, child_assent=None)
    assert result.decision == "modify"
    assert ids(result) == {"assent.behavioural"}
    assert any("distress sounds mean stop" in p for p in result.modifications.precautions)


def test_a_child_under_the_assent_age_is_not_asked_by_rule(child):
    result = child.screen(child=child.born(days_ago=1500), child_assent=None)
    assert result.decision == "proceed"


def test_touch_aversion_leads_to_a_child_led_graduated_session_never_a_hold(child):
    result = child.screen(touch_aversion=True)
    assert result.decision == "modify"
    text = " ".join(result.modifications.precautions)
    assert "Child-led" in text
    assert "Graduated" in text


def test_trauma_history_leads_to_a_trauma_informed_session_never_a_hold(child):
    result = child.screen(trauma_history=True)
    assert result.decision == "modify"
    assert any("never hold the child down" in p for p in result.modifications.positions)


def test_post_traumatic_stress_is_treated_like_a_trauma_history(child, ids):
    result = child.screen(conditions=[{"code": "post_traumatic_stress"}])
    assert "touch.trauma_history" in ids(result)


def test_touch_aversion_and_trauma_together_still_do_not_hold(child):
    result = child.screen(touch_aversion=True, trauma_history=True)
    assert result.decision == "modify"


def test_by_default_a_16_year_olds_own_consent_does_not_replace_the_guardians(child, ids):
    result = child.screen(
        child=child.born(days_ago=16 * 365 + 30), guardian_consent=None, self_consent=True
    )
    assert result.decision == "hold"
    assert "consent.guardian_not_recorded" in ids(result)
    assert "from 18 years" in result.reasons[0].message


def test_where_policy_accepts_it_a_16_year_old_consents_for_themselves(child, ids, tmp_path):
    from pedmassage.safety import load_rulebook

    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: self-consent-16\nsigned_off_by: Dr A. Example\nsigned_off_at: 2026-02-01\n"
        "thresholds:\n  self_consent_age_years: 16\n",
        encoding="utf-8",
    )
    book = load_rulebook(policy)
    sixteen = child.born(days_ago=16 * 365 + 30)
    result = child.screen(book, child=sixteen, guardian_consent=None, self_consent=True)
    assert result.decision == "proceed"
    assert ids(result) == {"consent.self"}
    younger = child.screen(
        book, child=child.born(days_ago=15 * 365), guardian_consent=None, self_consent=True
    )
    assert younger.decision == "hold"


def test_a_young_person_who_declines_is_held_even_with_guardian_permission(child, ids):
    result = child.screen(child=child.born(days_ago=16 * 365), self_consent=False)
    assert result.decision == "hold"
    assert "consent.self_declined" in ids(result)
