"""One fitting routine behind pooling, meta-regression and the regression test for asymmetry.

Estimate τ², refit by weighted least squares with weights 1/(v + τ²), then test each coefficient
with a z test or the Hartung–Knapp–Sidik–Jonkman (Knapp–Hartung) adjustment. As in metafor's
``test="knha"``, the adjustment factor q = Σw(y − Xβ)²/(k − p) is NOT truncated at 1 (that variant
is metafor's ``test="adhoc"``), and t with k − p degrees of freedom replaces the normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from pedmassage.stats._checks import FloatArray
from pedmassage.stats._distributions import critical, two_sided_p
from pedmassage.stats._wls import WeightedFit, weighted_fit
from pedmassage.stats.heterogeneity import Heterogeneity, heterogeneity
from pedmassage.stats.tau2 import Control, Method, Tau2Estimate, estimate_tau2

Test = Literal["z", "hksj"]
TESTS: tuple[Test, ...] = get_args(Test)
_TINY = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, eq=False)
class ModelFit:
    """Coefficients with their inference, τ², heterogeneity and the weights 1/(v + τ²)."""

    beta: FloatArray
    se: FloatArray
    statistic: FloatArray
    p: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    df: int | None
    critical: float
    tau2: Tau2Estimate
    heterogeneity: Heterogeneity
    weights: FloatArray


def fit_model(
    y: FloatArray,
    v: FloatArray,
    design: FloatArray,
    *,
    method: Method,
    test: Test,
    level: float,
    control: Control,
) -> ModelFit:
    """Fit the (mixed-)effects model and test every coefficient."""
    tau2 = estimate_tau2(y, v, design, method, control)
    fit = weighted_fit(y, 1 / (v + tau2.tau2), design)
    residual_df = y.size - design.shape[1]
    df = residual_df if test == "hksj" else None
    cov = fit.cov * knapp_hartung_factor(fit, residual_df) if test == "hksj" else fit.cov
    se = np.sqrt(np.diag(cov))
    statistic = safe_ratio(fit.beta, se)
    crit = critical(level, df)
    return ModelFit(
        beta=fit.beta,
        se=se,
        statistic=statistic,
        p=np.array([two_sided_p(float(s), df) for s in statistic]),
        ci_low=fit.beta - crit * se,
        ci_high=fit.beta + crit * se,
        df=df,
        critical=crit,
        tau2=tau2,
        heterogeneity=heterogeneity(y, v, design, tau2.tau2, method),
        weights=fit.weights,
    )


def knapp_hartung_factor(fit: WeightedFit, residual_df: int) -> float:
    """q = Σw(y − Xβ)²/(k − p); 0 when the studies agree exactly (metafor does the same)."""
    return 0.0 if fit.rss <= _TINY else fit.rss / residual_df


def safe_ratio(estimate: FloatArray, se: FloatArray) -> FloatArray:
    """estimate/se, defined as ±inf (or NaN for 0/0) when a Knapp–Hartung SE collapses to 0."""
    out = np.empty_like(estimate)
    for i, (b, s) in enumerate(zip(estimate, se, strict=True)):
        if s > 0:
            out[i] = b / s
        else:
            out[i] = math.copysign(math.inf, b) if b != 0 else math.nan
    return out
