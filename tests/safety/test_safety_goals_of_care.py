"""Goals of care: under comfort care, still touch and holding stay possible; deeper pressure never.

A child with leukaemia on comfort care at home with platelets of 15 is not held: the reason is
still shown, the decision becomes modify, pressure is capped at the rule's own still hold (level
0) and never above policy.comfort_care_max_pressure (1). Holds that protect the child's own choice
(consent, assent) or that still touch cannot make safe (a clot of unknown site) stay holds.
"""

from __future__ import annotations


def test_the_case_from_the_review_comfort_care_at_home_with_platelets_of_15(child, ids):
    result = child.screen(
        goals_of_care="comfort",
        conditions=[{"code": "cancer"}],
        labs=[child.lab("platelets", 15)],
    )
    assert result.decision == "modify"
    [reason] = [r for r in result.reasons if r.rule_id == "platelets.severe"]
    assert reason.decision == "modify"
    assert "Platelets are below 20" in reason.message
    assert "Comfort care: gentle still touch and holding" in reason.message
    assert result.modifications.max_pressure == 0
    assert "legs" in result.modifications.avoid_sites


def test_the_same_child_under_curative_care_is_held(child):
    result = child.screen(conditions=[{"code": "cancer"}], labs=[child.lab("platelets", 15)])
    assert result.decision == "hold"


def test_comfort_care_caps_pressure_at_one_where_the_rule_set_no_cap(child):
    result = child.screen(goals_of_care="comfort", vitals=[child.vital("temperature", 38.6)])
    assert result.decision == "modify"
    assert result.modifications.max_pressure == 0  # fever's own still hold


def test_comfort_care_never_overrides_a_guardian_or_a_child_who_says_no(child, ids):
    assert child.screen(goals_of_care="comfort", guardian_consent=False).decision == "hold"
    assert child.screen(goals_of_care="comfort", child_assent=False).decision == "hold"


def test_comfort_care_does_not_soften_a_clot_of_unknown_site(child):
    result = child.screen(goals_of_care="comfort", conditions=[{"code": "deep_vein_thrombosis"}])
    assert result.decision == "hold"


def test_comfort_care_alone_changes_nothing(child, ids):
    result = child.screen(goals_of_care="comfort")
    assert result.decision == "proceed"
    assert not ids(result)


def test_every_softened_hold_is_a_hold_that_still_touch_can_make_safe(book):
    softened = {r.id for r in book.rules if r.spec.under_comfort_care == "still_touch"}
    assert "platelets.severe" in softened
    assert not softened & {
        "consent.guardian_declined", "consent.guardian_not_recorded", "assent.declined",
        "consent.self_declined", "dvt.site_unknown", "dvt.suspected",
    }  # fmt: skip
