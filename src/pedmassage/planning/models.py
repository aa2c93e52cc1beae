"""The shapes of the planning data: techniques, goals, touch guidance and protocols.

Only structural checks live here; references to other vocabularies (sites, stages, conditions,
goals, techniques) are checked when the catalogue loads, where those vocabularies are at hand.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pedmassage.safety.contract import TechniqueKind

Deliverer = Literal["therapist", "parent", "either"]
TECHNIQUE_KINDS: tuple[str, ...] = get_args(TechniqueKind)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Technique(_Data):
    """A stroke or hold, with the words a parent would understand."""

    id: str
    label: str
    kind: TechniqueKind
    plain_language: str
    source: str


class Goal(_Data):
    id: str
    label: str
    description: str


class TouchGuidance(_Data):
    """Child-led, graduated steps used when touch may be unwelcome (``touch.yaml``)."""

    version: str
    source: list[str] = Field(min_length=1)
    triggers: list[str] = Field(min_length=1, description="Lower-case words to look for.")
    still_hold_sites: list[str] = Field(min_length=1)
    steps: dict[str, list[str]] = Field(description="Steps by stage id, with a 'default' entry.")

    @model_validator(mode="after")
    def _has_default(self) -> TouchGuidance:
        if "default" not in self.steps:
            raise ValueError("steps needs a 'default' entry")
        return self


class AppliesTo(_Data):
    stages: list[str] = Field(min_length=1)
    conditions: list[str] = []
    goals: list[str] = []


class Step(_Data):
    site: str
    technique: str
    minutes: float = Field(gt=0, le=60)
    pressure: int | None = Field(None, ge=0, le=5, description="Walton level; overrides default.")
    plain_language: str = Field(min_length=1)
    phase: str | None = None


class Dose(_Data):
    """How much and how often, as studied (clinical-reference.md section 4 dose patterns)."""

    minutes: float = Field(gt=0)
    sessions_per_day: int | None = Field(None, ge=1)
    sessions_per_week: int | None = Field(None, ge=1)
    days_min: int | None = Field(None, ge=1)
    days_max: int | None = Field(None, ge=1)
    weeks: int | None = Field(None, ge=1)
    sessions_total: int | None = Field(None, ge=1)
    timing: str | None = None
    summary: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_frequency(self) -> Dose:
        if (self.sessions_per_day is None) == (self.sessions_per_week is None):
            raise ValueError("give exactly one of sessions_per_day and sessions_per_week")
        if self.days_min and self.days_max and self.days_min > self.days_max:
            raise ValueError("days_min is above days_max")
        return self


class Protocol(_Data):
    """One massage protocol: who gives it, where on the body, how firmly, how long, how often."""

    id: str
    version: str
    title: str
    source: list[str] = Field(min_length=1)
    unverified: list[str] = Field(default_factory=list, description="Details no source confirmed.")
    applies_to: AppliesTo
    routine: bool = Field(False, description="The general routine for its stages.")
    chosen_for_goals: list[str] = Field(
        default_factory=list, description="Goals that choose it without the condition."
    )
    child_led: bool = Field(False, description="Always give the child-led touch steps.")
    deliverer: Deliverer
    position: str
    default_pressure: int = Field(ge=0, le=5)
    max_pressure: int = Field(5, ge=0, le=5, description="Ceiling the protocol itself sets.")
    min_pressure: int = Field(
        0, ge=0, le=5, description="Below this the protocol is no longer the one studied."
    )
    min_pressure_why: str | None = Field(None, description="The source for min_pressure.")
    still_touch: bool = Field(
        False,
        description="Still holds only: offered when the stage's other protocols do not apply.",
    )
    steps: list[Step] = Field(min_length=1)
    dose: Dose
    parent_involvement: str
    notes: list[str] = Field(default_factory=list, description="Carried into every plan.")

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        if self.default_pressure > self.max_pressure:
            raise ValueError("default_pressure is above max_pressure")
        if any((s.pressure or 0) > self.max_pressure for s in self.steps):
            raise ValueError("a step's pressure is above max_pressure")
        if abs(self.minutes - self.dose.minutes) > 1e-6:
            raise ValueError(f"steps add up to {self.minutes} min; dose says {self.dose.minutes}")
        if not set(self.chosen_for_goals) <= set(self.applies_to.goals):
            raise ValueError("chosen_for_goals must be among applies_to.goals")
        if not (self.routine or self.still_touch or self.applies_to.conditions):
            raise ValueError("a protocol that is not a routine needs applies_to.conditions")
        if (self.min_pressure > 0) != (self.min_pressure_why is not None):
            raise ValueError("min_pressure above 0 needs min_pressure_why, and only then")
        if self.min_pressure > self.default_pressure:
            raise ValueError("min_pressure is above default_pressure")
        if self.still_touch and (self.routine or self.max_pressure != 0 or self.chosen_for_goals):
            raise ValueError(
                "a still-touch protocol has max_pressure 0, is no routine and no goal's"
            )
        return self

    @property
    def minutes(self) -> float:
        return sum(step.minutes for step in self.steps)

    def step_pressure(self, step: Step) -> int:
        return self.default_pressure if step.pressure is None else step.pressure
