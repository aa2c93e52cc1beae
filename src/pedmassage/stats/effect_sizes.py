"""Study-level effect sizes and their sampling variances, computed as metafor's ``escalc`` does.

Every function takes one value per study (lists or numpy arrays) and returns an immutable
:class:`EffectSizes`. The formulas, the bias correction of Hedges' g and the handling of zero cells
follow metafor (Viechtbauer, J Stat Softw 2010;36(3)) with its defaults, so results can be checked
against published R output:

- ``MD``: raw mean difference, vi = sd1²/n1 + sd2²/n2 (heteroscedastic; metafor's ``vtype="LS"``).
- ``SMD``: Hedges' g with the exact correction J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2)), m = n1+n2−2,
  and the large-sample variance vi = 1/n1 + 1/n2 + g²/(2(n1+n2)) (``vtype="LS"``).
- ``RR``, ``OR``, ``RD``: log risk ratio, log odds ratio and risk difference from 2×2 tables;
  studies with a zero cell get 1/2 added to all four cells (``add=1/2, to="only0"``), which keeps
  such a study in the analysis instead of dropping it.
- ``GEN``: effect sizes already computed elsewhere (yi with variance vi).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks
from pedmassage.stats._checks import BoolArray, FloatArray
from pedmassage.stats._distributions import normal_critical

Measure = Literal["MD", "SMD", "RR", "OR", "RD", "GEN"]
MEASURES: tuple[Measure, ...] = get_args(Measure)
ZERO_CELL_INCREMENT = 0.5


def _read_only(values: ArrayLike, dtype: type) -> NDArray[Any]:
    """Copy and lock an array so a result cannot be edited after it was computed."""
    array: NDArray[Any] = np.array(values, dtype=dtype)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """One effect size ``yi`` and sampling variance ``vi`` per study, in input order.

    ``zero_cell_adjusted`` is true for the 2×2 studies that had 1/2 added to every cell.
    """

    measure: Measure
    yi: FloatArray
    vi: FloatArray
    zero_cell_adjusted: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))

    def __post_init__(self) -> None:
        adjusted = self.zero_cell_adjusted
        if adjusted.size == 0:
            adjusted = np.zeros(np.shape(self.yi), dtype=np.bool_)
        object.__setattr__(self, "yi", _read_only(self.yi, np.float64))
        object.__setattr__(self, "vi", _read_only(self.vi, np.float64))
        object.__setattr__(self, "zero_cell_adjusted", _read_only(adjusted, np.bool_))

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.size)

    @property
    def sei(self) -> FloatArray:
        """Standard errors, the square roots of the sampling variances."""
        return np.sqrt(self.vi)

    @property
    def z(self) -> FloatArray:
        """Per-study Wald statistics yi / sei."""
        return self.yi / self.sei

    def confidence_intervals(self, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        """Per-study Wald intervals yi ± z·sei, as drawn in a forest plot."""
        half_width = normal_critical(_checks.level(level)) * self.sei
        return self.yi - half_width, self.yi + half_width


def generic(*, yi: ArrayLike, vi: ArrayLike) -> EffectSizes:
    """Effect sizes computed elsewhere; only checked (finite yi, positive vi)."""
    cols = _checks.columns({"yi": yi, "vi": vi})
    _checks.positive("vi", cols["vi"])
    return EffectSizes("GEN", cols["yi"], cols["vi"])


def mean_difference(
    *,
    m1i: ArrayLike,
    sd1i: ArrayLike,
    n1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    n2i: ArrayLike,
) -> EffectSizes:
    """Raw mean difference m1 − m2 with variance sd1²/n1 + sd2²/n2 (no equal-SD assumption)."""
    g = _two_groups(m1i, sd1i, n1i, m2i, sd2i, n2i)
    yi = g["m1i"] - g["m2i"]
    vi = g["sd1i"] ** 2 / g["n1i"] + g["sd2i"] ** 2 / g["n2i"]
    return EffectSizes("MD", yi, vi)


def standardized_mean_difference(
    *,
    m1i: ArrayLike,
    sd1i: ArrayLike,
    n1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    n2i: ArrayLike,
) -> EffectSizes:
    """Hedges' g: Cohen's d on the pooled SD times the exact small-sample correction J(m).

    The exact J (rather than the 1 − 3/(4m − 1) approximation) is what metafor uses, so small
    pediatric trials get the same g here as in R.
    """
    g = _two_groups(m1i, sd1i, n1i, m2i, sd2i, n2i)
    n1, n2 = g["n1i"], g["n2i"]
    m = n1 + n2 - 2
    pooled_sd = np.sqrt(((n1 - 1) * g["sd1i"] ** 2 + (n2 - 1) * g["sd2i"] ** 2) / m)
    yi = hedges_correction(m) * (g["m1i"] - g["m2i"]) / pooled_sd
    vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
    return EffectSizes("SMD", yi, vi)


def hedges_correction(m: ArrayLike) -> FloatArray:
    """J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2)), computed on the log scale so large m cannot overflow."""
    df = np.asarray(m, dtype=np.float64)
    log_j = special.gammaln(df / 2) - 0.5 * np.log(df / 2) - special.gammaln((df - 1) / 2)
    return np.asarray(np.exp(log_j), dtype=np.float64)


def _two_groups(
    m1i: ArrayLike,
    sd1i: ArrayLike,
    n1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    n2i: ArrayLike,
) -> dict[str, FloatArray]:
    """Check the six summary columns of a two-group comparison of means."""
    g = _checks.columns(
        {"m1i": m1i, "sd1i": sd1i, "n1i": n1i, "m2i": m2i, "sd2i": sd2i, "n2i": n2i}
    )
    for name in ("sd1i", "sd2i"):
        _checks.positive(name, g[name])
    for name in ("n1i", "n2i"):
        _checks.at_least_two(name, g[name])
    return g


def log_risk_ratio(
    *,
    ai: ArrayLike,
    ci: ArrayLike,
    bi: ArrayLike | None = None,
    di: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
) -> EffectSizes:
    """ln[(a/n1)/(c/n2)] with variance 1/a − 1/n1 + 1/c − 1/n2."""
    a, b, c, d, adjusted = _two_by_two(ai, bi, ci, di, n1i, n2i)
    n1, n2 = a + b, c + d
    yi = np.log(a / n1) - np.log(c / n2)
    vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
    return EffectSizes("RR", yi, vi, adjusted)


def log_odds_ratio(
    *,
    ai: ArrayLike,
    ci: ArrayLike,
    bi: ArrayLike | None = None,
    di: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
) -> EffectSizes:
    """ln[(a·d)/(b·c)] with Woolf's variance 1/a + 1/b + 1/c + 1/d."""
    a, b, c, d, adjusted = _two_by_two(ai, bi, ci, di, n1i, n2i)
    yi = np.log(a / b) - np.log(c / d)
    vi = 1 / a + 1 / b + 1 / c + 1 / d
    return EffectSizes("OR", yi, vi, adjusted)


