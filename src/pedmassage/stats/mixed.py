"""Mean change with a random intercept per child, fitted by REML from per-child aggregates.

Sessions of the same child are not independent: a child who relaxes well under massage does so
session after session. The one-way random-effects model

    change_ij = mu + u_i + e_ij,   u_i ~ N(0, sigma_b^2),   e_ij ~ N(0, sigma_w^2),

gives mu a standard error that counts children, not sessions. It is fitted here by restricted
maximum likelihood (REML) from three numbers per child, which a database returns with one GROUP BY.

Why three numbers per child suffice
-----------------------------------
Child i's n_i changes have covariance V_i = sigma_w^2·I + sigma_b^2·J, whose determinant is
sigma_w^(2(n_i − 1))·lambda_i with lambda_i = sigma_w^2 + n_i·sigma_b^2, and whose quadratic form
splits into a within-child and a between-child part:

    (y_i − mu)' V_i^-1 (y_i − mu) = W_i / sigma_w^2 + n_i·(ybar_i − mu)^2 / lambda_i,

with ybar_i the child's mean and W_i = sumsq_i − sum_i^2/n_i the within-child sum of squares. The
REML criterion adds log Σ n_i/lambda_i (the log-determinant of X'V^-1X for the intercept) and
evaluates the rest at the generalised-least-squares mean. Every term therefore depends on the data
only through n_i, ybar_i = sum_i/n_i and W = Σ W_i, so (n_i, sum_i, sumsq_i) carry all the
information the fit uses and the result equals a fit on the expanded rows.

With gamma = sigma_b^2/sigma_w^2 and w_i = n_i/(1 + n_i·gamma), sigma_w^2 profiles out as
Q(gamma)/(N − 1), where Q = W + Σ w_i(ybar_i − mu_hat)^2 and N = Σ n_i, leaving one smooth function
of gamma to minimise. Its derivative is available in closed form, so the optimum (or the boundary
gamma = 0) is found by a grid over log gamma followed by Brent's method on the derivative.

Two standard errors of mu are reported. ``se``, used for the Wald (normal) interval, is the one
statsmodels' ``MixedLM.fit(reml=True)`` reports: the mu entry of the inverse of the observed
information of the profiled REML criterion in (mu, gamma), so it carries the uncertainty of gamma
into mu whenever children have different numbers of sessions. ``se_model_based`` is
sqrt(sigma_w^2/Σ w_i) = (X'V^-1X)^-1/2 with the variances taken as known, the standard error that
R's lme4/nlme and SAS PROC MIXED print. With equal n_i the two coincide; otherwise the first is
larger, by well under 1 % in the simulations of the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks
from pedmassage.stats._checks import FloatArray
from pedmassage.stats._distributions import normal_critical

_GRID = np.concatenate(([0.0], np.logspace(-8.0, 8.0, 161)))
"""Variance ratios sigma_b^2/sigma_w^2 tried before the exact search; 10 points per decade."""

_ROUNDING = 1e-9
"""Relative slack for sumsq_i − sum_i^2/n_i: 0 up to rounding for a child without spread."""


@dataclass(frozen=True)
class MixedEstimate:
    """The REML fit of change_ij = mu + u_i + e_ij.

    ``estimate`` is mu, the mean change with each child weighted by n_i/(sigma_w^2 + n_i·sigma_b^2):
    between the session-weighted mean (sigma_b^2 = 0) and the mean of child means (sigma_w^2 → 0).
    ``se`` and ``ci_low``/``ci_high`` are the Wald standard error and normal-quantile interval.
    ``between_child_variance`` is sigma_b^2 (0 when the REML optimum is on the boundary) and
    ``within_child_variance`` sigma_w^2. ``se_model_based`` is the standard error with the variance
    components treated as known (see the module docstring for how it differs from ``se``).
    """

    estimate: float
    se: float
    se_model_based: float
    ci_low: float
    ci_high: float
    between_child_variance: float
    within_child_variance: float
    n_children: int
    n_sessions: int
    level: float


@dataclass(frozen=True)
class _Sizes:
    """Children grouped by their number of sessions, for the likelihood search.

    Every child with n sessions has the same weight n/(1 + n·gamma), so the sums the likelihood
    needs reduce, per distinct n, to how many children have it (``children``) and the sum and sum of
    squares of their (centred) means: the search then costs the number of distinct session counts
    (a few dozen) per step instead of the number of children (up to 100,000).
    """

    sessions: FloatArray
    children: FloatArray
    sum_means: FloatArray
    sum_squared_means: FloatArray
    centre: float


@dataclass(frozen=True)
class _Children:
    """Per-child sufficient statistics: session counts, means, and the pooled within-child SS."""

    counts: FloatArray
    means: FloatArray
    within_ss: float
    sizes: _Sizes

    @property
    def n_sessions(self) -> int:
        return int(self.counts.sum())


def _sizes(counts: FloatArray, means: FloatArray) -> _Sizes:
    centre = float(np.mean(means))
    centred = means - centre
    sessions, index = np.unique(counts, return_inverse=True)
    return _Sizes(
        sessions=sessions.astype(float),
        children=np.bincount(index).astype(float),
        sum_means=np.bincount(index, weights=centred).astype(float),
        sum_squared_means=np.bincount(index, weights=centred**2).astype(float),
        centre=centre,
    )


def _grouped(children: _Children, ratio: float) -> tuple[float, float, float, float, float]:
    """(Q, Σw_i, Σw_i²(ybar_i − mu_hat)², Σw_i², Σ log(1 + n_i·gamma)) from the size groups."""
    g = children.sizes
    scaled = 1.0 + g.sessions * ratio
    weight = g.sessions / scaled  # per child of that size
    total_weight = float(np.dot(g.children, weight))
    mu = float(np.dot(weight, g.sum_means)) / total_weight  # centred
    # Σ over the children of one size of (m_i − mu)² = S2 − 2·mu·S1 + k·mu²
    spread = g.sum_squared_means - 2.0 * mu * g.sum_means + g.children * mu * mu
    q = children.within_ss + float(np.dot(weight, spread))
    weighted_spread = float(np.dot(weight**2, spread))
    sum_squared_weights = float(np.dot(g.children, weight**2))
    logs = float(np.dot(g.children, np.log(scaled)))
    return q, total_weight, weighted_spread, sum_squared_weights, logs


def fit_random_intercept(
    *,
    counts: ArrayLike,
    sums: ArrayLike,
    sums_of_squares: ArrayLike,
    level: float = 0.95,
) -> MixedEstimate:
    """Fit the random-intercept model from ``counts[i]`` = n_i sessions of child i, whose changes
    add up to ``sums[i]`` and whose squared changes add up to ``sums_of_squares[i]``.

    The variance components are identifiable only with at least two children and at least one
    child seen twice, and the within-child variance must not be 0 (identical changes within every
    child put the REML optimum at infinity); other inputs raise ``ValidationError``.
    """
    checked_level = _checks.level(level)
    children = _children(counts, sums, sums_of_squares)
    ratio = _optimal_ratio(children)
    weights = children.counts / (1.0 + children.counts * ratio)
    mu = float(np.dot(weights, children.means) / weights.sum())
    within = _profile_q(children, ratio) / (children.n_sessions - 1)
    se_model_based = math.sqrt(within / float(weights.sum()))
    se = _observed_information_se(children, ratio, mu) or se_model_based
    half_width = normal_critical(checked_level) * se
    return MixedEstimate(
        estimate=mu,
        se=se,
        se_model_based=se_model_based,
        ci_low=mu - half_width,
        ci_high=mu + half_width,
        between_child_variance=ratio * within,
        within_child_variance=within,
        n_children=int(children.counts.size),
        n_sessions=children.n_sessions,
        level=checked_level,
    )


def _children(counts: ArrayLike, sums: ArrayLike, sums_of_squares: ArrayLike) -> _Children:
    """Check the three columns and reduce them to n_i, ybar_i and W."""
    columns = _checks.columns({"counts": counts, "sums": sums, "sums_of_squares": sums_of_squares})
    n, total, squares = columns["counts"], columns["sums"], columns["sums_of_squares"]
    whole = (n >= 1) & (n == np.floor(n))
    _checks.require("counts", n, whole, "a whole number of sessions, at least 1 per child")
    within = squares - total**2 / n
    slack = _ROUNDING * np.maximum(squares, 1.0)
    _checks.require(
        "sums_of_squares", squares, within >= -slack, "at least sums**2/counts for that child"
    )
    _identifiable(n, float(np.maximum(within, 0.0).sum()), float(squares.sum()))
    means = total / n
    return _Children(
        counts=n,
        means=means,
        within_ss=float(np.maximum(within, 0.0).sum()),
        sizes=_sizes(n, means),
    )


def _identifiable(n: FloatArray, within_ss: float, total_squares: float) -> None:
    """Refuse data from which sigma_b^2 and sigma_w^2 cannot be told apart."""
    if n.size < 2:
        raise ValidationError("counts", f"{n.size} child", "at least 2 children")
    if not (n >= 2).any():
        raise ValidationError(
            "counts", "one session per child", "at least one child with 2 or more sessions"
        )
    if within_ss <= _ROUNDING * max(total_squares, 1.0):
        raise ValidationError(
            "sums_of_squares", "no within-child variation", "some variation within a child"
        )


def _profile_q(children: _Children, ratio: float) -> float:
    """Q(gamma) = W + Σ w_i(ybar_i − mu_hat)^2, the residual sum of squares in sigma_w^2 units."""
    weights = children.counts / (1.0 + children.counts * ratio)
    mu = np.dot(weights, children.means) / weights.sum()
    return children.within_ss + float(np.dot(weights, (children.means - mu) ** 2))


def _objective(children: _Children, ratio: float) -> float:
    """−2 × profiled REML log-likelihood, up to a constant."""
    q, total_weight, _, _, logs = _grouped(children, ratio)
    return (children.n_sessions - 1) * math.log(q) + logs + math.log(total_weight)


def _slope(children: _Children, ratio: float) -> float:
    """d/dgamma of ``_objective``: −(N − 1)·Σw_i²r_i²/Q + Σw_i − Σw_i²/Σw_i, r_i = ybar_i − mu_hat.

    The derivative of Q ignores mu_hat's dependence on gamma because mu_hat minimises Q.
    """
    q, total_weight, residual_term, sum_squared_weights, _ = _grouped(children, ratio)
    return (
        -(children.n_sessions - 1) * residual_term / q
        + total_weight
        - sum_squared_weights / total_weight
    )


def _optimal_ratio(children: _Children) -> float:
    """The REML variance ratio gamma >= 0: best grid point, then the root of the slope beside it."""
    values = [_objective(children, float(ratio)) for ratio in _GRID]
    best = int(np.argmin(values))
    if best == 0 and _slope(children, 0.0) >= 0:
        return 0.0
    low = float(_GRID[max(best - 1, 0)])
    high = float(_GRID[min(best + 1, _GRID.size - 1)])
    if _slope(children, low) >= 0:
        return low
    if _slope(children, high) <= 0:
        return high
    root = optimize.brentq(lambda ratio: _slope(children, ratio), low, high, xtol=1e-14, rtol=1e-13)
    return float(root)


def _observed_information_se(children: _Children, ratio: float, mu: float) -> float | None:
    """sqrt of the mu entry of the inverse observed information in (mu, gamma) at the optimum.

    With F = −2 × profiled REML log-likelihood (``_objective`` with mu free), r_i = ybar_i − mu
    and S = Σw_i, the information is F''/2:

        I_mu,mu = (N − 1)·S/Q,   I_mu,gamma = (N − 1)·Σw_i²r_i/Q,
        I_gamma,gamma = ½[(N − 1)(2Σw_i³r_i²/Q − (Σw_i²r_i²)²/Q²) − Σw_i² + 2Σw_i³/S − (Σw_i²/S)²].

    None when the matrix is not positive definite (possible on the boundary gamma = 0), in which
    case the caller falls back to the model-based standard error.
    """
    weights = children.counts / (1.0 + children.counts * ratio)
    residuals = children.means - mu
    total_weight = float(weights.sum())
    squared, cubed = weights**2, weights**3
    q = _profile_q(children, ratio)
    dof = children.n_sessions - 1
    info_mu = dof * total_weight / q
    info_cross = dof * float(np.dot(squared, residuals)) / q
    residual_curvature = 2.0 * float(np.dot(cubed, residuals**2)) / q
    residual_slope = float(np.dot(squared, residuals**2)) / q
    info_ratio = 0.5 * (
        dof * (residual_curvature - residual_slope**2)
        - float(squared.sum())
        + 2.0 * float(cubed.sum()) / total_weight
        - (float(squared.sum()) / total_weight) ** 2
    )
    determinant = info_mu * info_ratio - info_cross**2
    if info_ratio <= 0 or determinant <= 0:
        return None
    return math.sqrt(info_ratio / determinant)
