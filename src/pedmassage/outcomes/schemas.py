"""Pydantic shapes for outcomes (``XPublic`` out)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from pedmassage.outcomes.trend import InstrumentTrend


class TrendPointPublic(BaseModel):
    session_id: str
    started_at: str
    pre: float
    post: float


class TrendPublic(BaseModel):
    """One instrument's pre/post scores for a child, oldest first, with the mean change."""

    instrument_id: str
    range: tuple[float, float]
    mean_change: float | None
    points: list[TrendPointPublic]

    @classmethod
    def of(cls, trend: InstrumentTrend) -> TrendPublic:
        return cls(
            instrument_id=trend.instrument_id,
            range=trend.range,
            mean_change=trend.mean_change,
            points=[
                TrendPointPublic(
                    session_id=p.session_id,
                    started_at=p.started_at.isoformat(),
                    pre=p.pre,
                    post=p.post,
                )
                for p in trend.points
            ],
        )


class ProgramFilter(BaseModel):
    """Which sessions a program report covers: the asker's sites (or one of them), a period."""

    site_ids: list[str] = Field(description="The sites reported on (always within the asker's).")
    since: date | None = Field(None, description="First day included (sessions by start).")
    until: date | None = Field(None, description="Last day included.")


class ReasonCount(BaseModel):
    reason: str = Field(description="A rule id, or a reason in words for ended sessions.")
    decision: str | None = None
    screenings: int | None = None
    sessions: int | None = None


class SessionCounts(BaseModel):
    attempted: int = Field(description="Sessions that started.")
    completed: int = Field(description="Sessions that ran to their end.")
    ended_early: int
    ended_early_reasons: list[ReasonCount] = Field(description="Why sessions ended early.")


class MixedModelPublic(BaseModel):
    """Mean change from a linear mixed model with a random intercept per child (REML)."""

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    between_child_variance: float
    within_child_variance: float


class InstrumentOutcome(BaseModel):
    """Per-session change (after minus before) on one instrument across the program."""

    instrument: str
    label: str
    n_children: int
    n_sessions: int
    mean_change: float | None
    sd: float | None
    ci_low: float | None = Field(description="95 % CI of the mean change (t).")
    ci_high: float | None
    p_value: float | None = Field(description="Paired t test of the change against 0.")
    wilcoxon_p: float | None = Field(description="Wilcoxon signed-rank test of the changes.")
    bootstrap_ci_low: float | None = Field(description="Percentile bootstrap 95 % CI.")
    bootstrap_ci_high: float | None
    effect_size: float | None = Field(description="Cohen's d_z: mean change / SD of change.")
    mixed_model: MixedModelPublic | None


class BreakdownRow(BaseModel):
    """One group's change on one instrument (by condition, stage, setting, deliverer or site)."""

    dimension: str
    group: str
    instrument: str
    n_children: int
    n_sessions: int
    mean_change: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    effect_size: float | None


class RatePublic(BaseModel):
    events: int
    sessions: int
    rate: float | None = Field(description="Per 1,000 sessions.")
    ci_low: float | None = Field(description="Exact (Garwood) Poisson 95 % CI.")
    ci_high: float | None


class WeekCount(BaseModel):
    week: date = Field(description="The Monday the week starts on.")
    sessions: int
    children: int


class Completeness(BaseModel):
    sessions: int
    missing_before: int
    missing_after: int
    with_both: int
    share_complete: float | None


class ProgramReport(BaseModel):
    generated_at: datetime
    filter: ProgramFilter
    snapshot_built_at: datetime
    snapshot_current: bool = Field(
        description="False: newer records are being added to the analytics snapshot; the report "
        "is as of snapshot_built_at."
    )
    children_served: int
    sessions: SessionCounts
    instruments: list[InstrumentOutcome]
    breakdowns: list[BreakdownRow]
    adverse_events_per_1000: RatePublic
    reasons: list[ReasonCount] = Field(description="Holds and modifications by rule.")
    sessions_per_week: list[WeekCount]
    completeness: Completeness


class McidPublic(BaseModel):
    """The published minimal clinically important difference that applies to the child."""

    decrease: float
    population: str
    source: str


class SessionChange(BaseModel):
    session_id: str
    started_at: datetime
    pre: float
    post: float
    change: float = Field(description="After minus before.")
    reached_mcid: bool | None = Field(description="None where no MCID is published.")


class ChildInstrumentOutcome(BaseModel):
    """One child's change on one instrument, session by session, against the MCID."""

    instrument: str
    label: str
    sessions: int
    mean_change: float | None
    mcid: McidPublic | None = Field(description="None: none is published for this age.")
    sessions_reaching_mcid: int | None
    changes: list[SessionChange]


class ChildOutcomes(BaseModel):
    child_id: str
    attempted: int
    completed: int
    ended_early: int
    ended_early_reasons: list[ReasonCount]
    instruments: list[ChildInstrumentOutcome]


class GrowthPointPublic(BaseModel):
    """One measurement against the UK-WHO reference (rcpchgrowth) on corrected age."""

    method: str
    observed_on: date
    value: float
    unit: str
    corrected_gestational_age: str | None
    corrected_age_weeks: float
    sds: float
    centile: float
    flags: list[str]

    @classmethod
    def of(cls, point: Any) -> GrowthPointPublic:
        return cls(
            method=point.method,
            observed_on=point.observed_on,
            value=point.value,
            unit=point.unit,
            corrected_gestational_age=point.corrected_gestational_age,
            corrected_age_weeks=point.corrected_age_weeks,
            sds=point.sds,
            centile=point.centile,
            flags=list(point.flags),
        )


class PeriodVelocityPublic(BaseModel):
    on_massage: bool
    start: date
    end: date
    label: str
    velocity: float | None = Field(description="g/kg/day, exponential method (Patel 2009).")
    reason: str | None

    @classmethod
    def of(cls, period: Any) -> PeriodVelocityPublic:
        return cls(
            on_massage=period.on_massage,
            start=period.start,
            end=period.end,
            label=period.label,
            velocity=period.velocity,
            reason=period.reason,
        )


class ChildGrowth(BaseModel):
    child_id: str
    points: list[GrowthPointPublic]
    massage_periods: list[tuple[date, date]]
    velocity_on_massage: float | None = Field(description="g/kg/day over days on massage.")
    velocity_off_massage: float | None = Field(description="g/kg/day over days off massage.")
    periods: list[PeriodVelocityPublic]
    notes: list[str]
