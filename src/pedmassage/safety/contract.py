"""The screening contract: one JSON input, one JSON result.

This is a stable, versioned interface shared by ``pedmassage screen``, ``POST
/api/v1/screenings/evaluate`` and the screenings stored in the database. Field names and units are
fixed: platelets and ANC in 10^9/L, temperature in Cel, weight in grams. Changing a field's meaning
needs a new ``CONTRACT_VERSION``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pedmassage.inbound import MAX_LIST_ITEMS, BodySiteName, Code, Text

CONTRACT_VERSION = "1.1"

Decision = Literal["proceed", "modify", "hold"]
Setting = Literal["hospital", "picu", "nicu", "home", "clinic"]
Sex = Literal["female", "male", "intersex", "unknown"]
RespiratorySupport = Literal["none", "oxygen", "high_flow", "cpap", "bipap", "ventilator"]
Isolation = Literal["none", "contact", "droplet", "airborne", "enteric", "protective"]
GoalsOfCare = Literal["curative", "comfort"]
MeasureKind = Literal["lab", "vital"]

DECISION_ORDER: dict[str, int] = {"proceed": 0, "modify": 1, "hold": 2}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChildFacts(_In):
    birth_date: date
    sex: Sex = "unknown"
    gestational_age_at_birth_weeks: float = Field(
        40.0, ge=22, le=44, description="Gestational age at birth in (decimal) weeks, 22-44."
    )
    verbal: bool = True
    cognitive_impairment: bool = False
    weight_g: float | None = Field(None, gt=0, le=200000, description="Current weight in grams.")


class ConditionIn(_In):
    code: Code
    site: BodySiteName | None = None


class Measurement(_In):
    code: Text = Field(min_length=1, max_length=40)
    value: float
    unit: Text = Field(min_length=1, max_length=16)
    taken_at: AwareDatetime


class DeviceIn(_In):
    kind: Code
    site: BodySiteName | None = None


class ProcedureIn(_In):
    kind: Code = Field(
        description="surgery, lumbar_puncture, bone_marrow_aspiration, immunization, sedation, …"
    )
    site: BodySiteName | None = None
    date: date


class SkinFinding(_In):
    finding: Code
    site: BodySiteName | None = None


class MedicationIn(_In):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    class_: Code = Field(
        alias="class",
        description="Medication class, e.g. anticoagulant, chemotherapy, sedative, antiplatelet.",
    )


class ScreeningInput(_In):
    """Everything the rules may look at. Missing data is never assumed normal."""

    assessed_at: AwareDatetime
    setting: Setting
    child: ChildFacts
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    labs: list[Measurement] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    vitals: list[Measurement] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    devices: list[DeviceIn] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    procedures: list[ProcedureIn] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    skin: list[SkinFinding] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    medications: list[MedicationIn] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    respiratory_support: RespiratorySupport = "none"
    respiratory_support_long_term: bool = Field(
        False,
        description=(
            "The support is the child's usual long-term support (for example home ventilation "
            "through a tracheostomy) and the child is stable on it; false = acute or not known."
        ),
    )
    isolation: Isolation = "none"
    goals_of_care: GoalsOfCare = Field(
        "curative",
        description=(
            "Goals of care set by a physician or the program lead: curative, or comfort "
            "(palliative or end-of-life care, where comfort is the aim)."
        ),
    )
    touch_aversion: bool = False
    trauma_history: bool = False
    guardian_consent: bool | None = Field(
        None, description="Guardian permission for massage; null = not yet recorded."
    )
    child_assent: bool | None = Field(
        None, description="The child's own yes/no; null = not asked or not developmentally able."
    )
    self_consent: bool | None = Field(
        None,
        description=(
            "An adolescent's own informed consent, where the program policy accepts it "
            "(policy.self_consent_age_years); null = not recorded."
        ),
    )


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_id: str
    decision: Decision
    message: str
    source: str


class Modifications(BaseModel):
    """How a session must change. Combining takes the most restrictive of each field."""

    model_config = ConfigDict(frozen=True)

    max_pressure: int | None = Field(None, ge=0, le=5, description="Walton 1-5; 0 = still hold.")
    avoid_sites: list[str] = Field(default_factory=list, description="No contact at these sites.")
    gentle_sites: list[str] = Field(
        default_factory=list, description="Gentle only (pressure <= 1) at these sites."
    )
    max_minutes: int | None = Field(None, ge=0)
    positions: list[str] = Field(default_factory=list)
    precautions: list[str] = Field(default_factory=list)


class VerifyItem(BaseModel):
    """A lab or vital sign to measure (or measure again) before the session, and why.

    ``missing`` says "verify platelets" in words; this says which code, in which unit, and what
    the last result was, so a form can ask for exactly that reading and show the old one.
    """

    model_config = ConfigDict(frozen=True)

    kind: MeasureKind
    code: str
    label: str
    unit: str
    last_value: float | None = Field(None, description="The latest result given, if any.")
    last_taken_at: datetime | None = None
    rules: list[str] = Field(description="The rules that ask for it.")


class ScreeningResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    decision: Decision
    reasons: list[Reason]
    modifications: Modifications
    missing: list[str]
    verify: list[VerifyItem] = Field(
        default_factory=list, description="The readings to take before the session."
    )
    rules_version: str
    policy_version: str
    contract_version: str = CONTRACT_VERSION
    assessed_at: datetime
