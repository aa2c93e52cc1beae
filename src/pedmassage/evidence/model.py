"""The shape of the study catalogue (``studies/*.yaml``), checked at load.

A study entry holds only what the clinical reference reports: a number the reference does not give
stays empty (``None``), never estimated. Effect estimates come in the forms published papers use:
group means without SDs (no effect size can be computed), means with SDs, 2×2 counts, or an effect
with its 95% confidence interval. Risk of bias uses the Cochrane RoB 2 domains, each
``not assessed`` unless the reference supports a judgement, which is then stated in ``basis``.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
UNVERIFIED_MARK = "UNVERIFIED"

Design = Literal[
    "RCT",
    "pilot RCT",
    "crossover pilot",
    "controlled trial",
    "controlled pilot",
    "quasi-experimental",
    "cohort",
    "retrospective review",
    "service evaluation",
    "meta-analysis of RCTs",
    "meta-analysis (mostly RCTs)",
    "meta-analysis",
    "systematic review",
    "narrative review",
    "not reported",
]
RANDOMIZED_DESIGNS: frozenset[str] = frozenset(
    {"RCT", "pilot RCT", "meta-analysis of RCTs", "meta-analysis (mostly RCTs)"}
)
"""Designs whose evidence starts GRADE at high; every other design starts at low. "Controlled"
trials whose reference does not say they were randomized are not counted as randomized, nor is a
plain "meta-analysis" whose source does not say what designs it pooled."""

REVIEW_DESIGNS: frozenset[str] = frozenset(
    {
        "meta-analysis of RCTs",
        "meta-analysis (mostly RCTs)",
        "meta-analysis",
        "systematic review",
        "narrative review",
    }
)
"""Secondary studies: they report on other studies' participants, so they can share them."""

Deliverer = Literal["parent", "therapist", "nurse", "staff and parents", "various", "not reported"]
Judgement = Literal["low", "some concerns", "high", "not assessed"]
JUDGEMENT_ORDER: dict[str, int] = {"low": 0, "some concerns": 1, "high": 2}
EffectMeasure = Literal["MD", "SMD", "g", "ES", "RR", "OR", "RD"]
RATIO_MEASURES: frozenset[str] = frozenset({"RR", "OR"})
Z_95 = 1.96
"""The normal quantile reviews use when they print a 95% CI; it turns a CI back into a variance."""


