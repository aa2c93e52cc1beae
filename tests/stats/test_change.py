"""The change summary computed from a histogram equals the same statistics computed on the raw rows.

Every expected number below comes from scipy (``ttest_1samp``, ``wilcoxon``, ``bootstrap``,
``nct``) or numpy applied to the expanded list of per-session changes, never from the code under
test.
"""

from __future__ import annotations

import math
from dataclasses import astuple
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from pedmassage.errors import ValidationError
from pedmassage.stats import ChangeSummary, change_from_histogram
from pedmassage.stats.change import NO_NONZERO, NO_SD, ZERO_SD

Array = NDArray[Any]


def histogram(changes: Array) -> tuple[Array, Array]:
    """What the database's GROUP BY change returns."""
    values, counts = np.unique(changes, return_counts=True)
    return values, counts


def summarise(changes: Array, **options: int | float) -> ChangeSummary:
    values, counts = histogram(changes)
    return change_from_histogram(values=values, counts=counts, **options)  # type: ignore[arg-type]


def pain_changes(n: int, seed: int) -> Array:
    """FLACC-like changes: after minus before on 0-10 scores, mostly falls, many ties and zeros."""
    rng = np.random.default_rng(seed)
    before = rng.integers(0, 11, size=n)
    after = np.clip(before - rng.binomial(4, 0.4, size=n) + rng.integers(-1, 2, size=n), 0, 10)
    changes: Array = (after - before).astype(np.float64)
    return changes


def continuous_changes(n: int, seed: int) -> Array:
    return np.random.default_rng(seed).normal(-0.4, 1.3, size=n)


def assert_matches_raw_rows(summary: ChangeSummary, changes: Array) -> None:
    t_test = stats.ttest_1samp(changes, 0.0)
    interval = t_test.confidence_interval(confidence_level=0.95)
    wilcoxon = stats.wilcoxon(changes, zero_method="wilcox", correction=False, method="approx")
    sd = float(np.std(changes, ddof=1))
    assert summary.n == changes.size
    assert summary.mean == pytest.approx(float(np.mean(changes)), rel=1e-12, abs=1e-12)
    assert summary.sd == pytest.approx(sd, rel=1e-10)
    assert summary.ci_low == pytest.approx(interval.low, rel=1e-9)
    assert summary.ci_high == pytest.approx(interval.high, rel=1e-9)
    assert summary.p_value == pytest.approx(t_test.pvalue, rel=1e-7, abs=1e-300)
    assert summary.wilcoxon_statistic == pytest.approx(wilcoxon.statistic, rel=1e-12)
    assert summary.wilcoxon_p == pytest.approx(wilcoxon.pvalue, rel=1e-7, abs=1e-300)
    assert summary.effect_size == pytest.approx(float(np.mean(changes)) / sd, rel=1e-10)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_integer_pain_changes_agree_with_scipy_on_the_raw_rows(seed: int) -> None:
    changes = pain_changes(800, seed)
    assert (changes == 0).any() and np.unique(np.abs(changes[changes != 0])).size < 12
    assert_matches_raw_rows(summarise(changes), changes)


def test_continuous_changes_with_every_count_one_agree_with_scipy() -> None:
    changes = continuous_changes(400, seed=11)
    summary = change_from_histogram(values=changes, counts=np.ones(changes.size))
    assert_matches_raw_rows(summary, changes)


def test_two_million_sessions_agree_with_scipy_without_expanding_the_histogram() -> None:
    changes = pain_changes(2_000_000, seed=5)
    values, counts = histogram(changes)
    assert values.size <= 21  # the report passes ~20 rows, not 2M
    assert_matches_raw_rows(change_from_histogram(values=values, counts=counts), changes)


def test_ties_across_signs_share_a_mid_rank_like_scipy() -> None:
    # |−2| and |2| tie; the zero is dropped before ranking.
    changes = np.array([-2.0, -2.0, 2.0, 1.0, -1.0, 3.0, 0.0, 2.0, -3.0, 4.0])
    assert_matches_raw_rows(summarise(changes), changes)


def test_repeated_values_and_empty_bins_are_merged_as_a_group_by_would_return_them() -> None:
    changes = pain_changes(300, seed=4)
    values, counts = histogram(changes)
    split_values = np.concatenate([values, values, [99.0]])
    first_half = counts // 2
    split_counts = np.concatenate([first_half, counts - first_half, [0]])
    assert change_from_histogram(values=split_values, counts=split_counts) == summarise(changes)


