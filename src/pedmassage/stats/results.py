"""Immutable results with named fields, as returned by every analysis in this package.

Numbers are plain floats (not numpy scalars) so results compare, print and serialise predictably.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pedmassage.stats._model import Test
from pedmassage.stats.tau2 import Method

POOLED_JSON_KEYS = (
    "k",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "tau2",
    "i2",
    "h2",
    "q",
    "q_p",
    "pi_low",
    "pi_high",
    "method",
    "test",
)


@dataclass(frozen=True)
class PooledResult:
    """A pooled estimate from ``pool``.

    ``z_or_t`` is a z statistic when ``test == "z"`` and a t statistic with ``df`` = k − 1
    degrees of freedom when ``test == "hksj"``. ``i2`` is a percentage. ``tau2_se`` is None for
    the common-effect model. ``pi_low``/``pi_high`` bound the prediction interval for the effect
    in a new study (estimate ± crit·√(τ² + se²), crit from the same distribution as the CI).
    ``weights`` are each study's share of the total weight, in percent, in input order.
    """

    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    z_or_t: float
    p: float
    df: int | None
    tau2: float
    tau2_se: float | None
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float
    pi_high: float
    method: Method
    test: Test
    level: float
    weights: tuple[float, ...]

    def as_json(self) -> dict[str, object]:
        """The fields the command line prints, under the names of its JSON contract."""
        data = asdict(self)
        return {key: data[key] for key in POOLED_JSON_KEYS}


@dataclass(frozen=True)
class Coefficient:
    """One model coefficient with its test and confidence interval."""

    name: str
    estimate: float
    se: float
    z_or_t: float
    p: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class MetaRegressionResult:
    """A mixed-effects (or common-effect) meta-regression on one moderator.

    ``tau2`` is the residual between-study variance; ``r2`` is the share of τ² explained by the
    moderator, 100·(τ²₀ − τ²)/τ²₀ floored at 0 with τ²₀ from the model without it (None for
    the common-effect model). ``qe`` tests residual heterogeneity; ``qm`` tests the moderator:
    chi-squared on 1 df for the z test, F(1, k − 2) for the Knapp–Hartung test (then ``qm_df2``
    is k − 2).
    """

    k: int
    coefficients: tuple[Coefficient, ...]
    df: int | None
    tau2: float
    tau2_se: float | None
    tau: float
    i2: float
    h2: float
    r2: float | None
    qe: float
    qe_df: int
    qe_p: float
    qm: float
    qm_df1: int
    qm_df2: int | None
    qm_p: float
    method: Method
    test: Test
    level: float

    @property
    def intercept(self) -> Coefficient:
        """The expected effect when the moderator is 0."""
        return self.coefficients[0]

    @property
    def slope(self) -> Coefficient:
        """The change in effect per unit of the moderator."""
        return self.coefficients[1]

    def as_json(self) -> dict[str, object]:
        """Every field, with coefficients as a list of objects."""
        return asdict(self)


@dataclass(frozen=True)
class Subgroup:
    """The pooled estimate of the studies that share one subgroup label."""

    label: str
    result: PooledResult


@dataclass(frozen=True)
class SubgroupResult:
    """Per-subgroup estimates and the test for subgroup differences.

    Each subgroup has its own τ²; ``q_between`` is Cochran's Q of the subgroup estimates with
    weights 1/se², on ``df`` = (number of subgroups − 1) degrees of freedom (chi-squared ``p``).
    """

    subgroups: tuple[Subgroup, ...]
    q_between: float
    df: int
    p: float
    method: Method
    test: Test

    def as_json(self) -> dict[str, object]:
        """Every field, each subgroup with its pooled result in the CLI contract's shape."""
        return {
            "subgroups": [{"label": s.label, **s.result.as_json()} for s in self.subgroups],
            "q_between": self.q_between,
            "df": self.df,
            "p": self.p,
            "method": self.method,
            "test": self.test,
        }


@dataclass(frozen=True)
class EggerResult:
    """Regression test for funnel-plot asymmetry (small-study effects).

    ``statistic`` tests the coefficient of the standard error (z, or t with ``df`` degrees of
    freedom); ``limit_estimate`` is the intercept, the expected effect of a study with se → 0, with
    its confidence interval. ``model`` is ``"rma"`` (metafor's ``regtest`` default: a
    meta-regression on sei) or ``"lm"`` (Egger et al. 1997: weighted least squares with a free
    dispersion).
    """

    model: str
    statistic: float
    df: int | None
    p: float
    limit_estimate: float
    limit_ci_low: float
    limit_ci_high: float
    method: Method
    test: Test

    def as_json(self) -> dict[str, object]:
        """Every field."""
        return asdict(self)
