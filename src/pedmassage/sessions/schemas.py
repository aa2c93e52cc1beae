"""Pydantic shapes for session records (``XCreate`` in, ``XPublic`` out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pedmassage.inbound import ITEM_KEYS, BodySiteName, Code, Inbound, ItemKey, PersonName, Text
from pedmassage.planning.planner import MAX_REQUESTED_MINUTES

ConsentMethod = Literal["in_person", "phone", "written", "standing_consent"]
Severity = Literal["mild", "moderate", "severe"]


Id = Annotated[Text, Field(min_length=1, max_length=64)]
Regions = Field(min_length=1, max_length=40, description="Body sites massaged.")


class MeasureIn(Inbound):
    instrument: Text = Field(
        min_length=1, max_length=40, description="Instrument id, e.g. flacc, wong_baker_faces."
    )
    items: dict[ItemKey, float] = Field(
        max_length=40,
        json_schema_extra=ITEM_KEYS,
        description='Item scores; single-item scales: {"score": N}.',
    )
    taken_at: AwareDatetime | None = Field(None, description="Defaults to the start or end time.")


class MeasurePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    timepoint: str
    taken_at: datetime | None
    instrument_id: str
    instrument_version: str
    total: float
    band: str | None
    items: dict[str, float]


HeartRate = Field(None, ge=20, le=300, description="Beats per minute, where monitored.")
SpO2 = Field(None, ge=40, le=100, description="Oxygen saturation %, where monitored.")


class DraftCreate(Inbound):
    """Plan a session on a screening (refused on a hold)."""

    screening_id: Id
    therapist: PersonName
    goals: list[Code] = Field(
        default=["relaxation"], max_length=10, description="pain, anxiety, sleep, …"
    )
    minutes: int | None = Field(None, ge=1, le=MAX_REQUESTED_MINUTES)


class VerifiedReading(Inbound):
    """One reading the screening asked to take before the session: the value, or why not."""

    value: float | None = Field(
        None, description="Taken now, in the unit the screening's verify item names."
    )
    override_reason: Text = Field(
        "", max_length=500, description="Why the session goes ahead without it (audited)."
    )


Verified: Any = Field(
    default={},
    max_length=20,
    description="Each of the screening's verify items by code: a reading or an override reason.",
)


class VerificationPublic(BaseModel):
    """A reading taken before the session, or the reason it went ahead without one."""

    kind: str
    code: str
    label: str
    unit: str
    value: float | None
    override_reason: str
    at: datetime


class SessionStart(Inbound):
    """Consent and the child's assent, asked again at the start, and the 'before' measure."""

    started_at: AwareDatetime
    guardian_consent_by: Text = Field(min_length=1, max_length=120, description="Who gave it.")
    consent_method: ConsentMethod = "in_person"
    child_assent: bool | None = Field(None, description="null = not developmentally able.")
    pre: MeasureIn | None = Field(
        None, description="The 'before' measure; required unless the child says no."
    )
    heart_rate: int | None = HeartRate
    spo2: int | None = SpO2
    verified: dict[Code, VerifiedReading] = Verified


class SessionFinish(Inbound):
    """What was delivered, the 'after' measure and the child's response."""

    ended_at: AwareDatetime
    minutes: int = Field(ge=1, le=120)
    pressure: int = Field(ge=0, le=5, description="Walton pressure 1-5; 0 = still hold.")
    regions: list[BodySiteName] = Regions
    technique: Text = Field("", max_length=120)
    post: MeasureIn
    heart_rate: int | None = HeartRate
    spo2: int | None = SpO2
    cues: list[Code] = Field(
        default=[], max_length=40, description="Engagement/disengagement cue codes."
    )
    response: Text = Field("", max_length=2000)
    note: Text = Field("", max_length=4000)


