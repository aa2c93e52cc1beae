"""A stale critical value never vanishes: the last result is shown and acted on until a newer one.

A result older than its window counts as missing (platelets: 48 h), but within the look-back
(policy.stale_lookback_hours, 30 days) a dangerous last value still holds or modifies, with the
value and its age in the reason and the reading listed under ``verify``.
"""

from __future__ import annotations

import pytest


def test_the_case_from_the_review_platelets_of_8_three_days_ago_without_cancer_hold(child, ids):
    result = child.screen(labs=[child.lab("platelets", 8, hours_ago=72)])
    assert result.decision == "hold"
    assert "previous.platelets_hold_tier" in ids(result)
    message = result.reasons[0].message
    assert "8 × 10^9/L" in message
    assert "3 days ago" in message


def test_the_old_count_is_shown_in_verify(child):
    result = child.screen(labs=[child.lab("platelets", 8, hours_ago=72)])
    [item] = result.verify
    assert (item.kind, item.code, item.unit, item.last_value) == ("lab", "platelets", "10^9/L", 8)
    assert item.last_taken_at == child.now - __import__("datetime").timedelta(hours=72)


def test_a_stale_count_in_the_gentle_tier_keeps_pressure_light(child, ids):
    result = child.screen(labs=[child.lab("platelets", 35, hours_ago=60)])
    assert result.decision == "modify"
    assert "previous.platelets_gentle_tier" in ids(result)
    assert result.modifications.max_pressure == 2


def test_a_newer_normal_count_replaces_the_old_dangerous_one(child, ids):
    result = child.screen(
        labs=[child.lab("platelets", 8, hours_ago=72), child.lab("platelets", 180, hours_ago=2)]
    )
    assert not any(r.startswith(("previous.", "platelets.")) for r in ids(result))
    assert result.decision == "proceed"


def test_a_normal_stale_count_asks_for_nothing_without_a_reason_to(child, ids):
    result = child.screen(labs=[child.lab("platelets", 250, hours_ago=72)])
    assert result.decision == "proceed"
    assert not ids(result)


def test_past_the_look_back_an_old_value_no_longer_acts(child, ids):
    result = child.screen(labs=[child.lab("platelets", 8, hours_ago=24 * 31)])
    assert "previous.platelets_hold_tier" not in ids(result)


@pytest.mark.parametrize(
    ("code", "value", "rule", "decision"),
    [("haemoglobin", 45, "previous.haemoglobin_critical", "hold"),
     ("anc", 0.3, "previous.anc_neutropenia", "modify"),
     ("inr", 2.4, "previous.inr_high", "modify")],
)  # fmt: skip
def test_other_stale_critical_labs(child, ids, code, value, rule, decision):
    hours = 24 * 10  # past every lab window, within the look-back
    result = child.screen(labs=[child.lab(code, value, hours_ago=hours)])
    assert rule in ids(result)
    assert result.decision == decision
    assert [v.code for v in result.verify] == [code]
