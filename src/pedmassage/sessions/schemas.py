"""Pydantic shapes for screenings and session records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pedmassage.safety.contract import Isolation, RespiratorySupport, ScreeningResult, Setting


class ScreeningCreate(BaseModel):
    """What the therapist states at the bedside; everything else comes from the child's record."""

    model_config = ConfigDict(extra="forbid")

    therapist: str = Field(min_length=1, max_length=80, description="Who screens.")
    assessed_at: AwareDatetime | None = Field(None, description="Defaults to now.")
    setting: Setting | None = Field(None, description="Defaults to the child's setting.")
    guardian_consent: bool | None = Field(
        None, description="Guardian permission confirmed for this session; null = not recorded."
    )
    child_assent: bool | None = Field(
        None, description="The child's own yes/no, asked now; null = not developmentally able."
    )
    respiratory_support: RespiratorySupport = "none"
    isolation: Isolation = "none"


class ScreeningPublic(BaseModel):
    id: str
    child_id: str
    assessed_at: datetime
    actor: str
    result: ScreeningResult


class MeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instrument: str = Field(description="Instrument id, e.g. flacc, wong_baker_faces, nrs_11.")
    items: dict[str, float] = Field(description='Item scores; single-item scales: {"score": N}.')


class MeasurePublic(BaseModel):
    timepoint: str
    instrument_id: str
    instrument_version: str
    total: float
    band: str | None
    items: dict[str, float]


class SessionCreate(BaseModel):
    """A massage session as documented at the bedside, resting on one screening."""

    model_config = ConfigDict(extra="forbid")

    screening_id: str
    therapist: str = Field(min_length=1, max_length=80)
    started_at: AwareDatetime
    minutes: int = Field(ge=1, le=120)
    pressure: int = Field(ge=0, le=5, description="Walton pressure 1-5; 0 = still hold.")
    regions: list[str] = Field(min_length=1, description="Body sites massaged.")
    technique: str = Field("", max_length=120)
    guardian_consent_by: str = Field(
        min_length=1, max_length=120, description="Who gave permission, and how."
    )
    child_assent: bool | None = None
    status: Literal["completed", "ended_early"] = "completed"
    end_reason: str = Field("", max_length=500)
    pre: MeasureIn
    post: MeasureIn
    response: str = Field("", max_length=2000)
    note: str = Field("", max_length=4000)


class SessionPublic(BaseModel):
    id: str
    child_id: str
    screening_id: str
    therapist: str
    status: str
    end_reason: str
    started_at: datetime
    minutes: int
    pressure: int
    regions: list[str]
    technique: str
    guardian_consent_by: str
    child_assent: bool | None
    response: str
    note: str
    measures: list[MeasurePublic]
