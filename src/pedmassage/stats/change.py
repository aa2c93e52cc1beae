"""Per-session change (after minus before) on one instrument, summarised from a histogram.

A program report covers up to millions of sessions, and the database hands back aggregates, not
rows: for a pain score the changes are small integers, so "which change, how many sessions" is a
table of a few dozen rows. Everything here is computed from that table without expanding it, and
agrees with the same statistic computed on the raw rows:

- mean, SD and the t-based confidence interval and p-value: ``scipy.stats.ttest_1samp(changes, 0)``;
- the Wilcoxon signed-rank test: ``scipy.stats.wilcoxon(changes, zero_method="wilcox",
  correction=False, method="approx")``, mid-ranks taken from the cumulative counts;
- a percentile bootstrap of the mean, drawn as one multinomial per resample over the bins, which has
  the same distribution as drawing n sessions with replacement and is O(bins) instead of O(n);
- Cohen's d_z with a confidence interval from the noncentral t distribution.

The table also works with every count 1, i.e. continuous changes given row by row; the bootstrap
then costs O(resamples × n), which is the price of the exact empirical bootstrap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks
from pedmassage.stats._checks import FloatArray
from pedmassage.stats._distributions import normal_critical, t_critical, t_two_sided_p

IntArray = NDArray[np.int64]

DEFAULT_SEED = 20240601
"""A fixed seed, so the same histogram always prints the same bootstrap interval in a report."""

_BOOTSTRAP_CELLS_PER_BATCH = 1 << 22
"""Multinomial draws are made in batches of at most this many cells, so memory stays bounded."""

NO_SD = "fewer than 2 sessions: SD, t interval, t test, bootstrap and d_z need at least 2"
ZERO_SD = "every session had the same change (SD 0): t test and d_z are undefined"
NO_NONZERO = "every change is 0: the Wilcoxon test has nothing to rank once zeros are dropped"
NO_DZ_INTERVAL = "the noncentral t limits for d_z could not be bracketed numerically"


@dataclass(frozen=True)
class ChangeSummary:
    """Summary of the per-session change on one instrument (after minus before).

    ``mean`` and ``sd`` (n − 1 denominator) describe the changes. ``ci_low``/``ci_high`` is the
    t-based interval mean ± t(level, n − 1)·sd/√n, and ``p_value`` the two-sided one-sample t test
    of mean change = 0 (which is the paired t test of before against after).
    ``wilcoxon_statistic`` is min(R+, R−) and ``wilcoxon_p`` the two-sided normal-approximation
    p-value of the signed-rank test with zeros dropped, mid-ranks for ties, tie-corrected variance
    and no continuity correction, as scipy reports them. ``bootstrap_low``/``bootstrap_high`` is the
    percentile bootstrap interval of the mean.

    ``effect_size`` is Cohen's d_z: the mean change divided by the SD of the change (not by the SD
    of the scores), the standardised effect of a paired design. ``effect_size_ci_low``/``_high`` is
    the interval obtained by inverting the noncentral t distribution of t = d_z·√n with n − 1
    degrees of freedom in its noncentrality parameter (Steiger & Fouladi 1997, in Harlow, Mulaik &
    Steiger, *What if there were no significance tests?*; for d_z, Algina & Keselman 2003,
    Educ Psychol Meas 63:537–553), then dividing the limits by √n.

    A statistic that cannot be computed is None, never NaN, and ``notes`` says why:
    n = 1 leaves SD, both intervals, the t test and d_z undefined; a zero SD (all changes equal)
    leaves the t test and d_z undefined while both intervals collapse to the mean; all changes 0
    also leaves the Wilcoxon test undefined.
    """

    n: int
    mean: float
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    wilcoxon_statistic: float | None
    wilcoxon_p: float | None
    bootstrap_low: float | None
    bootstrap_high: float | None
    effect_size: float | None
    effect_size_ci_low: float | None
    effect_size_ci_high: float | None
    level: float
    resamples: int
    seed: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Histogram:
    """Distinct change values in increasing order, each with its (positive) number of sessions."""

    values: FloatArray
    counts: IntArray

    @property
    def n(self) -> int:
        return int(self.counts.sum())


def change_from_histogram(
    *,
    values: ArrayLike,
    counts: ArrayLike,
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = DEFAULT_SEED,
) -> ChangeSummary:
    """Summarise the changes given as a histogram: ``counts[i]`` sessions had change ``values[i]``.

    Values may repeat and counts may be 0 (both as a GROUP BY over several tables would return
    them); repeated values are merged. At least one session is required: an instrument nobody was
    scored on has no change to report, and the caller is expected to leave it out. The bootstrap is
    deterministic for a given ``seed``.
    """
    checked_level = _checks.level(level)
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        raise ValidationError("resamples", resamples, "a whole number of resamples, at least 1")
    hist = _histogram(values, counts)
    mean = _mean(hist)
    notes: list[str] = []
    if hist.n < 2:
        notes.append(NO_SD)
        wilcoxon = _wilcoxon(hist)
        return _summary_of_one(hist, mean, wilcoxon, checked_level, resamples, seed, notes)
    sd = _sd(hist, mean)
    ci = _t_interval(hist.n, mean, sd, checked_level)
    p_value, dz, dz_ci = _t_test_and_dz(hist.n, mean, sd, checked_level, notes)
    wilcoxon = _wilcoxon(hist)
    if wilcoxon is None:
        notes.append(NO_NONZERO)
    boot = _bootstrap(hist, checked_level, resamples, seed)
    return ChangeSummary(
        n=hist.n,
        mean=mean,
        sd=sd,
        ci_low=ci[0],
        ci_high=ci[1],
        p_value=p_value,
        wilcoxon_statistic=None if wilcoxon is None else wilcoxon[0],
        wilcoxon_p=None if wilcoxon is None else wilcoxon[1],
        bootstrap_low=boot[0],
        bootstrap_high=boot[1],
        effect_size=dz,
        effect_size_ci_low=None if dz_ci is None else dz_ci[0],
        effect_size_ci_high=None if dz_ci is None else dz_ci[1],
        level=checked_level,
        resamples=resamples,
        seed=seed,
        notes=tuple(notes),
    )


def _summary_of_one(
    hist: _Histogram,
    mean: float,
    wilcoxon: tuple[float, float] | None,
    level: float,
    resamples: int,
    seed: int,
    notes: list[str],
) -> ChangeSummary:
    """A single session: only its change and (if it is not 0) a signed-rank test are defined."""
    if wilcoxon is None:
        notes.append(NO_NONZERO)
    return ChangeSummary(
        n=hist.n,
        mean=mean,
        sd=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        wilcoxon_statistic=None if wilcoxon is None else wilcoxon[0],
        wilcoxon_p=None if wilcoxon is None else wilcoxon[1],
        bootstrap_low=None,
        bootstrap_high=None,
        effect_size=None,
        effect_size_ci_low=None,
        effect_size_ci_high=None,
        level=level,
        resamples=resamples,
        seed=seed,
        notes=tuple(notes),
    )


def _histogram(values: ArrayLike, counts: ArrayLike) -> _Histogram:
    """Check the two columns, merge repeated values and drop empty bins."""
    columns = _checks.columns({"values": values, "counts": counts})
    raw_counts = columns["counts"]
    whole = (raw_counts >= 0) & (raw_counts == np.floor(raw_counts))
    _checks.require("counts", raw_counts, whole, "a whole number of sessions, 0 or more")
    distinct, inverse = np.unique(columns["values"], return_inverse=True)
    merged = np.bincount(inverse, weights=raw_counts, minlength=distinct.size)
    keep = merged > 0
    if not keep.any():
        raise ValidationError("counts", "no sessions", "at least one session with a change")
    return _Histogram(values=distinct[keep], counts=merged[keep].astype(np.int64))


def _mean(hist: _Histogram) -> float:
    """Weighted mean, shifted by the first value so one distinct value gives it back exactly."""
    shift = float(hist.values[0])
    return shift + float(np.dot(hist.counts, hist.values - shift)) / hist.n


def _sd(hist: _Histogram, mean: float) -> float:
    """Sample SD (n − 1) from squared deviations about the mean, which avoids cancellation."""
    if hist.values.size == 1:
        return 0.0
    squares = float(np.dot(hist.counts, (hist.values - mean) ** 2))
    return math.sqrt(squares / (hist.n - 1))


def _t_interval(n: int, mean: float, sd: float, level: float) -> tuple[float, float]:
    """mean ± t·sd/√n; with SD 0 both limits are the mean."""
    half_width = t_critical(level, n - 1) * sd / math.sqrt(n)
    return mean - half_width, mean + half_width


def _t_test_and_dz(
    n: int, mean: float, sd: float, level: float, notes: list[str]
) -> tuple[float | None, float | None, tuple[float, float] | None]:
    """Two-sided t test p-value, d_z and its noncentral-t interval; None where SD is 0."""
    if sd == 0:
        notes.append(ZERO_SD)
        return None, None, None
    t = mean / (sd / math.sqrt(n))
    dz = mean / sd
    nc_limits = _noncentrality_interval(t, n - 1, level)
    if nc_limits is None:
        notes.append(NO_DZ_INTERVAL)
        return t_two_sided_p(t, n - 1), dz, None
    root_n = math.sqrt(n)
    return t_two_sided_p(t, n - 1), dz, (nc_limits[0] / root_n, nc_limits[1] / root_n)


def _noncentrality_interval(t: float, df: int, level: float) -> tuple[float, float] | None:
    """Noncentrality parameters under which the observed t is the upper / lower (1 − level)/2 point.

    The t CDF falls as the noncentrality grows, so each limit is the root of a monotone function;
    the search starts from the normal approximation of its width, t ± z·√(1 + t²/(2·df)).
    """
    tail = (1.0 - level) / 2.0
    step = normal_critical(level) * math.sqrt(1.0 + t * t / (2.0 * df))
    low = _solve_noncentrality(t, df, 1.0 - tail, step)
    high = _solve_noncentrality(t, df, tail, step)
    if low is None or high is None:
        return None
    return low, high


def _solve_noncentrality(t: float, df: int, probability: float, step: float) -> float | None:
    """The noncentrality with P(T ≤ t | df, nc) = ``probability``, by bracketing and Brent."""

    def excess(nc: float) -> float:
        return float(special.nctdtr(df, nc, t)) - probability

    below, above = t - step, t + step
    for _ in range(60):
        low_value, high_value = excess(below), excess(above)
        if math.isnan(low_value) or math.isnan(high_value):
            return None
        if low_value >= 0 >= high_value:
            return float(optimize.brentq(excess, below, above, xtol=1e-12, rtol=1e-12))
        step *= 2.0
        if low_value < 0:
            below -= step
        if high_value > 0:
            above += step
    return None


def _wilcoxon(hist: _Histogram) -> tuple[float, float] | None:
    """min(R+, R−) and the two-sided normal-approximation p-value, from the counts alone.

    Zeros are dropped. Sessions whose |change| is equal share the mean of the ranks they occupy:
    a block of t tied magnitudes after c smaller ones has mid-rank c + (t + 1)/2. The variance is
    n(n + 1)(2n + 1)/24 − Σ(t³ − t)/48, the usual tie correction.
    """
    nonzero = hist.values != 0
    values, counts = hist.values[nonzero], hist.counts[nonzero].astype(np.float64)
    if values.size == 0:
        return None
    magnitudes, inverse = np.unique(np.abs(values), return_inverse=True)
    ties = np.bincount(inverse, weights=counts, minlength=magnitudes.size)
    mid_ranks = np.cumsum(ties) - ties + (ties + 1.0) / 2.0
    ranks = mid_ranks[inverse] * counts
    r_plus = float(ranks[values > 0].sum())
    r_minus = float(ranks[values < 0].sum())
    n = float(counts.sum())
    variance = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - float(np.sum(ties**3 - ties)) / 48.0
    z = (r_plus - n * (n + 1.0) / 4.0) / math.sqrt(variance)
    return min(r_plus, r_minus), float(2.0 * special.ndtr(-abs(z)))


def _bootstrap(hist: _Histogram, level: float, resamples: int, seed: int) -> tuple[float, float]:
    """Percentile interval of the mean over ``resamples`` multinomial redraws of the n sessions.

    Drawing n sessions with replacement from the observed ones and counting how many land in each
    bin is a Multinomial(n, counts/n) draw, so one draw per resample replaces n index draws.
    """
    rng = np.random.default_rng(seed)
    shift = float(hist.values[0])
    offsets = hist.values - shift
    probabilities = hist.counts / hist.n
    batch = max(1, _BOOTSTRAP_CELLS_PER_BATCH // hist.values.size)
    means = np.empty(resamples, dtype=np.float64)
    for start in range(0, resamples, batch):
        size = min(batch, resamples - start)
        draws = rng.multinomial(hist.n, probabilities, size=size)
        means[start : start + size] = shift + (draws @ offsets) / hist.n
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class MomentSummary:
    """Mean change with its t interval, t test and d_z, from the count, sum and sum of squares.

    For tables of many groups (a breakdown by condition, stage, site…) where a bootstrap and a
    Wilcoxon test per group would cost more than they tell. None where it cannot be computed:
    n < 2 leaves SD undefined; a zero SD leaves the test and d_z undefined.
    """

    n: int
    mean: float
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    effect_size: float | None


def change_from_moments(
    *, n: int, total: float, total_of_squares: float, level: float = 0.95
) -> MomentSummary:
    """Summarise ``n`` changes that add up to ``total`` and whose squares add up to
    ``total_of_squares`` (the sums a database returns per group)."""
    checked_level = _checks.level(level)
    if isinstance(n, bool) or n < 1:
        raise ValidationError("n", n, "at least one session")
    mean = total / n
    if n < 2:
        return MomentSummary(n, mean, None, None, None, None, None)
    variance = max(total_of_squares - n * mean * mean, 0.0) / (n - 1)
    sd = math.sqrt(variance)
    low, high = _t_interval(n, mean, sd, checked_level)
    if sd == 0:
        return MomentSummary(n, mean, sd, low, high, None, None)
    t = mean / (sd / math.sqrt(n))
    return MomentSummary(n, mean, sd, low, high, t_two_sided_p(t, n - 1), mean / sd)
