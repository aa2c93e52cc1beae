"""Sample size and power, checked against published values.

Sources (all in /work/shared/reference-values.md, section 3):
- G*Power 2 reference manual, two independent means, a priori: d = 0.5, alpha .05, power .90 gives
  86 per group, 172 in all, actual power 0.9032.
- R ``pwr`` values used by statsmodels' own ``test_power.py`` (statsmodels @ 01143c5c).
- d = 0.5, power .80: 63.7656 per group (R ``pwr.t.test`` 63.76561044, statsmodels 63.76561059);
  paired dz = 0.5: 33.367129 pairs (pingouin 33.367128953).
Two-proportion sample sizes have no published value there, so they are checked against the
arcsine (Cohen's h) formula computed by hand in the test.
"""

from __future__ import annotations

import math

import pytest
from scipy import optimize, stats

from pedmassage.errors import ValidationError
from pedmassage.stats.power import power_at, sample_size


def test_gpower_two_independent_means_d_half_power_ninety_needs_86_per_group() -> None:
    # G*Power 2 reference manual: total N = 172, actual power 0.9032.
    result = sample_size(test="two-sample-t", effect_size=0.5, alpha=0.05, power=0.90)
    assert result.n_per_group == 86
    assert result.n_other_group == 86
    assert result.n_total == 172
    assert result.achieved_power == pytest.approx(0.9032, abs=5e-5)


def test_achieved_power_matches_gpowers_critical_t_and_noncentrality() -> None:
    # G*Power: critical t(170) = 1.9740, delta = 3.2787; power from the noncentral t by hand.
    df, delta = 170, 0.5 * math.sqrt(86 * 86 / (86 + 86))
    assert delta == pytest.approx(3.2787, abs=5e-5)
    critical = stats.t.ppf(0.975, df)
    assert critical == pytest.approx(1.9740, abs=5e-5)
    by_hand = stats.nct.sf(critical, df, delta) + stats.nct.cdf(-critical, df, delta)
    result = power_at(test="two-sample-t", effect_size=0.5, n_per_group=86)
    assert result.power == pytest.approx(by_hand, rel=1e-9)


def test_d_half_power_eighty_is_63_77_per_group_rounded_up_to_64() -> None:
    # R pwr.t.test 63.76561044; statsmodels 63.76561058891169; they differ at 1e-8 (tolerances).
    result = sample_size(test="two-sample-t", effect_size=0.5, power=0.8)
    assert result.n_exact == pytest.approx(63.7656104, rel=1e-6)
    assert (result.n_per_group, result.n_total) == (64, 128)
    assert result.achieved_power >= 0.8


def test_paired_dz_half_needs_33_37_pairs_rounded_up_to_34() -> None:
    result = sample_size(test="paired-t", effect_size=0.5, power=0.8)
    assert result.n_exact == pytest.approx(33.367129, rel=1e-6)
    assert result.n_per_group == 34
    assert result.n_other_group is None
    assert result.n_total == 34
    assert "pairs" in result.method


@pytest.mark.parametrize(
    ("test", "d", "n", "ratio", "alternative", "published"),
    [
        ("paired-t", 1.0, 30, 1.0, "two-sided", 0.9995636009612725),
        ("paired-t", 0.2, 20, 1.0, "two-sided", 0.1359562887679666),
        ("paired-t", 1.0, 30, 1.0, "larger", 0.999892010204909),
        ("paired-t", -0.2, 20, 1.0, "smaller", 0.21707518167191),
        ("two-sample-t", 1.0, 30, 1.0, "two-sided", 0.967708258242517),
        ("two-sample-t", 0.1, 20, 1.0, "two-sided", 0.06095912465411235),
        ("two-sample-t", 1.0, 30, 1.0, "larger", 0.985459690251624),
        ("two-sample-t", 0.1, 20, 1.5, "two-sided", 0.0633081832564667),
        ("two-sample-t", 0.1, 20, 1.5, "larger", 0.09623589080917805),
        ("two-proportions", 0.3, 80, 1.0, "two-sided", 0.475100870572638),
        ("two-proportions", 0.01, 80, 1.0, "two-sided", 0.05045832927039234),
        ("two-proportions", 0.01, 80, 1.0, "larger", 0.056869534873146124),
    ],
)
def test_power_at_matches_r_pwr_values_quoted_by_statsmodels(
    test: str, d: float, n: int, ratio: float, alternative: str, published: float
) -> None:
    result = power_at(
        test=test,  # type: ignore[arg-type]
        effect_size=d,
        n_per_group=n,
        ratio=ratio,
        alternative=alternative,  # type: ignore[arg-type]
    )
    assert result.power == pytest.approx(published, rel=1e-7)


