"""The random-intercept model fitted from per-child sums equals statsmodels' MixedLM on the rows.

The expected numbers come from ``statsmodels.formula.api.mixedlm("change ~ 1", rows,
groups=rows["child"]).fit(reml=True)`` on the expanded session rows, from the classical ANOVA
estimators for balanced data, or from plain means of the rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest
import statsmodels.formula.api as smf
from numpy.typing import NDArray
from scipy import stats

from pedmassage.errors import ValidationError
from pedmassage.stats import MixedEstimate, fit_random_intercept

Array = NDArray[Any]


@dataclass(frozen=True)
class Sessions:
    child: Array
    change: Array

    def rows(self) -> pd.DataFrame:
        return pd.DataFrame({"change": self.change, "child": self.child})

    def per_child_sums(self) -> pd.DataFrame:
        """What the report's query returns: GROUP BY child → count, sum, sum of squares."""
        rows = self.rows().assign(square=self.change**2)
        grouped = rows.groupby("child")
        return pd.DataFrame(
            {"n": grouped.size(), "sum": grouped["change"].sum(), "sumsq": grouped["square"].sum()}
        )

    def fit(self) -> MixedEstimate:
        sums = self.per_child_sums()
        return fit_random_intercept(
            counts=sums["n"].to_numpy(),
            sums=sums["sum"].to_numpy(),
            sums_of_squares=sums["sumsq"].to_numpy(),
        )


def simulate(
    counts: Array, *, mu: float, between_sd: float, within_sd: float, seed: int, rounded: bool
) -> Sessions:
    rng = np.random.default_rng(seed)
    child = np.repeat(np.arange(counts.size), counts)
    intercepts = rng.normal(0.0, between_sd, size=counts.size)
    change = mu + intercepts[child] + rng.normal(0.0, within_sd, size=child.size)
    return Sessions(child=child, change=np.round(change) if rounded else change)


def unbalanced_counts(seed: int) -> Array:
    """15 children seen once, 10 seen 30 times and 35 seen 2 to 11 times."""
    middle = np.random.default_rng(seed).integers(2, 12, size=35)
    return np.concatenate([np.ones(15, dtype=int), np.full(10, 30), middle])


def statsmodels_fit(sessions: Sessions) -> object:
    rows = sessions.rows()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' own convergence chatter
        result = smf.mixedlm("change ~ 1", rows, groups=rows["child"]).fit(reml=True)
    assert result.converged
    return result


CASES = {
    "pain scores": dict(mu=-1.5, between_sd=1.0, within_sd=1.5, seed=7, rounded=True),
    "continuous": dict(mu=0.8, between_sd=0.6, within_sd=1.0, seed=8, rounded=False),
    "small between": dict(mu=-0.5, between_sd=0.5, within_sd=1.5, seed=9, rounded=True),
}


@pytest.mark.parametrize("case", CASES)
def test_unbalanced_children_match_statsmodels_mixedlm_on_the_rows(case: str) -> None:
    sessions = simulate(unbalanced_counts(len(case)), **CASES[case])  # type: ignore[arg-type]
    ours, theirs = sessions.fit(), statsmodels_fit(sessions)
    low, high = theirs.conf_int(alpha=0.05).iloc[0]  # type: ignore[attr-defined]
    assert ours.estimate == pytest.approx(theirs.fe_params.iloc[0], rel=1e-4)  # type: ignore[attr-defined]
    assert ours.se == pytest.approx(theirs.bse_fe.iloc[0], rel=1e-4)  # type: ignore[attr-defined]
    assert ours.ci_low == pytest.approx(low, rel=1e-4)
    assert ours.ci_high == pytest.approx(high, rel=1e-4)
    assert ours.between_child_variance == pytest.approx(theirs.cov_re.iloc[0, 0], rel=1e-4)  # type: ignore[attr-defined]
    assert ours.within_child_variance == pytest.approx(theirs.scale, rel=1e-4)  # type: ignore[attr-defined]
    assert (ours.n_children, ours.n_sessions) == (60, sessions.change.size)


def test_the_model_based_se_is_the_gls_one_with_the_fitted_variances() -> None:
    sessions = simulate(unbalanced_counts(1), **CASES["pain scores"])  # type: ignore[arg-type]
    fit = sessions.fit()
    counts = np.bincount(sessions.child)
    gls_weights = counts / (fit.within_child_variance + counts * fit.between_child_variance)
    assert fit.se_model_based == pytest.approx(1 / np.sqrt(gls_weights.sum()), rel=1e-10)
    # Unequal session counts make the observed-information SE (statsmodels') a little larger.
    assert fit.se > fit.se_model_based