def risk_difference(
    *,
    ai: ArrayLike,
    ci: ArrayLike,
    bi: ArrayLike | None = None,
    di: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
) -> EffectSizes:
    """p1 − p2 with the large-sample variance p1(1−p1)/n1 + p2(1−p2)/n2.

    metafor applies the zero-cell 1/2 to this measure too (it keeps the variance above zero when a
    group has no events), so the same adjusted cells are used here.
    """
    a, b, c, d, adjusted = _two_by_two(ai, bi, ci, di, n1i, n2i)
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    yi = p1 - p2
    vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    return EffectSizes("RD", yi, vi, adjusted)


Cells = tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]


def _two_by_two(
    ai: ArrayLike,
    bi: ArrayLike | None,
    ci: ArrayLike | None,
    di: ArrayLike | None,
    n1i: ArrayLike | None,
    n2i: ArrayLike | None,
) -> Cells:
    """Check a 2×2 table given as cells (ai, bi, ci, di) or as events and totals (ai, n1i, ...)."""
    a, b = _arm("ai", ai, "bi", bi, "n1i", n1i)
    c, d = _arm("ci", ci, "di", di, "n2i", n2i)
    _checks.columns({"ai": a, "ci": c})  # both arms must describe the same studies
    adjusted = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    bump = np.where(adjusted, ZERO_CELL_INCREMENT, 0.0)
    return a + bump, b + bump, c + bump, d + bump, adjusted


def _arm(
    events_name: str,
    events: ArrayLike | None,
    rest_name: str,
    rest: ArrayLike | None,
    total_name: str,
    total: ArrayLike | None,
) -> tuple[FloatArray, FloatArray]:
    """One arm's (events, non-events), derived from the total when non-events are not given."""
    if events is None:
        raise ValidationError(events_name, None, "event counts, one per study")
    if rest is None and total is None:
        raise ValidationError(rest_name, None, f"either {rest_name} (non-events) or {total_name}")
    if rest is not None:
        cols = _checks.columns({events_name: events, rest_name: rest}, _checks.non_negative)
        x, y = cols[events_name], cols[rest_name]
        _checks.require(total_name, x + y, x + y > 0, "a group with at least one participant")
        return x, y
    assert total is not None  # guaranteed by the check above; tells the type checker
    cols = _checks.columns({events_name: events, total_name: total}, _checks.non_negative)
    x, n = cols[events_name], cols[total_name]
    _checks.require(total_name, n, n > 0, "a group with at least one participant")
    _checks.require(events_name, x, x <= n, f"no more events than the group size {total_name}")
    return x, n - x


_TWO_BY_TWO = {"RR": log_risk_ratio, "OR": log_odds_ratio, "RD": risk_difference}
_MEANS = {"MD": mean_difference, "SMD": standardized_mean_difference}


def compute_effect_sizes(measure: str, data: Mapping[str, ArrayLike]) -> EffectSizes:
    """Dispatch on the measure name, as the command line and the API receive it.

    ``data`` maps metafor's column names (``m1i``…``n2i``, ``ai``…``di``/``n1i``/``n2i``, or
    ``yi``/``vi``) to one value per study.
    """
    name = _checks.choice("measure", measure, MEASURES)
    if name == "GEN":
        return generic(yi=_column(data, "yi"), vi=_column(data, "vi"))
    if name in _MEANS:
        keys = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
        return _MEANS[name](**{key: _column(data, key) for key in keys})
    return _TWO_BY_TWO[name](
        ai=_column(data, "ai"),
        ci=_column(data, "ci"),
        bi=data.get("bi"),
        di=data.get("di"),
        n1i=data.get("n1i"),
        n2i=data.get("n2i"),
    )


def _column(data: Mapping[str, ArrayLike], key: str) -> ArrayLike:
    """Fetch a required column, naming it when it is absent."""
    if key not in data:
        raise ValidationError(key, None, f"a column named {key!r}")
    return data[key]
