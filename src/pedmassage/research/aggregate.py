"""Pooling a trial across sites without moving patient data.

Each site runs :func:`site_aggregate` on its own analysed children and sends only the document it
returns (``pedmassage research aggregate --study STUDY --output FILE`` writes it as JSON): counts,
means and SDs per arm and per stratum with small cells suppressed, and the site's own ANCOVA
estimate (after ~ before + arm) with its variance. The coordinating centre reads each document
back with :func:`read_aggregate`, which refuses anything malformed or altered, and pools the site
estimates with :func:`pool_aggregates`: a two-stage individual-patient-data (IPD) meta-analysis in
which no child's row ever leaves their site.

How close two stages come to one. The one-stage IPD ANCOVA with site as a fixed effect
(after ~ before + arm + site) shares one baseline slope and one residual variance across sites; the
two-stage analysis lets every site have its own, so the two agree only approximately, and the gap
shrinks as sites grow. For a three-site trial of 60, 45 and 80 children on a 0–10 score
(residual SD 1 point, adjusted effect −1.5, ANCOVA SE about 0.15 points), over 2,000 simulated
trials the common-effect (``FE``) pool of the site documents was within 0.1 points of the one-stage
estimate in 99.6 % of them (median gap 0.015 points) and its SE within 7.5 % of the one-stage SE
in all but one (median 0.9 %). The tests hold the pool to those bounds; a bound of 0.05 points is
exceeded by about one such trial in fourteen. With fewer children per site the gap widens, and a
random-effects ``method`` departs further from the one-stage model when the sites disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeGuard

import numpy as np

from pedmassage.errors import ValidationError
from pedmassage.stats.pooling import pool
from pedmassage.stats.tau2 import Method
from pedmassage.stats.trial import MIN_PER_ARM, ancova

FORMAT: Final = "pedmassage-trial-aggregate/1"
"""The document's format; a reader refuses any other, so a changed layout cannot be misread."""

SUPPRESSED: Final = "suppressed"
"""What a suppressed count becomes, as in the de-identified exports: a word rather than ``<5``,
because a cell hidden to protect another (complementary suppression) may be large."""

ANALYSES: Final = ("intention-to-treat", "per-protocol")
"""Which children were analysed; sites that analysed different sets ran different analyses."""

MAX_LABEL_CHARS: Final = 80
"""Labels (study, site, outcome, arms, strata) are short names, not room for free text."""

SE_CONSISTENCY: Final = 1e-6
"""Relative tolerance for ``se`` against √``variance``: both are written from one fit, so a larger
gap means the document was altered."""

METHOD_IN_WORDS: Final[Mapping[Method, str]] = {
    "FE": "common-effect (inverse-variance)",
    "DL": "random-effects (DerSimonian–Laird τ²)",
    "REML": "random-effects (REML τ²)",
    "PM": "random-effects (Paule–Mandel τ²)",
}


@dataclass(frozen=True)
class OutcomeRow:
    """One analysed child of one site's trial: arm, randomization stratum and the two scores.

    No identifier: nothing in a row can be linked to a child, and nothing from a row leaves the
    site except through the aggregates of :func:`site_aggregate`.
    """

    arm: str
    stratum: str
    before: float
    after: float


@dataclass(frozen=True)
class ScoreSummary:
    """Count, means and SDs of a group of children.

    ``n`` is None when the count is suppressed, and then every score is None too. Means are None
    for an empty group and SDs for a group of fewer than two (JSON has no NaN).
    """

    n: int | None
    before_mean: float | None
    before_sd: float | None
    after_mean: float | None
    after_sd: float | None

    @property
    def suppressed(self) -> bool:
        return self.n is None


HIDDEN: Final = ScoreSummary(None, None, None, None, None)


@dataclass(frozen=True)
class CellSummary:
    """One arm within one stratum at one site."""

    arm: str
    stratum: str
    scores: ScoreSummary


@dataclass(frozen=True)
class ArmTotal:
    """One arm at one site, all strata together."""

    arm: str
    scores: ScoreSummary


@dataclass(frozen=True)
class SiteEffect:
    """The site's ANCOVA: adjusted mean difference ``arm`` − ``reference_arm`` and its variance.

    ``df`` is the residual degrees of freedom (n − 3) and ``n`` the children analysed.
    """

    estimate: float
    variance: float
    se: float
    df: int
    n: int