def test_bootstrap_is_reproducible_for_a_seed_and_varies_between_seeds() -> None:
    changes = pain_changes(500, seed=6)
    first, again, other = (summarise(changes, seed=seed) for seed in (7, 7, 8))

    def interval(summary: ChangeSummary) -> tuple[float | None, float | None]:
        return summary.bootstrap_low, summary.bootstrap_high

    assert interval(first) == interval(again)
    assert interval(first) != interval(other)


@pytest.mark.parametrize(
    "changes", [pain_changes(600, seed=9), continuous_changes(300, seed=10)], ids=["pain", "cont"]
)
def test_bootstrap_agrees_with_scipys_percentile_bootstrap_within_monte_carlo_error(
    changes: Array,
) -> None:
    summary = summarise(changes, resamples=4000)
    reference = stats.bootstrap(
        (changes,), np.mean, n_resamples=20000, method="percentile", rng=12345
    ).confidence_interval
    se = float(np.std(changes, ddof=1)) / math.sqrt(changes.size)
    # Percentile endpoints of 4000 resamples wander by about 0.06 SE of the mean.
    assert summary.bootstrap_low == pytest.approx(reference.low, abs=0.3 * se)
    assert summary.bootstrap_high == pytest.approx(reference.high, abs=0.3 * se)
    assert summary.bootstrap_low is not None and summary.bootstrap_high is not None
    assert summary.bootstrap_low < summary.mean < summary.bootstrap_high


def test_with_many_sessions_the_bootstrap_interval_approaches_the_t_interval() -> None:
    changes = pain_changes(50_000, seed=12)
    summary = summarise(changes)
    assert summary.ci_low is not None and summary.ci_high is not None
    se = (summary.ci_high - summary.ci_low) / (2 * stats.t.ppf(0.975, changes.size - 1))
    assert summary.bootstrap_low == pytest.approx(summary.ci_low, abs=0.25 * se)
    assert summary.bootstrap_high == pytest.approx(summary.ci_high, abs=0.25 * se)


@pytest.mark.parametrize("seed", [13, 14])
def test_effect_size_limits_put_the_observed_t_at_the_noncentral_t_tails(seed: int) -> None:
    changes = pain_changes(40, seed)
    summary = summarise(changes)
    n, df = changes.size, changes.size - 1
    t_observed = stats.ttest_1samp(changes, 0.0).statistic
    assert summary.effect_size_ci_low is not None and summary.effect_size_ci_high is not None
    low_nc = summary.effect_size_ci_low * math.sqrt(n)
    high_nc = summary.effect_size_ci_high * math.sqrt(n)
    assert stats.nct.cdf(t_observed, df, low_nc) == pytest.approx(0.975, abs=1e-9)
    assert stats.nct.cdf(t_observed, df, high_nc) == pytest.approx(0.025, abs=1e-9)


def test_effect_size_interval_excludes_zero_exactly_when_the_t_test_rejects() -> None:
    # Shift a fixed sample so the t test's p runs from well below to well above 0.05.
    base = continuous_changes(30, seed=15)
    base = base - base.mean()
    decisions = []
    for shift in np.linspace(0.0, 0.8, 41):
        summary = summarise(base + shift)
        assert summary.p_value is not None and summary.effect_size_ci_low is not None
        assert summary.effect_size_ci_high is not None
        excludes_zero = summary.effect_size_ci_low > 0 or summary.effect_size_ci_high < 0
        assert excludes_zero == (summary.p_value < 0.05)
        decisions.append(excludes_zero)
    assert any(decisions) and not all(decisions)


def test_effect_size_interval_for_two_million_sessions_is_the_normal_approximation() -> None:
    # For large n the noncentral t limits tend to d ± z·√(1/n + d²/(2n)) (Hedges & Olkin 1985).
    changes = pain_changes(2_000_000, seed=16)
    summary = summarise(changes)
    d, n = float(np.mean(changes) / np.std(changes, ddof=1)), changes.size
    half = stats.norm.ppf(0.975) * math.sqrt(1 / n + d * d / (2 * n))
    assert summary.effect_size_ci_low == pytest.approx(d - half, abs=1e-5)
    assert summary.effect_size_ci_high == pytest.approx(d + half, abs=1e-5)