def _cohens_h(p1: float, p2: float) -> float:
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def test_two_proportions_sample_size_agrees_with_the_arcsine_formula_by_hand() -> None:
    # No published two-proportion sample size is in the reference file. By hand: with Cohen's h,
    # each arm's transformed proportion has variance 1/n, so power = Phi(h*sqrt(n/2) - z) plus the
    # negligible opposite tail; solving both tails with scipy gives the exact n.
    p1, p2, alpha, power = 0.5, 0.3, 0.05, 0.8
    h = _cohens_h(p1, p2)
    z = stats.norm.ppf(1 - alpha / 2)

    def shortfall(n: float) -> float:
        shift = h * math.sqrt(n / 2)
        return float(stats.norm.sf(z - shift) + stats.norm.cdf(-z - shift)) - power

    by_hand = optimize.brentq(shortfall, 2, 10_000, xtol=1e-12)
    closed_form = 2 * ((z + stats.norm.ppf(power)) / h) ** 2  # one tail only: slightly larger
    result = sample_size(test="two-proportions", p1=p1, p2=p2, alpha=alpha, power=power)
    assert result.effect_size == pytest.approx(h, rel=1e-12)
    assert result.n_exact == pytest.approx(by_hand, rel=1e-6)
    assert result.n_exact == pytest.approx(closed_form, rel=1e-4)
    assert result.n_per_group == math.ceil(by_hand)
    assert result.achieved_power >= power


def test_giving_cohens_h_directly_is_the_same_as_giving_the_two_proportions() -> None:
    from_props = sample_size(test="two-proportions", p1=0.6, p2=0.4)
    from_h = sample_size(test="two-proportions", effect_size=_cohens_h(0.6, 0.4))
    assert from_props.n_per_group == from_h.n_per_group


def test_unequal_groups_round_each_group_up_and_still_reach_the_power() -> None:
    result = sample_size(test="two-sample-t", effect_size=0.5, power=0.8, ratio=2.0)
    assert result.n_other_group == math.ceil(2.0 * result.n_per_group)
    assert result.n_total == result.n_per_group + result.n_other_group
    assert result.achieved_power >= 0.8
    one_fewer = power_at(test="two-sample-t", effect_size=0.5, n_per_group=result.n_per_group - 1)
    assert one_fewer.power < power_at(test="two-sample-t", effect_size=0.5, n_per_group=64).power


@pytest.mark.parametrize(
    "test", ["two-sample-t", "paired-t", "two-proportions"], ids=lambda test: str(test)
)
@pytest.mark.parametrize("effect", [0.2, 0.35, 0.8, 1.5])
def test_the_rounded_size_is_the_smallest_whole_number_that_reaches_the_power(
    test: str, effect: float
) -> None:
    result = sample_size(test=test, effect_size=effect, power=0.8)  # type: ignore[arg-type]
    assert result.achieved_power >= 0.8
    smaller = result.n_per_group - 1
    if smaller >= 2:
        below = power_at(test=test, effect_size=effect, n_per_group=smaller)  # type: ignore[arg-type]
        assert below.power < 0.8


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"test": "anova", "effect_size": 0.5}, "test"),
        ({"test": "two-sample-t"}, "effect_size"),
        ({"test": "two-sample-t", "effect_size": 0.0}, "effect_size"),
        ({"test": "two-sample-t", "effect_size": float("nan")}, "effect_size"),
        ({"test": "two-sample-t", "effect_size": -0.5, "alternative": "larger"}, "effect_size"),
        ({"test": "two-sample-t", "effect_size": 0.5, "alternative": "greater"}, "alternative"),
        ({"test": "two-sample-t", "effect_size": 0.5, "alpha": 1.5}, "alpha"),
        ({"test": "two-sample-t", "effect_size": 0.5, "power": 1.0}, "power"),
        ({"test": "two-sample-t", "effect_size": 0.5, "power": 0.01}, "power"),
        ({"test": "two-sample-t", "effect_size": 0.5, "ratio": 0}, "ratio"),
        ({"test": "two-sample-t", "p1": 0.5, "p2": 0.3}, "p1"),
        ({"test": "two-proportions", "p1": 0.5}, "p2"),
        ({"test": "two-proportions", "p1": 1.2, "p2": 0.3}, "p1"),
        ({"test": "two-proportions", "p1": 0.3, "p2": 0.3}, "p2"),
        ({"test": "two-proportions", "p1": 0.5, "p2": 0.3, "effect_size": 0.4}, "effect_size"),
    ],
)
def test_sample_size_refuses_invalid_input_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        sample_size(**kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field


@pytest.mark.parametrize("n", [1, 0, 2.5, True])
def test_power_at_refuses_a_t_test_sample_that_is_not_a_whole_number_of_at_least_two(
    n: object,
) -> None:
    with pytest.raises(ValidationError) as refused:
        power_at(test="two-sample-t", effect_size=0.5, n_per_group=n)  # type: ignore[arg-type]
    assert refused.value.field == "n_per_group"


def test_results_are_immutable_and_explain_their_method() -> None:
    result = sample_size(test="two-sample-t", effect_size=0.5)
    with pytest.raises(AttributeError):
        result.n_per_group = 1  # type: ignore[misc]
    assert "TTestIndPower" in result.method
    assert "64" in result.method