@dataclass(frozen=True)
class SiteAggregate:
    """One site's document, checked. ``source`` names where it came from (a file name) and is
    not part of the document; errors about the document name it.

    Exactly one of ``effect`` and ``effect_withheld`` (the reason) is None.
    """

    source: str
    study: str
    protocol_version: int
    site: str
    outcome: str
    analysis: str
    reference_arm: str
    arm: str
    min_cell: int
    cells: tuple[CellSummary, ...]
    arms: tuple[ArmTotal, ...]
    effect: SiteEffect | None
    effect_withheld: str | None

    def to_document(self) -> dict[str, Any]:
        """The JSON-ready document, with exactly the keys a reader accepts."""
        return {
            "format": FORMAT,
            "study": self.study,
            "protocol_version": self.protocol_version,
            "site": self.site,
            "outcome": self.outcome,
            "analysis": self.analysis,
            "reference_arm": self.reference_arm,
            "arm": self.arm,
            "min_cell": self.min_cell,
            "cells": [
                {"arm": c.arm, "stratum": c.stratum, **_scores_document(c.scores)}
                for c in self.cells
            ],
            "arms": [{"arm": a.arm, **_scores_document(a.scores)} for a in self.arms],
            "effect": None if self.effect is None else _effect_document(self.effect),
            "effect_withheld": self.effect_withheld,
        }


@dataclass(frozen=True)
class SiteWeight:
    """A site's share of the pooled estimate's total weight, in percent."""

    site: str
    weight: float


@dataclass(frozen=True)
class ExcludedSite:
    """A site whose effect was withheld, and the reason its document gives."""

    site: str
    reason: str


@dataclass(frozen=True)
class ArmCount:
    """Children of one arm across the sites.

    ``n_pooled`` counts the sites in the pool (exact: a site shares its effect only when both arm
    totals are shown). ``n_all_sites`` adds the excluded sites' totals where they were shown;
    ``suppressed_sites`` sites hid this arm's total, each holding 1 to its ``min_cell`` − 1 more.
    """

    arm: str
    n_pooled: int
    n_all_sites: int
    suppressed_sites: int


