"""Meta-regression, the regression test for asymmetry, subgroups and leave-one-out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
import statsmodels.api as sm

from pedmassage.errors import ValidationError
from pedmassage.stats import (
    Control,
    egger_test,
    leave_one_out,
    meta_regression,
    pool,
    subgroup_analysis,
)

if TYPE_CHECKING:
    from conftest import Bcg

TOL = 1e-4


def test_meta_regression_on_latitude_matches_metafor(bcg: Bcg) -> None:
    r = meta_regression(bcg.rr.yi, bcg.rr.vi, bcg.ablat, name="ablat")
    # metafor docs/reference/regplot.html, rma(yi, vi, mods = ~ ablat, data=dat), REML, z test
    assert r.tau2 == pytest.approx(0.0764, abs=TOL)
    assert r.tau2_se == pytest.approx(0.0591, abs=TOL)
    assert r.tau == pytest.approx(0.2763, abs=TOL)
    assert r.i2 == pytest.approx(68.39, abs=5e-3)
    assert r.h2 == pytest.approx(3.16, abs=5e-3)
    assert r.r2 == pytest.approx(75.62, abs=5e-3)
    assert (r.qe, r.qe_df, r.qe_p) == (
        pytest.approx(30.7331, abs=TOL),
        11,
        pytest.approx(0.0012, abs=TOL),
    )
    assert (r.qm, r.qm_df1) == (pytest.approx(16.3571, abs=TOL), 1)
    assert r.qm_p < 1e-4
    b0, b1 = r.intercept, r.slope
    assert (b0.estimate, b0.se, b0.z_or_t, b0.p) == pytest.approx(
        (0.2515, 0.2491, 1.0095, 0.3127), abs=TOL
    )
    assert (b0.ci_low, b0.ci_high) == pytest.approx((-0.2368, 0.7397), abs=TOL)
    assert (b1.name, b1.estimate, b1.se) == (
        "ablat",
        pytest.approx(-0.0291, abs=TOL),
        pytest.approx(0.0072, abs=TOL),
    )
    assert b1.z_or_t == pytest.approx(-4.0444, abs=TOL)
    assert (b1.ci_low, b1.ci_high) == pytest.approx((-0.0432, -0.0150), abs=TOL)
    # confint(res) [PUB]: I² 68.3931, H² 3.1639
    assert (r.i2, r.h2) == pytest.approx((68.3931, 3.1639), abs=TOL)


def test_a_tighter_reml_threshold_reaches_the_fully_converged_values(bcg: Bcg) -> None:
    # metafor stops Fisher scoring once τ² moves by ≤ 1e-5, which is why its printed knha
    # F = 12.5905 [PUB] differs from the fully converged 12.5910 [COMP]; both are reproduced.
    tight = Control(threshold=1e-12)
    r = meta_regression(bcg.rr.yi, bcg.rr.vi, bcg.ablat, control=tight)
    # [COMP] fully converged REML (independent numpy/scipy computation):
    # tau2 0.076348, b (0.251468, -0.0291017), se (0.249095, 0.00719533)
    assert r.tau2 == pytest.approx(0.076348, abs=1e-6)
    assert (r.intercept.estimate, r.slope.estimate) == pytest.approx(
        (0.251468, -0.0291017), abs=1e-6
    )
    assert (r.intercept.se, r.slope.se) == pytest.approx((0.249095, 0.00719533), abs=1e-6)
    knha = meta_regression(bcg.rr.yi, bcg.rr.vi, bcg.ablat, test="hksj", control=tight)
    assert knha.qm == pytest.approx(12.5910, abs=TOL)  # [COMP] KH F = 12.5910


def test_meta_regression_with_knapp_hartung_matches_metafor(bcg: Bcg) -> None:
    r = meta_regression(bcg.rr.yi, bcg.rr.vi, bcg.ablat, name="ablat", test="hksj")
    # metafor README.md, rma(yi, vi, mods = ~ ablat, data=dat, test="knha")
    assert (r.qm, r.qm_df1, r.qm_df2) == (pytest.approx(12.5905, abs=TOL), 1, 11)
    assert r.qm_p == pytest.approx(0.0046, abs=TOL)
    b0, b1 = r.intercept, r.slope
    assert (b0.estimate, b0.se, b0.z_or_t, b0.p) == pytest.approx(
        (0.2515, 0.2839, 0.8857, 0.3948), abs=TOL
    )
    assert (b0.ci_low, b0.ci_high) == pytest.approx((-0.3735, 0.8764), abs=TOL)
    assert (b1.estimate, b1.se, b1.z_or_t, b1.p) == pytest.approx(
        (-0.0291, 0.0082, -3.5483, 0.0046), abs=TOL
    )
    assert (b1.ci_low, b1.ci_high) == pytest.approx((-0.0472, -0.0111), abs=TOL)
    assert r.df == 11


def test_a_moderator_that_does_not_vary_is_refused(bcg: Bcg) -> None:
    with pytest.raises(ValidationError) as caught:
        meta_regression(bcg.rr.yi, bcg.rr.vi, [3.0] * 13, name="sessions")
    assert caught.value.field == "sessions"


def test_meta_regression_needs_three_studies_and_a_moderator_per_study(bcg: Bcg) -> None:
    with pytest.raises(ValidationError) as caught:
        meta_regression(bcg.rr.yi[:2], bcg.rr.vi[:2], [1.0, 2.0])
    assert caught.value.field == "k"
    with pytest.raises(ValidationError) as caught:
        meta_regression(bcg.rr.yi, bcg.rr.vi, [1.0, 2.0], name="age")
    assert caught.value.field == "age"


def test_the_regression_test_matches_metafor_regtest_on_the_knapp_hartung_model(bcg: Bcg) -> None:
    r = egger_test(bcg.rr.yi, bcg.rr.vi, method="REML", test="hksj")
    # metafor README.md, regtest(res) with res <- rma(yi, vi, data=dat, test="knha")
    assert r.statistic == pytest.approx(-0.7812, abs=TOL)
    assert r.df == 11
    assert r.p == pytest.approx(0.4512, abs=TOL)
    assert r.limit_estimate == pytest.approx(-0.5104, abs=TOL)
    assert (r.limit_ci_low, r.limit_ci_high) == pytest.approx((-1.2123, 0.1915), abs=TOL)


def test_the_classic_egger_test_is_weighted_least_squares_on_the_standard_error(bcg: Bcg) -> None:
    r = egger_test(bcg.rr.yi, bcg.rr.vi, model="lm")
    # cross-check: statsmodels WLS of yi on [1, sei] with weights 1/vi
    # (R: lm(yi ~ sei, weights=1/vi))
    design = np.column_stack([np.ones(13), np.sqrt(bcg.rr.vi)])
    wls = sm.WLS(bcg.rr.yi, design, weights=1 / bcg.rr.vi).fit()
    assert r.statistic == pytest.approx(wls.tvalues[1], rel=1e-10)
    assert r.p == pytest.approx(wls.pvalues[1], rel=1e-8)
    assert r.df == 11
    assert r.limit_estimate == pytest.approx(wls.params[0], rel=1e-10)
    assert (r.limit_ci_low, r.limit_ci_high) == pytest.approx(tuple(wls.conf_int()[0]), rel=1e-8)


def test_the_classic_egger_test_is_the_intercept_of_the_standard_normal_deviate_on_precision(
    bcg: Bcg,
) -> None:
    # Egger et al., BMJ 1997: regress yi/sei on 1/sei; the intercept tests asymmetry
    r = egger_test(bcg.rr.yi, bcg.rr.vi, model="lm")
    sei = np.sqrt(bcg.rr.vi)
    ols = sm.OLS(bcg.rr.yi / sei, np.column_stack([np.ones(13), 1 / sei])).fit()
    assert r.statistic == pytest.approx(ols.tvalues[0], rel=1e-10)


def test_subgroups_are_pooled_separately_and_compared_with_a_q_test(bcg: Bcg) -> None:
    result = subgroup_analysis(bcg.rr.yi, bcg.rr.vi, bcg.alloc)
    assert [s.label for s in result.subgroups] == ["random", "alternate", "systematic"]
    mask = np.array(bcg.alloc) == "random"
    alone = pool(bcg.rr.yi[mask], bcg.rr.vi[mask])
    assert result.subgroups[0].result == alone
    estimates = np.array([s.result.estimate for s in result.subgroups])
    ses = np.array([s.result.se for s in result.subgroups])
    fe = pool(estimates, ses**2, method="FE")  # metafor: rma(estimates, sei=ses, method="FE")
    assert result.q_between == pytest.approx(fe.q, rel=1e-12)
    assert (result.df, result.p) == (2, pytest.approx(fe.q_p, rel=1e-12))
    assert result.as_json()["subgroups"][0]["label"] == "random"  # type: ignore[index]


def test_subgroups_need_a_label_per_study_and_two_different_labels(bcg: Bcg) -> None:
    with pytest.raises(ValidationError) as caught:
        subgroup_analysis(bcg.rr.yi, bcg.rr.vi, ["a"] * 13)
    assert caught.value.field == "groups"
    with pytest.raises(ValidationError) as caught:
        subgroup_analysis(bcg.rr.yi, bcg.rr.vi, ["a", "b"])
    assert caught.value.field == "groups"


def test_leave_one_out_refits_without_each_study_in_turn(bcg: Bcg) -> None:
    results = leave_one_out(bcg.rr.yi, bcg.rr.vi, method="DL", test="hksj")
    assert len(results) == 13
    assert all(r.k == 12 for r in results)
    without_fourth = pool(
        np.delete(bcg.rr.yi, 3), np.delete(bcg.rr.vi, 3), method="DL", test="hksj"
    )
    assert results[3] == without_fourth


def test_leave_one_out_needs_enough_studies_left() -> None:
    with pytest.raises(ValidationError) as caught:
        leave_one_out([0.1, 0.2], [0.1, 0.1])
    assert caught.value.field == "k"


def test_reml_stopped_early_by_scoring_is_found_by_maximizing_directly(bcg: Bcg) -> None:
    # metafor rma.uni.html, dat.bcg REML: tau^2 0.3132
    r = pool(bcg.rr.yi, bcg.rr.vi, control=Control(max_iter=1))
    assert r.tau2 == pytest.approx(0.3132, abs=1e-4)


def test_paule_mandel_finds_a_tau2_beyond_the_first_bracket() -> None:
    from statsmodels.stats.meta_analysis import combine_effects

    yi, vi = np.array([-150.0, 0.0, 150.0]), np.array([1.0, 2.0, 1.5])
    r = pool(yi, vi, method="PM")
    sm_tau2 = combine_effects(yi, vi, method_re="pm").tau2
    assert r.tau2 > 100  # metafor's default tau2.max, widened here instead of failing
    assert r.tau2 == pytest.approx(sm_tau2, rel=1e-6)


def test_a_subgroup_too_small_for_random_effects_is_named(bcg: Bcg) -> None:
    groups = ["big"] * 12 + ["alone"]
    with pytest.raises(ValidationError) as caught:
        subgroup_analysis(bcg.rr.yi, bcg.rr.vi, groups)
    assert caught.value.field == "groups[alone]"
    assert "at least 2 studies" in caught.value.allowed
