"""Estimators of the between-study variance τ², as metafor's ``rma.uni`` computes them.

- ``FE``: no between-study variance (τ² = 0): the common-effect model.
- ``DL``: DerSimonian–Laird method of moments, τ² = max(0, (Q − (k−p)) / tr P).
- ``REML``: restricted maximum likelihood by Fisher scoring from the Hedges estimate, with step
  halving to stay at τ² ≥ 0, metafor's convergence threshold (change ≤ 1e-5) and iteration cap
  (100), and its final check that τ² = 0 does not have a higher likelihood.
- ``PM``: Paule–Mandel, the τ² at which the generalised Q equals its degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from pedmassage.errors import ValidationError
from pedmassage.stats._checks import FloatArray
from pedmassage.stats._wls import weighted_fit

Method = Literal["FE", "DL", "REML", "PM"]
METHODS: tuple[Method, ...] = get_args(Method)
LL_TOLERANCE = float(np.finfo(np.float64).eps) ** 0.25  # metafor's con$tol


@dataclass(frozen=True)
class Control:
    """Convergence control for the iterative estimators; the defaults are metafor's.

    ``threshold`` and ``max_iter`` bound the REML Fisher scoring, ``step_adjust`` shrinks its steps
    when it oscillates, and ``tau2_max`` is the first upper bracket for the Paule–Mandel root
    (widened automatically when the root lies beyond it).
    """

    threshold: float = 1e-5
    max_iter: int = 100
    step_adjust: float = 1.0
    tau2_max: float = 100.0


@dataclass(frozen=True)
class Tau2Estimate:
    """τ², its standard error (None for the common-effect model) and the iterations used."""

    tau2: float
    se: float | None
    iterations: int = 0


def estimate_tau2(
    y: FloatArray, v: FloatArray, design: FloatArray, method: Method, control: Control
) -> Tau2Estimate:
    """Estimate τ² for the model y = Xβ + u + e with var(u) = τ² and var(e) = v."""
    if method == "FE":
        return Tau2Estimate(0.0, None)
    if method == "DL":
        return dersimonian_laird(y, v, design)
    if method == "PM":
        return paule_mandel(y, v, design, control)
    return reml(y, v, design, control)


def dersimonian_laird(y: FloatArray, v: FloatArray, design: FloatArray) -> Tau2Estimate:
    """Method of moments on Cochran's Q; closed form, so it is the fast baseline."""
    fit = weighted_fit(y, 1 / v, design)
    df = y.size - design.shape[1]
    trace_p = fit.trace_p()
    tau2 = max(0.0, (fit.rss - df) / trace_p)
    variance = (2 * df + 4 * tau2 * trace_p + 2 * tau2**2 * fit.trace_pp()) / trace_p**2
    return Tau2Estimate(tau2, math.sqrt(variance))


def hedges(y: FloatArray, v: FloatArray, design: FloatArray) -> float:
    """Hedges' (unweighted) moment estimate; metafor starts REML from it (truncated at 0)."""
    fit = weighted_fit(y, np.ones_like(v), design)
    leverage = np.einsum("ij,jk,ik->i", design, fit.cov, design)
    trace_pv = float(np.dot(v, 1 - leverage))
    return float((fit.rss - trace_pv) / (y.size - design.shape[1]))


def reml(y: FloatArray, v: FloatArray, design: FloatArray, control: Control) -> Tau2Estimate:
    """Fisher scoring on the restricted likelihood: τ² += (y'PPy − tr P) / tr PP."""
    tau2 = max(0.0, hedges(y, v, design))
    for iteration in range(1, control.max_iter + 1):
        fit = weighted_fit(y, 1 / (v + tau2), design)
        step = control.step_adjust * (fit.rss_pp - fit.trace_p()) / fit.trace_pp()
        updated = tau2 + _feasible(tau2, step)
        change, tau2 = abs(updated - tau2), updated
        if change <= control.threshold:
            tau2 = _unless_zero_is_better(y, v, design, tau2, control.threshold)
            final = weighted_fit(y, 1 / (v + tau2), design)
            return Tau2Estimate(tau2, math.sqrt(2 / final.trace_pp()), iteration)
    return _reml_by_direct_maximization(y, v, design, control)