@dataclass(frozen=True)
class PooledTrial:
    """The trial's adjusted mean difference pooled across the sites that shared an effect.

    ``i2`` is a percentage and ``tau2`` is 0 for ``FE``; ``p`` is from the z test.
    """

    study: str
    protocol_version: int
    outcome: str
    analysis: str
    arm: str
    reference_arm: str
    method: Method
    level: float
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    tau2: float
    i2: float
    weights: tuple[SiteWeight, ...]
    excluded: tuple[ExcludedSite, ...]
    arms: tuple[ArmCount, ...]
    method_in_words: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists and numbers, for ``json.dumps`` and the command line."""
        return {
            "study": self.study,
            "protocol_version": self.protocol_version,
            "outcome": self.outcome,
            "analysis": self.analysis,
            "arm": self.arm,
            "reference_arm": self.reference_arm,
            "method": self.method,
            "level": self.level,
            "k": self.k,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p": self.p,
            "tau2": self.tau2,
            "i2": self.i2,
            "weights": [{"site": w.site, "weight": w.weight} for w in self.weights],
            "excluded": [{"site": e.site, "reason": e.reason} for e in self.excluded],
            "arms": [
                {
                    "arm": a.arm,
                    "n_pooled": a.n_pooled,
                    "n_all_sites": a.n_all_sites,
                    "suppressed_sites": a.suppressed_sites,
                }
                for a in self.arms
            ],
            "method_in_words": self.method_in_words,
        }


# ----------------------------------------------------------------------------- the site's document


def site_aggregate(
    *,
    study: str,
    protocol_version: int,
    site: str,
    outcome: str,
    rows: Sequence[OutcomeRow],
    reference_arm: str,
    min_cell: int = 5,
    analysis: str = "intention-to-treat",
) -> dict[str, Any]:
    """The non-disclosive document one site shares: aggregates and its own ANCOVA, no rows.

    Cells (arm × stratum) and arm totals of 1 to ``min_cell`` − 1 children are suppressed, with
    complementary suppression inside each arm (see :func:`_hidden_strata`).

    Why the effect may be shared beside a suppressed cell: the estimate and its variance are the
    minimum a two-stage IPD meta-analysis needs from a site, and they are functions of every
    child at the site (the arm means, one pooled within-arm baseline slope, one residual
    variance), so recovering one child's score from them would need every other child's scores.
    A suppressed cell is not recoverable from them either: they do not break down by stratum.

    Why it is withheld when an arm has fewer than ``min_cell`` children: the effect is then
    driven by a handful of scores, so together with the other arm's published aggregates it would
    let a reader who knows one or two children recover another's score; and the arm's total is
    suppressed, which the effect's ``n`` would undo. The reason given states only that the arm is
    under ``min_cell``, which its suppressed total already says. With fewer than two children in
    an arm (reachable only when ``min_cell`` is 1) the ANCOVA cannot be fitted at all.
    """
    _label("study", study)
    _label("site", site)
    _label("outcome", outcome)
    _label("reference_arm", reference_arm)
    _whole("protocol_version", protocol_version, minimum=1)
    _whole("min_cell", min_cell, minimum=1)
    if analysis not in ANALYSES:
        raise ValidationError("analysis", analysis, "one of " + ", ".join(ANALYSES))
    _check_rows(rows)
    arm = _other_arm(rows, reference_arm)
    effect, withheld = _site_effect(rows, reference_arm, arm, min_cell)
    aggregate = SiteAggregate(
        source=site,
        study=study,
        protocol_version=protocol_version,
        site=site,
        outcome=outcome,
        analysis=analysis,
        reference_arm=reference_arm,
        arm=arm,
        min_cell=min_cell,
        cells=_cells(rows, (reference_arm, arm), min_cell),
        arms=tuple(_arm_total(rows, name, min_cell) for name in (reference_arm, arm)),
        effect=effect,
        effect_withheld=withheld,
    )
    return aggregate.to_document()


def _check_rows(rows: Sequence[OutcomeRow]) -> None:
    """Labelled rows with finite scores; a NaN would silently poison a mean or the fit."""
    if not rows:
        raise ValidationError("rows", 0, "the site's analysed children, at least one")
    for index, row in enumerate(rows):
        _label(f"rows[{index}].arm", row.arm)
        _label(f"rows[{index}].stratum", row.stratum)
        for name in ("before", "after"):
            value = getattr(row, name)
            if not _is_number(value):
                raise ValidationError(f"rows[{index}].{name}", value, "a finite score")


def _other_arm(rows: Sequence[OutcomeRow], reference_arm: str) -> str:
    """The one arm compared with the reference; a document holds exactly one comparison."""
    names = sorted({row.arm for row in rows})
    if len(names) != 2 or reference_arm not in names:
        allowed = f"exactly two arms, one of them {reference_arm}"
        raise ValidationError("rows.arm", ", ".join(names), allowed)
    return next(name for name in names if name != reference_arm)


def _site_effect(
    rows: Sequence[OutcomeRow], reference_arm: str, arm: str, min_cell: int
) -> tuple[SiteEffect | None, str | None]:
    """The site's ANCOVA, or None and the reason it is withheld (see :func:`site_aggregate`)."""
    for name in (reference_arm, arm):
        if sum(row.arm == name for row in rows) < min_cell:
            return None, (
                f"{name} has fewer than {min_cell} children at this site: with so few, the effect "
                "could reveal a child's score"
            )
    for name in (reference_arm, arm):
        if sum(row.arm == name for row in rows) < MIN_PER_ARM:
            return None, (
                f"{name} has fewer than {MIN_PER_ARM} children at this site: the ANCOVA cannot "
                "be fitted"
            )
    fit = ancova(
        before=[row.before for row in rows],
        after=[row.after for row in rows],
        arm=[row.arm for row in rows],
        reference_arm=reference_arm,
    )
    effect = SiteEffect(fit.estimate, fit.variance, fit.se, fit.df, len(rows))
    return effect, None


