"""The screening contract: one JSON input, one JSON result.

This is a stable, versioned interface shared by ``pedmassage screen``, ``POST
/api/v1/screenings/evaluate`` and the screenings stored in the database. Field names and units are
fixed: platelets and ANC in 10^9/L, temperature in Cel, weight in grams. Changing a field's meaning
needs a new ``CONTRACT_VERSION``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pedmassage.errors import ValidationError
from pedmassage.inbound import MAX_LIST_ITEMS, BodySiteName, Code, Text
from pedmassage.vocabulary import (
    Kind,
    code_book,
    find,
    medicine_class,
    resolve,
    to_stored_unit,
)

CONTRACT_VERSION = "1.1"

Decision = Literal["proceed", "modify", "hold"]
Setting = Literal["hospital", "picu", "nicu", "home", "clinic"]
Sex = Literal["female", "male", "intersex", "unknown"]
RespiratorySupport = Literal["none", "oxygen", "high_flow", "cpap", "bipap", "ventilator"]
Isolation = Literal["none", "contact", "droplet", "airborne", "enteric", "protective"]
GoalsOfCare = Literal["curative", "comfort"]
TechniqueKind = Literal[
    "still", "stroking", "kneading", "friction", "vibration", "passive_movement"
]
"""What a technique does to the tissue: precautions forbid kinds of touch, not named strokes."""
MovingTechniqueKind = Literal["stroking", "kneading", "friction", "vibration", "passive_movement"]
"""The kinds a precaution may forbid. Still touch is never forbidden by kind: where no touch at all
is safe, the sites are avoided or the screening holds."""
MeasureKind = Literal["lab", "vital"]

DECISION_ORDER: dict[str, int] = {"proceed": 0, "modify": 1, "hold": 2}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StandardCoding(BaseModel):
    """A code from a standard system, as an EHR sends it: ``{"system": ..., "code": ...}``."""

    system: str = Field(
        min_length=1,
        max_length=60,
        description="http://snomed.info/sct, http://loinc.org, … or snomed, loinc, icd10, atc",
    )
    code: str = Field(min_length=1, max_length=40)


def _local(kind: Kind, shape: Any = Code) -> Any:
    """Read a synonym or a standard code as the local code, before the field is validated.

    An entry no list knows is passed on unchanged, so the vocabulary check
    (``safety.validate``) refuses it naming the field and the nearest known entries; a standard
    code that is not mapped is refused here, since it cannot stand as a local code.
    """

    def to_local(value: object) -> object:
        if isinstance(value, str):
            found = find(kind, value)
            return value if found is None else found
        if isinstance(value, Mapping):
            try:
                return resolve(kind, value, kind)
            except ValidationError as exc:
                raise PydanticCustomError(
                    "unknown_code", "{allowed}", {"allowed": exc.allowed}
                ) from exc
        return value

    return BeforeValidator(to_local, json_schema_input_type=shape | StandardCoding)


class ChildFacts(_In):
    birth_date: date
    sex: Sex = "unknown"
    gestational_age_at_birth_weeks: float = Field(
        40.0, ge=22, le=44, description="Gestational age at birth in (decimal) weeks, 22-44."
    )
    verbal: bool = True
    cognitive_impairment: bool = False
    weight_g: float | None = Field(None, gt=0, le=200000, description="Current weight in grams.")


def _medication_class(value: object) -> object:
    """A medication class, its synonym, or a medicine's name, read as the class it belongs to."""
    if not isinstance(value, str):
        return value
    found = find("medication_class", value)
    if found is not None:
        return found
    try:
        return medicine_class(value)
    except ValidationError:
        return value  # refused by the vocabulary check, naming the nearest known entries


MedicationClassOrName = Annotated[Code, BeforeValidator(_medication_class)]
"""A medication class for a child's record: ``anticoagulant``, ``blood thinner`` or
``enoxaparin`` are all stored as ``anticoagulant``."""


class ConditionIn(_In):
    code: Annotated[Code, _local("condition")]
    site: Annotated[BodySiteName | None, _local("body_site", BodySiteName | None)] = None


