"""Pool study effect sizes: common-effect (inverse variance) or random-effects.

Matches metafor's ``rma(yi, vi, method=..., test=...)`` for methods ``FE`` (metafor's "EE"/"FE"),
``DL``, ``REML`` and ``PM``, with ``test="z"`` or ``test="hksj"`` (metafor's ``"knha"``).
"""

from __future__ import annotations

import math

from numpy.typing import ArrayLike

from pedmassage.stats import _checks
from pedmassage.stats._checks import FloatArray
from pedmassage.stats._model import TESTS, ModelFit, Test, fit_model
from pedmassage.stats._wls import intercept_only
from pedmassage.stats.results import PooledResult
from pedmassage.stats.tau2 import METHODS, Control, Method

DEFAULT_CONTROL = Control()


def pool(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: Method = "REML",
    test: Test = "z",
    level: float = 0.95,
    control: Control = DEFAULT_CONTROL,
) -> PooledResult:
    """Pool effect sizes ``yi`` with sampling variances ``vi`` into one estimate.

    Random effects need k ≥ 2 studies (τ² is undefined for one), and so does the Knapp–Hartung test
    (its t has k − 1 degrees of freedom); a common-effect z test accepts a single study. As in
    metafor, ``method="FE"`` with ``test="hksj"`` is allowed (a t test with the Q/(k−1) dispersion)
    although the adjustment was designed for random-effects models.
    """
    method, test = checked_options(method, test)
    y, v = checked_studies(yi, vi)
    minimum = 1 if (method == "FE" and test == "z") else 2
    _checks.minimum_studies(y.size, minimum, f"for method {method} with test {test}")
    fit = fit_model(
        y,
        v,
        intercept_only(y.size),
        method=method,
        test=test,
        level=_checks.level(level),
        control=control,
    )
    return _pooled_result(fit, method, test, level)


def checked_options(method: str, test: str) -> tuple[Method, Test]:
    """Validate the method and test names, which arrive as free text from the edges."""
    checked_method = _checks.choice("method", method, METHODS)
    checked_test = _checks.choice("test", test, TESTS)
    return checked_method, checked_test  # type: ignore[return-value]


def checked_studies(yi: ArrayLike, vi: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Finite effect sizes and strictly positive variances, one pair per study."""
    cols = _checks.columns({"yi": yi, "vi": vi})
    _checks.positive("vi", cols["vi"])
    return cols["yi"], cols["vi"]


def _pooled_result(fit: ModelFit, method: Method, test: Test, level: float) -> PooledResult:
    """Turn the one-coefficient model fit into the named result."""
    estimate, se, tau2 = float(fit.beta[0]), float(fit.se[0]), fit.tau2.tau2
    half_width = fit.critical * math.sqrt(se**2 + tau2)
    het = fit.heterogeneity
    weights = fit.weights / fit.weights.sum() * 100
    return PooledResult(
        k=int(fit.weights.size),
        estimate=estimate,
        se=se,
        ci_low=float(fit.ci_low[0]),
        ci_high=float(fit.ci_high[0]),
        z_or_t=float(fit.statistic[0]),
        p=float(fit.p[0]),
        df=fit.df,
        tau2=tau2,
        tau2_se=fit.tau2.se,
        tau=math.sqrt(tau2),
        i2=het.i2,
        h2=het.h2,
        q=het.q,
        q_df=het.df,
        q_p=het.p,
        pi_low=estimate - half_width,
        pi_high=estimate + half_width,
        method=method,
        test=test,
        level=level,
        weights=tuple(float(w) for w in weights),
    )