def _cells(
    rows: Sequence[OutcomeRow], arms: tuple[str, str], min_cell: int
) -> tuple[CellSummary, ...]:
    """Every arm × stratum seen at the site (an empty cell shows 0: it points at nobody)."""
    strata = sorted({row.stratum for row in rows})
    cells: list[CellSummary] = []
    for arm in arms:
        groups = {s: [r for r in rows if r.arm == arm and r.stratum == s] for s in strata}
        hidden = _hidden_strata({s: len(group) for s, group in groups.items()}, min_cell)
        cells.extend(
            CellSummary(arm, s, HIDDEN if s in hidden else _scores(group))
            for s, group in groups.items()
        )
    return tuple(cells)


def _hidden_strata(counts: Mapping[str, int], min_cell: int) -> set[str]:
    """The strata of one arm whose cells are suppressed, given that the arm total is published.

    Primary: a count from 1 to ``min_cell`` − 1. Complementary: the arm total minus the shown
    cells gives the union of the hidden ones (its count, mean, and SD through the sums of
    squares), so the hidden cells must be at least two and hold at least ``min_cell`` children
    together; the smallest non-empty shown cells are hidden until they do. When the arm total is
    itself under ``min_cell`` it is suppressed too, and every non-empty cell with it.
    """
    hidden = {stratum for stratum, n in counts.items() if 0 < n < min_cell}
    if not hidden or sum(counts.values()) < min_cell:
        return hidden
    shown = sorted(
        (stratum for stratum, n in counts.items() if n > 0 and stratum not in hidden),
        key=lambda stratum: (counts[stratum], stratum),
    )
    for stratum in shown:
        if len(hidden) >= 2 and sum(counts[s] for s in hidden) >= min_cell:
            break
        hidden.add(stratum)
    return hidden


def _arm_total(rows: Sequence[OutcomeRow], arm: str, min_cell: int) -> ArmTotal:
    group = [row for row in rows if row.arm == arm]
    return ArmTotal(arm, HIDDEN if 0 < len(group) < min_cell else _scores(group))


def _scores(group: Sequence[OutcomeRow]) -> ScoreSummary:
    before = np.array([row.before for row in group], dtype=np.float64)
    after = np.array([row.after for row in group], dtype=np.float64)
    return ScoreSummary(
        n=len(group),
        before_mean=float(before.mean()) if before.size else None,
        before_sd=float(before.std(ddof=1)) if before.size >= MIN_PER_ARM else None,
        after_mean=float(after.mean()) if after.size else None,
        after_sd=float(after.std(ddof=1)) if after.size >= MIN_PER_ARM else None,
    )


def _scores_document(scores: ScoreSummary) -> dict[str, Any]:
    return {
        "n": SUPPRESSED if scores.n is None else scores.n,
        "before_mean": scores.before_mean,
        "before_sd": scores.before_sd,
        "after_mean": scores.after_mean,
        "after_sd": scores.after_sd,
    }


def _effect_document(effect: SiteEffect) -> dict[str, Any]:
    return {
        "estimate": effect.estimate,
        "variance": effect.variance,
        "se": effect.se,
        "df": effect.df,
        "n": effect.n,
    }