class SessionEnd(Inbound):
    """A session ended early: the reason is required, delivery so far may be partial or none."""

    ended_at: AwareDatetime
    reason: Text = Field(min_length=1, max_length=500)
    minutes: int = Field(0, ge=0, le=120)
    pressure: int = Field(0, ge=0, le=5)
    regions: list[BodySiteName] = Field(default=[], max_length=40)
    technique: Text = Field("", max_length=120)
    post: MeasureIn | None = None
    heart_rate: int | None = HeartRate
    spo2: int | None = SpO2
    cues: list[Code] = Field(
        default=[], max_length=40, description="Engagement/disengagement cue codes."
    )
    response: Text = Field("", max_length=2000)
    note: Text = Field("", max_length=4000)


class AdverseEventCreate(Inbound):
    occurred_at: AwareDatetime
    description: Text = Field(min_length=1, max_length=2000)
    severity: Severity
    action_taken: Text = Field(min_length=1, max_length=2000)


class AdverseEventReportCreate(AdverseEventCreate):
    """An adverse event reported on its own, after the session, by the person named."""

    recorded_by: PersonName


class AdverseEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    occurred_at: datetime
    description: str
    severity: str
    action_taken: str
    recorded_by: str


class AddendumCreate(Inbound):
    author: PersonName
    text: Text = Field(min_length=1, max_length=4000)


class AddendumPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    author: str
    written_at: datetime
    text: str


class SignCreate(Inbound):
    signer: PersonName


class SessionCreate(Inbound):
    """A whole session documented at once after it happened (draft, start and end in one step)."""

    screening_id: Id
    therapist: PersonName
    started_at: AwareDatetime
    minutes: int = Field(ge=1, le=120)
    pressure: int = Field(ge=0, le=5, description="Walton pressure 1-5; 0 = still hold.")
    regions: list[BodySiteName] = Regions
    technique: Text = Field("", max_length=120)
    guardian_consent_by: Text = Field(
        min_length=1, max_length=120, description="Who gave permission, and how."
    )
    consent_method: ConsentMethod = "in_person"
    child_assent: bool | None = None
    verified: dict[Code, VerifiedReading] = Verified
    status: Literal["completed", "ended_early"] = "completed"
    end_reason: Text = Field("", max_length=500)
    pre: MeasureIn
    post: MeasureIn
    heart_rate_pre: int | None = HeartRate
    heart_rate_post: int | None = HeartRate
    spo2_pre: int | None = SpO2
    spo2_post: int | None = SpO2
    cues: list[Code] = Field(
        default=[], max_length=40, description="Engagement/disengagement cue codes."
    )
    adverse_events: list[AdverseEventCreate] = Field(default=[], max_length=20)
    response: Text = Field("", max_length=2000)
    note: Text = Field("", max_length=4000)


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    child_id: str
    screening_id: str
    version: int = Field(description="Sent back as ETag; changes send it in If-Match.")
    therapist: str
    status: str
    ended_early: bool
    end_reason: str
    goals: list[str]
    plan: dict[str, object]
    guardian_consent_by: str
    consent_method: str
    consent_at: datetime | None
    child_assent: bool | None
    verified: list[VerificationPublic]
    started_at: datetime | None
    ended_at: datetime | None
    minutes: int
    pressure: int
    regions: list[str]
    technique: str
    heart_rate_pre: int | None
    heart_rate_post: int | None
    spo2_pre: int | None
    spo2_post: int | None
    cues: list[str]
    response: str
    note: str
    signed_by: str | None
    signed_at: datetime | None
    measures: list[MeasurePublic]
    adverse_events: list[AdverseEventPublic]
    addenda: list[AddendumPublic]

    @property
    def pre(self) -> MeasurePublic | None:
        """The 'before' measure, if one was taken (a child who said no at the start has none)."""
        return next((m for m in self.measures if m.timepoint == "pre"), None)

    @property
    def post(self) -> MeasurePublic | None:
        """The 'after' measure, if one was taken."""
        return next((m for m in self.measures if m.timepoint == "post"), None)

    @property
    def instrument_id(self) -> str | None:
        """The scale this session was measured with (before and after use the same one)."""
        measured = self.pre or self.post
        return measured.instrument_id if measured else None
