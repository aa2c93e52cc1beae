"""Claims to numbers: each claim's effect estimates, pooled with ``pedmassage.stats`` if it can be.

An effect reported with a 95% CI becomes ``yi`` with ``vi = ((hi − lo)/(2·1.96))²`` (on the log
scale for ratios) and is pooled as a generic (GEN) effect, exactly as ``stats.pool(yi, vi)`` would.
A claim is pooled only when two or more such effects are marked for pooling; with one, that
estimate is shown as it is, and its grade carries the reasons (usually imprecision).

Estimates that may rest on the same children (reviews that include the same trials) are never
pooled: the catalogue refuses such a claim at load, and the synthesis shows the estimates side by
side, with no pooled line and no funnel plot, and a note naming the reviews and why
(:mod:`pedmassage.evidence.overlap`). Pooling the trials underneath instead would need each
trial's own estimate in the catalogue, which the reference does not give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from pedmassage.evidence.catalogue import Catalogue, catalogue
from pedmassage.evidence.claim_model import Claim, EffectRef, Topic
from pedmassage.evidence.grade import Downgrade, Grade, grade
from pedmassage.evidence.model import RATIO_MEASURES, RiskOfBias, Study
from pedmassage.evidence.overlap import Overlap, overlaps, side_by_side_note
from pedmassage.stats import PooledResult, pool

MIN_POOLED = 2
NOT_POOLED_SINGLE = "Only one effect estimate with a confidence interval: shown, not pooled."
NO_INTERVAL = "Effect estimates without a confidence interval: shown, never pooled."
NO_ESTIMATE = "No effect estimate in the reference: the claim rests on reported findings."


@dataclass(frozen=True)
class EffectRow:
    """One effect estimate as the reference reports it, with what pooling makes of it.

    ``estimate``/``ci_low``/``ci_high`` are on the reported scale (a risk ratio, g/day);
    ``yi``/``vi`` are on the analysis scale (log for ratios) and are None without a CI.
    ``weight`` is the row's share of the pooled weight in percent, or None outside a pool.
    """

    study_id: str
    label: str
    outcome: str
    measure: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    yi: float | None
    vi: float | None
    pooled: bool
    reason: str | None
    weight: float | None
    risk_of_bias: RiskOfBias

    def as_json(self) -> dict[str, object]:
        return {
            "study": self.study_id,
            "label": self.label,
            "outcome": self.outcome,
            "measure": self.measure,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "yi": self.yi,
            "vi": self.vi,
            "pooled": self.pooled,
            "reason": self.reason,
            "weight": self.weight,
            "risk_of_bias": self.risk_of_bias.model_dump(),
        }


@dataclass(frozen=True)
class ClaimSynthesis:
    """A claim with its rows, pooled result (if pooled), grade, studies and topic.

    ``overlaps`` lists the pairs of estimates with a CI that may share children; without a pool
    they make the claim ``side_by_side``.
    """

    claim: Claim
    rows: tuple[EffectRow, ...]
    pooled: PooledResult | None
    grade: Grade
    studies: tuple[Study, ...]
    note: str | None
    topic: Topic
    overlaps: tuple[Overlap, ...] = ()

    @property
    def side_by_side(self) -> bool:
        """Estimates shown next to each other, unpooled, because they may share children."""
        return self.pooled is None and bool(self.overlaps)

    @property
    def ratio(self) -> bool:
        return self.claim.measure in RATIO_MEASURES

    @property
    def has_forest(self) -> bool:
        """A forest plot needs at least one estimate, with or without its interval."""
        return bool(self.rows)

    @property
    def funnel_rows(self) -> tuple[EffectRow, ...]:
        """What a funnel plot draws: the pooled rows, or without a pool every row with a CI.

        Estimates shown side by side are not drawn: a funnel sets studies against each other as
        independent, which reviews sharing trials are not.
        """
        if self.side_by_side:
            return ()
        rows = tuple(r for r in self.rows if r.yi is not None and r.vi is not None)
        return tuple(r for r in rows if r.pooled) if self.pooled is not None else rows

    @property
    def has_funnel(self) -> bool:
        return bool(self.funnel_rows)

    @property
    def single(self) -> EffectRow | None:
        """The one estimate with a CI of a claim that is not pooled, if there is exactly one."""
        with_ci = [r for r in self.rows if r.yi is not None]
        return with_ci[0] if self.pooled is None and len(with_ci) == 1 else None

    def reported(self, value: float) -> float:
        """A pooled value back on the reported scale (exp for ratios)."""
        return math.exp(value) if self.ratio else value

    def pooled_json(self) -> dict[str, object] | None:
        """The pooled result in the CLI contract's shape, plus the reported-scale numbers."""
        if self.pooled is None:
            return None
        p = self.pooled
        reported = {
            key: self.reported(getattr(p, key))
            for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")
        }
        return {**p.as_json(), "weights": list(p.weights), "reported": reported}

    def as_json(self) -> dict[str, object]:
        c = self.claim
        return {
            "id": c.id,
            "version": c.version,
            "topic": c.topic,
            "outcome": c.outcome,
            "finding": c.finding,
            "statement": c.statement,
            "clinician_note": c.clinician_note,
            "measure": c.measure,
            "unit": c.unit,
            "grade": self.grade.as_json(),
            "pooled": self.pooled_json(),
            "side_by_side": self.side_by_side,
            "overlaps": [o.as_json() for o in self.overlaps],
            "note": self.note,
            "effects": [r.as_json() for r in self.rows],
            "studies": [
                {"id": s.id, "label": s.label, "design": s.design, "verified": s.verified}
                for s in self.studies
            ],
        }