def _label(name: str, value: object) -> str:
    """A short one-line name: labels travel in the document, and free text could carry anything."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_LABEL_CHARS
        or not value.isprintable()
    ):
        allowed = f"a one-line label of 1 to {MAX_LABEL_CHARS} characters"
        raise ValidationError(name, value, allowed)
    return value


def _whole(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(name, value, f"a whole number, {minimum} or more")
    return value


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# ----------------------------------------------------------------------------- reading a document

DOCUMENT_KEYS: Final = frozenset(
    {
        "format",
        "study",
        "protocol_version",
        "site",
        "outcome",
        "analysis",
        "reference_arm",
        "arm",
        "min_cell",
        "cells",
        "arms",
        "effect",
        "effect_withheld",
    }
)
SCORE_KEYS: Final = frozenset({"n", "before_mean", "before_sd", "after_mean", "after_sd"})
CELL_KEYS: Final = SCORE_KEYS | {"arm", "stratum"}
ARM_KEYS: Final = SCORE_KEYS | {"arm"}
EFFECT_KEYS: Final = frozenset({"estimate", "variance", "se", "df", "n"})


def read_aggregate(document: Mapping[str, Any], *, source: str) -> SiteAggregate:
    """A site's document read back from a file, checked field by field.

    Refused, naming ``source`` and the field's path (``site-b.json: effect.variance``): another
    format, a missing or unknown key (an unknown key could carry something identifying), a value
    of the wrong type, a non-positive variance, an ``se`` that is not its square root, a shown
    count under ``min_cell``, and an effect shared while an arm total is suppressed.
    """
    reader = _Reader(source)
    if document.get("format") != FORMAT:
        raise reader.refuse("format", document.get("format"), FORMAT)
    reader.keys("", document, DOCUMENT_KEYS)
    min_cell = reader.whole("min_cell", document["min_cell"], minimum=1)
    reference_arm = reader.label("reference_arm", document["reference_arm"])
    arm = reader.label("arm", document["arm"])
    analysis = reader.label("analysis", document["analysis"])
    if analysis not in ANALYSES:
        raise reader.refuse("analysis", analysis, "one of " + ", ".join(ANALYSES))
    arms = _read_arms(reader, document["arms"], (reference_arm, arm), min_cell)
    effect, withheld = _read_effect(reader, document["effect"], document["effect_withheld"], arms)
    return SiteAggregate(
        source=source,
        study=reader.label("study", document["study"]),
        protocol_version=reader.whole("protocol_version", document["protocol_version"], minimum=1),
        site=reader.label("site", document["site"]),
        outcome=reader.label("outcome", document["outcome"]),
        analysis=analysis,
        reference_arm=reference_arm,
        arm=arm,
        min_cell=min_cell,
        cells=_read_cells(reader, document["cells"], (reference_arm, arm), min_cell),
        arms=arms,
        effect=effect,
        effect_withheld=withheld,
    )


class _Reader:
    """Checks of one document, each refusal naming the source and the field's path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def refuse(self, path: str, value: object, allowed: str) -> ValidationError:
        return ValidationError(f"{self.source}: {path}", value, allowed)

    def keys(self, path: str, value: object, expected: frozenset[str]) -> Mapping[str, Any]:
        where = f"{path}." if path else ""
        if not isinstance(value, Mapping):
            raise self.refuse(path or "document", value, "an object")
        missing = sorted(expected - set(value))
        if missing:
            raise self.refuse(where + missing[0], "missing", "a value for every field of " + FORMAT)
        unknown = sorted(str(key) for key in set(value) - expected)
        if unknown:
            raise self.refuse(where + unknown[0], value[unknown[0]], "only the fields of " + FORMAT)
        return value

    def items(self, path: str, value: object) -> list[Any]:
        if not isinstance(value, list):
            raise self.refuse(path, value, "a list")
        return value

    def label(self, path: str, value: object) -> str:
        try:
            return _label(path, value)
        except ValidationError as error:
            raise self.refuse(path, value, error.allowed) from None

    def whole(self, path: str, value: object, *, minimum: int) -> int:
        try:
            return _whole(path, value, minimum=minimum)
        except ValidationError as error:
            raise self.refuse(path, value, error.allowed) from None

    def number(self, path: str, value: object) -> float:
        if not _is_number(value):
            raise self.refuse(path, value, "a finite number")
        return float(value)

    def number_or_none(self, path: str, value: object, *, present: bool) -> float | None:
        """A number when ``present``, else null (a suppressed or too small group has none)."""
        if present:
            return self.number(path, value)
        if value is not None:
            raise self.refuse(path, value, "null: the group is suppressed or too small for it")
        return None


def _read_scores(
    reader: _Reader, path: str, entry: Mapping[str, Any], min_cell: int
) -> ScoreSummary:
    raw_n = entry["n"]
    if isinstance(raw_n, str) and raw_n == SUPPRESSED:
        n = None
    else:
        n = reader.whole(f"{path}.n", raw_n, minimum=0)
        if 0 < n < min_cell:
            allowed = f"0, {min_cell} or more, or {SUPPRESSED!r} (min_cell is {min_cell})"
            raise reader.refuse(f"{path}.n", n, allowed)
    has_mean, has_sd = n is not None and n > 0, n is not None and n >= MIN_PER_ARM

    def read(key: str, present: bool) -> float | None:
        return reader.number_or_none(f"{path}.{key}", entry[key], present=present)

    return ScoreSummary(
        n=n,
        before_mean=read("before_mean", has_mean),
        before_sd=read("before_sd", has_sd),
        after_mean=read("after_mean", has_mean),
        after_sd=read("after_sd", has_sd),
    )


