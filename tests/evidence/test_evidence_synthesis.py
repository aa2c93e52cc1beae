"""Claims to numbers: a claim's effects with their CIs are pooled as generic effects exactly as
``stats.pool`` pools the same yi/vi; fewer than two such effects are shown, never pooled."""

from __future__ import annotations

import math

import pytest

from pedmassage.evidence.synthesis import NO_ESTIMATE, NO_INTERVAL, NOT_POOLED_SINGLE, synthesize
from pedmassage.stats import pool

Z = 1.96  # vi = ((hi - lo) / (2 * 1.96))^2, as the reviews print their 95% CIs


def _vi(low: float, high: float) -> float:
    return ((high - low) / (2 * Z)) ** 2


def test_the_weight_gain_claim_pools_the_two_reviews_as_stats_pool_does() -> None:
    s = synthesize("preterm.weight_gain")
    # Vickers 2004: MD 5.1 (3.5 to 6.7); 2020 review: +5.07 (2.19 to 7.94) (clinical-reference 3.2)
    yi, vi = [5.1, 5.07], [_vi(3.5, 6.7), _vi(2.19, 7.94)]
    expected = pool(yi, vi, method="REML", test="z")
    assert s.pooled == expected
    assert s.pooled is not None and s.pooled.k == 2
    assert s.pooled.estimate == pytest.approx(5.0929057, abs=1e-6)
    pooled_rows = [r for r in s.rows if r.pooled]
    assert [r.study_id for r in pooled_rows] == ["vickers2004", "review2020"]
    assert [r.weight for r in pooled_rows] == list(expected.weights)


def test_an_effect_left_out_of_the_pool_is_shown_with_its_reason() -> None:
    s = synthesize("preterm.weight_gain")
    mcn = next(r for r in s.rows if r.study_id == "mcn2015")
    assert (mcn.pooled, mcn.weight, mcn.estimate) == (False, None, 0.53)
    assert mcn.reason and "as reported" in mcn.reason


def test_a_claim_with_one_estimate_shows_it_and_is_not_pooled() -> None:
    s = synthesize("cystic_fibrosis.anxiety")
    assert s.pooled is None and s.note == NOT_POOLED_SINGLE
    assert s.single is not None
    assert (s.single.estimate, s.single.ci_low, s.single.ci_high) == (-8.2, -12.36, -4.04)
    assert s.single.vi == pytest.approx(_vi(-12.36, -4.04))
    assert s.grade.level == "low"
    assert "imprecision" in [d.domain for d in s.grade.downgrades]


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


def test_the_claim_json_carries_the_cli_contract_and_the_reported_scale() -> None:
    data = synthesize("preterm.weight_gain").as_json()
    pooled = data["pooled"]
    assert isinstance(pooled, dict)
    for key in ("k", "estimate", "se", "ci_low", "ci_high", "tau2", "i2", "h2", "q", "q_p",
                "pi_low", "pi_high", "method", "test"):  # fmt: skip
        assert key in pooled
    assert data["grade"] == {
        "start": "high",
        "level": "low",
        "downgrades": [
            {"domain": d.domain, "levels": d.levels, "reason": d.reason}
            for d in synthesize("preterm.weight_gain").grade.downgrades
        ],
    }
