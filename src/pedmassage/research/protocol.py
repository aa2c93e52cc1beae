"""A study's protocol as data: arms, eligibility on profile fields, strata, randomization, outcomes.

The protocol is what a lead registers and what every later step reads: enrolment checks a child
against ``eligibility``, puts them in a stratum from ``strata`` and allocates them by
``randomization``; the analysis reads the primary outcome's instrument and day. Everything here is
pure: a protocol and a child's facts in, a decision out, so the same check runs at enrolment, in
the CONSORT counts and in the tests.

A trial here compares exactly two arms: the analysis is one contrast (ANCOVA of the after-score on
the before-score and the arm), and a third arm would need comparisons the protocol would have to
name. The control arm is the reference: effects read "massage minus control".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from pedmassage.errors import ValidationError
from pedmassage.inbound import Inbound, Text

ArmKind = Literal["massage", "control"]
Operator = Literal[">=", "<=", ">", "<", "==", "!=", "in", "not_in", "has", "has_not"]
Factor = Literal["site", "stage", "setting", "sex", "age_band"]
Method = Literal["permuted_blocks", "minimization"]

NUMERIC_FIELDS = ("age_years", "corrected_age_weeks", "ga_weeks")
CHOICE_FIELDS = ("sex", "setting", "stage", "goals_of_care")
FLAG_FIELDS = ("verbal", "cognitive_impairment", "touch_aversion", "trauma_history")
LIST_FIELDS = ("conditions",)
FIELDS = (*NUMERIC_FIELDS, *CHOICE_FIELDS, *FLAG_FIELDS, *LIST_FIELDS)
FIELD_OPERATORS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(NUMERIC_FIELDS, (">=", "<=", ">", "<")),
    **dict.fromkeys(CHOICE_FIELDS, ("==", "!=", "in", "not_in")),
    **dict.fromkeys(FLAG_FIELDS, ("==",)),
    **dict.fromkeys(LIST_FIELDS, ("has", "has_not")),
}
"""Which comparisons make sense for each profile field: an age is compared by size, a setting by
name, a flag by truth, a list of coded conditions by membership."""

Slug = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")]
"""An arm's id: lower-case letters, digits, ``_`` and ``-`` (the pattern leaves no room for NUL)."""


class Arm(Inbound):
    """One arm: its short id (used in exports and REDCap's allocation table), its label and
    whether it gives massage (whose sessions count as the intervention received) or is the
    control (usual care: a massage session given to a control child is contamination)."""

    id: Slug
    label: Text = Field(min_length=1, max_length=80)
    kind: ArmKind
    ratio: int = Field(1, ge=1, le=5, description="The arm's share of each block.")


class Criterion(Inbound):
    """One eligibility criterion on the child's profile, e.g. ``age_years >= 3``."""

    field: Literal[
        "age_years",
        "corrected_age_weeks",
        "ga_weeks",
        "sex",
        "setting",
        "stage",
        "goals_of_care",
        "verbal",
        "cognitive_impairment",
        "touch_aversion",
        "trauma_history",
        "conditions",
    ]
    op: Operator
    value: float | bool | Text | list[Annotated[Text, Field(max_length=60)]] = Field(
        description="A number, true/false, a name, or a list of names (for in / not_in)."
    )

    def words(self) -> str:
        value = ", ".join(self.value) if isinstance(self.value, list) else self.value
        if isinstance(value, bool):
            return f"{self.field.replace('_', ' ')}: {'yes' if value else 'no'}"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{self.field.replace('_', ' ')} {self.op.replace('_', ' ')} {value}"


class Randomization(Inbound):
    """How arms are allocated. Permuted blocks within each stratum, with block sizes drawn at
    random from ``block_sizes`` (multiples of the arms' ratio sum), or Pocock–Simon minimization
    over the strata factors with the best arm chosen with ``probability``."""

    method: Method = "permuted_blocks"
    block_sizes: list[int] = Field(default_factory=lambda: [4, 6], min_length=1, max_length=5)
    probability: float = Field(0.8, ge=0.5, le=1.0)