def _read_cells(
    reader: _Reader, value: object, arms: tuple[str, str], min_cell: int
) -> tuple[CellSummary, ...]:
    cells: list[CellSummary] = []
    for index, raw in enumerate(reader.items("cells", value)):
        path = f"cells[{index}]"
        entry = reader.keys(path, raw, CELL_KEYS)
        arm = reader.label(f"{path}.arm", entry["arm"])
        if arm not in arms:
            raise reader.refuse(f"{path}.arm", arm, "one of the compared arms: " + ", ".join(arms))
        stratum = reader.label(f"{path}.stratum", entry["stratum"])
        cells.append(CellSummary(arm, stratum, _read_scores(reader, path, entry, min_cell)))
    return tuple(cells)


def _read_arms(
    reader: _Reader, value: object, arms: tuple[str, str], min_cell: int
) -> tuple[ArmTotal, ...]:
    entries = reader.items("arms", value)
    if len(entries) != len(arms):
        raise reader.refuse("arms", len(entries), f"one total per arm: {', '.join(arms)}")
    totals: list[ArmTotal] = []
    for index, (raw, expected) in enumerate(zip(entries, arms, strict=True)):
        path = f"arms[{index}]"
        entry = reader.keys(path, raw, ARM_KEYS)
        if entry["arm"] != expected:
            raise reader.refuse(f"{path}.arm", entry["arm"], f"{expected} (reference arm first)")
        totals.append(ArmTotal(expected, _read_scores(reader, path, entry, min_cell)))
    return tuple(totals)


def _read_effect(
    reader: _Reader, value: object, withheld: object, arms: tuple[ArmTotal, ...]
) -> tuple[SiteEffect | None, str | None]:
    """The shared effect, or None and the reason; never both, never neither."""
    if value is None:
        if not isinstance(withheld, str) or not withheld.strip():
            raise reader.refuse("effect_withheld", withheld, "the reason the effect is withheld")
        return None, withheld
    if withheld is not None:
        raise reader.refuse("effect_withheld", withheld, "null: the effect is shared")
    for total in arms:
        if total.scores.suppressed:
            allowed = f"null: {total.arm}'s total is suppressed, so the effect must be withheld"
            raise reader.refuse("effect", "shared", allowed)
    return _read_shared_effect(reader, reader.keys("effect", value, EFFECT_KEYS), arms), None


def _read_shared_effect(
    reader: _Reader, entry: Mapping[str, Any], arms: tuple[ArmTotal, ...]
) -> SiteEffect:
    variance = reader.number("effect.variance", entry["variance"])
    if variance <= 0:
        raise reader.refuse("effect.variance", variance, "a number greater than 0")
    se = reader.number("effect.se", entry["se"])
    if not math.isclose(se, math.sqrt(variance), rel_tol=SE_CONSISTENCY):
        raise reader.refuse("effect.se", se, f"the square root of effect.variance ({variance})")
    n = reader.whole("effect.n", entry["n"], minimum=2 * MIN_PER_ARM)
    counted = sum(total.scores.n or 0 for total in arms)
    if n != counted:
        raise reader.refuse("effect.n", n, f"the sum of the arm totals, {counted}")
    df = reader.whole("effect.df", entry["df"], minimum=1)
    if df != n - 3:
        raise reader.refuse("effect.df", df, f"effect.n − 3 = {n - 3} (after ~ before + arm)")
    return SiteEffect(reader.number("effect.estimate", entry["estimate"]), variance, se, df, n)


# ----------------------------------------------------------------------------- pooling the sites

SAME_TRIAL: Final[tuple[tuple[str, Callable[[SiteAggregate], object]], ...]] = (
    ("study", lambda a: a.study),
    ("protocol_version", lambda a: a.protocol_version),
    ("outcome", lambda a: a.outcome),
    ("analysis", lambda a: a.analysis),
    ("arm", lambda a: f"{a.arm} vs {a.reference_arm}"),
)
"""What every pooled site must share: pooling two studies, two protocol versions, two outcomes,
intention-to-treat with per-protocol, or "B − A" with "A − B" answers no single question."""


