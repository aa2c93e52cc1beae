"""Subgroup analysis: pool each subgroup, then test whether the subgroup estimates differ.

Each subgroup gets its own τ² (the "separate τ²" approach of Borenstein et al., Introduction to
Meta-Analysis, ch. 19, and of RevMan). The test for subgroup differences is Cochran's Q of the
subgroup estimates with weights 1/se², on (number of subgroups − 1) degrees of freedom; in metafor
this is ``rma(estimates, sei=ses, method="FE")`` on the per-subgroup fits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from pedmassage.errors import ValidationError
from pedmassage.stats._checks import BoolArray, FloatArray
from pedmassage.stats._distributions import chi2_sf
from pedmassage.stats._model import Test
from pedmassage.stats.pooling import DEFAULT_CONTROL, checked_options, checked_studies, pool
from pedmassage.stats.results import PooledResult, Subgroup, SubgroupResult
from pedmassage.stats.tau2 import Control, Method


def subgroup_analysis(
    yi: ArrayLike,
    vi: ArrayLike,
    groups: Sequence[str],
    *,
    method: Method = "REML",
    test: Test = "z",
    level: float = 0.95,
    control: Control = DEFAULT_CONTROL,
) -> SubgroupResult:
    """Pool the studies of each label in ``groups`` (first-seen order) and compare the estimates."""
    method, test = checked_options(method, test)
    y, v = checked_studies(yi, vi)
    labels = _labels(groups, y.size)
    subgroups = tuple(
        Subgroup(label, _pool_one(label, y[mask], v[mask], method, test, level, control))
        for label, mask in _masks(labels)
    )
    q_between = _q_between(subgroups)
    df = len(subgroups) - 1
    return SubgroupResult(subgroups, q_between, df, chi2_sf(q_between, df), method, test)


def _pool_one(
    label: str,
    y: FloatArray,
    v: FloatArray,
    method: Method,
    test: Test,
    level: float,
    control: Control,
) -> PooledResult:
    """Pool one subgroup, naming the subgroup when it has too few studies for the method."""
    try:
        return pool(y, v, method=method, test=test, level=level, control=control)
    except ValidationError as error:
        if error.field != "k":
            raise
        raise ValidationError(f"groups[{label}]", error.value, error.allowed) from None


def _labels(groups: Sequence[str], k: int) -> list[str]:
    """One label per study and at least two distinct labels, or there is nothing to compare."""
    labels = [str(g) for g in groups]
    if len(labels) != k:
        raise ValidationError("groups", f"{len(labels)} labels", f"{k} labels, one per study")
    if len(set(labels)) < 2:
        raise ValidationError("groups", sorted(set(labels)), "at least two different subgroups")
    return labels


def _masks(labels: list[str]) -> list[tuple[str, BoolArray]]:
    """Boolean row masks per label, in the order the labels first appear."""
    array = np.array(labels, dtype=object)
    return [(label, array == label) for label in dict.fromkeys(labels)]


def _q_between(subgroups: tuple[Subgroup, ...]) -> float:
    """Σ w_g (μ_g − μ̄)² with w_g = 1/se_g² and μ̄ their weighted mean."""
    estimates = np.array([s.result.estimate for s in subgroups])
    weights = 1 / np.array([s.result.se for s in subgroups]) ** 2
    mean = float(np.dot(weights, estimates) / weights.sum())
    return float(np.dot(weights, (estimates - mean) ** 2))
