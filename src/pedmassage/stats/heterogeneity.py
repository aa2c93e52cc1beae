"""Cochran's Q, I² and H², defined as metafor defines them.

For random-effects models I² = 100·τ²/(τ² + s²) and H² = (τ² + s²)/s², where s² is the
"typical" within-study variance (k − p)/tr P (for a model without moderators,
(k−1)Σw / ((Σw)² − Σw²)). This ties I² to the τ² actually estimated (REML, PM…) instead of to Q.
For the common-effect model, where τ² is not estimated, the Q-based forms
I² = max(0, 100·(Q − df)/Q) and H² = Q/df are used.
"""

from __future__ import annotations

from dataclasses import dataclass

from pedmassage.stats._checks import FloatArray
from pedmassage.stats._distributions import chi2_sf
from pedmassage.stats._wls import weighted_fit
from pedmassage.stats.tau2 import Method


@dataclass(frozen=True)
class Heterogeneity:
    """Q with its degrees of freedom and p-value, I² (percent), H² and the typical variance s²."""

    q: float
    df: int
    p: float
    i2: float
    h2: float
    typical_variance: float


def heterogeneity(
    y: FloatArray, v: FloatArray, design: FloatArray, tau2: float, method: Method
) -> Heterogeneity:
    """Q always uses the inverse-variance weights 1/v, whatever τ² estimator was chosen."""
    df = y.size - design.shape[1]
    if df <= 0:
        return Heterogeneity(0.0, 0, 1.0, 0.0, 1.0, 0.0)
    fit = weighted_fit(y, 1 / v, design)
    q = max(0.0, fit.rss)
    typical = df / fit.trace_p()
    if method == "FE":
        i2 = max(0.0, 100 * (q - df) / q) if q > 0 else 0.0
        h2 = q / df
    else:
        i2 = 100 * tau2 / (typical + tau2)
        h2 = tau2 / typical + 1
    return Heterogeneity(q, df, chi2_sf(q, df), i2, h2, typical)
