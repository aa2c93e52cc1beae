"""Pooled estimates match metafor's rma() on published examples, to the printed digits or better."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pytest
from statsmodels.stats.tests.results import results_meta

from pedmassage.errors import ValidationError
from pedmassage.stats import log_odds_ratio, pool, risk_difference
from pedmassage.stats.results import POOLED_JSON_KEYS

if TYPE_CHECKING:
    from conftest import Bcg, Kacker

TOL = 1e-4  # metafor prints 4 decimals


def test_reml_on_the_bcg_trials_matches_metafor(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi, method="REML")
    # metafor docs/reference/rma.uni.html, rma(yi, vi, data=dat, method="REML")
    assert r.estimate == pytest.approx(-0.7145, abs=TOL)
    assert r.se == pytest.approx(0.1798, abs=TOL)
    assert r.z_or_t == pytest.approx(-3.9744, abs=TOL)
    assert (r.ci_low, r.ci_high) == pytest.approx((-1.0669, -0.3622), abs=TOL)
    assert r.tau2_se == pytest.approx(0.1664, abs=TOL)
    assert r.tau == pytest.approx(0.5597, abs=TOL)
    assert r.i2 == pytest.approx(92.22, abs=5e-3)
    assert r.h2 == pytest.approx(12.86, abs=5e-3)
    assert r.q == pytest.approx(152.2330, abs=TOL)
    assert r.q_df == 12
    assert r.q_p < 1e-4  # "p-val < .0001"
    # full precision from metafor tests/testthat/test_misc_influence.r (stored object)
    assert r.tau2 == pytest.approx(0.313243325980895, rel=1e-12)
    assert r.q == pytest.approx(152.233008082373, rel=1e-12)


def test_reml_p_value_and_i2_h2_to_more_digits(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi)
    # [COMP] independent numpy/scipy REML computation that reproduces the published rounding
    assert r.p == pytest.approx(7.05e-05, rel=1e-3)
    assert r.i2 == pytest.approx(92.2214, abs=TOL)  # confint(res) prints I^2(%) 92.2214 [PUB]
    assert r.h2 == pytest.approx(12.8558, abs=TOL)  # confint(res) prints H^2 12.8558 [PUB]


def test_the_reml_prediction_interval_matches_predict_rma(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi)
    # metafor docs/reference/predict.rma.html, predict(res, digits=2): PI -1.87 to 0.44
    assert (r.pi_low, r.pi_high) == pytest.approx((-1.87, 0.44), abs=5e-3)
    # transf=exp: PI 0.15 to 1.55
    assert (math.exp(r.pi_low), math.exp(r.pi_high)) == pytest.approx((0.15, 1.55), abs=5e-3)
    # [COMP] mu ± 1.96·sqrt(se² + tau²) = (-1.8667, 0.4376)
    assert (r.pi_low, r.pi_high) == pytest.approx((-1.8667, 0.4376), abs=TOL)


def test_knapp_hartung_on_the_bcg_trials_matches_metafor(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi, method="REML", test="hksj")
    # metafor README.md, rma(yi, vi, data=dat, test="knha")
    assert r.estimate == pytest.approx(-0.7145, abs=TOL)
    assert r.se == pytest.approx(0.1808, abs=TOL)
    assert r.z_or_t == pytest.approx(-3.9522, abs=TOL)
    assert r.df == 12
    assert r.p == pytest.approx(0.0019, abs=TOL)
    assert (r.ci_low, r.ci_high) == pytest.approx((-1.1084, -0.3206), abs=TOL)
    assert r.tau2 == pytest.approx(0.3132, abs=TOL)
    # predict(res, transf=exp, digits=2): ci 0.33–0.73, pi 0.14–1.76 (t with k−1 = 12 df)
    assert (math.exp(r.ci_low), math.exp(r.ci_high)) == pytest.approx((0.33, 0.73), abs=5e-3)
    assert (math.exp(r.pi_low), math.exp(r.pi_high)) == pytest.approx((0.14, 1.76), abs=5e-3)
    # [COMP] exp PI (0.1359, 1.7629) with the t(12) quantile
    assert (math.exp(r.pi_low), math.exp(r.pi_high)) == pytest.approx((0.1359, 1.7629), abs=TOL)


def test_the_knapp_hartung_factor_is_not_truncated_at_one() -> None:
    # metafor's test="knha" leaves q < 1 alone (truncating it is its separate test="adhoc"), so
    # with studies that agree better than their variances suggest the adjusted SE is *smaller*:
    # se_knha² = q · se_z², q = Σw(y − μ)²/(k − 1) with w = 1/(v + τ²). Constructed data.
    yi, vi = np.array([0.10, 0.12, 0.11, 0.09]), np.array([0.04, 0.05, 0.03, 0.06])
    z = pool(yi, vi, method="DL", test="z")
    t = pool(yi, vi, method="DL", test="hksj")
    w = 1 / (vi + z.tau2)
    q = float(np.sum(w * (yi - z.estimate) ** 2) / 3)
    assert z.tau2 == 0.0
    assert q < 1
    assert t.se == pytest.approx(z.se * math.sqrt(q), rel=1e-12)
    assert t.se < z.se


def test_dersimonian_laird_on_the_bcg_trials_matches_metafor_and_stata(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi, method="DL")
    # metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (checked against Stata metan)
    assert r.estimate == pytest.approx(-0.7141, abs=TOL)
    assert (r.ci_low, r.ci_high) == pytest.approx((-1.0644, -0.3638), abs=TOL)
    assert r.z_or_t == pytest.approx(-3.9952, abs=TOL)
    assert r.tau2 == pytest.approx(0.3088, abs=TOL)
    assert r.i2 == pytest.approx(92.1173, abs=TOL)
    assert math.exp(r.estimate) == pytest.approx(0.4896, abs=TOL)
    assert (math.exp(r.ci_low), math.exp(r.ci_high)) == pytest.approx((0.3449, 0.6950), abs=TOL)
    # [COMP] full precision (independent numpy/scipy computation reproducing the rows above)
    assert r.tau2 == pytest.approx(0.308760, abs=1e-6)
    assert r.se == pytest.approx(0.178742, abs=1e-6)
    assert r.h2 == pytest.approx(12.6861, abs=TOL)


def test_dersimonian_laird_with_knapp_hartung_on_the_bcg_trials(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi, method="DL", test="hksj")
    # [COMP] independent numpy/scipy computation:
    # se 0.180697, t -3.952023, p 0.001921, CI (-1.107821, -0.320413)
    assert r.se == pytest.approx(0.180697, abs=1e-6)
    assert r.z_or_t == pytest.approx(-3.952023, abs=1e-6)
    assert r.p == pytest.approx(0.001921, abs=1e-6)
    assert (r.ci_low, r.ci_high) == pytest.approx((-1.107821, -0.320413), abs=1e-6)


def test_the_common_effect_model_on_the_bcg_trials_matches_metafor(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi, method="FE")
    # metafor test_misc_metan_vs_rma.uni_with_dat.bcg.r, RR equal effects
    assert r.estimate == pytest.approx(-0.4303, abs=TOL)
    assert (r.ci_low, r.ci_high) == pytest.approx((-0.5097, -0.3509), abs=TOL)
    assert r.z_or_t == pytest.approx(-10.6247, abs=TOL)
    assert r.q == pytest.approx(152.2330, abs=TOL)
    assert (math.exp(r.ci_low), math.exp(r.ci_high)) == pytest.approx((0.6007, 0.7040), abs=TOL)
    assert r.se == pytest.approx(0.0404988, abs=1e-7)  # [COMP] §1.5
    assert (r.tau2, r.tau2_se) == (0.0, None)
    assert (r.pi_low, r.pi_high) == (r.ci_low, r.ci_high)


def test_odds_ratios_of_the_bcg_trials_pool_as_in_metafor(bcg: Bcg) -> None:
    es = log_odds_ratio(ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    fe = pool(es.yi, es.vi, method="FE")
    dl = pool(es.yi, es.vi, method="DL")
    # metafor test_misc_metan_vs_rma.uni_with_dat.bcg.r, OR
    assert fe.estimate == pytest.approx(-0.4361, abs=TOL)
    assert (fe.ci_low, fe.ci_high) == pytest.approx((-0.5190, -0.3533), abs=TOL)
    assert fe.z_or_t == pytest.approx(-10.3190, abs=TOL)
    assert fe.q == pytest.approx(163.1649, abs=TOL)
    assert dl.estimate == pytest.approx(-0.7474, abs=TOL)
    assert (dl.ci_low, dl.ci_high) == pytest.approx((-1.1242, -0.3706), abs=TOL)
    assert dl.z_or_t == pytest.approx(-3.8873, abs=TOL)
    assert dl.tau2 == pytest.approx(0.3663, abs=TOL)
    assert dl.i2 == pytest.approx(92.6455, abs=TOL)


def test_risk_differences_of_the_bcg_trials_pool_as_in_metafor(bcg: Bcg) -> None:
    es = risk_difference(ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    fe = pool(es.yi, es.vi, method="FE")
    dl = pool(es.yi, es.vi, method="DL")
    # metafor test_misc_metan_vs_rma.uni_with_dat.bcg.r, RD
    assert fe.estimate == pytest.approx(-0.0009, abs=TOL)
    assert (fe.ci_low, fe.ci_high) == pytest.approx((-0.0014, -0.0005), abs=TOL)
    assert fe.z_or_t == pytest.approx(-4.0448, abs=TOL)
    assert fe.q == pytest.approx(276.4737, abs=TOL)
    assert dl.estimate == pytest.approx(-0.0071, abs=TOL)
    assert (dl.ci_low, dl.ci_high) == pytest.approx((-0.0101, -0.0040), abs=TOL)
    assert dl.z_or_t == pytest.approx(-4.5128, abs=TOL)
    assert dl.tau2 == pytest.approx(0.0000, abs=TOL)
    assert dl.i2 == pytest.approx(95.6596, abs=TOL)


# metafor tests/testthat/test_misc_cumul.r, cumul(res, order=year): REML estimates after adding
# each study in order of publication year, i.e. trials 1, 2, 6, 3, 10, 9, 12, 5, 7, 11, 13, 4, 8
# (ties kept in data order)
YEAR_ORDER = [0, 1, 5, 2, 9, 8, 11, 4, 6, 10, 12, 3, 7]
CUMULATIVE_REML = [-0.889311, -1.325003, -0.97208, -1.001094, -1.101424, -0.973464, -0.901251,
                   -0.788566, -0.865607, -0.785211, -0.708206, -0.794768, -0.714532]  # fmt: skip


@pytest.mark.parametrize("k", range(2, 14))
def test_reml_on_the_first_k_bcg_trials_matches_metafors_cumulative_analysis(
    bcg: Bcg, k: int
) -> None:
    first = YEAR_ORDER[:k]
    r = pool(bcg.rr.yi[first], bcg.rr.vi[first], method="REML")
    assert r.estimate == pytest.approx(CUMULATIVE_REML[k - 1], abs=1e-6)


def test_paule_mandel_matches_metafor_on_the_kacker_example(kacker: Kacker) -> None:
    r = pool(kacker.yi, kacker.vi, method="PM")
    res = results_meta.exk1_metafor  # rma(y, v, method="PM", control=list(tol=1e-9))
    assert r.tau2 == pytest.approx(res.tau2, abs=1e-9)
    assert r.tau2_se == pytest.approx(res.se_tau2, rel=1e-8)
    assert r.estimate == pytest.approx(res.b, rel=1e-12)
    assert r.se == pytest.approx(res.se, rel=1e-8)
    assert (r.ci_low, r.ci_high) == pytest.approx((res.ci_lb, res.ci_ub), rel=1e-10)
    assert r.q == pytest.approx(res.QE, rel=1e-10)
    assert r.q_p == pytest.approx(res.QEp, rel=1e-8)
    assert r.i2 == pytest.approx(res.I2, rel=1e-8)  # metafor's tau²-based I²
    assert r.h2 == pytest.approx(res.H2, rel=1e-8)


@pytest.mark.parametrize(
    ("method", "test", "res"),
    [
        ("DL", "z", results_meta.exk1_dl),
        ("DL", "hksj", results_meta.exk1_dl_hksj),
        ("FE", "z", results_meta.exk1_fe),
        ("FE", "hksj", results_meta.exk1_fe_hksj),
    ],
    ids=["DL-z", "DL-knha", "FE-z", "FE-knha"],
)
def test_the_kacker_example_matches_metafor_for_each_method_and_test(
    kacker: Kacker, method: str, test: str, res: object
) -> None:
    r = pool(kacker.yi, kacker.vi, method=method, test=test)  # type: ignore[arg-type]
    # statsmodels results_meta.py, metafor rma(y, v, method=..., test=...) at full precision
    assert r.estimate == pytest.approx(res.b, rel=1e-12)  # type: ignore[attr-defined]
    assert r.se == pytest.approx(res.se, rel=1e-9)  # type: ignore[attr-defined]
    assert r.z_or_t == pytest.approx(res.zval, rel=1e-9)  # type: ignore[attr-defined]
    assert r.ci_low == pytest.approx(res.ci_lb, rel=1e-10)  # type: ignore[attr-defined]
    assert r.ci_high == pytest.approx(res.ci_ub, rel=1e-10)  # type: ignore[attr-defined]
    assert r.tau2 == pytest.approx(res.tau2, abs=1e-10)  # type: ignore[attr-defined]
    assert r.i2 == pytest.approx(res.I2, rel=1e-9)  # type: ignore[attr-defined]
    assert r.h2 == pytest.approx(res.H2, rel=1e-9)  # type: ignore[attr-defined]
    if method == "DL":
        assert r.tau2_se == pytest.approx(res.se_tau2, rel=1e-9)  # type: ignore[attr-defined]
    if test == "hksj":
        assert r.p == pytest.approx(res.pval, rel=1e-6)  # type: ignore[attr-defined]


def test_the_json_view_is_the_command_line_contract(bcg: Bcg) -> None:
    data = pool(bcg.rr.yi, bcg.rr.vi).as_json()
    assert tuple(data) == POOLED_JSON_KEYS
    assert set(data) == {"k", "estimate", "se", "ci_low", "ci_high", "tau2", "i2", "h2", "q",
                         "q_p", "pi_low", "pi_high", "method", "test"}  # fmt: skip
    assert (data["k"], data["method"], data["test"]) == (13, "REML", "z")


def test_weights_are_percent_shares_that_sum_to_one_hundred(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi)
    assert len(r.weights) == 13
    assert sum(r.weights) == pytest.approx(100.0)
    w = 1 / (bcg.rr.vi + r.tau2)
    assert r.weights[0] == pytest.approx(100 * w[0] / w.sum())


def test_the_result_is_immutable(bcg: Bcg) -> None:
    r = pool(bcg.rr.yi, bcg.rr.vi)
    with pytest.raises(AttributeError):
        r.estimate = 0.0  # type: ignore[misc]


def test_identical_studies_give_zero_heterogeneity_without_warnings() -> None:
    r = pool([0.3, 0.3, 0.3], [0.1, 0.2, 0.3], method="REML", test="hksj")
    assert (r.estimate, r.tau2, r.i2, r.q) == (pytest.approx(0.3), 0.0, 0.0, pytest.approx(0.0))
    assert r.se == 0.0  # the Knapp–Hartung factor collapses, as in metafor
    assert r.z_or_t == math.inf
    fe = pool([0.3, 0.3], [0.1, 0.2], method="FE")
    assert (fe.i2, fe.h2) == (0.0, 0.0)


def test_a_single_study_is_refused_for_random_effects_but_not_for_a_common_effect() -> None:
    with pytest.raises(ValidationError) as caught:
        pool([0.2], [0.04], method="REML")
    assert caught.value.field == "k"
    assert "at least 2" in caught.value.allowed
    with pytest.raises(ValidationError):
        pool([0.2], [0.04], method="FE", test="hksj")
    one = pool([0.2], [0.04], method="FE")
    assert (one.estimate, one.se, one.q_df) == (pytest.approx(0.2), pytest.approx(0.2), 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "HS"}, "method"),
        ({"test": "knha"}, "test"),
        ({"level": 95}, "level"),
    ],
)
def test_unknown_options_are_refused_by_name(
    bcg: Bcg, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        pool(bcg.rr.yi, bcg.rr.vi, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_non_positive_variance_is_refused_with_its_row() -> None:
    with pytest.raises(ValidationError) as caught:
        pool([0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.1, 0.0])
    assert caught.value.field == "vi[3]"
