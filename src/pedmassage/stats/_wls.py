"""Weighted least squares with diagonal weights, and the traces the tau² estimators need.

metafor writes its estimators with the k×k matrix P = W − W X (X'WX)⁻¹ X' W. Forming P costs O(k²)
memory and O(k³) time; every quantity used here (y'Py, y'PPy, tr P, tr PP) has an O(k·p²) form
because W is diagonal, which is what keeps REML on a thousand studies in the millisecond range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pedmassage.stats._checks import FloatArray


@dataclass(frozen=True, eq=False)
class WeightedFit:
    """Estimates from one weighted regression of y on X with weights w."""

    weights: FloatArray
    design: FloatArray
    beta: FloatArray
    cov: FloatArray
    residuals: FloatArray

    @property
    def rss(self) -> float:
        """y'Py = Σ w r², the weighted residual sum of squares (Cochran's Q when w = 1/vi)."""
        return float(np.dot(self.weights, self.residuals**2))

    @property
    def rss_pp(self) -> float:
        """y'PPy = Σ (w r)², since Py = W r."""
        return float(np.sum((self.weights * self.residuals) ** 2))

    def trace_p(self) -> float:
        """tr P = Σw − tr[(X'WX)⁻¹ X'W²X]."""
        w = self.weights
        return float(w.sum() - np.trace(self.cov @ _cross(self.design, w**2)))

    def trace_pp(self) -> float:
        """tr PP = Σw² − 2 tr[(X'WX)⁻¹ X'W³X] + tr[((X'WX)⁻¹ X'W²X)²]."""
        w = self.weights
        b = self.cov @ _cross(self.design, w**2)
        third = np.trace(self.cov @ _cross(self.design, w**3))
        return float(np.sum(w**2) - 2 * third + np.trace(b @ b))


def _cross(design: FloatArray, w: FloatArray) -> FloatArray:
    """X' diag(w) X."""
    return np.asarray((design * w[:, None]).T @ design, dtype=np.float64)


def weighted_fit(y: FloatArray, w: FloatArray, design: FloatArray) -> WeightedFit:
    """Solve (X'WX) β = X'Wy; the inverse is kept because it is the covariance of β."""
    cov = np.asarray(np.linalg.inv(_cross(design, w)), dtype=np.float64)
    beta = np.asarray(cov @ (design.T @ (w * y)), dtype=np.float64)
    return WeightedFit(w, design, beta, cov, y - design @ beta)


def intercept_only(k: int) -> FloatArray:
    """The design matrix of a model without moderators: a column of ones."""
    return np.ones((k, 1), dtype=np.float64)
