"""The shape of an instrument file (``instruments/<id>.yaml``), checked when it is loaded.

An instrument says what it measures, who it is validated for, which items it has and what each
item accepts, how the items become a total, and how a total maps to a band. Everything here is
data read from the published source named in ``source``; nothing is scored in this module.

Conventions
- Ages are in months (30.4375 days each, as in :mod:`pedmassage.development`). ``min_months`` is
  inclusive and ``below_months`` exclusive ("2 months to 7 years" is ``2`` and ``96``: a child is in
  the band until the 8th birthday). Neonatal tools whose source counts days after birth use
  ``max_days`` (inclusive) on chronological age.
- Which age a band is compared with follows its source: ``corrected_age: true`` only where the
  program applies the corrected-age rule to that instrument (say so in ``note``); a band the source
  states in age after birth uses chronological age. ``from_term_equivalent_age: true`` keeps an
  instrument studied in infants and children past the newborn period away from an infant born
  preterm who has not yet reached term-equivalent age (the ``preterm`` stage of
  :mod:`pedmassage.development`), whatever the chronological age.
- Discrete items give ``min``, ``max`` and ``step`` (FLACC ``0..2`` step 1; FACES ``0..10`` step 2);
  continuous items (a 0-100 mm line) leave ``step`` out.
- ``bands_status`` says how far a band's cut-offs were checked: ``published`` (the primary paper),
  ``secondary`` (a summary or calculator citing it), ``unverified`` (no source confirmed them).
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Construct = Literal["pain", "anxiety", "fear", "distress", "sleep", "parent_confidence"]
Kind = Literal["observer", "self_report", "parent_report"]
BandStatus = Literal["published", "secondary", "unverified"]
GroupRule = Literal["exactly_one", "all_or_none"]
Method = Literal["sum", "weighted_percent", "primary_item"]
Waiver = Literal["nonverbal", "cognitive_impairment", "sedated"]
SourceStatus = Literal["published", "secondary", "unverified"]

SNAKE = r"^[a-z][a-z0-9_]*$"
SNAKE_RULE = re.compile(r"[a-z][a-z0-9_]*")
DAYS_PER_MONTH = 30.4375


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Data):
    """One scored item: its key, what it accepts, and how it counts."""

    key: str = Field(pattern=SNAKE)
    label: str
    min: float
    max: float
    step: int | None = Field(1, ge=1, description="None for a continuous item.")
    unit: str | None = None
    anchors: dict[int, str] = Field(default_factory=dict)
    reverse: bool = False
    in_total: bool = True
    group: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.min >= self.max:
            raise ValueError(f"item {self.key}: min must be below max")
        if self.step is not None and not (self.min.is_integer() and self.max.is_integer()):
            raise ValueError(f"item {self.key}: a discrete item needs whole-number min and max")
        if self.step is not None and (self.max - self.min) % self.step:
            raise ValueError(f"item {self.key}: max is not reachable from min in steps")
        if self.reverse and self.step is None:
            raise ValueError(f"item {self.key}: only discrete items can be reverse-scored")
        return self

    @property
    def values(self) -> tuple[int, ...] | None:
        """Every allowed value of a discrete item, lowest first; None for a continuous item."""
        if self.step is None:
            return None
        return tuple(range(int(self.min), int(self.max) + 1, self.step))

    @property
    def categories(self) -> int:
        """How many answers a discrete item offers (the divisor of a weighted-percent total)."""
        return len(self.values or ())

    def allowed(self) -> str:
        """What the item accepts, in the words a validation error shows."""
        values = self.values
        if values is None:
            unit = f" {self.unit}" if self.unit else ""
            return f"{self.min:g} to {self.max:g}{unit}"
        if self.step == 1:
            sep = "-" if values[0] >= 0 else " to "
            return f"{values[0]}{sep}{values[-1]}"
        return "one of " + ", ".join(str(v) for v in values)

    def accepts(self, value: float) -> bool:
        if not self.min <= value <= self.max:
            return False
        if self.step is None:
            return True
        return value.is_integer() and (int(value) - int(self.min)) % self.step == 0


class Band(_Data):
    """An interpretation band of the total, both ends inclusive."""

    label: str = Field(pattern=SNAKE)
    min: float
    max: float


class AgeBand(_Data):
    """Ages the instrument is validated for (see the module docstring for the conventions)."""

    min_months: float = Field(0, ge=0)
    below_months: float | None = None
    max_days: int | None = Field(None, ge=0)
    corrected_age: bool = Field(
        True, description="Compare with corrected age for preterm infants, else chronological."
    )
    from_term_equivalent_age: bool = Field(
        False, description="Not for an infant born preterm before term-equivalent age."
    )
    upper_limit_waived_when: tuple[Waiver, ...] = ()
    note: str

    @model_validator(mode="after")
    def _one_upper_limit(self) -> AgeBand:
        if self.below_months is not None and self.max_days is not None:
            raise ValueError("give below_months or max_days, not both")
        if self.below_months is not None and self.below_months <= self.min_months:
            raise ValueError("below_months must be above min_months")
        return self

    def contains(
        self,
        *,
        chronological_months: float,
        corrected_months: float,
        waivers: frozenset[str],
        before_term_equivalent: bool = False,
    ) -> bool:
        """Whether a child of these ages (and these reasons to waive the upper limit) fits."""
        months = corrected_months if self.corrected_age else chronological_months
        if months < self.min_months or (self.from_term_equivalent_age and before_term_equivalent):
            return False
        if waivers & set(self.upper_limit_waived_when):
            return True
        if self.max_days is not None:
            return months * DAYS_PER_MONTH <= self.max_days
        return self.below_months is None or months < self.below_months


class Requires(_Data):
    """What the child must be able to do, and who the tool suits.

    ``self_report``: the child gives the rating (spoken or by pointing), so it needs a child who can
    understand and report. The ``suitable_*`` flags say whether the tool was built or validated for
    children who cannot self-report, have a cognitive impairment, or are sedated or ventilated.
    """

    self_report: bool
    suitable_nonverbal: bool
    suitable_cognitive_impairment: bool
    suitable_sedated: bool


class PrematurityPoints(_Data):
    below_weeks: float
    points: int


class PrematurityRule(_Data):
    """One published version of the points added for a young corrected gestational age (N-PASS).

    ``label`` and ``published`` name the version as its source does; ``status`` says how far the
    text was checked (``published``: read in the primary source; ``secondary``: a copy or a
    description citing it; ``unverified``: no copy read).
    """

    label: str
    published: str = Field(description="Date or year of the version, or UNVERIFIED.")
    status: SourceStatus
    source: str
    points: tuple[PrematurityPoints, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _youngest_first(self) -> PrematurityRule:
        limits = [step.below_weeks for step in self.points]
        if limits != sorted(set(limits)):
            raise ValueError("prematurity thresholds must be listed youngest first, once each")
        return self

    def points_for(self, gestational_age_days: int) -> int:
        """Points for the first threshold the age is below (thresholds listed youngest first)."""
        for step in self.points:
            if gestational_age_days < round(step.below_weeks * 7):
                return step.points
        return 0


class Prematurity(_Data):
    """The prematurity versions of an instrument, the one scored by default, and the record rule.

    A score names its version as ``<instrument version>+<rule>`` so a stored record keeps its
    meaning when the default changes. ``unnamed_records`` is the rule that scored records stored
    with the bare instrument version, before versions were named.
    """

    default: str
    unnamed_records: str
    rules: dict[str, PrematurityRule]
    min_weeks: float
    max_weeks: float

    @model_validator(mode="after")
    def _rules_exist(self) -> Prematurity:
        for field, name in (("default", self.default), ("unnamed_records", self.unnamed_records)):
            if name not in self.rules:
                raise ValueError(f"prematurity {field} {name!r} is not one of the rules")
        for name in self.rules:
            if SNAKE_RULE.fullmatch(name) is None:
                raise ValueError(f"prematurity rule {name!r}: use lower-case letters and digits")
        return self


class Scoring(_Data):
    method: Method = "sum"
    primary_item: str | None = None
    unverified: bool = False
    note: str | None = None
    prematurity: Prematurity | None = None


# ``construct`` is the clinical word for what an instrument measures. As a field name it shadows
# pydantic's deprecated ``BaseModel.construct`` classmethod (never used here), which pydantic warns
# about at class creation and mypy reports as an incompatible override; both are silenced narrowly.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)

    class Instrument(_Data):
        """One validated (or program-defined, when ``validated`` is false) measure."""

        id: str = Field(pattern=SNAKE)
        version: str
        name: str
        construct: Construct  # type: ignore[assignment]  # see the comment above the class
        kind: Kind
        validated: bool = True
        single_item: bool = False
        items: tuple[Item, ...] = Field(min_length=1)
        groups: dict[str, GroupRule] = Field(default_factory=dict)
        subscales: dict[str, tuple[str, ...]] = Field(default_factory=dict)
        scoring: Scoring = Scoring()
        range: tuple[float, float]
        bands: tuple[Band, ...] | None = None
        bands_status: BandStatus | None = None
        age_band: AgeBand
        requires: Requires
        loinc: str | None = None
        loinc_panel: str | None = None
        code_note: str | None = None
        source: str
        licence_note: str | None = None
        observation: str | None = None
        notes: tuple[str, ...] = ()

        @model_validator(mode="after")
        def _consistent(self) -> Instrument:
            keys = [item.key for item in self.items]
            if len(set(keys)) != len(keys):
                raise ValueError("item keys must be unique")
            if self.single_item and keys != ["score"]:
                raise ValueError("a single-item instrument has exactly one item, keyed 'score'")
            _check_groups(self)
            _check_subscales(self, set(keys))
            _check_scoring(self, set(keys))
            _check_bands(self)
            return self

        def item(self, key: str) -> Item | None:
            return next((item for item in self.items if item.key == key), None)

        def fits(
            self,
            *,
            chronological_months: float,
            corrected_months: float,
            waivers: frozenset[str],
            before_term_equivalent: bool = False,
        ) -> bool:
            return self.age_band.contains(
                chronological_months=chronological_months,
                corrected_months=corrected_months,
                waivers=waivers,
                before_term_equivalent=before_term_equivalent,
            )


def _check_groups(inst: Instrument) -> None:
    for item in inst.items:
        if item.group is None:
            continue
        rule = inst.groups.get(item.group)
        if rule is None:
            raise ValueError(f"item {item.key}: group {item.group!r} has no rule in 'groups'")
        if rule == "all_or_none" and item.in_total:
            raise ValueError(f"item {item.key}: optional (all_or_none) items cannot count in total")


def _check_subscales(inst: Instrument, keys: set[str]) -> None:
    for name, members in inst.subscales.items():
        unknown = set(members) - keys
        if unknown:
            raise ValueError(f"subscale {name}: unknown items {sorted(unknown)}")


def _check_scoring(inst: Instrument, keys: set[str]) -> None:
    scoring = inst.scoring
    if scoring.method == "primary_item" and scoring.primary_item not in keys:
        raise ValueError("scoring.primary_item must name one of the items")
    if scoring.method == "weighted_percent" and any(i.step is None for i in inst.items):
        raise ValueError("a weighted-percent total needs discrete items")


def _check_bands(inst: Instrument) -> None:
    """Bands tile the range without gaps or overlaps (banded totals are whole numbers)."""
    if inst.bands is None:
        if inst.bands_status is not None:
            raise ValueError("bands_status is given but there are no bands")
        return
    if inst.bands_status is None:
        raise ValueError("bands need a bands_status")
    lo, hi = inst.range
    expected = lo
    for band in inst.bands:
        if band.min != expected or band.max < band.min:
            raise ValueError(f"band {band.label} must start at {expected:g} (no gaps or overlaps)")
        expected = band.max + 1
    if not math.isclose(inst.bands[-1].max, hi):
        raise ValueError(f"the last band must end at the top of the range ({hi:g})")