class Outcome(Inbound):
    """An outcome: an instrument of the catalogue measured at baseline (day 0, at enrolment and
    before any session) and again on ``day`` after enrolment, give or take ``window_days``."""

    instrument_id: Text = Field(min_length=1, max_length=40)
    day: int = Field(ge=1, le=365)
    window_days: int = Field(2, ge=0, le=30)

    @property
    def label(self) -> str:
        return f"{self.instrument_id} day {self.day}"


def _by_site() -> list[Factor]:
    return ["site"]


class Protocol(Inbound):
    """Everything a study's registration fixes (see the module docstring)."""

    title: Text = Field(min_length=3, max_length=200)
    arms: list[Arm] = Field(min_length=2, max_length=2)
    eligibility: list[Criterion] = Field(default_factory=list, max_length=30)
    strata: list[Factor] = Field(default_factory=_by_site, max_length=4)
    age_band_cuts: list[float] = Field(
        default_factory=list,
        max_length=6,
        description="Ages in years that start a new band, when strata include age_band.",
    )
    randomization: Randomization = Field(default_factory=Randomization)
    sites: list[Text] = Field(min_length=1, max_length=50, description="Site ids or names.")
    primary_outcome: Outcome
    secondary_outcomes: list[Outcome] = Field(default_factory=list, max_length=10)
    target_sample_size: int = Field(ge=4, le=100_000)
    evidence_claim: Text | None = Field(
        None,
        max_length=80,
        description="The evidence library's claim this study informs (e.g. oncology.pain): its "
        "page shows the study's result beside the published studies, marked as local and "
        "unpublished, never pooled with them.",
    )

    @property
    def control(self) -> Arm:
        return next(arm for arm in self.arms if arm.kind == "control")

    @property
    def massage(self) -> Arm:
        return next(arm for arm in self.arms if arm.kind == "massage")

    @property
    def outcomes(self) -> list[Outcome]:
        return [self.primary_outcome, *self.secondary_outcomes]

    def measure_days(self) -> dict[str, list[int]]:
        """Each outcome instrument with the days a trial measure of it may be taken: baseline
        (day 0) and every outcome's day; what the measure check and the measure form both read."""
        instruments = sorted({o.instrument_id for o in self.outcomes})
        return {
            i: sorted({0} | {o.day for o in self.outcomes if o.instrument_id == i})
            for i in instruments
        }

    def arm(self, arm_id: str) -> Arm:
        return next(arm for arm in self.arms if arm.id == arm_id)


def check_protocol(protocol: Protocol, field: str = "protocol") -> None:
    """What the fields of a protocol must satisfy together, each refusal naming the field's full
    path: one massage arm and one control arm with different ids, strata without repeats, age
    bands when stratifying by age, block sizes that hold every arm its share, and criteria whose
    operator and value fit the profile field they read."""
    arms = protocol.arms
    if sorted(arm.kind for arm in arms) != ["control", "massage"]:
        raise ValidationError(
            f"{field}.arms", [a.kind for a in arms], "one massage arm and one control arm"
        )
    if arms[0].id == arms[1].id:
        raise ValidationError(f"{field}.arms[1].id", arms[1].id, f"an id other than {arms[0].id}")
    if len(set(protocol.strata)) != len(protocol.strata):
        raise ValidationError(f"{field}.strata", protocol.strata, "each factor at most once")
    if "age_band" in protocol.strata and not protocol.age_band_cuts:
        raise ValidationError(
            f"{field}.age_band_cuts", [], "the ages that start each band, e.g. [3, 12]"
        )
    if protocol.age_band_cuts != sorted(set(protocol.age_band_cuts)):
        raise ValidationError(
            f"{field}.age_band_cuts", protocol.age_band_cuts, "increasing ages, each once"
        )
    unit = sum(arm.ratio for arm in arms)
    for index, size in enumerate(protocol.randomization.block_sizes):
        if size <= 0 or size % unit or size > 24:
            raise ValidationError(
                f"{field}.randomization.block_sizes[{index}]",
                size,
                f"multiples of {unit} (the sum of the arms' ratios) up to 24",
            )
    for index, criterion in enumerate(protocol.eligibility):
        _check_criterion(criterion, f"{field}.eligibility[{index}]")


