"""A "modify" that leaves no part of the body to touch is a hold, and says so."""

from __future__ import annotations


def test_the_case_from_the_review_a_contagious_rash_over_the_whole_body_holds(child, ids):
    result = child.screen(skin=[{"finding": "contagious_rash", "site": "whole_body"}])
    assert result.decision == "hold"
    assert result.reasons[0].rule_id == "plan.whole_body_avoided"
    assert result.modifications.avoid_sites == ["whole_body"]


def test_a_rash_on_one_leg_still_modifies(child, ids):
    result = child.screen(skin=[{"finding": "contagious_rash", "site": "leg_left"}])
    assert result.decision == "modify"
    assert "plan.whole_body_avoided" not in ids(result)


def test_no_extra_reason_when_a_rule_already_holds(child, ids):
    result = child.screen(skin=[{"finding": "rash", "site": "whole_body"}], guardian_consent=False)
    assert result.decision == "hold"
    assert "plan.whole_body_avoided" not in ids(result)
