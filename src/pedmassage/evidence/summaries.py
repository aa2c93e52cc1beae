"""Short sentences that describe a claim's result and a study's size, shared by every output."""

from __future__ import annotations

from pedmassage.evidence.model import Study
from pedmassage.evidence.synthesis import ClaimSynthesis, EffectRow


def number(value: float | None) -> str:
    """Two decimals for small numbers, none for large ones (965 g), nothing for a missing one."""
    if value is None:
        return ""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.2f}"


def claim_result(s: ClaimSynthesis, *, short: bool = False) -> str:
    """The claim's numbers in one sentence: pooled, side by side, single, without CI, or none."""
    measure, unit = s.claim.measure or "", f" {s.claim.unit}" if s.claim.unit else ""
    if s.side_by_side:
        return _side_by_side(s, measure, unit, short=short)
    if s.pooled is not None:
        p = s.pooled
        est, lo, hi = (number(s.reported(v)) for v in (p.estimate, p.ci_low, p.ci_high))
        if short:
            return f"{measure} {est} ({lo} to {hi}), pooled, k = {p.k}"
        pil, pih = number(s.reported(p.pi_low)), number(s.reported(p.pi_high))
        return (
            f"Pooled {measure} {est}{unit} (95% CI {lo} to {hi}; prediction interval {pil} to "
            f"{pih}); k = {p.k}, {p.method} with {p.test} test; τ² = {p.tau2:.4g}, "
            f"I² = {p.i2:.1f}%, Q = {p.q:.2f} (p = {p.q_p:.3f})."
        )
    single = s.single
    if single is not None:
        text = f"{measure} {number(single.estimate)} ({_ci(single)})"
        if short:
            return f"{text}, single estimate"
        return (
            f"Single estimate, not pooled: {measure} {number(single.estimate)}{unit} "
            f"(95% CI {_ci(single)}), {single.label}."
        )
    if s.rows:
        values = ", ".join(f"{number(r.estimate)} ({r.label})" for r in s.rows)
        if short:
            return f"{measure} " + ", ".join(number(r.estimate) for r in s.rows) + " (no CI)"
        return f"Not pooled, no confidence interval reported: {measure} {values}."
    if short:
        return "no estimate reported"
    return (
        f"No effect estimate in the reference; the claim rests on the reported findings of "
        f"{len(s.studies)} {'study' if len(s.studies) == 1 else 'studies'}."
    )


def _side_by_side(s: ClaimSynthesis, measure: str, unit: str, *, short: bool) -> str:
    """Each estimate with its own interval and label, and no pooled number anywhere."""
    if short:
        values = "; ".join(f"{number(r.estimate)} ({r.label})" for r in s.rows)
        return f"{measure} {values}, side by side (reviews share trials)"
    values = "; ".join(_with_ci(r) for r in s.rows)
    return f"{measure}{unit}: {values}. {s.note}"


def _with_ci(row: EffectRow) -> str:
    interval = f" (95% CI {_ci(row)})" if row.ci_low is not None else " (no CI)"
    return f"{row.label} {number(row.estimate)}{interval}"


def _ci(row: EffectRow) -> str:
    return f"{number(row.ci_low)} to {number(row.ci_high)}"


def design_and_size(study: Study) -> str:
    """``RCT, n = 20 + 20`` or ``meta-analysis of RCTs, 15 studies, n = 697``."""
    n = study.n
    parts: list[str] = [study.design]
    if n.studies:
        parts.append(f"{n.studies} studies")
    if n.massage and n.control:
        parts.append(f"n = {n.massage} + {n.control}")
    elif n.total:
        parts.append(f"n = {n.total}")
    if not (n.studies or n.total or n.massage):
        parts.append("n not reported")
    return ", ".join(parts)
