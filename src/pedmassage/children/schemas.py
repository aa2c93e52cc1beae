"""Pydantic shapes for child profiles: ``ChildCreate`` in, ``ChildPublic`` out.

Facts reuse the screening contract's shapes (conditions, devices, measurements, procedures, skin,
medications) so that a stored profile turns into a screening input without translation.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, RootModel

from pedmassage.inbound import MAX_LIST_ITEMS, Inbound, Text
from pedmassage.safety.contract import (
    ConditionIn,
    DeviceIn,
    GoalsOfCare,
    MeasurementEntry,
    MedicationClassOrName,
    ProcedureIn,
    Setting,
    Sex,
    SkinFinding,
)


class GuardianIn(Inbound):
    name: Text = Field(min_length=1, max_length=120)
    relationship: Text = Field(min_length=1, max_length=40, description="mother, father, carer, …")
    legal_authority: bool = True


class ChildCreate(Inbound):
    """A new child profile with everything known at admission or referral."""

    site_id: Text | None = Field(
        None,
        max_length=120,
        description="The child's site (id or name); the only site when there is one.",
    )
    display_name: Text = Field(
        min_length=1, max_length=80, description="How staff address the child at the bedside."
    )
    mrn: Text | None = Field(None, max_length=40, description="Hospital record number, optional.")
    birth_date: date
    sex: Sex = "unknown"
    gestational_age_weeks: int = Field(40, ge=22, le=44, description="Completed weeks at birth.")
    gestational_age_days: int = Field(0, ge=0, le=6, description="Extra days at birth, 0-6.")
    verbal: bool = True
    cognitive_impairment: bool = False
    setting: Setting = "hospital"
    ward: Text | None = Field(None, max_length=60)
    touch_aversion: bool = False
    trauma_history: bool = False
    touch_notes: Text = Field("", max_length=2000, description="Touch apprehension, what helps.")
    conditions: list[ConditionIn] = Field(default=[], max_length=MAX_LIST_ITEMS)
    devices: list[DeviceIn] = Field(default=[], max_length=MAX_LIST_ITEMS)
    labs: list[MeasurementEntry] = Field(default=[], max_length=MAX_LIST_ITEMS)
    vitals: list[MeasurementEntry] = Field(default=[], max_length=MAX_LIST_ITEMS)
    procedures: list[ProcedureIn] = Field(default=[], max_length=MAX_LIST_ITEMS)
    skin: list[SkinFinding] = Field(default=[], max_length=MAX_LIST_ITEMS)
    medications: list[MedicationClassOrName] = Field(
        default=[],
        max_length=MAX_LIST_ITEMS,
        description="Medication classes, or medicine names read as their class.",
    )
    guardians: list[GuardianIn] = Field(default=[], max_length=10)


class GoalsOfCareUpdate(Inbound):
    """Goals of care, set by a physician or the program lead with the family."""

    goals_of_care: GoalsOfCare = Field(
        description="curative, or comfort (palliative or end-of-life care: comfort is the aim)"
    )


class ChildProfiles(RootModel[list[ChildCreate]]):
    """A list of child profiles, imported together or not at all."""


class ObservationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    category: str
    code: str
    value: float
    unit: str
    taken_at: datetime


class ChildPublic(BaseModel):
    """A child profile as shown to the care team, with ages computed for ``as_of``."""

    id: str
    site_id: str
    version: int = Field(description="Sent back as ETag; changes send it in If-Match.")
    display_name: str
    mrn: str | None
    birth_date: date
    sex: str
    gestational_age: str
    born_preterm: bool
    verbal: bool
    cognitive_impairment: bool
    setting: str
    ward: str | None
    touch_aversion: bool
    trauma_history: bool
    touch_notes: str
    goals_of_care: str = Field(description="curative or comfort")
    goals_of_care_by: str | None = Field(None, description="Who last set the goals of care.")
    goals_of_care_at: datetime | None = None
    as_of: date
    age_days: int
    age_label: str
    corrected_age_days: int | None
    stage: str
    stage_label: str
    conditions: list[ConditionIn]
    devices: list[DeviceIn]
    observations: list[ObservationPublic]
    procedures: list[ProcedureIn]
    skin: list[SkinFinding]
    medications: list[str]
    guardians: list[GuardianIn]