def pool_aggregates(
    aggregates: Sequence[SiteAggregate], *, method: Method = "REML", level: float = 0.95
) -> PooledTrial:
    """Pool the sites' ANCOVA estimates (stage 2 of a two-stage IPD meta-analysis).

    Sites whose effect was withheld are listed in ``excluded`` with their reasons rather than
    dropped unseen; at least one site must have shared an effect (two for a random-effects
    ``method``). ``method="FE"`` is the common-effect pool, the two-stage counterpart of the
    one-stage ANCOVA with site as a fixed effect (see the module docstring for how close).
    """
    if not aggregates:
        raise ValidationError("aggregates", 0, "at least one site's aggregate document")
    _refuse_mixed(aggregates)
    _refuse_repeated_sites(aggregates)
    pooled = [a for a in aggregates if a.effect is not None]
    excluded = tuple(
        ExcludedSite(a.site, a.effect_withheld or "") for a in aggregates if a.effect is None
    )
    if not pooled:
        reasons = "; ".join(f"{e.site}: {e.reason}" for e in excluded)
        raise ValidationError("aggregates", reasons, "at least one site that shared its effect")
    result = pool(
        [a.effect.estimate for a in pooled if a.effect is not None],
        [a.effect.variance for a in pooled if a.effect is not None],
        method=method,
        level=level,
    )
    first = aggregates[0]
    return PooledTrial(
        study=first.study,
        protocol_version=first.protocol_version,
        outcome=first.outcome,
        analysis=first.analysis,
        arm=first.arm,
        reference_arm=first.reference_arm,
        method=result.method,
        level=result.level,
        k=result.k,
        estimate=result.estimate,
        se=result.se,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        p=result.p,
        tau2=result.tau2,
        i2=result.i2,
        weights=tuple(SiteWeight(a.site, w) for a, w in zip(pooled, result.weights, strict=True)),
        excluded=excluded,
        arms=tuple(_arm_count(aggregates, name) for name in (first.reference_arm, first.arm)),
        method_in_words=_method_in_words(first, result.method, result.k, len(excluded)),
    )


def _refuse_mixed(aggregates: Sequence[SiteAggregate]) -> None:
    first = aggregates[0]
    for aggregate in aggregates[1:]:
        for field, value_of in SAME_TRIAL:
            if value_of(aggregate) != value_of(first):
                raise ValidationError(
                    f"{aggregate.source}: {field}",
                    value_of(aggregate),
                    f"{value_of(first)!r}, as in {first.source}: sites pooled together must "
                    f"share the {field.replace('_', ' ')}",
                )


def _refuse_repeated_sites(aggregates: Sequence[SiteAggregate]) -> None:
    """The same site twice would count its children twice."""
    seen: dict[str, str] = {}
    for aggregate in aggregates:
        if aggregate.site in seen:
            allowed = f"a site label not used already (by {seen[aggregate.site]})"
            raise ValidationError(f"{aggregate.source}: site", aggregate.site, allowed)
        seen[aggregate.site] = aggregate.source


def _arm_count(aggregates: Sequence[SiteAggregate], arm: str) -> ArmCount:
    totals = [(a, t.scores.n) for a in aggregates for t in a.arms if t.arm == arm]
    return ArmCount(
        arm=arm,
        n_pooled=sum(n or 0 for a, n in totals if a.effect is not None),
        n_all_sites=sum(n or 0 for _, n in totals),
        suppressed_sites=sum(n is None for _, n in totals),
    )


def _method_in_words(first: SiteAggregate, method: Method, k: int, excluded: int) -> str:
    sites = "site" if k == 1 else "sites"
    words = (
        f"{METHOD_IN_WORDS[method]} pool of {k} {sites}' ANCOVA estimates (after ~ before + arm, "
        f"{first.analysis}) of {first.outcome}: {first.arm} minus {first.reference_arm}"
    )
    if excluded:
        words += f"; {excluded} site{'s' if excluded > 1 else ''} excluded, effect withheld"
    return words
