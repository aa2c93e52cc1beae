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


def test_a_non_verbal_child_is_not_held_for_assent(child):
    result = child.screen(child={"verbal": False}, child_assent=None)
    assert result.decision == "proceed"


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