def test_rows_with_the_same_per_child_sums_give_statsmodels_the_same_fit() -> None:
    # The premise of fitting from sums: reflecting each child's changes about that child's mean
    # changes every row yet keeps (n_i, sum_i, sumsq_i), and REML on the rows cannot tell.
    first = simulate(unbalanced_counts(2), **CASES["pain scores"])  # type: ignore[arg-type]
    child_means = np.bincount(first.child, weights=first.change) / np.bincount(first.child)
    second = Sessions(child=first.child, change=2 * child_means[first.child] - first.change)
    assert not np.allclose(first.change, second.change)
    np.testing.assert_allclose(first.per_child_sums(), second.per_child_sums(), rtol=1e-12)
    one, two = statsmodels_fit(first), statsmodels_fit(second)
    assert one.fe_params.iloc[0] == pytest.approx(two.fe_params.iloc[0], rel=1e-5)  # type: ignore[attr-defined]
    assert one.scale == pytest.approx(two.scale, rel=1e-5)  # type: ignore[attr-defined]
    assert one.cov_re.iloc[0, 0] == pytest.approx(two.cov_re.iloc[0, 0], rel=1e-4)  # type: ignore[attr-defined]


def test_balanced_children_give_the_anova_estimators() -> None:
    # For a balanced one-way layout with a positive estimate, REML equals ANOVA:
    # sigma_w^2 = MSW, sigma_b^2 = (MSB − MSW)/n, mu = grand mean, se = sqrt(MSB/(g·n))
    # (Searle, Casella & McCulloch 1992, Variance Components, §3.6 and §4.7).
    g, n = 40, 6
    sessions = simulate(np.full(g, n), mu=-1.0, between_sd=1.0, within_sd=1.0, seed=3, rounded=True)
    table = sessions.change.reshape(g, n)
    child_means = table.mean(axis=1)
    msw = ((table - child_means[:, None]) ** 2).sum() / (g * (n - 1))
    msb = n * ((child_means - table.mean()) ** 2).sum() / (g - 1)
    assert msb > msw
    fit = sessions.fit()
    assert fit.estimate == pytest.approx(table.mean(), rel=1e-12)
    assert fit.within_child_variance == pytest.approx(msw, rel=1e-8)
    assert fit.between_child_variance == pytest.approx((msb - msw) / n, rel=1e-7)
    assert fit.se == pytest.approx(np.sqrt(msb / (g * n)), rel=1e-7)
    assert fit.se_model_based == pytest.approx(fit.se, rel=1e-7)
    z = stats.norm.ppf(0.975)
    assert fit.ci_low == pytest.approx(fit.estimate - z * fit.se)
    assert fit.ci_high == pytest.approx(fit.estimate + z * fit.se)


def test_children_alike_put_the_between_variance_on_the_boundary_at_zero() -> None:
    # Every child's sessions average exactly 1: no between-child variation at all, so REML puts
    # sigma_b^2 at 0 and the model reduces to the plain session mean and variance.
    blocks = [[1.0, 1.0], [0.0, 2.0, 1.0], [3.0, -1.0], [1.0], [2.0, 0.0, 1.0, 1.0]]
    change = np.concatenate(blocks)
    child = np.repeat(np.arange(len(blocks)), [len(block) for block in blocks])
    fit = Sessions(child=child, change=change).fit()
    assert fit.between_child_variance == 0.0
    assert fit.estimate == pytest.approx(change.mean(), rel=1e-12)
    assert fit.within_child_variance == pytest.approx(change.var(ddof=1), rel=1e-12)
    assert fit.se_model_based == pytest.approx(np.sqrt(change.var(ddof=1) / change.size))


def test_one_hundred_thousand_children_fit_from_their_sums() -> None:
    # The size of the program: ~2M sessions, reduced to three numbers per child.
    rng = np.random.default_rng(2024)
    counts = rng.integers(1, 41, size=100_000)
    sessions = simulate(counts, mu=-1.2, between_sd=1.0, within_sd=2.0, seed=2025, rounded=False)
    fit = fit_random_intercept(
        counts=np.bincount(sessions.child),
        sums=np.bincount(sessions.child, weights=sessions.change),
        sums_of_squares=np.bincount(sessions.child, weights=sessions.change**2),
    )
    assert (fit.n_children, fit.n_sessions) == (100_000, int(counts.sum()))
    # Deterministic data; the truth lies well inside these bounds (4 SE; ~1 % for variances).
    assert abs(fit.estimate - (-1.2)) < 4 * fit.se
    assert fit.between_child_variance == pytest.approx(1.0, rel=0.03)
    assert fit.within_child_variance == pytest.approx(4.0, rel=0.01)


@pytest.mark.parametrize(
    ("counts", "sums", "squares", "field"),
    [
        ([3], [3.0], [5.0], "counts"),  # one child
        ([1, 1, 1], [1.0, 2.0, 0.0], [1.0, 4.0, 0.0], "counts"),  # nobody seen twice
        ([2, 2], [2.0, 4.0], [2.0, 8.0], "sums_of_squares"),  # no spread within any child
        ([2, 2], [2.0, 4.0], [1.0, 9.0], "sums_of_squares[0]"),  # sumsq < sum^2/n
        ([2, 0], [2.0, 0.0], [3.0, 0.0], "counts[1]"),
        ([2, 1.5], [2.0, 1.0], [3.0, 1.0], "counts[1]"),
        ([2, 2], [2.0], [3.0, 9.0], "sums"),
    ],
)
def test_data_that_cannot_identify_the_model_are_refused(
    counts: list[float], sums: list[float], squares: list[float], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        fit_random_intercept(counts=counts, sums=sums, sums_of_squares=squares)
    assert refused.value.field == field
