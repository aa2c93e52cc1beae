"""Sample size and power for the program's trials, by statsmodels' power classes.

Three designs cover the trials the program runs:

- ``two-sample-t``: two parallel groups, continuous outcome, Cohen's d (group 1 − group 2 over the
  pooled SD); noncentral t, ``statsmodels.stats.power.TTestIndPower`` (as R ``pwr.t.test`` and
  G*Power's "difference between two independent means").
- ``paired-t``: each child measured before and after (or matched pairs), Cohen's dz (mean change
  over the SD of the changes); one-sample noncentral t on the differences, ``TTestPower``.
- ``two-proportions``: two groups, binary outcome, Cohen's h = 2·asin√p1 − 2·asin√p2 (the arcsine
  transformation makes the variance 1/n whatever the proportion); normal approximation,
  ``NormalIndPower`` with ``proportion_effectsize`` (as R ``pwr.2p.test`` / ``pwr.2p2n.test``).

``ratio`` is n2 / n1 as in statsmodels. Fractional sample sizes are rounded up to whole
participants, because a trial cannot recruit 63.77 children and rounding down would leave it short
of the power it promised; the power actually reached at the rounded size is reported beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol, cast

from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower
from statsmodels.stats.proportion import proportion_effectsize

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks

PowerTest = Literal["two-sample-t", "paired-t", "two-proportions"]
Alternative = Literal["two-sided", "larger", "smaller"]
POWER_TESTS: tuple[PowerTest, ...] = ("two-sample-t", "paired-t", "two-proportions")
ALTERNATIVES: tuple[Alternative, ...] = ("two-sided", "larger", "smaller")

_DESCRIPTIONS: dict[PowerTest, tuple[str, str]] = {
    "two-sample-t": ("two-sample t test (noncentral t, statsmodels TTestIndPower)", "Cohen's d"),
    "paired-t": ("paired t test on the differences (noncentral t, statsmodels TTestPower)", "dz"),
    "two-proportions": (
        "comparison of two proportions, arcsine transformation (normal approximation, statsmodels "
        "NormalIndPower)",
        "Cohen's h",
    ),
}


class _Engine(Protocol):
    """The two calls used from statsmodels' power classes (their signatures differ in name only)."""

    def power(self, effect_size: float, nobs: float, alpha: float, **kwargs: object) -> float: ...

    def solve_power(self, **kwargs: object) -> float: ...


@dataclass(frozen=True)
class SampleSize:
    """The participants a design needs.

    ``n_per_group`` is group 1 (for ``paired-t``: the number of pairs), rounded up from the exact
    solution ``n_exact``; ``n_other_group`` is group 2, ``ratio × n_per_group`` rounded up (None for
    paired designs); ``n_total`` is everyone to recruit (pairs for ``paired-t``).
    ``achieved_power`` is the power at the rounded sizes, at least ``power``. Drop-out is not
    included: inflate by 1 / (1 − expected loss) before recruiting.
    """

    test: PowerTest
    effect_size: float
    alpha: float
    power: float
    ratio: float
    alternative: Alternative
    n_exact: float
    n_per_group: int
    n_other_group: int | None
    n_total: int
    achieved_power: float
    method: str


@dataclass(frozen=True)
class Power:
    """The power of a design with ``n_per_group`` in group 1 (pairs for ``paired-t``) and
    ``ratio × n_per_group`` in group 2."""

    test: PowerTest
    effect_size: float
    alpha: float
    ratio: float
    alternative: Alternative
    n_per_group: int
    power: float
    method: str


def sample_size(
    *,
    test: PowerTest,
    effect_size: float | None = None,
    p1: float | None = None,
    p2: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
) -> SampleSize:
    """The smallest whole number of participants giving at least ``power``.

    For ``two-proportions`` give either the two proportions ``p1`` and ``p2`` or Cohen's h as
    ``effect_size``; the t tests take the standardized effect as ``effect_size``.
    """
    design = _design(test, effect_size, p1, p2, alpha, ratio, alternative)
    target = _fraction("power", power)
    if target <= alpha:
        raise ValidationError("power", power, f"a power above alpha ({alpha})")
    exact = float(design.solve(target))
    n1 = max(math.ceil(exact), design.minimum)
    if n1 - 1 >= design.minimum and design.power_at(n1 - 1) >= target:
        n1 -= 1  # the solver's tolerance put an exact whole number just above itself
    n2 = None if test == "paired-t" else math.ceil(ratio * n1 - 1e-9)
    achieved = design.power_at(n1, n2)
    total = n1 + (n2 or 0)
    return SampleSize(
        test=design.test,
        effect_size=design.effect,
        alpha=design.alpha,
        power=target,
        ratio=design.ratio,
        alternative=design.alternative,
        n_exact=exact,
        n_per_group=n1,
        n_other_group=n2,
        n_total=total,
        achieved_power=achieved,
        method=_sample_size_text(design, target, exact, n1, n2, achieved),
    )


