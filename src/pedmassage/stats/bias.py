"""Regression tests for funnel-plot asymmetry (small-study effects).

Two variants, both regressing the effect sizes on their standard errors (predictor ``sei``) and
testing its coefficient:

- ``model="rma"`` (default) is metafor's ``regtest()`` default: a meta-regression on sei fitted with
  the same τ² method and test as the main analysis (Sterne & Egger 2005).
- ``model="lm"`` is the classic Egger test (Egger et al., BMJ 1997;315:629): weighted least squares
  of yi on sei with weights 1/vi and a free multiplicative dispersion, t on k − 2 df. It is the same
  as regressing yi/sei on 1/sei and testing the intercept.

In both, the intercept is the "limit estimate": the effect expected from an infinitely large study.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from pedmassage.stats import _checks
from pedmassage.stats._distributions import critical, two_sided_p
from pedmassage.stats._model import Test, knapp_hartung_factor, safe_ratio
from pedmassage.stats._wls import weighted_fit
from pedmassage.stats.pooling import DEFAULT_CONTROL, checked_options, checked_studies
from pedmassage.stats.regression import meta_regression
from pedmassage.stats.results import EggerResult
from pedmassage.stats.tau2 import Control, Method

EggerModel = Literal["rma", "lm"]


def egger_test(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    model: EggerModel = "rma",
    method: Method = "REML",
    test: Test = "z",
    level: float = 0.95,
    control: Control = DEFAULT_CONTROL,
) -> EggerResult:
    """Test whether effect sizes grow with their standard errors; needs k ≥ 3."""
    _checks.choice("model", model, ("rma", "lm"))
    method, test = checked_options(method, test)
    y, v = checked_studies(yi, vi)
    if model == "lm":
        return _classic(y, v, _checks.level(level), method, test)
    fit = meta_regression(
        y, v, np.sqrt(v), name="sei", method=method, test=test, level=level, control=control
    )
    return EggerResult(
        model="rma",
        statistic=fit.slope.z_or_t,
        df=fit.df,
        p=fit.slope.p,
        limit_estimate=fit.intercept.estimate,
        limit_ci_low=fit.intercept.ci_low,
        limit_ci_high=fit.intercept.ci_high,
        method=method,
        test=test,
    )


def _classic(
    y: _checks.FloatArray, v: _checks.FloatArray, level: float, method: Method, test: Test
) -> EggerResult:
    """Weighted least squares with the residual variance estimated, as R's ``lm(weights=1/vi)``."""
    _checks.minimum_studies(y.size, 3, "for the regression test")
    df = y.size - 2
    fit = weighted_fit(y, 1 / v, np.column_stack([np.ones_like(y), np.sqrt(v)]))
    se = np.sqrt(np.diag(fit.cov) * knapp_hartung_factor(fit, df))
    statistic = safe_ratio(fit.beta, se)
    half_width = critical(level, df) * float(se[0])
    return EggerResult(
        model="lm",
        statistic=float(statistic[1]),
        df=df,
        p=two_sided_p(float(statistic[1]), df),
        limit_estimate=float(fit.beta[0]),
        limit_ci_low=float(fit.beta[0]) - half_width,
        limit_ci_high=float(fit.beta[0]) + half_width,
        method=method,
        test=test,
    )