def _check_criterion(criterion: Criterion, field: str) -> None:
    allowed = FIELD_OPERATORS[criterion.field]
    if criterion.op not in allowed:
        raise ValidationError(f"{field}.op", criterion.op, "one of: " + ", ".join(allowed))
    value = criterion.value
    if criterion.field in NUMERIC_FIELDS and isinstance(value, bool | str | list):
        raise ValidationError(f"{field}.value", value, "a number")
    if criterion.field in FLAG_FIELDS and not isinstance(value, bool):
        raise ValidationError(f"{field}.value", value, "true or false")
    wants_list = criterion.op in ("in", "not_in")
    if criterion.field in CHOICE_FIELDS and wants_list != isinstance(value, list):
        raise ValidationError(
            f"{field}.value", value, "a list of names" if wants_list else "one name"
        )
    if criterion.field in LIST_FIELDS and not isinstance(value, str):
        raise ValidationError(f"{field}.value", value, "one condition code")


FROZEN_AFTER_ENROLMENT = ("arms", "strata", "age_band_cuts", "randomization", "primary_outcome")
"""What an amendment may not change once a child is enrolled: the arms, strata and randomization
make the allocation sequence (changing them would re-deal assignments already issued), and a
changed primary outcome after unblinded data exist is outcome switching (CONSORT 2010 item 6b asks
for any change to be reported with reasons; the safe rule is to register a new study)."""


@dataclass(frozen=True)
class ChildFacts:
    """What eligibility and strata read of a child's profile on the day of the assessment."""

    site_id: str
    age_years: float
    corrected_age_weeks: float | None
    ga_weeks: int
    sex: str
    setting: str
    stage: str
    goals_of_care: str
    verbal: bool
    cognitive_impairment: bool
    touch_aversion: bool
    trauma_history: bool
    conditions: frozenset[str]


@dataclass(frozen=True)
class Eligibility:
    """The answer for one child: eligible, or the criteria the child does not meet."""

    eligible: bool
    unmet: tuple[str, ...]


def check_eligibility(protocol: Protocol, facts: ChildFacts) -> Eligibility:
    """Each criterion against the child's facts; a missing value (a corrected age for a child born
    at term) does not meet a criterion that needs it, so eligibility is never assumed."""
    unmet = tuple(c.words() for c in protocol.eligibility if not _meets(c, facts))
    if facts.site_id not in protocol.sites:
        unmet = ("the child's site is not one of the study's sites", *unmet)
    return Eligibility(eligible=not unmet, unmet=unmet)


def _meets(criterion: Criterion, facts: ChildFacts) -> bool:
    actual = getattr(facts, criterion.field)
    want = criterion.value
    op = criterion.op
    if actual is None:
        return False
    if op == "has":
        return str(want) in actual
    if op == "has_not":
        return str(want) not in actual
    if op == "in":
        return isinstance(want, list) and actual in want
    if op == "not_in":
        return isinstance(want, list) and actual not in want
    if op == "==":
        return bool(actual == want)
    if op == "!=":
        return bool(actual != want)
    return _compare(float(actual), op, float(want))  # type: ignore[arg-type]


def _compare(actual: float, op: str, want: float) -> bool:
    if op == ">=":
        return actual >= want
    if op == "<=":
        return actual <= want
    if op == ">":
        return actual > want
    return actual < want


def stratum_levels(protocol: Protocol, facts: ChildFacts, site_label: str) -> dict[str, str]:
    """The child's level of each stratification factor, in the protocol's order."""
    levels: dict[str, str] = {}
    for factor in protocol.strata:
        if factor == "site":
            levels[factor] = site_label
        elif factor == "age_band":
            levels[factor] = age_band(protocol.age_band_cuts, facts.age_years)
        else:
            levels[factor] = str(getattr(facts, factor))
    return levels


def age_band(cuts: list[float], age_years: float) -> str:
    """``<3``, ``3-<12``, ``>=12`` for cuts [3, 12]: every age falls in exactly one band."""
    edges = [f"{c:g}" for c in cuts]
    for i, cut in enumerate(cuts):
        if age_years < cut:
            return f"<{edges[0]}" if i == 0 else f"{edges[i - 1]}-<{edges[i]}"
    return f">={edges[-1]}"


def stratum_name(levels: Mapping[str, str]) -> str:
    """The stratum as one name (``site=North/stage=infant``): the label of its allocation list."""
    return "/".join(f"{factor}={level}" for factor, level in levels.items()) or "all"