def test_a_single_session_reports_its_change_and_explains_what_is_missing() -> None:
    summary = change_from_histogram(values=[-3], counts=[1])
    assert (summary.n, summary.mean) == (1, -3.0)
    assert summary.sd is None and summary.ci_low is None and summary.p_value is None
    assert summary.bootstrap_low is None and summary.effect_size is None
    # scipy ranks the single nonzero change too.
    wilcoxon = stats.wilcoxon([-3.0], zero_method="wilcox", correction=False, method="approx")
    assert summary.wilcoxon_p == pytest.approx(wilcoxon.pvalue)
    assert summary.notes == (NO_SD,)


def test_all_changes_zero_leave_the_tests_undefined_and_the_intervals_at_zero() -> None:
    summary = change_from_histogram(values=[0], counts=[250])
    assert (summary.mean, summary.sd) == (0.0, 0.0)
    assert (summary.ci_low, summary.ci_high) == (0.0, 0.0)
    assert (summary.bootstrap_low, summary.bootstrap_high) == (0.0, 0.0)
    assert summary.p_value is None and summary.effect_size is None
    assert summary.wilcoxon_statistic is None and summary.wilcoxon_p is None
    assert summary.notes == (ZERO_SD, NO_NONZERO)


def test_identical_nonzero_changes_keep_the_signed_rank_test_but_not_the_t_test() -> None:
    changes = np.full(12, -2.0)
    summary = summarise(changes)
    assert summary.mean == -2.0 and summary.sd == 0.0
    assert (summary.ci_low, summary.ci_high) == (-2.0, -2.0)
    assert summary.p_value is None and summary.effect_size is None
    wilcoxon = stats.wilcoxon(changes, zero_method="wilcox", correction=False, method="approx")
    assert summary.wilcoxon_p == pytest.approx(wilcoxon.pvalue, rel=1e-12)
    assert summary.notes == (ZERO_SD,)


@pytest.mark.parametrize(
    ("values", "counts"),
    [([0], [250]), ([-3], [1]), ([-2], [12]), ([-1, 0, 1], [1, 5, 1]), ([4, 5], [1, 1])],
)
def test_no_field_is_ever_nan(values: list[float], counts: list[int]) -> None:
    summary = change_from_histogram(values=values, counts=counts)
    numbers = [field for field in astuple(summary) if isinstance(field, float)]
    assert all(math.isfinite(number) for number in numbers)


@pytest.mark.parametrize(
    ("values", "counts", "field"),
    [
        ([1, 2], [3, -1], "counts[1]"),
        ([1, 2], [3, 1.5], "counts[1]"),
        ([1, 2], [3], "counts"),
        ([1, 2], [0, 0], "counts"),
        ([1, math.nan], [1, 1], "values[1]"),
    ],
)
def test_impossible_histograms_are_refused_naming_the_cell(
    values: list[float], counts: list[float], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        change_from_histogram(values=values, counts=counts)
    assert refused.value.field == field


@pytest.mark.parametrize(("option", "value"), [("level", 1.0), ("resamples", 0)])
def test_options_outside_their_range_are_refused(option: str, value: float) -> None:
    with pytest.raises(ValidationError) as refused:
        change_from_histogram(values=[1, 2], counts=[3, 4], **{option: value})  # type: ignore[arg-type]
    assert refused.value.field == option


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_summary_from_sums_agrees_with_scipy_on_the_rows(seed: int) -> None:
    from pedmassage.stats import change_from_moments

    rng = np.random.default_rng(seed)
    changes = rng.integers(-6, 3, size=200).astype(float)
    summary = change_from_moments(
        n=len(changes), total=float(changes.sum()), total_of_squares=float((changes**2).sum())
    )
    t = stats.ttest_1samp(changes, 0.0)
    ci = t.confidence_interval(0.95)
    assert summary.mean == pytest.approx(changes.mean())
    assert (summary.ci_low, summary.ci_high) == pytest.approx((ci.low, ci.high))
    assert summary.p_value == pytest.approx(t.pvalue)
    assert summary.effect_size == pytest.approx(changes.mean() / changes.std(ddof=1))


def test_one_session_from_sums_has_a_mean_and_nothing_else() -> None:
    from pedmassage.stats import change_from_moments

    one = change_from_moments(n=1, total=-3.0, total_of_squares=9.0)
    assert (one.mean, one.sd, one.ci_low, one.p_value) == (-3.0, None, None, None)
