"""Event rates carry the exact (Garwood) Poisson interval that R, DescTools and statsmodels give."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.rates import confint_poisson

from pedmassage.errors import ValidationError
from pedmassage.stats import exact_poisson_limits, poisson_rate

COUNTS = [0, 1, 2, 5, 10, 37, 250]


def test_fifteen_events_in_400_units_match_desctools() -> None:
    # DescTools PoissonCI(x=15, n=400, method="exact"): 0.0375 0.0209884653319583
    # 0.0618505471787146, quoted in statsmodels/stats/tests/test_rates_poisson.py
    # (test_rate_poisson_r).
    result = poisson_rate(events=15, exposure=400, per=1)
    assert result.rate == 0.0375
    assert result.ci_low == pytest.approx(0.0209884653319583, rel=1e-12)
    assert result.ci_high == pytest.approx(0.0618505471787146, rel=1e-12)


def test_zero_events_give_a_lower_limit_of_zero_and_the_closed_form_upper_limit() -> None:
    # P(X = 0 | mu) = exp(−mu) = 0.025 gives mu = ln 40; epitools' pois.exact documentation
    # (rdocumentation.org, epitools 0.5-10.1) prints this upper limit as 3.689.
    low, high = exact_poisson_limits(events=0)
    assert low == 0.0
    assert high == pytest.approx(math.log(40.0), rel=1e-14)
    assert round(high, 3) == 3.689


def test_one_event_has_the_closed_form_lower_limit() -> None:
    # P(X >= 1 | mu) = 1 − exp(−mu) = 0.025 gives mu = −ln(0.975).
    low, _ = exact_poisson_limits(events=1)
    assert low == pytest.approx(-math.log(0.975), rel=1e-12)


@pytest.mark.parametrize("events", COUNTS)
@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_limits_are_half_the_chi_square_quantiles(events: int, level: float) -> None:
    alpha = 1 - level
    expected_low = 0.0 if events == 0 else stats.chi2.ppf(alpha / 2, 2 * events) / 2
    expected_high = stats.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
    low, high = exact_poisson_limits(events=events, level=level)
    assert low == pytest.approx(expected_low, rel=1e-10)
    assert high == pytest.approx(expected_high, rel=1e-10)


@pytest.mark.parametrize("events", COUNTS)
def test_limits_match_statsmodels_exact_central_interval(events: int) -> None:
    exposure = 1234.5
    result = poisson_rate(events=events, exposure=exposure, per=1)
    low, high = confint_poisson(events, exposure, method="exact-c", alpha=0.05)
    assert result.ci_low == pytest.approx(float(low), rel=1e-10, abs=1e-15)
    assert result.ci_high == pytest.approx(float(high), rel=1e-10)


@pytest.mark.parametrize("events", COUNTS)
def test_each_limit_leaves_two_and_a_half_percent_in_its_poisson_tail(events: int) -> None:
    low, high = exact_poisson_limits(events=events)
    assert stats.poisson.cdf(events, high) == pytest.approx(0.025, rel=1e-9)
    if events > 0:
        assert stats.poisson.sf(events - 1, low) == pytest.approx(0.025, rel=1e-9)


def test_the_rate_and_its_limits_are_scaled_to_events_per_thousand_sessions() -> None:
    result = poisson_rate(events=3, exposure=1500)
    low, high = exact_poisson_limits(events=3)
    assert (result.events, result.exposure, result.per, result.level) == (3, 1500.0, 1000.0, 0.95)
    assert result.rate == pytest.approx(2.0)
    assert result.ci_low == pytest.approx(low / 1.5)
    assert result.ci_high == pytest.approx(high / 1.5)


def test_event_counts_from_the_database_may_be_numpy_integers() -> None:
    assert poisson_rate(events=np.int64(5), exposure=100.0) == poisson_rate(events=5, exposure=100)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"events": -1, "exposure": 10}, "events"),
        ({"events": 2.5, "exposure": 10}, "events"),
        ({"events": True, "exposure": 10}, "events"),
        ({"events": 2, "exposure": 0}, "exposure"),
        ({"events": 2, "exposure": math.inf}, "exposure"),
        ({"events": 2, "exposure": 10, "per": -1000}, "per"),
        ({"events": 2, "exposure": 10, "level": 95}, "level"),
    ],
)
def test_impossible_inputs_are_refused_naming_the_field(
    arguments: dict[str, float], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        poisson_rate(**arguments)  # type: ignore[arg-type]
    assert refused.value.field == field