def synthesize(claim_id: str, library: Catalogue | None = None) -> ClaimSynthesis:
    """Rows, pool (two or more poolable effects), grade and studies for one claim."""
    library = library or catalogue()
    claim = library.claim(claim_id)
    rows = [_row(ref, library.study(ref.study)) for ref in claim.effects]
    shared = overlaps([library.study(r.study_id) for r in rows if r.yi is not None])
    poolable = [r for r in rows if r.pooled]
    result = None
    if len(poolable) >= MIN_POOLED:
        yi = [r.yi for r in poolable if r.yi is not None]
        vi = [r.vi for r in poolable if r.vi is not None]
        result = pool(yi, vi, method=claim.method, test=claim.test)
        rows = _with_weights(rows, result)
    else:
        rows = [_unpooled(r) for r in rows]
    return ClaimSynthesis(
        claim=claim,
        rows=tuple(rows),
        pooled=result,
        grade=claim_grade(claim, library),
        studies=tuple(library.study(s) for s in claim.study_ids),
        note=None if result else _why_not_pooled(poolable, rows, shared),
        topic=library.topic(claim.topic),
        overlaps=shared,
    )


def _why_not_pooled(
    poolable: list[EffectRow], rows: list[EffectRow], shared: tuple[Overlap, ...]
) -> str:
    if shared:
        return side_by_side_note(shared)
    if poolable:
        return NOT_POOLED_SINGLE
    return NO_INTERVAL if rows else NO_ESTIMATE


def claim_grade(claim: Claim, library: Catalogue | None = None) -> Grade:
    """The claim's GRADE, held to what GRADE requires of its studies (checked again at load)."""
    library = library or catalogue()
    declared = (Downgrade(d.domain, d.levels, d.reason) for d in claim.downgrades)
    return grade(claim.start, declared, library.body(claim))


def _row(ref: EffectRef, study: Study) -> EffectRow:
    outcome = study.outcome(ref.outcome)
    assert outcome is not None and outcome.effect is not None  # checked when the catalogue loads
    effect = outcome.effect
    scale = effect.analysis_scale()
    return EffectRow(
        study_id=study.id,
        label=ref.label or study.label,
        outcome=outcome.name,
        measure=effect.measure,
        estimate=effect.estimate,
        ci_low=effect.ci_low,
        ci_high=effect.ci_high,
        yi=None if scale is None else scale[0],
        vi=None if scale is None else scale[1],
        pooled=ref.pooled and scale is not None,
        reason=ref.reason,
        weight=None,
        risk_of_bias=study.risk_of_bias,
    )


def _with_weights(rows: list[EffectRow], result: PooledResult) -> list[EffectRow]:
    weights = iter(result.weights)
    return [_replace(r, weight=next(weights)) if r.pooled else r for r in rows]


def _unpooled(row: EffectRow) -> EffectRow:
    if not row.pooled:
        return row
    return _replace(row, pooled=False, reason=NOT_POOLED_SINGLE)


def _replace(row: EffectRow, **changes: object) -> EffectRow:
    return replace(row, **changes)  # type: ignore[arg-type]
