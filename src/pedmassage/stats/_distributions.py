"""Tail probabilities and critical values of the normal, t, chi-squared and F distributions.

Built on ``scipy.special`` rather than ``scipy.stats``: the special functions are the same code
underneath but import in a fraction of the time, which keeps the command line quick to start.
"""

from __future__ import annotations

import math

from scipy import special


def normal_two_sided_p(statistic: float) -> float:
    """P(|Z| >= |statistic|) for a standard normal Z."""
    return float(2.0 * special.ndtr(-abs(statistic)))


def normal_critical(level: float) -> float:
    """The normal quantile that leaves (1 - level)/2 in each tail (1.959964 for 0.95)."""
    return float(special.ndtri(1.0 - (1.0 - level) / 2.0))


def t_two_sided_p(statistic: float, df: int) -> float:
    """P(|T| >= |statistic|) for T with ``df`` degrees of freedom."""
    return float(2.0 * special.stdtr(df, -abs(statistic)))


def t_critical(level: float, df: int) -> float:
    """The t quantile that leaves (1 - level)/2 in each tail."""
    return float(special.stdtrit(df, 1.0 - (1.0 - level) / 2.0))


def chi2_sf(statistic: float, df: int) -> float:
    """Upper tail of chi-squared, used for Q and for the test of subgroup differences."""
    return float(special.chdtrc(df, statistic))


def f_sf(statistic: float, df1: int, df2: int) -> float:
    """Upper tail of F, used for the Knapp-Hartung omnibus test of moderators."""
    return float(special.fdtrc(df1, df2, statistic))


def two_sided_p(statistic: float, df: int | None) -> float:
    """Normal p-value when ``df`` is None, t otherwise; an infinite statistic gives p = 0."""
    if math.isnan(statistic):
        return math.nan
    return normal_two_sided_p(statistic) if df is None else t_two_sided_p(statistic, df)


def critical(level: float, df: int | None) -> float:
    """Normal critical value when ``df`` is None, t otherwise."""
    return normal_critical(level) if df is None else t_critical(level, df)