class Spec(BaseModel):
    """Frozen, and strict about unknown keys: a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Arms(Spec):
    """Participants as reported: per arm where given, otherwise the total only."""

    massage: int | None = Field(None, ge=1)
    control: int | None = Field(None, ge=1)
    total: int | None = Field(None, ge=1)
    studies: int | None = Field(None, ge=1, description="for reviews: studies included")
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Arms:
        arms = (self.massage or 0) + (self.control or 0)
        if self.massage and self.control and self.total and self.total < arms:
            raise ValueError("total is smaller than the two arms together")
        return self

    @property
    def participants(self) -> int | None:
        """Everyone in the study: the total, or both arms added up; None when not reported."""
        if self.total:
            return self.total
        if self.massage and self.control:
            return self.massage + self.control
        return None


class Intervention(Spec):
    """Who gives the massage, what it is, and its dose, as far as the reference says."""

    description: str = Field(min_length=1)
    deliverer: Deliverer = "not reported"
    minutes: int | None = Field(None, ge=1, le=240)
    frequency: str | None = None
    duration: str | None = None


class RiskOfBias(Spec):
    """Cochrane RoB 2 judgements; ``basis`` quotes what the reference says behind any judgement."""

    randomization: Judgement = "not assessed"
    deviations: Judgement = "not assessed"
    missing_data: Judgement = "not assessed"
    measurement: Judgement = "not assessed"
    selection: Judgement = "not assessed"
    overall: Judgement = "not assessed"
    basis: str | None = None

    @property
    def domains(self) -> tuple[tuple[str, Judgement], ...]:
        """The five domains and the overall judgement, in RoB 2 order, with their short names."""
        return (
            ("D1", self.randomization),
            ("D2", self.deviations),
            ("D3", self.missing_data),
            ("D4", self.measurement),
            ("D5", self.selection),
            ("Overall", self.overall),
        )

    @property
    def assessed(self) -> bool:
        return any(j != "not assessed" for _, j in self.domains)

    @model_validator(mode="after")
    def _supported(self) -> RiskOfBias:
        if self.assessed and not self.basis:
            raise ValueError("a risk-of-bias judgement needs its basis from the reference")
        worst = max(
            (JUDGEMENT_ORDER[j] for _, j in self.domains[:5] if j in JUDGEMENT_ORDER), default=-1
        )
        if self.overall in JUDGEMENT_ORDER and JUDGEMENT_ORDER[self.overall] < worst:
            raise ValueError("overall risk of bias cannot be better than the worst domain (RoB 2)")
        if worst == JUDGEMENT_ORDER["high"] and self.overall != "high":
            raise ValueError("a domain at high risk makes the overall judgement high (RoB 2)")
        return self


DOMAIN_NAMES: dict[str, str] = {
    "D1": "Randomization process",
    "D2": "Deviations from intended interventions",
    "D3": "Missing outcome data",
    "D4": "Measurement of the outcome",
    "D5": "Selection of the reported result",
    "Overall": "Overall",
}


class GroupMeans(Spec):
    """Group means reported without SDs: enough to describe, not enough for an effect size."""

    massage: float
    control: float


class WithinGroup(Spec):
    """Before and after in the massage group only: a change, not a comparison with control."""

    before: float
    after: float


class MeansSDs(Spec):
    """Means, SDs and sizes per group (group 1 = massage), for an MD or SMD."""

    m1i: float
    sd1i: float = Field(gt=0)
    n1i: int = Field(ge=2)
    m2i: float
    sd2i: float = Field(gt=0)
    n2i: int = Field(ge=2)


class Counts(Spec):
    """A 2×2 table: events and non-events in the massage (a, b) and control (c, d) groups."""

    ai: int = Field(ge=0)
    bi: int = Field(ge=0)
    ci: int = Field(ge=0)
    di: int = Field(ge=0)


class ReportedEffect(Spec):
    """An effect as printed (a mean difference, Hedges' g, a risk ratio…), with its 95% CI if any.

    Only an effect with a CI can be pooled: the CI gives back its variance.
    """

    measure: EffectMeasure
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None

    @property
    def ratio(self) -> bool:
        return self.measure in RATIO_MEASURES

    def analysis_scale(self) -> tuple[float, float] | None:
        """``(yi, vi)`` for pooling: log scale for ratios; vi = ((hi − lo)/(2·1.96))²."""
        if self.ci_low is None or self.ci_high is None:
            return None
        if self.ratio:
            yi, lo, hi = math.log(self.estimate), math.log(self.ci_low), math.log(self.ci_high)
        else:
            yi, lo, hi = self.estimate, self.ci_low, self.ci_high
        return yi, ((hi - lo) / (2 * Z_95)) ** 2

    @model_validator(mode="after")
    def _interval(self) -> ReportedEffect:
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError("give both ends of the confidence interval, or neither")
        if self.ratio and self.estimate <= 0:
            raise ValueError("a ratio must be greater than 0")
        if self.ci_low is not None and self.ci_high is not None:
            if self.ratio and self.ci_low <= 0:
                raise ValueError("a ratio's confidence interval must be above 0")
            if not self.ci_low <= self.estimate <= self.ci_high:
                raise ValueError("the estimate must lie inside its confidence interval")
        return self


class Outcome(Spec):
    """One reported outcome: the finding in words, and whatever numbers the reference gives."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    unit: str | None = None
    finding: str = Field(min_length=1)
    group_means: GroupMeans | None = None
    within_group: WithinGroup | None = None
    means: MeansSDs | None = None
    counts: Counts | None = None
    effect: ReportedEffect | None = None
    percent: float | None = Field(None, ge=0, le=100, description="share of participants")
    p_value: str | None = None
    significant: bool | None = None
    reported_by: str | None = Field(
        None, description="where the numbers come from, if not the paper"
    )
    notes: str | None = None

    @property
    def has_numbers(self) -> bool:
        blocks = (self.group_means, self.within_group, self.means, self.counts, self.effect)
        return any(b is not None for b in blocks) or self.percent is not None


class IncludedTrials(Spec):
    """The primary studies a review pooled, as far as its source names them.

    Two reviews that pool the same trial count its children twice, so whether two secondary
    studies may sit in one pool is decided from this list, never assumed: ``complete`` is true
    only when ``trials`` is the review's whole list, read from its paper. A list that is partial
    (or a review without one) may share any trial, and is treated as sharing.
    """

    trials: tuple[str, ...] = Field((), description="catalogue ids of primary studies included")
    complete: bool = False
    basis: str = Field(min_length=1, description="where the list comes from, or why it is partial")

    @model_validator(mode="after")
    def _unique(self) -> IncludedTrials:
        if len(self.trials) != len(set(self.trials)):
            raise ValueError("a trial is listed twice among the included trials")
        return self


class Study(Spec):
    """One published study or review, with the numbers the reference reports and nothing more."""

    id: str = Field(pattern=ID_PATTERN)
    version: int = Field(ge=1)
    label: str = Field(min_length=1, max_length=40, description="short label for plots")
    citation: str = Field(min_length=1)
    year: int | None = Field(None, ge=1900, le=2100, description="None when UNVERIFIED")
    design: Design
    population: str = Field(min_length=1)
    age_band: str | None = None
    n: Arms = Arms()
    intervention: Intervention | None = None
    comparator: str | None = None
    outcomes: tuple[Outcome, ...] = ()
    risk_of_bias: RiskOfBias = RiskOfBias()
    includes: IncludedTrials | None = Field(
        None, description="for reviews (required): the primary studies they pooled"
    )
    verified: bool
    verified_against: str | None = None
    source: str = Field(min_length=1, description="where the reference read it")
    reference_section: str = Field(min_length=1)
    notes: tuple[str, ...] = ()

    @property
    def randomized(self) -> bool:
        return self.design in RANDOMIZED_DESIGNS

    @property
    def review(self) -> bool:
        return self.design in REVIEW_DESIGNS

    @property
    def unverified(self) -> bool:
        return any(UNVERIFIED_MARK in note for note in self.notes)

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    @model_validator(mode="after")
    def _checks(self) -> Study:
        ids = [o.id for o in self.outcomes]
        if len(ids) != len(set(ids)):
            raise ValueError("outcome ids must be unique within a study")
        if self.verified and not self.verified_against:
            raise ValueError("a verified study says what it was checked against")
        if self.includes is not None and not self.review:
            raise ValueError("only a review lists the trials it includes")
        if self.review and self.includes is None:
            raise ValueError("a review lists the trials it includes, or says why it cannot")
        return self


class StudyFile(Spec):
    """One topic's file of studies."""

    topic: str = Field(pattern=ID_PATTERN)
    studies: list[Study]