def _reml_by_direct_maximization(
    y: FloatArray, v: FloatArray, design: FloatArray, control: Control
) -> Tau2Estimate:
    """Where Fisher scoring oscillates (it can on small, lopsided data), maximize the same
    restricted likelihood directly on a bounded interval. Results that converge by scoring, and so
    match metafor, never reach this path."""
    from scipy.optimize import minimize_scalar

    upper = 10.0 * (float(np.var(y)) + float(np.max(v))) + 1.0
    found = minimize_scalar(
        lambda t: -restricted_loglik(y, v, design, float(t)),
        bounds=(0.0, upper),
        method="bounded",
        options={"xatol": control.threshold * 1e-2, "maxiter": 500},
    )
    tau2 = float(found.x)
    if not found.success or upper - tau2 < control.threshold:
        raise ValidationError(
            "method",
            "REML",
            "an estimator that converges on these data (REML did not; use DL or PM)",
        )
    tau2 = _unless_zero_is_better(y, v, design, tau2, control.threshold)
    final = weighted_fit(y, 1 / (v + tau2), design)
    return Tau2Estimate(tau2, math.sqrt(2 / final.trace_pp()), control.max_iter)


def _feasible(tau2: float, step: float) -> float:
    """Halve a step until τ² stays non-negative (metafor's step halving)."""
    if tau2 <= 0 and step < 0:
        return 0.0
    while tau2 + step < 0:
        step /= 2
    return step


def _unless_zero_is_better(
    y: FloatArray, v: FloatArray, design: FloatArray, tau2: float, threshold: float
) -> float:
    """Return 0 when the restricted likelihood is clearly higher at τ² = 0 (a local maximum)."""
    if tau2 <= threshold:
        return tau2
    gain = restricted_loglik(y, v, design, 0.0) - restricted_loglik(y, v, design, tau2)
    return 0.0 if gain > LL_TOLERANCE else tau2


def restricted_loglik(y: FloatArray, v: FloatArray, design: FloatArray, tau2: float) -> float:
    """REML log-likelihood up to the constants that do not depend on τ²."""
    fit = weighted_fit(y, 1 / (v + tau2), design)
    _, log_det_cov = np.linalg.slogdet(fit.cov)  # log|X'WX| = −log|(X'WX)⁻¹|
    return float(-0.5 * (np.sum(np.log(v + tau2)) - log_det_cov + fit.rss))


def paule_mandel(
    y: FloatArray, v: FloatArray, design: FloatArray, control: Control
) -> Tau2Estimate:
    """Solve Σ w(τ²) r(τ²)² = k − p for τ² by Brent's method on a bracket that always holds it."""
    from scipy.optimize import brentq  # imported here: only PM needs a root finder

    df = int(y.size - design.shape[1])

    def excess(tau2: float) -> float:
        return _generalised_q(y, v, design, tau2) - df

    if excess(0.0) < 0:
        tau2 = 0.0
    else:
        tau2 = float(brentq(excess, 0.0, _upper_bracket(excess, control.tau2_max)))
    w = 1 / (v + tau2)
    se = math.sqrt(2 * y.size**2 / df / float(np.sum(w)) ** 2)
    return Tau2Estimate(tau2, se)


def _generalised_q(y: FloatArray, v: FloatArray, design: FloatArray, tau2: float) -> float:
    """Q with random-effects weights 1/(v + τ²); it falls as τ² grows, so the root is unique."""
    return weighted_fit(y, 1 / (v + tau2), design).rss


def _upper_bracket(excess: Callable[[float], float], start: float) -> float:
    """Widen the bracket tenfold until the generalised Q falls below its degrees of freedom."""
    upper = float(start)
    while excess(upper) > 0:
        upper *= 10
    return upper
