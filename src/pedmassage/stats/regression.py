"""Meta-regression on one moderator, as metafor's ``rma(yi, vi, mods = ~ x, ...)``.

The model is yi = β₀ + β₁·xᵢ + uᵢ + eᵢ with var(uᵢ) = τ² (residual heterogeneity) and var(eᵢ) = vᵢ.
τ² is estimated by the chosen method (REML by default) on the residuals of the moderator, which is
why it differs from, and is usually smaller than, the τ² of the model without the moderator.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks
from pedmassage.stats._checks import FloatArray
from pedmassage.stats._distributions import chi2_sf, f_sf
from pedmassage.stats._model import ModelFit, Test, fit_model
from pedmassage.stats._wls import intercept_only
from pedmassage.stats.pooling import DEFAULT_CONTROL, checked_options, checked_studies
from pedmassage.stats.results import Coefficient, MetaRegressionResult
from pedmassage.stats.tau2 import Control, Method, estimate_tau2

_FULL_RANK_TOLERANCE = 1e-7  # metafor's evtol


def meta_regression(
    yi: ArrayLike,
    vi: ArrayLike,
    moderator: ArrayLike,
    *,
    name: str = "moderator",
    method: Method = "REML",
    test: Test = "z",
    level: float = 0.95,
    control: Control = DEFAULT_CONTROL,
) -> MetaRegressionResult:
    """Regress effect sizes on one study-level moderator (e.g. mean age, sessions per week).

    Needs k ≥ 3: two coefficients plus τ², and k − 2 ≥ 1 degrees of freedom for the tests.
    """
    method, test = checked_options(method, test)
    y, v = checked_studies(yi, vi)
    x = _checks.as_column(name, moderator)
    if x.size != y.size:
        raise ValidationError(name, f"{x.size} values", f"{y.size} values, one per study")
    _checks.minimum_studies(y.size, 3, "for a meta-regression on one moderator")
    design = _design(x, name)
    fit = fit_model(
        y, v, design, method=method, test=test, level=_checks.level(level), control=control
    )
    r2 = _explained(y, v, fit.tau2.tau2, method, control)
    return _regression_result(fit, name, r2, method, test, level)


def _design(x: FloatArray, name: str) -> FloatArray:
    """[1, x]; refused when x does not vary, since its slope would not be identifiable."""
    design = np.column_stack([np.ones_like(x), x])
    if np.min(np.linalg.eigvalsh(design.T @ design)) <= _FULL_RANK_TOLERANCE:
        raise ValidationError(name, float(x[0]), "values that differ between studies")
    return design


def _explained(
    y: FloatArray, v: FloatArray, tau2: float, method: Method, control: Control
) -> float | None:
    """Pseudo-R² = 100·(τ²₀ − τ²)/τ²₀, floored at 0; 0 when there was nothing to explain."""
    if method == "FE":
        return None
    tau2_without = estimate_tau2(y, v, intercept_only(y.size), method, control).tau2
    if tau2_without == 0:
        return 0.0
    return max(0.0, 100 * (tau2_without - tau2) / tau2_without)


def _regression_result(
    fit: ModelFit, name: str, r2: float | None, method: Method, test: Test, level: float
) -> MetaRegressionResult:
    """Assemble coefficients and the moderator test (QM is the squared z, or F = t²)."""
    names = ("intercept", name)
    coefficients = tuple(
        Coefficient(
            name=names[i],
            estimate=float(fit.beta[i]),
            se=float(fit.se[i]),
            z_or_t=float(fit.statistic[i]),
            p=float(fit.p[i]),
            ci_low=float(fit.ci_low[i]),
            ci_high=float(fit.ci_high[i]),
        )
        for i in range(2)
    )
    qm = float(fit.statistic[1]) ** 2
    qm_p = chi2_sf(qm, 1) if fit.df is None else f_sf(qm, 1, fit.df)
    het = fit.heterogeneity
    return MetaRegressionResult(
        k=int(fit.weights.size),
        coefficients=coefficients,
        df=fit.df,
        tau2=fit.tau2.tau2,
        tau2_se=fit.tau2.se,
        tau=math.sqrt(fit.tau2.tau2),
        i2=het.i2,
        h2=het.h2,
        r2=r2,
        qe=het.q,
        qe_df=het.df,
        qe_p=het.p,
        qm=qm,
        qm_df1=1,
        qm_df2=fit.df,
        qm_p=qm_p,
        method=method,
        test=test,
        level=level,
    )
