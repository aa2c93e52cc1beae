"""Event rates (adverse events, missed sessions) per unit of exposure, with exact Poisson limits.

Adverse events in a massage program are rare, so counts of 0, 1 or 2 are the usual case and a
normal-approximation interval (rate ± 1.96·√events/exposure) would go below zero or be far too
narrow. The exact (Garwood 1936, Biometrika 28:437–442) interval inverts the Poisson tail
probabilities; through the Poisson–chi-square identity its limits for k events are

    lower = χ²(α/2; 2k)/2   (0 when k = 0),    upper = χ²(1 − α/2; 2k + 2)/2,

the form given by Ulm (1990, Am J Epidemiol 131:373–375) and computed by R's ``poisson.test``,
DescTools ``PoissonCI(method="exact")`` and statsmodels ``confint_poisson(method="exact-c")``.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

from scipy import special

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks


@dataclass(frozen=True)
class PoissonRate:
    """``events`` per ``per`` units of exposure, with an exact (Garwood) confidence interval.

    ``rate`` = events / exposure · per; ``ci_low``/``ci_high`` are the exact limits for the expected
    count, scaled the same way. With 0 events the rate and the lower limit are 0 and the upper limit
    is still informative (about 3.69 events at 95 %).
    """

    events: int
    exposure: float
    per: float
    rate: float
    ci_low: float
    ci_high: float
    level: float


def poisson_rate(
    *, events: int, exposure: float, per: float = 1000, level: float = 0.95
) -> PoissonRate:
    """The rate of ``events`` over ``exposure`` (sessions, child-days, ...) per ``per`` units."""
    checked_level = _checks.level(level)
    count = _count(events)
    checked_exposure = _positive("exposure", exposure)
    checked_per = _positive("per", per)
    low, high = exact_poisson_limits(events=count, level=checked_level)
    scale = checked_per / checked_exposure
    return PoissonRate(
        events=count,
        exposure=checked_exposure,
        per=checked_per,
        rate=count * scale,
        ci_low=low * scale,
        ci_high=high * scale,
        level=checked_level,
    )


def exact_poisson_limits(*, events: int, level: float = 0.95) -> tuple[float, float]:
    """Garwood limits for the expected number of events given ``events`` observed.

    ``special.chdtri(df, p)`` is the chi-square quantile with upper-tail probability ``p``.
    """
    count = _count(events)
    tail = (1.0 - _checks.level(level)) / 2.0
    low = 0.0 if count == 0 else float(special.chdtri(2 * count, 1.0 - tail)) / 2.0
    high = float(special.chdtri(2 * count + 2, tail)) / 2.0
    return low, high


def _count(events: int) -> int:
    """A whole, non-negative number of events; integer types from the database are accepted."""
    try:
        count = operator.index(events)
    except TypeError:
        raise ValidationError("events", events, "a whole number of events, 0 or more") from None
    if isinstance(events, bool) or count < 0:
        raise ValidationError("events", events, "a whole number of events, 0 or more")
    return count


def _positive(name: str, value: float) -> float:
    """Exposure and the 'per' multiplier must be finite and above zero to divide by them."""
    if isinstance(value, bool):
        raise ValidationError(name, value, "a number greater than 0")
    try:
        checked = float(value)
    except (TypeError, ValueError):
        raise ValidationError(name, value, "a number greater than 0") from None
    if not (math.isfinite(checked) and checked > 0):
        raise ValidationError(name, value, "a number greater than 0")
    return checked