def power_at(
    *,
    test: PowerTest,
    n_per_group: int,
    effect_size: float | None = None,
    p1: float | None = None,
    p2: float | None = None,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
) -> Power:
    """The power reached with ``n_per_group`` participants in group 1 (pairs for ``paired-t``)."""
    design = _design(test, effect_size, p1, p2, alpha, ratio, alternative)
    n = _checks.whole("n_per_group", n_per_group, minimum=design.minimum)
    value = design.power_at(n)
    name, symbol = _DESCRIPTIONS[test]
    unit = "pairs" if test == "paired-t" else f"in group 1, ratio n2/n1 = {ratio:g}"
    text = (
        f"Power of a {name}, {symbol} = {design.effect:.4g}, {alternative} alpha = {alpha:g}, "
        f"with {n} {unit}: {value:.4f}."
    )
    return Power(
        design.test, design.effect, design.alpha, design.ratio, design.alternative, n, value, text
    )


@dataclass(frozen=True)
class _Design:
    """A checked design: which statsmodels class, the effect and the fixed settings."""

    test: PowerTest
    engine: _Engine
    effect: float
    alpha: float
    ratio: float
    alternative: Alternative
    minimum: int

    def power_at(self, n1: int, n2: int | None = None) -> float:
        kwargs: dict[str, object] = {"alternative": self.alternative}
        if self.test != "paired-t":
            kwargs["ratio"] = self.ratio if n2 is None else n2 / n1
        return float(self.engine.power(self.effect, n1, self.alpha, **kwargs))

    def solve(self, target: float) -> float:
        kwargs: dict[str, object] = {"alternative": self.alternative}
        if self.test != "paired-t":
            kwargs["ratio"] = self.ratio
        return float(
            self.engine.solve_power(
                effect_size=self.effect, alpha=self.alpha, power=target, **kwargs
            )
        )


def _design(
    test: str,
    effect_size: float | None,
    p1: float | None,
    p2: float | None,
    alpha: float,
    ratio: float,
    alternative: str,
) -> _Design:
    checked = cast(PowerTest, _checks.choice("test", test, POWER_TESTS))
    side = cast(Alternative, _checks.choice("alternative", alternative, ALTERNATIVES))
    effect = _effect(checked, effect_size, p1, p2)
    if (side == "larger" and effect <= 0) or (side == "smaller" and effect >= 0):
        wanted = "positive" if side == "larger" else "negative"
        raise ValidationError("effect_size", effect, f"a {wanted} effect for alternative={side}")
    level = _fraction("alpha", alpha)
    if not (isinstance(ratio, int | float) and math.isfinite(ratio) and ratio > 0):
        raise ValidationError("ratio", ratio, "n2 / n1, a number greater than 0")
    engines: dict[PowerTest, tuple[_Engine, int]] = {
        "two-sample-t": (TTestIndPower(), 2),
        "paired-t": (TTestPower(), 2),
        "two-proportions": (NormalIndPower(), 1),
    }
    engine, minimum = engines[checked]
    return _Design(checked, engine, effect, level, float(ratio), side, minimum)


def _effect(
    test: PowerTest, effect_size: float | None, p1: float | None, p2: float | None
) -> float:
    """The standardized effect; for proportions Cohen's h from p1 and p2 when they are given."""
    if p1 is not None or p2 is not None:
        if test != "two-proportions":
            raise ValidationError("p1", p1, "proportions only for test='two-proportions'")
        if effect_size is not None:
            raise ValidationError("effect_size", effect_size, "either effect_size or p1 and p2")
        first, second = _proportion("p1", p1), _proportion("p2", p2)
        if first == second:
            raise ValidationError("p2", p2, "a proportion different from p1")
        return float(proportion_effectsize(first, second))
    if effect_size is None:
        needs = "effect_size (Cohen's h) or p1 and p2" if test == "two-proportions" else "a number"
        raise ValidationError("effect_size", None, needs)
    if not isinstance(effect_size, int | float) or not math.isfinite(effect_size):
        raise ValidationError("effect_size", effect_size, "a finite number other than 0")
    if effect_size == 0:
        raise ValidationError("effect_size", effect_size, "a difference other than 0")
    return float(effect_size)


def _proportion(field: str, value: float | None) -> float:
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(field, value, "a proportion between 0 and 1")
    return float(value)


def _fraction(field: str, value: float) -> float:
    if not isinstance(value, int | float) or not 0 < value < 1:
        raise ValidationError(field, value, "a probability strictly between 0 and 1")
    return float(value)


def _sample_size_text(
    design: _Design, target: float, exact: float, n1: int, n2: int | None, achieved: float
) -> str:
    name, symbol = _DESCRIPTIONS[design.test]
    head = (
        f"Sample size for a {name}: {symbol} = {design.effect:.4g}, {design.alternative} "
        f"alpha = {design.alpha:g}, power {target:g}"
    )
    if n2 is None:
        return (
            f"{head}: {exact:.2f} pairs, rounded up to {n1}; power at {n1} pairs is {achieved:.4f}."
        )
    return (
        f"{head}, ratio n2/n1 = {design.ratio:g}: {exact:.2f} in group 1, rounded up to {n1} "
        f"and {n2} ({n1 + n2} in all); power at these sizes is {achieved:.4f}."
    )
