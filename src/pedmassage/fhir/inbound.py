"""A child's record read from FHIR R4 resources into the program's own codes.

An EHR describes the child in Patient, Condition, Observation, Device, DeviceUseStatement,
MedicationStatement, MedicationRequest and Procedure resources. Each resource is first parsed with
the ``fhir.resources`` R4B models, so malformed FHIR is refused naming the field, then each coded
value goes through the same vocabulary as a clinician's typing (:mod:`pedmassage.vocabulary`).

What cannot be mapped is reported as :class:`Unmapped` with the resource and the codes, never
guessed: an unknown SNOMED CT code is not read as its nearest local code, because a screening that
silently drops or bends a fact reads as a screening of a child without it. A fact that could be
read but must not be used (an observation with no time, a bound such as "<10" instead of a value,
a resource about another patient) is reported the same way, so the person receiving the result
knows what the screening did not see.

Words (a concept's ``text`` or a coding's ``display``) are read only where a concept carries no
code in a system the program maps (SNOMED CT, ICD-10, LOINC, ATC), and only when they are exactly
one of the vocabulary's names or synonyms: most devices have no confirmed code, and medicines are
named, not coded, in RxNorm or SNOMED CT. A code the program does not know is never overridden by
its words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.deviceusestatement import DeviceUseStatement
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference
from pydantic import ValidationError as PydanticValidationError

from pedmassage.children.schemas import ChildCreate, GoalsOfCareUpdate
from pedmassage.children.service import create_child, set_goals_of_care
from pedmassage.development import GestationalAge
from pedmassage.errors import ValidationError
from pedmassage.fhir.codes import LOCAL_CODES, PROFILE_EXTENSION, PROFILE_FLAGS
from pedmassage.inbound import MAX_LIST_ITEMS, field_path
from pedmassage.safety.contract import (
    ChildFacts,
    ConditionIn,
    DeviceIn,
    GoalsOfCare,
    Isolation,
    Measurement,
    MeasurementEntry,
    MedicationIn,
    ProcedureIn,
    RespiratorySupport,
    ScreeningInput,
    Setting,
    Sex,
    SkinFinding,
)
from pedmassage.vocabulary import SYSTEMS, code_book, find, medicine_class, resolve, to_stored_unit
from pedmassage.vocabulary.terms import term_list

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pedmassage.children.models import Child

UCUM = SYSTEMS["ucum"]
ATC = SYSTEMS["atc"]
MAPPED_SYSTEMS = frozenset(SYSTEMS.values())
"""Code systems the vocabulary maps: a code in one of these is read by its code alone."""
ADMINISTRATIVE_GENDER = "http://hl7.org/fhir/administrative-gender"

_T = TypeVar("_T")
_MODELS: dict[str, Any] = {
    "Patient": Patient,
    "Condition": Condition,
    "Observation": Observation,
    "Device": Device,
    "DeviceUseStatement": DeviceUseStatement,
    "MedicationStatement": MedicationStatement,
    "MedicationRequest": MedicationRequest,
    "Procedure": Procedure,
    "Medication": Medication,
}
"""The resource types read; any other is reported as not read, unparsed (a malformed resource the
program ignores is no reason to refuse the child's record)."""

# Statuses: a value in USED is read; in IGNORED it is not a fact about the child now (resolved,
# entered in error, cancelled) and is passed over without a report; any other value, or none, is
# reported, since whether the fact holds cannot be told.
CONDITION_ACTIVE = frozenset({"active", "recurrence", "relapse"})
"""``recurrence`` and ``relapse`` are kinds of ``active`` in the condition-clinical code system."""
CONDITION_INACTIVE = frozenset({"inactive", "remission", "resolved"})
CONDITION_NOT_TRUE = frozenset({"entered-in-error", "refuted"})
OBSERVATION_USED = frozenset({"final", "amended", "corrected"})
OBSERVATION_IGNORED = frozenset({"entered-in-error", "cancelled"})
DEVICE_USED = frozenset({"active"})
DEVICE_IGNORED = frozenset({"inactive", "entered-in-error"})
DEVICE_USE_USED = frozenset({"active"})
DEVICE_USE_IGNORED = frozenset({"completed", "entered-in-error", "intended", "stopped"})
MEDICATION_USED = frozenset({"active", "intended"})
MEDICATION_IGNORED = frozenset(
    {"completed", "entered-in-error", "stopped", "not-taken", "cancelled", "draft"}
)
PROCEDURE_USED = frozenset({"completed", "in-progress", "stopped"})
"""``stopped``: ended early, but after some of the procedure was done to the child."""
PROCEDURE_IGNORED = frozenset({"preparation", "not-done", "entered-in-error"})

SEXES: dict[str, Sex] = {"female": "female", "male": "male", "unknown": "unknown"}
"""FHIR administrative gender read as sex; ``other`` is reported and read as unknown."""

_HISTORY = re.compile(r"/_history/[^/]+$")


@dataclass(frozen=True)
class Unmapped:
    """A resource, or one field of it, the screening does not see, and why.

    ``resource`` is ``Type/id`` (or ``Type at <where>`` without an id); ``codes`` are the codes it
    carried as ``system|code``, so the mapping can be extended from the report.
    """

    resource: str
    field: str
    codes: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Imported:
    """A child's profile read from FHIR resources, and what could not be read.

    ``child`` is a :class:`ChildCreate` (no site; the hospital setting) with every fact in local
    codes and every measurement in its stored unit. ``patient`` is the Patient's reference
    (``Patient/<id>``), for an answer that names whom it is about. The resources hold nothing the
    screening needs beyond ``child``: respiratory support, isolation and goals of care have no
    mapped code and are stated at the bedside.
    """

    child: ChildCreate
    patient: str | None
    unmapped: list[Unmapped] = field(default_factory=list)
    goals_of_care: GoalsOfCare | None = None
    """From the program's own Patient extension, when the Bundle came from pedmassage: set by a
    physician or lead there, and carried with the record."""


def read_resources(resources: Sequence[Mapping[str, Any]], *, now: datetime) -> Imported:
    """Read one child's resources (a Bundle among them is read entry by entry).

    Raises ``ValidationError`` naming the field (``resources[2].valueQuantity.value``) for a
    malformed resource, for none or several Patients, and for a Patient without a full birth date
    or a name. ``now`` bounds the times: a result or procedure after it is reported, not used.
    """
    items = list(_flatten(resources, "resources"))
    return _Reader(items, now, name_required=True).imported()


def read_bundle(bundle: Mapping[str, Any], *, now: datetime) -> Imported:
    """Read the entries of a Bundle (any type: collection, searchset, transaction, …); a
    refusal names the field from the Bundle (``entry[3].resource.status``)."""
    items = list(_items(_bundle(bundle), "", None))
    return _Reader(items, now, name_required=True).imported()


def screening_input_from_resources(
    resources: Sequence[Mapping[str, Any]], *, now: datetime, setting: Setting = "hospital"
) -> tuple[ScreeningInput, list[Unmapped]]:
    """The screening input the resources describe, stored nowhere, with what was not read.

    Consent and assent are left unrecorded (None): they are asked at the bedside, so a screening
    of this input holds for ``consent.guardian_not_recorded`` until they are. A Patient without a
    name is screened all the same: the screening never reads the name.
    """
    items = list(_flatten(resources, "resources"))
    imported = _Reader(items, now, name_required=False).imported()
    screening = screening_input_from_profile(imported.child, assessed_at=now, setting=setting)
    return screening, imported.unmapped


def screening_input_from_profile(
    profile: ChildCreate,
    *,
    assessed_at: datetime,
    setting: Setting | None = None,
    goals_of_care: GoalsOfCare = "curative",
    respiratory_support: RespiratorySupport = "none",
    respiratory_support_long_term: bool = False,
    isolation: Isolation = "none",
    guardian_consent: bool | None = None,
    child_assent: bool | None = None,
    self_consent: bool | None = None,
) -> ScreeningInput:
    """The screening contract for a profile not (yet) stored, as
    :func:`pedmassage.screenings.service.screening_input` builds it for a stored child: the same
    child facts (gestational age in decimal weeks; weight only as a timed vital, so that it is
    used only while fresh), measurements converted for the rules, medications as their classes.
    The bedside facts are arguments, each defaulting to what an unstated one means there."""
    ga = GestationalAge(profile.gestational_age_weeks, profile.gestational_age_days)
    return ScreeningInput(
        assessed_at=assessed_at,
        setting=setting or profile.setting,
        child=ChildFacts(
            birth_date=profile.birth_date,
            sex=profile.sex,
            gestational_age_at_birth_weeks=ga.decimal_weeks,
            verbal=profile.verbal,
            cognitive_impairment=profile.cognitive_impairment,
            weight_g=None,
        ),
        conditions=list(profile.conditions),
        labs=[_measurement(m) for m in profile.labs],
        vitals=[_measurement(m) for m in profile.vitals],
        devices=list(profile.devices),
        procedures=list(profile.procedures),
        skin=list(profile.skin),
        medications=[MedicationIn.model_validate({"class": m}) for m in profile.medications],
        respiratory_support=respiratory_support,
        respiratory_support_long_term=respiratory_support_long_term,
        isolation=isolation,
        goals_of_care=goals_of_care,
        touch_aversion=profile.touch_aversion,
        trauma_history=profile.trauma_history,
        guardian_consent=guardian_consent,
        child_assent=child_assent,
        self_consent=self_consent,
    )


def import_bundle(
    *,
    db: Session,
    bundle: Mapping[str, Any],
    now: datetime,
    site: str | None,
    setting: Setting = "hospital",
) -> tuple[Child, list[Unmapped]]:
    """Store a new child from a Bundle through :func:`create_child`, so every check of a typed
    profile applies; a refusal (a malformed resource, a record number already taken) stores
    nothing. Only flushes: the caller's unit of work commits."""
    imported = read_bundle(bundle, now=now)
    data = imported.child.model_dump(by_alias=True)
    profile = ChildCreate.model_validate({**data, "site_id": site, "setting": setting})
    child = create_child(db=db, data=profile, now=now)
    if imported.goals_of_care is not None:
        set_goals_of_care(
            db=db,
            child_id=child.id,
            data=GoalsOfCareUpdate(goals_of_care=imported.goals_of_care),
            set_by="FHIR import",
            now=now,
        )
    return child, imported.unmapped


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """One resource as given, with where it was (for a refusal) and how it may be referred to."""

    where: str
    raw: Mapping[str, Any]
    type: str
    full_url: str | None

    @property
    def id(self) -> str | None:
        ident = self.raw.get("id")
        return ident if isinstance(ident, str) and ident else None

    @property
    def label(self) -> str:
        return f"{self.type}/{self.id}" if self.id else f"{self.type} at {self.where}"

    @property
    def keys(self) -> frozenset[str]:
        """The references that point at this resource: ``Type/id`` and its ``fullUrl``."""
        keys = {f"{self.type}/{self.id}"} if self.id else set()
        if self.full_url:
            keys.add(self.full_url)
        return frozenset(keys)


def _bundle(bundle: object) -> Mapping[str, Any]:
    if not isinstance(bundle, Mapping):
        raise ValidationError("bundle", type(bundle).__name__, "a FHIR Bundle (a JSON object)")
    kind = bundle.get("resourceType")
    if kind != "Bundle":
        raise ValidationError("resourceType", _short(kind), "Bundle")
    return bundle


def _flatten(resources: Iterable[object], where: str) -> Iterator[_Item]:
    """Every resource, a Bundle's entries in its place (CDS Hooks prefetch sends Bundles)."""
    for i, raw in enumerate(resources):
        yield from _items(raw, f"{where}[{i}]", None)


def _items(raw: object, where: str, full_url: str | None) -> Iterator[_Item]:
    if not isinstance(raw, Mapping):
        raise ValidationError(where or "bundle", type(raw).__name__, "a FHIR resource (an object)")
    kind = raw.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise ValidationError(_at(where, "resourceType"), _short(kind), "a FHIR resource type")
    if kind != "Bundle":
        yield _Item(where, raw, kind, full_url)
        return
    entries = raw.get("entry", [])
    if not isinstance(entries, list):
        raise ValidationError(_at(where, "entry"), type(entries).__name__, "a list of entries")
    for j, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise ValidationError(_at(where, f"entry[{j}]"), type(entry).__name__, "an entry")
        url = entry.get("fullUrl")
        if "resource" in entry:  # a transaction's DELETE entry carries none
            yield from _items(entry["resource"], _at(where, f"entry[{j}].resource"), _text(url))


def _at(where: str, name: str) -> str:
    """A field's path: ``name`` inside ``where`` (nothing, for the Bundle itself)."""
    return f"{where}.{name}" if where else name


def _parse(item: _Item) -> Any:
    """The resource as its R4B model, or ``ValidationError`` naming the first bad field."""
    try:
        return _MODELS[item.type].model_validate(dict(item.raw))
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        path = field_path(error["loc"])
        at = _at(item.where, path)
        # a Patient's values identify the child: the field is named, the value is not echoed
        value = None if item.type == "Patient" else _short(error.get("input"))
        reason = str(error["msg"]).removeprefix("Value error, ")
        allowed = f"valid FHIR R4 for {item.type}.{path} ({reason})"
        message = f"{at} ({item.label}): {value!r} is not allowed; allowed: {allowed}"
        raise ValidationError(at, value, allowed, message=message) from None


@dataclass(frozen=True)
class _Match:
    kind: str
    code: str


@dataclass(frozen=True)
class _Miss:
    codes: tuple[str, ...]
    reason: str


@dataclass
class _Facts:
    conditions: list[ConditionIn] = field(default_factory=list)
    skin: list[SkinFinding] = field(default_factory=list)
    devices: list[DeviceIn] = field(default_factory=list)
    labs: list[tuple[str, MeasurementEntry]] = field(default_factory=list)
    vitals: list[tuple[str, MeasurementEntry]] = field(default_factory=list)
    procedures: list[ProcedureIn] = field(default_factory=list)
    medications: list[str] = field(default_factory=list)


class _Reader:
    """One pass over one child's resources."""

    def __init__(self, items: list[_Item], now: datetime, *, name_required: bool) -> None:
        if now.tzinfo is None:
            raise ValidationError("now", now.isoformat(), "a time with its UTC offset")
        self.now = now
        self.name_required = name_required
        self.unmapped: list[Unmapped] = []
        self.facts = _Facts()
        self.items = items
        self.parsed = {id(i): _parse(i) for i in items if i.type in _MODELS}
        patients = [i for i in items if i.type == "Patient"]
        if patients and all(p.raw == patients[0].raw for p in patients):
            patients = patients[:1]  # the same Patient sent twice (a prefetch and a search)
        if len(patients) != 1:
            where = ", ".join(p.where for p in patients) or "none given"
            raise ValidationError("Patient", where, "exactly one Patient: one child's resources")
        self.patient_item = patients[0]
        self.patient: Patient = self.parsed[id(self.patient_item)]
        self.devices = {k: i for i in items if i.type == "Device" for k in i.keys}
        self.medications = {k: i for i in items if i.type == "Medication" for k in i.keys}
        self.used_devices: set[int] = set()
        self.used_medications: set[int] = set()

    def imported(self) -> Imported:
        """Statements of use and medication statements first, then the devices and medicines
        they do not name: a statement says more (in use or not, where) than the thing alone."""
        readers: dict[str, Any] = {
            "Condition": self._condition,
            "Observation": self._observation,
            "DeviceUseStatement": self._deviceusestatement,
            "MedicationStatement": self._medicationstatement,
            "MedicationRequest": self._medicationrequest,
            "Procedure": self._procedure,
        }
        for item in self.items:
            if item.type not in _MODELS:
                self._report(item, "resourceType", (), "not read")
            elif item.type in readers and self._readable(item):
                readers[item.type](item, self.parsed[id(item)])
        for item in self.items:
            lone = item.type == "Device" and id(item) not in self.used_devices
            if lone and self._readable(item):
                self._device(item, self.parsed[id(item)])
            if item.type == "Medication" and id(item) not in self.used_medications:
                self._report(
                    item,
                    "resourceType",
                    (),
                    "not read: no medication statement or request of this child names it",
                )
        goals = _profile_extensions(self.patient).pop("goals_of_care", None)
        return Imported(self._child(), self._patient_reference(), self.unmapped, goals)

    # --- the patient ---------------------------------------------------------------------------

    def _child(self) -> ChildCreate:
        p, item = self.patient, self.patient_item
        born = p.birthDate
        if not isinstance(born, date) or isinstance(born, datetime):
            raise ValidationError(
                _at(item.where, "birthDate"), None, "the child's full birth date (YYYY-MM-DD)"
            )
        name = _display_name(p)
        if name is None:
            if self.name_required:
                raise ValidationError(
                    _at(item.where, "name"), None, "the child's name (text, or given and family)"
                )
            name = item.label  # screened, never stored: the screening does not read the name
        facts = self.facts
        return ChildCreate(
            display_name=name,
            mrn=_record_number(p),
            birth_date=born,
            sex=self._sex(p),
            **{k: v for k, v in _profile_extensions(p).items() if k != "goals_of_care"},
            conditions=_unique(facts.conditions),
            devices=_unique(facts.devices),
            labs=self._bounded(facts.labs, born),
            vitals=self._bounded(facts.vitals, born),
            procedures=_unique(facts.procedures),
            skin=_unique(facts.skin),
            medications=_unique(facts.medications),
        )

    def _sex(self, p: Patient) -> Sex:
        gender = p.gender
        if gender in SEXES:
            return SEXES[gender]
        if gender is not None:
            self._report(
                self.patient_item,
                "gender",
                (f"{ADMINISTRATIVE_GENDER}|{gender}",),
                f"administrative gender {gender!r} is none of female, male, intersex: read as "
                "unknown",
            )
        return "unknown"

    def _patient_reference(self) -> str | None:
        item = self.patient_item
        return f"Patient/{item.id}" if item.id else item.full_url

    def _readable(self, item: _Item) -> bool:
        """Whether a resource may be read at all: it is about this child, and carries no
        modifier extension (which may reverse its meaning, and which the program does not know:
        the FHIR rule is then not to process it)."""
        for at in ("modifierExtension", "implicitRules"):
            if item.raw.get(at):
                self._report(
                    item,
                    at,
                    (),
                    "may change what the resource means, and the program "
                    "does not understand it; not read",
                )
                return False
        resource = self.parsed[id(item)]
        subject: Reference | None = getattr(resource, "subject", None) or getattr(
            resource, "patient", None
        )
        reference = subject.reference if subject is not None else None
        if reference is None or reference.startswith("#") or self._is_patient(reference):
            return True
        at = "patient" if item.type == "Device" else "subject"
        self._report(item, at, (), f"about {reference}, not the Patient read; not read")
        return False

    def _is_patient(self, reference: str) -> bool:
        ref = _HISTORY.sub("", reference)
        ident = self.patient_item.id
        return ref in self.patient_item.keys or (
            ident is not None and ref.endswith(f"/Patient/{ident}")
        )

    # --- conditions ----------------------------------------------------------------------------

    def _condition(self, item: _Item, c: Condition) -> None:
        verification = _status_code(c.verificationStatus)
        if verification in CONDITION_NOT_TRUE:
            return
        clinical = _status_code(c.clinicalStatus)
        if clinical in CONDITION_INACTIVE:
            return
        if clinical not in CONDITION_ACTIVE:
            why = "no clinicalStatus" if clinical is None else f"clinicalStatus {clinical!r}"
            self._report(item, "clinicalStatus", (), f"{why}: whether it is active is not said")
            return
        found = self._concept(item, "code", c.code, ("condition", "skin_finding"))
        if found is None:
            return
        for site in self._sites(item, c.bodySite):
            if found.kind == "condition":
                self.facts.conditions.append(ConditionIn(code=found.code, site=site))
            else:
                self.facts.skin.append(SkinFinding(finding=found.code, site=site))

    def _sites(self, item: _Item, concepts: Sequence[CodeableConcept] | None) -> list[str | None]:
        """Each body site mapped; one that is not is reported and read as "site not known", so
        the rules for an unknown site apply rather than none."""
        sites: list[str | None] = []
        for concept in concepts or ():
            found = self._concept(item, "bodySite", concept, ("body_site",))
            sites.append(found.code if found is not None else None)
        return list(dict.fromkeys(sites)) or [None]

    # --- observations --------------------------------------------------------------------------

    def _observation(self, item: _Item, o: Observation) -> None:
        status = o.status
        if status in OBSERVATION_IGNORED:
            return
        if status not in OBSERVATION_USED:
            self._report(item, "status", (), f"status {status!r}: not a final result")
            return
        found = self._concept(item, "code", o.code, ("lab", "vital"))
        if found is None:
            return
        taken_at = self._taken_at(item, o)
        if taken_at is None:
            return
        entry = self._value(item, o.valueQuantity, found, taken_at)
        if entry is not None:
            target = self.facts.labs if found.kind == "lab" else self.facts.vitals
            target.append((item.label, entry))

    def _taken_at(self, item: _Item, o: Observation) -> datetime | None:
        """When the result was true. Without a time of day the screening cannot tell whether it
        is fresh, so it is reported rather than used."""
        at: object = o.effectiveDateTime or o.effectiveInstant
        problem = None
        if at is None:
            given = o.effectivePeriod or o.effectiveTiming
            problem = "only a period or timing" if given is not None else "no effective time"
        elif not isinstance(at, datetime):
            problem = f"effective time {str(at)!r} has no time of day"
        elif at > self.now:
            problem = f"effective time {at.isoformat()} is after now"
        if problem is not None:
            self._report(item, "effective[x]", (), f"{problem}: how fresh it is cannot be told")
            return None
        return at if isinstance(at, datetime) else None

    def _value(
        self, item: _Item, q: Quantity | None, found: _Match, taken_at: datetime
    ) -> MeasurementEntry | None:
        if q is None or q.value is None:
            absent = " (dataAbsentReason given)" if item.raw.get("dataAbsentReason") else ""
            self._report(item, "value[x]", (), f"no valueQuantity{absent}: nothing to read")
            return None
        codes = (f"{q.system or ''}|{q.code}",) if q.code else ()
        if q.comparator is not None:
            self._report(
                item,
                "valueQuantity.comparator",
                codes,
                f"a bound ({q.comparator}{q.value}), not a measured value",
            )
            return None
        spellings = [s for s in (q.code if q.system in (None, UCUM) else None, q.unit) if s]
        value = float(Decimal(q.value))
        for spelling in dict.fromkeys(spellings):
            try:
                converted = to_stored_unit(found.kind, found.code, value, spelling, "valueQuantity")
            except ValidationError:
                continue
            try:
                code_book().check_measure(
                    found.kind, found.code, converted.value, converted.unit, "valueQuantity"
                )
            except ValidationError as exc:
                self._report(
                    item,
                    "valueQuantity.value",
                    codes,
                    f"{value:g} {spelling} is outside what is possible: {exc.allowed}",
                )
                return None
            return MeasurementEntry(
                code=found.code, value=converted.value, unit=converted.unit, taken_at=taken_at
            )
        given = " or ".join(repr(s) for s in dict.fromkeys(spellings)) or "no unit"
        self._report(
            item, "valueQuantity.code", codes, f"{given} is not a unit accepted for {found.code}"
        )
        return None

    def _bounded(
        self, readings: list[tuple[str, MeasurementEntry]], born: date
    ) -> list[MeasurementEntry]:
        """The readings taken since birth (a day's leeway for time zones, as a typed profile
        has), at most ``MAX_LIST_ITEMS``: past that, each code's latest is kept first (it is
        what the rules read), then the newest others; every reading left out is reported."""
        kept: list[tuple[str, MeasurementEntry]] = []
        for label, m in readings:
            if m.taken_at.date() < born - timedelta(days=1):
                self._report_label(
                    label, "effective[x]", (), f"taken before the birth date ({born.isoformat()})"
                )
                continue
            kept.append((label, m))
        if len(kept) <= MAX_LIST_ITEMS:
            return [m for _, m in kept]
        newest = sorted(kept, key=lambda r: r[1].taken_at, reverse=True)
        latest = {m.code: n for n, (_, m) in reversed(list(enumerate(newest)))}
        order = sorted(range(len(newest)), key=lambda n: (n not in latest.values(), n))
        for n in order[MAX_LIST_ITEMS:]:
            self._report_label(
                newest[n][0], "effective[x]", (), f"an older result past the {MAX_LIST_ITEMS} kept"
            )
        return [newest[n][1] for n in sorted(order[:MAX_LIST_ITEMS])]

    # --- devices -------------------------------------------------------------------------------

    def _device(self, item: _Item, d: Device) -> None:
        """A device no statement of use names: in use unless its status says otherwise."""
        status = d.status
        if status in DEVICE_IGNORED:
            return
        if status is not None and status not in DEVICE_USED:
            self._report(item, "status", (), f"status {status!r}: whether it is in use is not said")
            return
        found = self._concept(item, "type", d.type, ("device",))
        if found is not None:
            self.facts.devices.append(DeviceIn(kind=found.code, site=None))

    def _deviceusestatement(self, item: _Item, s: DeviceUseStatement) -> None:
        device = self._referred(s.device, self.devices, s.contained)
        if isinstance(device, _Item):
            self.used_devices.add(id(device))  # the statement decides, whatever its status
        status = s.status
        if status in DEVICE_USE_IGNORED:
            return
        if status not in DEVICE_USE_USED:
            self._report(
                item, "status", (), f"status {status!r}: whether the device is in place is not said"
            )
            return
        if device is None:
            self._missing(item, "device", s.device)
            return
        model: Device = self.parsed[id(device)] if isinstance(device, _Item) else device
        found = self._concept(item, "device.type", model.type, ("device",))
        if found is None:
            return
        sites = self._sites(item, [s.bodySite] if s.bodySite is not None else None)
        for site in sites:
            self.facts.devices.append(DeviceIn(kind=found.code, site=site))

    # --- medications ---------------------------------------------------------------------------

    def _medicationstatement(self, item: _Item, m: MedicationStatement) -> None:
        self._medicine(item, m.status, m.medicationCodeableConcept, m.medicationReference, m)

    def _medicationrequest(self, item: _Item, m: MedicationRequest) -> None:
        if m.doNotPerform:
            return  # an order not to give it
        self._medicine(item, m.status, m.medicationCodeableConcept, m.medicationReference, m)

    def _medicine(
        self,
        item: _Item,
        status: str | None,
        concept: CodeableConcept | None,
        reference: Reference | None,
        resource: MedicationStatement | MedicationRequest,
    ) -> None:
        named: Medication | _Item | None = None
        if concept is None:
            named = self._referred(reference, self.medications, resource.contained)
            if isinstance(named, _Item):
                self.used_medications.add(id(named))
        if status in MEDICATION_IGNORED:
            return
        if status not in MEDICATION_USED:
            self._report(
                item, "status", (), f"status {status!r}: whether it is given now is not said"
            )
            return
        if concept is None:
            if named is None:
                self._missing(item, "medication[x]", reference)
                return
            model: Medication = self.parsed[id(named)] if isinstance(named, _Item) else named
            concept = model.code
        found = self._medication_class(item, concept)
        if found is not None:
            self.facts.medications.append(found)

    def _medication_class(self, item: _Item, concept: CodeableConcept | None) -> str | None:
        """An ATC code through the class groups (a substance's code falls in its group: ATC is
        a hierarchy) or the maintained medicines; otherwise the words, through the medicine and
        class names. RxNorm and SNOMED CT medicine codes are not mapped: their words are read."""
        if concept is None:
            self._report(item, "medication[x].code", (), "no code and no words")
            return None
        codings = concept.coding or []
        atc = [c.code for c in codings if c.system == ATC and c.code]
        classes = {cls for code in atc if (cls := _atc_class(code)) is not None}
        if not classes and not atc:
            classes = {cls for words in _words(concept) if (cls := _class_of(words)) is not None}
        if len(classes) == 1:
            return classes.pop()
        codes = _codes(concept)
        if classes:
            reason = f"names more than one medication class ({', '.join(sorted(classes))})"
        elif atc:
            reason = "ATC code not in any medication class or medicine the program maps"
        else:
            reason = _no_words("medicine or medication class", concept)
        self._report(item, "medication[x]", codes, reason)
        return None

    # --- procedures ----------------------------------------------------------------------------

    def _procedure(self, item: _Item, p: Procedure) -> None:
        status = p.status
        if status in PROCEDURE_IGNORED:
            return
        if status not in PROCEDURE_USED:
            self._report(item, "status", (), f"status {status!r}: whether it was done is not said")
            return
        found = self._concept(item, "code", p.code, ("procedure",))
        if found is None:
            return
        day = self._performed(item, p)
        if day is None:
            return
        for site in self._sites(item, p.bodySite):
            self.facts.procedures.append(ProcedureIn(kind=found.code, site=site, date=day))

    def _performed(self, item: _Item, p: Procedure) -> date | None:
        """The day it was done: of a period, its end (the latest day it touched the child), else
        its start. A partial date (a year, a month) cannot say how many days ago it was."""
        at: object = p.performedDateTime
        if at is None and p.performedPeriod is not None:
            at = p.performedPeriod.end or p.performedPeriod.start
        day = at.date() if isinstance(at, datetime) else at
        problem = None
        if day is None:
            problem = "no performed date or time"
        elif not isinstance(day, date):
            problem = f"performed {str(day)!r}: not a full date"
        elif day > self.now.date():
            problem = f"performed {day.isoformat()}, after today"
        if problem is not None:
            self._report(item, "performed[x]", (), problem)
            return None
        return day if isinstance(day, date) else None

    # --- shared --------------------------------------------------------------------------------

    def _concept(
        self, item: _Item, at: str, concept: CodeableConcept | None, kinds: Sequence[str]
    ) -> _Match | None:
        result = _map_concept(concept, kinds)
        if isinstance(result, _Miss):
            self._report(item, at, result.codes, result.reason)
            return None
        return result

    @staticmethod
    def _referred(
        reference: Reference | None, index: Mapping[str, _Item], contained: Sequence[Any] | None
    ) -> Any:
        """The resource a reference names, contained (``#id``) or among the resources given
        (``Type/id``, a full URL ending so, or an entry's ``fullUrl``), or None."""
        ref = reference.reference if reference is not None else None
        if ref is None:
            return None
        if ref.startswith("#"):
            return next((r for r in contained or () if getattr(r, "id", None) == ref[1:]), None)
        ref = _HISTORY.sub("", ref)
        if ref in index:
            return index[ref]
        return next((c for k, c in index.items() if "/" in k and ref.endswith(f"/{k}")), None)

    def _missing(self, item: _Item, at: str, reference: Reference | None) -> None:
        ref = reference.reference if reference is not None else None
        what = f"{ref} is not among the resources given" if ref else "no reference to read"
        self._report(item, at, (), what)

    def _report(self, item: _Item, at: str, codes: tuple[str, ...], reason: str) -> None:
        self._report_label(item.label, at, codes, reason)

    def _report_label(self, label: str, at: str, codes: tuple[str, ...], reason: str) -> None:
        self.unmapped.append(Unmapped(label, at, codes, reason))


def _map_concept(concept: CodeableConcept | None, kinds: Sequence[str]) -> _Match | _Miss:
    """The one local code a concept names: by its codes in the mapped systems, else (none
    there) by its words; several different ones, or none, are a miss."""
    if concept is None:
        return _Miss((), "no code and no words")
    codings = [c for c in concept.coding or [] if c.code and c.system in MAPPED_SYSTEMS]
    found: dict[_Match, None] = {}
    for coding in concept.coding or []:
        kind = (coding.system or "").removeprefix(LOCAL_CODES)
        if kind in kinds and coding.code and find(kind, coding.code) == coding.code:
            found[_Match(kind, coding.code)] = None  # the program's own code, exactly
    for coding in codings:
        for kind in kinds:
            try:
                local = resolve(kind, {"system": coding.system, "code": coding.code}, kind)
            except ValidationError:
                continue
            found[_Match(kind, local)] = None
            break
    if not codings and not found:
        for words in _words(concept):
            for kind in kinds:
                named = find(kind, words)
                if named is not None:
                    found[_Match(kind, named)] = None
                    break
    if len(found) == 1:
        return next(iter(found))
    codes = _codes(concept)
    what = " or ".join(k.replace("_", " ") for k in kinds)
    if found:
        names = ", ".join(f.code for f in found)
        return _Miss(codes, f"the concept names different {what} entries ({names})")
    if codings:
        return _Miss(codes, f"no {what} code the program maps")
    return _Miss(codes, _no_words(what, concept))


def _words(concept: CodeableConcept) -> list[str]:
    """A concept's text, then its codings' displays: what a person reading it would see."""
    words = [concept.text, *(c.display for c in concept.coding or [])]
    return list(dict.fromkeys(w.strip() for w in words if w and w.strip()))


def _no_words(what: str, concept: CodeableConcept) -> str:
    words = _words(concept)
    if not words:
        return "no code and no words"
    listed = ", ".join(repr(w) for w in words)
    return f"no code in a system the program maps, and {listed} names no {what} it knows"


def _codes(concept: CodeableConcept) -> tuple[str, ...]:
    return tuple(f"{c.system or ''}|{c.code}" for c in concept.coding or [] if c.code)


@cache
def _medicine_atc() -> dict[str, str]:
    """The medication class of each maintained medicine's confirmed ATC code."""
    medicines = term_list("medication_class").medicines.values()
    return {m.atc: m.class_ for m in medicines if m.atc is not None}


def _atc_class(code: str) -> str | None:
    """The class of an ATC code: a maintained medicine's, else the nearest enclosing group that
    is a class (ATC levels are 1, 3, 4, 5 and 7 characters long)."""
    code = code.strip().upper()
    if code in _medicine_atc():
        return _medicine_atc()[code]
    for length in (7, 5, 4, 3, 1):
        if len(code) >= length:
            try:
                return resolve("medication_class", {"system": ATC, "code": code[:length]}, "atc")
            except ValidationError:
                continue
    return None


def _class_of(words: str) -> str | None:
    found = find("medication_class", words)
    if found is not None:
        return found
    try:
        return medicine_class(words)
    except ValidationError:
        return None


def _status_code(concept: CodeableConcept | None) -> str | None:
    if concept is None:
        return None
    codes = [c.code for c in concept.coding or [] if c.code]
    return codes[0] if codes else None


def _profile_extensions(p: Patient) -> dict[str, Any]:
    """The profile's flags, goals of care and gestational age at birth from the program's own
    Patient extensions (:data:`codes.PROFILE_EXTENSION`); absent ones keep the defaults."""
    found: dict[str, Any] = {}
    for extension in p.extension or []:
        name = (extension.url or "").removeprefix(PROFILE_EXTENSION)
        if name in PROFILE_FLAGS and isinstance(extension.valueBoolean, bool):
            found[PROFILE_FLAGS[name]] = extension.valueBoolean
        elif name == "goals-of-care" and extension.valueCode in ("curative", "comfort"):
            found["goals_of_care"] = extension.valueCode
        elif name == "gestational-age-weeks" and isinstance(extension.valueInteger, int):
            found["gestational_age_weeks"] = extension.valueInteger
        elif name == "gestational-age-days" and isinstance(extension.valueInteger, int):
            found["gestational_age_days"] = extension.valueInteger
    return found


def _display_name(p: Patient) -> str | None:
    """How staff address the child: the usual name (what the child is called) before the
    official one; its text, else the given names and the family name."""
    names = [n for n in p.name or [] if n.use != "old"]
    for use in ("usual", "official", None):
        for n in names:
            if use is not None and n.use != use:
                continue
            parts = [*(g for g in n.given or [] if g), n.family or ""]
            text = (n.text or " ".join(parts)).strip()
            if text:
                return " ".join(text.split())
    return None


def _record_number(p: Patient) -> str | None:
    """The medical record number (identifier type MR); else the first identifier that is not
    typed as something else: a national, insurance or passport number is no record number."""
    current = [i for i in p.identifier or [] if i.value and i.use != "old"]

    def types(i: Any) -> list[str]:
        return [c.code for c in (i.type.coding or [] if i.type else []) if c.code]

    for i in current:
        if "MR" in types(i):
            return str(i.value)
    for i in current:
        if not types(i):
            return str(i.value)
    return None


def _measurement(entry: MeasurementEntry) -> Measurement:
    return Measurement(code=entry.code, value=entry.value, unit=entry.unit, taken_at=entry.taken_at)


def _unique(items: list[_T]) -> list[_T]:
    return list(dict.fromkeys(items))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _short(value: object) -> object:
    """A value fit for an error message: a long one cut, a structure named by its type."""
    if isinstance(value, str):
        return value[:60]
    if value is None or isinstance(value, bool | int | float):
        return value
    return type(value).__name__
