"""What the forest and funnel plots draw: rows, the pooled summary and the notes, for a claim or a
table of studies. Pure data; :mod:`pedmassage.evidence.plots` turns it into SVG or PNG."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pedmassage.errors import ValidationError
from pedmassage.evidence.model import RATIO_MEASURES, RiskOfBias
from pedmassage.evidence.synthesis import ClaimSynthesis
from pedmassage.stats import PooledResult, StudyTable, egger_test

Z_95 = 1.959963984540054

MEASURE_NAMES: dict[str, str] = {
    "MD": "Mean difference",
    "SMD": "Standardized mean difference",
    "g": "Hedges' g",
    "ES": "Effect size",
    "RR": "Risk ratio",
    "OR": "Odds ratio",
    "RD": "Risk difference",
    "GEN": "Effect size",
}


@dataclass(frozen=True)
class ForestRow:
    """One study row on the reported scale; ``weight`` in percent when the row is pooled."""

    label: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    weight: float | None
    pooled: bool
    risk_of_bias: RiskOfBias | None = None


@dataclass(frozen=True)
class PooledSummary:
    """The diamond and the prediction interval, on the reported scale."""

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    k: int
    tau2: float
    i2: float
    q: float
    q_p: float
    method: str
    test: str


@dataclass(frozen=True)
class ForestData:
    title: str
    axis_label: str
    rows: tuple[ForestRow, ...]
    pooled: PooledSummary | None
    log_scale: bool
    note: str | None = None


@dataclass(frozen=True)
class FunnelData:
    """Estimates and standard errors on the analysis scale (log for ratios)."""

    title: str
    axis_label: str
    labels: tuple[str, ...]
    yi: tuple[float, ...]
    se: tuple[float, ...]
    estimate: float | None
    note: str


def forest_for_claim(synthesis: ClaimSynthesis) -> ForestData:
    """A claim's rows with their RoB judgements; refused when the claim has no estimates."""
    claim = synthesis.claim
    if not synthesis.has_forest:
        raise ValidationError(
            "claim", claim.id, "a claim with effect estimates to plot (this one has none)"
        )
    rows = tuple(
        ForestRow(r.label, r.estimate, r.ci_low, r.ci_high, r.weight, r.pooled, r.risk_of_bias)
        for r in synthesis.rows
    )
    pooled = None
    if synthesis.pooled is not None:
        pooled = _summary(synthesis.pooled, synthesis.reported)
    return ForestData(
        title=f"{claim.outcome} ({claim.id})",
        axis_label=axis_label(claim.measure or "GEN", claim.unit),
        rows=rows,
        pooled=pooled,
        log_scale=synthesis.ratio,
        note=synthesis.note,
    )


def forest_for_table(
    table: StudyTable, result: PooledResult, measure: str, title: str = "Pooled studies"
) -> ForestData:
    """Rows computed from a CSV table; ratios are shown back on their own scale."""
    ratio = measure in RATIO_MEASURES
    back = math.exp if ratio else float
    rows = []
    for label, yi, vi, weight in zip(
        table.studies, table.yi, table.vi, result.weights, strict=True
    ):
        half = Z_95 * math.sqrt(float(vi))
        rows.append(
            ForestRow(label, back(yi), back(yi - half), back(yi + half), weight, pooled=True)
        )
    return ForestData(
        title=title,
        axis_label=axis_label(measure, None),
        rows=tuple(rows),
        pooled=_summary(result, back),
        log_scale=ratio,
    )


def funnel_for_claim(synthesis: ClaimSynthesis) -> FunnelData:
    """The pooled rows (or, without a pool, every row with a CI) against their standard errors.

    Estimates shown side by side because they may share children have no funnel: it would set
    them against each other as if they were independent.
    """
    if synthesis.side_by_side:
        raise ValidationError(
            "claim",
            synthesis.claim.id,
            "a claim whose estimates are independent (these may share trials, so they are shown "
            "side by side with no funnel plot)",
        )
    rows = synthesis.funnel_rows
    if not rows:
        raise ValidationError(
            "claim",
            synthesis.claim.id,
            "a claim with at least one effect estimate with a confidence interval",
        )
    yi = tuple(float(r.yi) for r in rows if r.yi is not None)
    vi = tuple(float(r.vi) for r in rows if r.vi is not None)
    estimate = synthesis.pooled.estimate if synthesis.pooled else None
    measure = synthesis.claim.measure or "GEN"
    return FunnelData(
        title=f"{synthesis.claim.outcome} ({synthesis.claim.id})",
        axis_label=axis_label(measure, synthesis.claim.unit, analysis_scale=True),
        labels=tuple(r.label for r in rows),
        yi=yi,
        se=tuple(math.sqrt(v) for v in vi),
        estimate=estimate,
        note=asymmetry_note(yi, vi),
    )


def funnel_for_table(
    table: StudyTable, result: PooledResult, measure: str, title: str = "Pooled studies"
) -> FunnelData:
    yi = tuple(float(y) for y in table.yi)
    vi = tuple(float(v) for v in table.vi)
    return FunnelData(
        title=title,
        axis_label=axis_label(measure, None, analysis_scale=True),
        labels=table.studies,
        yi=yi,
        se=tuple(math.sqrt(v) for v in vi),
        estimate=result.estimate,
        note=asymmetry_note(yi, vi),
    )


def asymmetry_note(yi: Sequence[float], vi: Sequence[float]) -> str:
    """Egger's regression test when there are three or more studies; otherwise say why not."""
    if len(yi) < 3:
        return f"Too few studies (k = {len(yi)}) to judge funnel asymmetry."
    egger = egger_test(yi, vi)
    return f"Egger regression test: z = {egger.statistic:.2f}, {p_text(egger.p)} (k = {len(yi)})."


def axis_label(measure: str, unit: str | None, *, analysis_scale: bool = False) -> str:
    name = MEASURE_NAMES.get(measure, measure)
    if analysis_scale and measure in RATIO_MEASURES:
        name = f"log {name.lower()}"
    return f"{name} ({unit})" if unit else name


def _summary(result: PooledResult, back: Any) -> PooledSummary:
    return PooledSummary(
        estimate=back(result.estimate),
        ci_low=back(result.ci_low),
        ci_high=back(result.ci_high),
        pi_low=back(result.pi_low),
        pi_high=back(result.pi_high),
        k=result.k,
        tau2=result.tau2,
        i2=result.i2,
        q=result.q,
        q_p=result.q_p,
        method=result.method,
        test=result.test,
    )


def p_text(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"
