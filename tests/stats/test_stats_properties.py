"""Properties that hold for any valid studies (Hypothesis), and agreement with statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.meta_analysis import combine_effects

from pedmassage.stats import METHODS, TESTS, pool

effects = st.floats(-5, 5, allow_nan=False)
variances = st.floats(1e-3, 5, allow_nan=False)


@st.composite
def studies(draw: st.DrawFn, min_k: int = 2, max_k: int = 25) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    k = draw(st.integers(min_k, max_k))
    yi = np.array(draw(st.lists(effects, min_size=k, max_size=k)))
    vi = np.array(draw(st.lists(variances, min_size=k, max_size=k)))
    return yi, vi


@given(studies())
def test_the_common_effect_lies_between_the_smallest_and_largest_study(
    data: tuple[np.ndarray, np.ndarray],  # type: ignore[type-arg]
) -> None:
    yi, vi = data
    r = pool(yi, vi, method="FE")
    slack = 1e-9 * (1 + np.max(np.abs(yi)))
    assert yi.min() - slack <= r.estimate <= yi.max() + slack


@settings(max_examples=60)
@given(studies(), st.sampled_from(METHODS), st.sampled_from(TESTS))
def test_tau2_is_never_negative_and_i2_is_a_percentage_below_100(
    data: tuple[np.ndarray, np.ndarray],  # type: ignore[type-arg]
    method: str,
    test: str,
) -> None:
    r = pool(*data, method=method, test=test)  # type: ignore[arg-type]
    assert r.tau2 >= 0
    assert 0 <= r.i2 < 100
    assert r.h2 >= (1 if method != "FE" else 0)
    assert r.ci_low <= r.estimate <= r.ci_high
    assert r.pi_low <= r.ci_low and r.ci_high <= r.pi_high


@settings(max_examples=60)
@given(studies(min_k=3), st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_the_order_of_the_studies_does_not_matter(
    data: tuple[np.ndarray, np.ndarray],  # type: ignore[type-arg]
    method: str,
    random: object,
) -> None:
    yi, vi = data
    order = np.arange(yi.size)
    random.shuffle(order)  # type: ignore[attr-defined]
    a = pool(yi, vi, method=method)  # type: ignore[arg-type]
    b = pool(yi[order], vi[order], method=method)  # type: ignore[arg-type]
    scale = 1 + abs(a.estimate)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-6 * scale)
    assert b.se == pytest.approx(a.se, rel=1e-6)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-5, abs=1e-7)
    assert b.q == pytest.approx(a.q, rel=1e-9, abs=1e-9)
    assert b.i2 == pytest.approx(a.i2, rel=1e-5, abs=1e-5)
    assert np.array(b.weights) == pytest.approx(np.array(a.weights)[order], rel=1e-5)


@pytest.mark.parametrize("seed", range(20))
def test_dersimonian_laird_agrees_with_statsmodels_on_random_studies(seed: int) -> None:
    yi, vi = _random_studies(seed)
    ours = pool(yi, vi, method="DL")
    theirs = combine_effects(yi, vi, method_re="dl")
    assert ours.q == pytest.approx(theirs.q, rel=1e-10)
    # statsmodels leaves a negative DL τ² as it is; metafor (and pool) truncate it at 0
    assert ours.tau2 == pytest.approx(max(0.0, theirs.tau2), rel=1e-10, abs=1e-12)
    if theirs.tau2 < 0:
        assert ours.estimate == pytest.approx(theirs.mean_effect_fe, rel=1e-10)
        assert ours.i2 == 0.0
        return
    assert ours.estimate == pytest.approx(theirs.mean_effect_re, rel=1e-10)
    assert ours.se == pytest.approx(theirs.sd_eff_w_re, rel=1e-10)
    # for DL, metafor's tau²-based I² equals the Q-based I² that statsmodels reports
    assert ours.i2 == pytest.approx(100 * theirs.i2, rel=1e-9, abs=1e-9)
    hksj = pool(yi, vi, method="DL", test="hksj")
    assert hksj.se == pytest.approx(theirs.sd_eff_w_re_hksj, rel=1e-10)


@pytest.mark.parametrize("seed", range(20))
def test_paule_mandel_agrees_with_statsmodels_on_random_studies(seed: int) -> None:
    yi, vi = _random_studies(seed)
    ours = pool(yi, vi, method="PM")
    # statsmodels' PM iteration returns 0 as soon as its estimating equation turns negative, which
    # rounding can do right at the root when atol is very small; atol=1e-7 stops it just before
    theirs = combine_effects(yi, vi, method_re="pm", atol=1e-7)
    w = 1 / (vi + ours.tau2)
    generalised_q = float(np.sum(w * (yi - np.dot(w, yi) / w.sum()) ** 2))
    if ours.tau2 > 0:
        assert generalised_q == pytest.approx(yi.size - 1, rel=1e-9)  # the PM estimating equation
    assert ours.tau2 == pytest.approx(theirs.tau2, rel=1e-7, abs=1e-10)
    assert ours.estimate == pytest.approx(theirs.mean_effect_re, rel=1e-8)
    assert ours.se == pytest.approx(theirs.sd_eff_w_re, rel=1e-7)


@pytest.mark.parametrize("seed", range(10))
def test_the_common_effect_agrees_with_statsmodels_on_random_studies(seed: int) -> None:
    yi, vi = _random_studies(seed)
    ours = pool(yi, vi, method="FE")
    theirs = combine_effects(yi, vi, method_re="dl")
    assert ours.estimate == pytest.approx(theirs.mean_effect_fe, rel=1e-10)
    assert ours.se == pytest.approx(theirs.sd_eff_w_fe, rel=1e-10)


def _random_studies(seed: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """Between 2 and 40 studies with real heterogeneity in some seeds and none in others."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 41))
    vi = rng.uniform(0.01, 0.5, k)
    tau = rng.choice([0.0, 0.2, 0.6])
    yi = rng.normal(0.3, np.sqrt(vi + tau**2))
    return yi, vi


def test_reml_is_found_where_fisher_scoring_oscillates() -> None:
    """Found by the property above: scoring oscillates on these lopsided studies, so REML is
    maximized directly; the answer is the restricted likelihood's maximum (grid search)."""
    yi = np.array([0.0, 0, 0, 0, 0, 1])
    vi = np.array([1.0, 1, 1, 1, 1, 0.125])

    def restricted_loglik(t: float) -> float:
        w = 1 / (vi + t)
        mu = (w * yi).sum() / w.sum()
        return float(-0.5 * (np.log(vi + t).sum() + np.log(w.sum()) + (w * (yi - mu) ** 2).sum()))

    grid = np.linspace(0, 2, 200_001)
    best = grid[int(np.argmax([restricted_loglik(t) for t in grid]))]
    assert pool(yi, vi, method="REML").tau2 == pytest.approx(best, abs=1e-4)
