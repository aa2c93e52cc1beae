"""The planner's output: an immutable session plan with everything it left out and why."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pedmassage.planning.models import Deliverer, Dose


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PlannedRegion(_Out):
    """One region of the session, in order."""

    site: str
    technique: str
    kind: str | None = Field(None, description="still, stroking, kneading, friction, ...")
    pressure: int = Field(ge=0, le=5, description="Walton level; 0 = still hold.")
    minutes: float = Field(gt=0)
    plain_language: str
    phase: str | None = None
    adjustments: list[str] = Field(
        default_factory=list, description="How the screening changed this step, in words."
    )


class SkippedRegion(_Out):
    """A protocol site the plan leaves out, and the restriction that removed it."""

    site: str
    restriction: str = Field(
        description="The avoided site, 'max_minutes' / 'minutes', or the technique kind forbidden."
    )
    reason: str


class NotApplicable(_Out):
    """A protocol the child's conditions or goals called for, and why it cannot be given."""

    protocol_id: str
    title: str
    reason: str


class DeclinedGoal(_Out):
    """A requested goal this plan does not pursue, and why."""

    goal: str
    reason: str


class SessionPlan(_Out):
    protocol_id: str
    protocol_version: str
    title: str
    selection_reason: str
    regions: list[PlannedRegion]
    total_minutes: float
    max_pressure: int = Field(ge=0, le=5, description="Highest pressure anywhere in the plan.")
    pressure_ceiling: int = Field(ge=0, le=5, description="Cap from the screening and protocol.")
    position: str
    parent_involvement: str
    deliverer: Deliverer
    dose: Dose
    touch_steps: list[str]
    precautions: list[str]
    skipped: list[SkippedRegion]
    notes: list[str]
    unverified: list[str]
    sources: list[str]
    not_applicable: list[NotApplicable] = Field(default_factory=list)
    declined_goals: list[DeclinedGoal] = Field(default_factory=list)
    forbidden_kinds: list[str] = Field(
        default_factory=list, description="Technique kinds the screening's precautions forbid."
    )
