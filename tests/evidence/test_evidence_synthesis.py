"""Claims to numbers: a claim's effects with their CIs are pooled as generic effects exactly as
``stats.pool`` pools the same yi/vi; fewer than two such effects are shown, never pooled; and
reviews that may include the same trials are shown side by side, never pooled, saying why."""

from __future__ import annotations

import math

import pytest
from tests.evidence.conftest import POOLED_CLAIM, TRIALS

from pedmassage.evidence.catalogue import Catalogue
from pedmassage.evidence.summaries import claim_result
from pedmassage.evidence.synthesis import NO_ESTIMATE, NO_INTERVAL, NOT_POOLED_SINGLE, synthesize
from pedmassage.stats import pool

Z = 1.96  # vi = ((hi - lo) / (2 * 1.96))^2, as the reviews print their 95% CIs


def _vi(low: float, high: float) -> float:
    return ((high - low) / (2 * Z)) ** 2


def test_independent_trials_are_pooled_as_stats_pool_pools_them(pooled_library: Catalogue) -> None:
    s = synthesize(POOLED_CLAIM, pooled_library)
    yi = [estimate for estimate, _, _ in TRIALS.values()]
    vi = [_vi(low, high) for _, low, high in TRIALS.values()]
    expected = pool(yi, vi, method="REML", test="z")
    assert s.pooled == expected and not s.side_by_side and s.overlaps == ()
    assert [r.weight for r in s.rows] == list(expected.weights)
    assert claim_result(s).startswith("Pooled MD")


def test_reviews_that_may_share_trials_are_shown_side_by_side_without_a_pooled_line() -> None:
    s = synthesize("preterm.weight_gain")
    assert s.pooled is None and s.side_by_side
    # Vickers 2004 5.1 (3.5 to 6.7), Review 2020 5.07 (2.19 to 7.94), MCN 0.53 (0.28 to 0.78):
    # clinical-reference 3.2; Wang 2013 5.32 (4.15 to 6.49): data/read-since.md
    shown = {r.study_id: (r.estimate, r.ci_low, r.ci_high) for r in s.rows}
    assert shown == {
        "vickers2004": (5.1, 3.5, 6.7),
        "review2020": (5.07, 2.19, 7.94),
        "wang2013": (5.32, 4.15, 6.49),
        "mcn2015": (0.53, 0.28, 0.78),
    }
    assert all(not r.pooled and r.weight is None and r.reason for r in s.rows)
    pairs = {frozenset((o.first.id, o.second.id)) for o in s.overlaps}
    assert frozenset(("vickers2004", "wang2013")) in pairs
    assert frozenset(("review2020", "wang2013")) in pairs
    assert s.note and "same children twice" in s.note and "Wang 2013" in s.note
    assert "Pooled" not in claim_result(s) and "5.32 (95% CI 4.15 to 6.49)" in claim_result(s)


def test_an_effect_left_out_of_the_pool_is_shown_with_its_reason() -> None:
    s = synthesize("preterm.weight_gain")
    mcn = next(r for r in s.rows if r.study_id == "mcn2015")
    assert (mcn.pooled, mcn.weight, mcn.estimate) == (False, None, 0.53)
    assert mcn.reason and "as reported" in mcn.reason


def test_length_of_stay_shows_vickers_and_wang_side_by_side() -> None:
    s = synthesize("preterm.length_of_stay")
    assert s.pooled is None and s.side_by_side
    assert [(r.study_id, r.estimate) for r in s.rows] == [
        ("vickers2004", -4.5),
        ("wang2013", -4.41),
    ]


def test_a_claim_with_one_estimate_shows_it_and_is_not_pooled() -> None:
    s = synthesize("cystic_fibrosis.anxiety")
    assert s.pooled is None and s.note == NOT_POOLED_SINGLE
    assert s.single is not None
    assert (s.single.estimate, s.single.ci_low, s.single.ci_high) == (-8.2, -12.36, -4.04)
    assert s.single.vi == pytest.approx(_vi(-12.36, -4.04))
    assert not s.side_by_side
    # one trial of 20 children, risk of bias not assessed: GRADE's very low
    assert s.grade.level == "very low"
    assert {d.domain: d.levels for d in s.grade.downgrades}["imprecision"] == 2


def test_a_ratio_is_carried_on_the_log_scale_and_shown_on_its_own() -> None:
    s = synthesize("constipation.cerebral_palsy")  # Li 2025: RR 1.23 (1.14-1.33)
    row = s.single
    assert row is not None and row.estimate == 1.23 and row.yi is not None
    assert row.yi == pytest.approx(math.log(1.23))
    assert row.vi == pytest.approx(((math.log(1.33) - math.log(1.14)) / (2 * Z)) ** 2)
    assert s.ratio and s.reported(row.yi) == pytest.approx(1.23)


def test_claims_without_intervals_or_without_estimates_say_why_nothing_is_pooled() -> None:
    beider = synthesize("hospital.anxiety")
    assert beider.pooled is None and beider.note == NO_INTERVAL
    assert [r.estimate for r in beider.rows] == [0.59, 1.1, 0.94]
    autism = synthesize("autism.behaviour")
    assert autism.rows == () and autism.note == NO_ESTIMATE
    assert {s.id for s in autism.studies} == {"field1997_autism", "escalona2001", "silva2015_qst"}


def test_the_side_by_side_json_has_no_pooled_result_and_names_the_overlaps() -> None:
    data = synthesize("preterm.weight_gain").as_json()
    assert data["pooled"] is None and data["side_by_side"] is True
    overlaps = data["overlaps"]
    assert isinstance(overlaps, list) and overlaps
    assert all(o["presumed"] and o["shared"] == [] and o["why"] for o in overlaps)


def test_the_claim_json_carries_the_cli_contract_and_the_reported_scale(
    pooled_library: Catalogue,
) -> None:
    data = synthesize(POOLED_CLAIM, pooled_library).as_json()
    assert data["side_by_side"] is False and data["overlaps"] == []
    pooled = data["pooled"]
    assert isinstance(pooled, dict)
    for key in ("k", "estimate", "se", "ci_low", "ci_high", "tau2", "i2", "h2", "q", "q_p",
                "pi_low", "pi_high", "method", "test"):  # fmt: skip
        assert key in pooled
    assert data["grade"] == {
        "start": "high",
        "level": "moderate",
        "downgrades": [
            {"domain": d.domain, "levels": d.levels, "reason": d.reason}
            for d in synthesize(POOLED_CLAIM, pooled_library).grade.downgrades
        ],
    }
