"""Effect sizes agree with metafor's escalc, zero-cell rule included; bad input is named."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pytest
from statsmodels.stats.tests.results import results_meta

from pedmassage.errors import ValidationError
from pedmassage.stats import (
    compute_effect_sizes,
    generic,
    hedges_correction,
    log_odds_ratio,
    log_risk_ratio,
    mean_difference,
    risk_difference,
    standardized_mean_difference,
)

if TYPE_CHECKING:
    from conftest import Bcg, Fine1993

# escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg), metafor README.md
# (wviechtb/metafor @ 71ae8f5a), printed to 4 decimals.
BCG_RR_YI = [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209,
             0.0120, -0.4694, -1.3713, -0.3394, 0.4459, -0.0173]  # fmt: skip
BCG_RR_VI = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230,
             0.0040, 0.0564, 0.0730, 0.0124, 0.5325, 0.0714]  # fmt: skip

# escalc(measure="SMD", ...) on the Carroll/Grant/Peck/Donat/Stewart/Young example (Chen & Peace,
# Applied Meta-Analysis with R), metafor output quoted in statsmodels/stats/tests/test_meta.py
# (TestEffSmdMeta.test_smd): yi and the large-sample vi ("vi_asy", metafor's vtype="LS").
SMD_DATA = {
    "m1i": [94, 98, 98, 94, 98, 96],
    "sd1i": [22, 21, 28, 19, 21, 21],
    "n1i": [60, 65, 40, 200, 50, 85],
    "m2i": [92, 92, 88, 82, 88, 92],
    "sd2i": [20, 22, 26, 17, 22, 22],
    "n2i": [60, 65, 40, 200, 45, 85],
}
SMD_YI = [0.09452415852032972, 0.27735586626551018, 0.36654442951591998,
          0.66438496832691396, 0.46180628128769841, 0.18516443739910043]  # fmt: skip
SMD_VI_LS = [0.03337056173559990, 0.03106510106366112, 0.05083971761755720,
             0.01055175923267344, 0.04334466980873156, 0.02363025255552155]  # fmt: skip


def test_log_risk_ratios_of_the_bcg_trials_match_metafor(bcg: Bcg) -> None:
    np.testing.assert_allclose(bcg.rr.yi, BCG_RR_YI, atol=5e-5)  # metafor README, 4 dp
    np.testing.assert_allclose(bcg.rr.vi, BCG_RR_VI, atol=5e-5)


def test_the_first_bcg_trial_has_metafors_z_se_and_interval(bcg: Bcg) -> None:
    low, high = bcg.rr.confidence_intervals()
    # metafor tests/testthat/test_misc_escalc.r, study 1 RR:
    # zi -1.5586, sei 0.5706, CI (-2.0077, 0.2290)
    assert bcg.rr.z[0] == pytest.approx(-1.5586, abs=1e-4)
    assert bcg.rr.sei[0] == pytest.approx(0.5706, abs=1e-4)
    assert (low[0], high[0]) == pytest.approx((-2.0077, 0.2290), abs=1e-4)


def test_log_odds_ratios_of_the_bcg_trials_match_metafor(bcg: Bcg) -> None:
    es = log_odds_ratio(ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    low, high = es.confidence_intervals()
    # metafor test_misc_escalc.r: study 1 OR zi -1.5708, sei 0.5976, CI (-2.1100, 0.2326)
    assert es.z[0] == pytest.approx(-1.5708, abs=1e-4)
    assert es.sei[0] == pytest.approx(0.5976, abs=1e-4)
    assert (low[0], high[0]) == pytest.approx((-2.1100, 0.2326), abs=1e-4)
    # metafor test_misc_escalc.r: log OR of studies 3 and 4 are -1.3863 and -1.4564
    assert es.yi[2:4] == pytest.approx([-1.3863, -1.4564], abs=1e-4)


@pytest.mark.parametrize(
    ("function", "yi", "vi"),
    [
        (log_risk_ratio, results_meta.y_rr, results_meta.v_rr),
        (log_odds_ratio, results_meta.y_or, results_meta.v_or),
        (risk_difference, results_meta.y_rd, results_meta.v_rd),
    ],
    ids=["RR", "OR", "RD"],
)
def test_two_by_two_measures_match_metafor_to_full_precision(
    fine1993: Fine1993, function: object, yi: np.ndarray, vi: np.ndarray
) -> None:
    # escalc(measure=..., ai=e2i, n1i=nei, ci=c2i, n2i=nci, data=dat.fine1993), stored in
    # statsmodels/stats/tests/results/results_meta.py (y_rr/v_rr, y_or/v_or, y_rd/v_rd)
    assert callable(function)
    es = function(ai=fine1993.events1, n1i=fine1993.n1, ci=fine1993.events2, n2i=fine1993.n2)
    np.testing.assert_allclose(es.yi, yi, rtol=1e-12)
    np.testing.assert_allclose(es.vi, vi, rtol=1e-12)


def test_hedges_g_and_its_large_sample_variance_match_metafor() -> None:
    es = standardized_mean_difference(**SMD_DATA)
    # metafor escalc("SMD") yi and vtype="LS" vi, quoted in statsmodels test_meta.py
    np.testing.assert_allclose(es.yi, SMD_YI, rtol=1e-12)
    np.testing.assert_allclose(es.vi, SMD_VI_LS, rtol=1e-12)


def test_the_small_sample_correction_is_the_exact_gamma_ratio() -> None:
    # J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2)); for m = 2 this is Γ(1)/(1·Γ(1/2)) = 1/√π exactly
    assert hedges_correction([2.0])[0] == pytest.approx(1 / math.sqrt(math.pi), rel=1e-14)
    # and it approaches the familiar approximation 1 − 3/(4m − 1) for large m
    assert hedges_correction([400.0])[0] == pytest.approx(1 - 3 / 1599, rel=1e-6)


def test_mean_difference_uses_each_groups_own_variance() -> None:
    es = mean_difference(m1i=[5.0], sd1i=[2.0], n1i=[10], m2i=[3.0], sd2i=[1.0], n2i=[20])
    assert es.yi[0] == pytest.approx(2.0)
    assert es.vi[0] == pytest.approx(4 / 10 + 1 / 20)  # sd1²/n1 + sd2²/n2 (metafor vtype "LS")


def test_a_study_with_a_zero_cell_gets_one_half_added_to_every_cell() -> None:
    # constructed check (not published): 0/10 vs 5/10 becomes 0.5/11 vs 5.5/11
    es = log_risk_ratio(ai=[0, 2], bi=[10, 8], ci=[5, 4], di=[5, 6])
    assert es.zero_cell_adjusted.tolist() == [True, False]
    assert es.yi[0] == pytest.approx(math.log((0.5 / 11) / (5.5 / 11)))
    assert es.vi[0] == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 5.5 - 1 / 11)
    assert es.yi[1] == pytest.approx(math.log((2 / 10) / (4 / 10)))  # untouched


def test_risk_differences_also_use_the_adjusted_cells_like_metafor() -> None:
    es = risk_difference(ai=[0], bi=[10], ci=[5], di=[5])
    p1, p2 = 0.5 / 11, 5.5 / 11
    assert es.yi[0] == pytest.approx(p1 - p2)
    assert es.vi[0] == pytest.approx(p1 * (1 - p1) / 11 + p2 * (1 - p2) / 11)


def test_events_with_totals_give_the_same_table_as_cells(bcg: Bcg) -> None:
    n1 = np.add(bcg.tpos, bcg.tneg)
    n2 = np.add(bcg.cpos, bcg.cneg)
    es = log_risk_ratio(ai=bcg.tpos, n1i=n1, ci=bcg.cpos, n2i=n2)
    np.testing.assert_allclose(es.yi, bcg.rr.yi, rtol=1e-14)


def test_results_cannot_be_edited_after_they_are_computed(bcg: Bcg) -> None:
    with pytest.raises(ValueError, match="read-only"):
        bcg.rr.yi[0] = 0.0
    with pytest.raises(AttributeError):
        bcg.rr.measure = "OR"  # type: ignore[misc]


def test_the_dispatcher_accepts_the_measure_names_of_the_command_line(bcg: Bcg) -> None:
    data = {"ai": bcg.tpos, "bi": bcg.tneg, "ci": bcg.cpos, "di": bcg.cneg}
    np.testing.assert_array_equal(compute_effect_sizes("RR", data).yi, bcg.rr.yi)
    smd = compute_effect_sizes("SMD", SMD_DATA)
    np.testing.assert_allclose(smd.yi, SMD_YI, rtol=1e-12)
    assert compute_effect_sizes("GEN", {"yi": [0.1], "vi": [0.2]}).measure == "GEN"


@pytest.mark.parametrize(
    ("call", "field", "allowed"),
    [
        (
            lambda: generic(yi=[0.1, 0.2, 0.3, 0.4], vi=[0.1, 0.1, 0.1, -0.2]),
            "vi[3]",
            "greater than 0",
        ),
        (lambda: generic(yi=[0.1, float("nan")], vi=[0.1, 0.1]), "yi[1]", "finite"),
        (lambda: generic(yi=[0.1, 0.2], vi=[0.1]), "vi", "2 values"),
        (lambda: generic(yi=["0.1", "x"], vi=[0.1, 0.1]), "yi[1]", "a number"),
        (
            lambda: mean_difference(m1i=[1], sd1i=[1], n1i=[1], m2i=[0], sd2i=[1], n2i=[5]),
            "n1i[0]",
            "at least 2",
        ),
        (
            lambda: standardized_mean_difference(
                m1i=[1, 1], sd1i=[1, 0], n1i=[5, 5], m2i=[0, 0], sd2i=[1, 1], n2i=[5, 5]
            ),
            "sd1i[1]",
            "greater than 0",
        ),
        (lambda: log_risk_ratio(ai=[1, -1], bi=[5, 5], ci=[1, 1], di=[5, 5]), "ai[1]", "0 or more"),
        (lambda: log_odds_ratio(ai=[1], n1i=[10], ci=[12], n2i=[10]), "ci[0]", "no more events"),
        (lambda: risk_difference(ai=[0], bi=[0], ci=[1], di=[1]), "n1i[0]", "at least one"),
        (lambda: log_risk_ratio(ai=[1], ci=[1]), "bi", "n1i"),
        (lambda: compute_effect_sizes("HR", {}), "measure", "SMD"),
        (lambda: compute_effect_sizes("GEN", {"yi": [1.0]}), "vi", "column"),
    ],
)
def test_bad_input_names_the_column_and_row(call: object, field: str, allowed: str) -> None:
    assert callable(call)
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.field == field
    assert allowed in caught.value.allowed