def _measure_code(value: object) -> object:
    """A lab or vital synonym or LOINC code read as the local code (labs first, then vitals)."""
    if isinstance(value, str):
        found = find("lab", value) or find("vital", value)
        return value if found is None else found
    if not isinstance(value, Mapping):
        return value
    for kind in ("lab", "vital"):
        try:
            return resolve(kind, value, "code")
        except ValidationError:
            continue
    if isinstance(value, Mapping):
        raise PydanticCustomError(
            "unknown_code", "one of the lab or vital codes this program maps", {}
        )
    return value  # refused by the vocabulary check, naming the field and the known codes


class MeasurementEntry(_In):
    """A lab result or vital sign as entered: a synonym or LOINC code is read as the local code;
    the value keeps the unit it came in (a child's record stores what was measured)."""

    code: Annotated[
        Text,
        Field(min_length=1, max_length=40),
        BeforeValidator(
            _measure_code,
            json_schema_input_type=Annotated[Text, Field(min_length=1, max_length=40)]
            | StandardCoding,
        ),
    ]
    value: float
    unit: Text = Field(min_length=1, max_length=16)
    taken_at: AwareDatetime


class Measurement(MeasurementEntry):
    """A lab result or vital sign for the rules: a value in another accepted unit (``10*9/L``,
    ``/uL``, ``[degF]``, ``g/dL``, ``kg``, …) is converted to the one unit the rules use; a unit
    that is not accepted is refused by the vocabulary check."""

    @model_validator(mode="after")
    def _to_stored_unit(self) -> Measurement:
        """Convert in place once the fields are valid (a frozen model is still being built)."""
        book = code_book()
        for kind, table in (("lab", book.labs), ("vital", book.vitals)):
            spec = table.get(self.code)
            if spec is None or self.unit == spec.unit:
                continue
            try:
                converted = to_stored_unit(kind, self.code, self.value, self.unit, "")
            except ValidationError:
                return self  # refused by the vocabulary check, naming the accepted units
            object.__setattr__(self, "value", converted.value)
            object.__setattr__(self, "unit", converted.unit)
        return self


class DeviceIn(_In):
    kind: Annotated[Code, _local("device")]
    site: Annotated[BodySiteName | None, _local("body_site", BodySiteName | None)] = None


class ProcedureIn(_In):
    kind: Annotated[Code, _local("procedure")] = Field(
        description="surgery, lumbar_puncture, bone_marrow_aspiration, immunization, sedation, …"
    )
    site: Annotated[BodySiteName | None, _local("body_site", BodySiteName | None)] = None
    date: date


class SkinFinding(_In):
    finding: Annotated[Code, _local("skin_finding")]
    site: Annotated[BodySiteName | None, _local("body_site", BodySiteName | None)] = None


class MedicationIn(_In):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    class_: Annotated[Code, _local("medication_class")] = Field(
        alias="class",
        description=(
            "Medication class, e.g. anticoagulant, chemotherapy, sedative, antiplatelet; may be "
            "left out when `name` is given."
        ),
    )
    name: Text | None = Field(
        None,
        max_length=80,
        description="A medicine name or brand (enoxaparin, morphine); its class is looked up.",
    )

    @model_validator(mode="before")
    @classmethod
    def _class_from_name(cls, data: Any) -> Any:
        """A medicine named without a class takes the class of the name map; a class that
        contradicts the name is refused rather than either being believed."""
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            return data
        try:
            named = medicine_class(data["name"], "name")
        except ValidationError as exc:
            raise PydanticCustomError(
                "unknown_medicine", "{allowed}", {"allowed": exc.allowed}
            ) from exc
        given = data.get("class", data.get("class_"))
        if given is None:
            return {**data, "class": named}
        if isinstance(given, str):
            try:
                local = resolve("medication_class", given, "class")
            except ValidationError:
                return data
            if local != named:
                raise PydanticCustomError(
                    "class_mismatch",
                    "{name} is in class {named}, not {given}",
                    {"name": data["name"], "named": named, "given": given},
                )
        return data


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
    forbidden_techniques: list[MovingTechniqueKind] = Field(
        default_factory=list, description="Kinds of touch the session must not use."
    )


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
