"""The primary analysis of a two-arm trial, and pooling it across sites without moving patient rows.

``ancova`` is the analysis the protocol names: ordinary least squares of the after-score on the
before-score and the arm (statsmodels ``OLS``). Adjusting for the baseline gives a more precise
estimate than comparing change scores, and is unbiased under randomization. Given every randomized
child it is the intention-to-treat analysis; given only the per-protocol subset it is the
per-protocol analysis. The function cannot tell the two apart, so choosing the rows is the caller's
job, and the caller should say which one it ran.

``site_summary`` is what one site may share: per-arm counts, means and SDs, and the site's own
ANCOVA estimate with its variance. ``pool_sites`` combines those estimates with the project's
meta-analysis engine (``pedmassage.stats.pooling.pool``): a two-stage analysis that approximates
the one-stage individual-patient ANCOVA with site as a fixed effect. Suppressing small cells before
a summary leaves a site is another module's responsibility.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks
from pedmassage.stats._checks import FloatArray
from pedmassage.stats.pooling import pool
from pedmassage.stats.tau2 import Method

MODEL_IN_WORDS = (
    "ordinary least squares of the after-score on the before-score and the arm "
    "(after ~ before + arm), reference arm {reference}; the arm coefficient is the "
    "baseline-adjusted mean difference, {arm} minus {reference}"
)
MIN_PER_ARM = 2


@dataclass(frozen=True)
class TreatmentEffect:
    """The baseline-adjusted mean difference ``arm`` − ``reference_arm`` from one ANCOVA.

    ``t`` has ``df`` residual degrees of freedom (n − 3) and the CI uses the same t distribution.
    ``n_per_arm`` lists ``(arm, n)`` with the reference arm first. ``model`` states the model in
    words, so a report can print exactly what was fitted.
    """

    arm: str
    reference_arm: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    t: float
    df: int
    p: float
    level: float
    n_per_arm: tuple[tuple[str, int], ...]
    model: str

    @property
    def variance(self) -> float:
        """The sampling variance a meta-analysis weighs this estimate by."""
        return self.se**2


@dataclass(frozen=True)
class ArmSummary:
    """Aggregate scores of one arm at one site: nothing here identifies a child."""

    arm: str
    n: int
    before_mean: float
    before_sd: float
    after_mean: float
    after_sd: float


@dataclass(frozen=True)
class SiteSummary:
    """What a site may share: per-arm aggregates and its ANCOVA estimate with its variance."""

    arm: str
    reference_arm: str
    arms: tuple[ArmSummary, ...]
    estimate: float
    variance: float
    df: int


@dataclass(frozen=True)
class PooledEffect:
    """The pooled adjusted mean difference across sites.

    ``i2`` is a percentage; ``tau2`` is 0 for the common-effect (``FE``) model. ``weights`` are each
    site's share of the total weight, in percent, in the order the summaries were given.
    """

    arm: str
    reference_arm: str
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    tau2: float
    i2: float
    method: Method
    level: float
    weights: tuple[float, ...]


def ancova(
    *,
    before: Sequence[float],
    after: Sequence[float],
    arm: Sequence[str],
    reference_arm: str,
    level: float = 0.95,
) -> TreatmentEffect:
    """Fit ``after ~ before + arm`` and return the arm's adjusted mean difference.

    Exactly two arms are accepted: the estimate is one contrast, and a multi-arm trial names its
    comparisons explicitly by passing the rows of each pair. Run it on every randomized child for
    the intention-to-treat analysis, or on the per-protocol subset for the per-protocol analysis.
    """
    confidence = _checks.level(level)
    x_before, y_after, labels = _rows(before, after, arm)
    other = _other_arm(labels, reference_arm)
    design = _design(x_before, labels, other)
    fit = sm.OLS(y_after, design).fit()
    low, high = fit.conf_int(alpha=1 - confidence)[2]
    return TreatmentEffect(
        arm=other,
        reference_arm=reference_arm,
        estimate=float(fit.params[2]),
        se=float(fit.bse[2]),
        ci_low=float(low),
        ci_high=float(high),
        t=float(fit.tvalues[2]),
        df=round(float(fit.df_resid)),
        p=float(fit.pvalues[2]),
        level=confidence,
        n_per_arm=((reference_arm, labels.count(reference_arm)), (other, labels.count(other))),
        model=MODEL_IN_WORDS.format(arm=other, reference=reference_arm),
    )


def site_summary(
    *,
    before: Sequence[float],
    after: Sequence[float],
    arm: Sequence[str],
    reference_arm: str,
) -> SiteSummary:
    """One site's shareable aggregates and its ANCOVA estimate (the two-stage analysis' stage 1)."""
    effect = ancova(before=before, after=after, arm=arm, reference_arm=reference_arm)
    x_before, y_after, labels = _rows(before, after, arm)
    arms = tuple(
        _arm_summary(name, x_before, y_after, labels) for name in (reference_arm, effect.arm)
    )
    return SiteSummary(
        arm=effect.arm,
        reference_arm=reference_arm,
        arms=arms,
        estimate=effect.estimate,
        variance=effect.variance,
        df=effect.df,
    )


def pool_sites(
    summaries: Sequence[SiteSummary], method: Method = "REML", *, level: float = 0.95
) -> PooledEffect:
    """Pool the sites' ANCOVA estimates (stage 2) with the project's random-effects engine.

    All sites must compare the same two arms the same way round: pooling "B − A" with "A − B"
    would cancel a real effect. ``method="FE"`` gives the common-effect (inverse-variance) pool.
    """
    if not summaries:
        raise ValidationError("summaries", 0, "at least one site summary")
    first = summaries[0]
    for index, summary in enumerate(summaries):
        if (summary.arm, summary.reference_arm) != (first.arm, first.reference_arm):
            raise ValidationError(
                f"summaries[{index}]",
                f"{summary.arm} vs {summary.reference_arm}",
                f"the same comparison as the first site: {first.arm} vs {first.reference_arm}",
            )
    result = pool(
        [s.estimate for s in summaries], [s.variance for s in summaries], method=method, level=level
    )
    return PooledEffect(
        arm=first.arm,
        reference_arm=first.reference_arm,
        k=result.k,
        estimate=result.estimate,
        se=result.se,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        p=result.p,
        tau2=result.tau2,
        i2=result.i2,
        method=result.method,
        level=result.level,
        weights=result.weights,
    )


# ----------------------------------------------------------------------------- checks and parts


def _rows(
    before: Sequence[float], after: Sequence[float], arm: Sequence[str]
) -> tuple[FloatArray, FloatArray, list[str]]:
    """One finite before, after and arm per child; a NaN would silently drop or poison a row."""
    labels = [str(a) for a in arm]
    columns = {"before": _finite("before", before), "after": _finite("after", after)}
    for name, column in columns.items():
        if column.size != len(labels):
            raise ValidationError(
                name, f"{column.size} values", f"{len(labels)} values, one per arm"
            )
    return columns["before"], columns["after"], labels


def _finite(name: str, values: Sequence[float]) -> FloatArray:
    try:
        column = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(name, str(values), "a list of numbers, one per child") from None
    if column.ndim != 1:
        raise ValidationError(name, f"{column.ndim}-dimensional input", "one value per child")
    _checks.require(name, column, np.isfinite(column), "a finite score")
    return column


def _other_arm(labels: list[str], reference_arm: str) -> str:
    """The one non-reference arm; each arm needs two children for its SD and a residual df."""
    names = sorted(set(labels))
    if reference_arm not in names:
        raise ValidationError(
            "reference_arm", reference_arm, "one of the arms: " + ", ".join(names)
        )
    if len(names) != 2:
        raise ValidationError("arm", f"{len(names)} arms", "exactly two arms")
    for name in names:
        if labels.count(name) < MIN_PER_ARM:
            raise ValidationError(
                "arm", f"{labels.count(name)} in {name}", f"at least {MIN_PER_ARM} per arm"
            )
    return next(name for name in names if name != reference_arm)


def _design(before: FloatArray, labels: list[str], other: str) -> FloatArray:
    """Columns: intercept, before, indicator of the non-reference arm; refuse a singular design."""
    indicator = np.array([1.0 if label == other else 0.0 for label in labels])
    design = np.column_stack([np.ones(before.size), before, indicator])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValidationError(
            "before", "no usable variation", "before-scores that vary within the arms"
        )
    return design


def _arm_summary(name: str, before: FloatArray, after: FloatArray, labels: list[str]) -> ArmSummary:
    mask = np.array([label == name for label in labels])
    return ArmSummary(
        arm=name,
        n=int(mask.sum()),
        before_mean=float(before[mask].mean()),
        before_sd=float(before[mask].std(ddof=1)),
        after_mean=float(after[mask].mean()),
        after_sd=float(after[mask].std(ddof=1)),
    )
