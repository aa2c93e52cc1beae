"""A child's record as one FHIR R4 Bundle, so the hospital's other systems can carry it on.

The Bundle is a ``collection``: the child (Patient), their guardians (RelatedPerson), conditions,
devices (Device, with a DeviceUseStatement saying where on the body), labs and vitals
(Observation), and for each session that started: the massage (Procedure), the guardian's
permission and the child's assent (Consent), and the pain and fear scores and the monitoring taken
around it (Observation, part of that Procedure); last, each home program (CarePlan).

Every resource is built with ``fhir.resources``' R4B models (field names, types and cardinality are
checked as it is made) and the Bundle is serialised by them. R4B's models serve R4 here: the
resources this export writes are the same in R4 and R4B, and the tests validate the output against
the official R4 JSON schema too.

Choices a receiver may rely on:

- **Ids are stable.** Each resource's id is a UUID (version 5) of its type and the pedmassage
  record it comes from, so the same record has the same id in every export and a receiver can
  update what it already holds instead of duplicating it.
- **References are ``urn:uuid:``.** A collection has no server base, and FHIR R4 allows a fullUrl
  without one only as ``urn:uuid:`` (or ``urn:oid:``); every reference is to an entry of the same
  Bundle, by that fullUrl.
- **Free text stays in pedmassage.** Session notes, the child's response in words, reasons for
  ending early, touch notes and adverse-event narratives may identify people or say more than the
  receiver needs; the export sends structured facts and the program's own fixed wording only.
- **No guessed codes.** A concept no published source confirmed a code for is sent as text
  (see :mod:`pedmassage.fhir.codes` and the vocabulary's ``terms/*.yaml``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.careplan import CarePlan, CarePlanActivity, CarePlanActivityDetail
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.consent import Consent, ConsentProvision
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.deviceusestatement import DeviceUseStatement
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.procedure import Procedure, ProcedurePerformer
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.relatedperson import RelatedPerson
from sqlalchemy import select
from sqlalchemy.orm import Session

from pedmassage.children.models import (
    Child,
    ChildCondition,
    ChildDevice,
    ChildMedication,
    ChildProcedure,
    Guardian,
    SkinFindingRecord,
)
from pedmassage.children.models import Observation as ChildObservation
from pedmassage.children.service import get_child
from pedmassage.fhir import codes
from pedmassage.homecare.models import HomeProgram
from pedmassage.homecare.schemas import HomeStep
from pedmassage.measures import instruments
from pedmassage.sessions.models import SessionMeasure, SessionRecord
from pedmassage.sessions.records import REFUSED_AT_START
from pedmassage.sessions.service import list_sessions
from pedmassage.vocabulary import code_book, label, standard_codes

FHIR_JSON = "application/fhir+json"
"""The media type of FHIR's JSON format."""

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:pedmassage:fhir")
"""The namespace of every resource id this export makes (see :func:`resource_id`)."""

GENDERS = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
"""The profile's sex as FHIR's administrative gender (a required binding with four codes)."""

PERMISSION = "Guardian's permission for therapeutic massage"
PERMISSION_POLICY = (
    "Program policy: a guardian's permission is confirmed at the start of every session."
)
ASSENT = "Child's assent to therapeutic massage"
ASSENT_POLICY = (
    "Program policy: the child is asked at the start of every session they are able to answer, "
    "and a refusal is always honoured."
)
TIMEPOINTS = {"pre": "Measured before the session.", "post": "Measured after the session."}
ENDED_EARLY = "Ended early; the reason is kept in the session record."
NOT_GIVEN = "Ended before any massage was given; the reason is kept in the session record."

SESSION_VITALS: tuple[tuple[str, str, str], ...] = (
    ("heart_rate", "heart_rate_pre", "pre"),
    ("spo2", "spo2_pre", "pre"),
    ("heart_rate", "heart_rate_post", "post"),
    ("spo2", "spo2_post", "post"),
)
"""The monitoring a session records: (vital's code, the session's column, timepoint)."""


def export_bundle(
    *, db: Session, child_id: str, now: datetime, mrn_system: str = codes.MRN_SYSTEM
) -> dict[str, Any]:
    """The child's record as a FHIR R4 Bundle (type ``collection``), as JSON-ready data.

    ``now`` is the Bundle's timestamp; ``mrn_system`` the namespace of the hospital record number
    (a placeholder by default, see :data:`pedmassage.fhir.codes.MRN_SYSTEM`). Raises
    :class:`~pedmassage.errors.NotFoundError` for an unknown child. Reads only.
    """
    child = get_child(db=db, child_id=child_id)
    sessions = [s for s in list_sessions(db=db, child_id=child_id) if s.started_at is not None]
    programs = db.scalars(
        select(HomeProgram)
        .where(HomeProgram.child_id == child_id)
        .order_by(HomeProgram.prescribed_at, HomeProgram.id)
    )
    resources = [
        *_child_resources(child, mrn_system),
        *(r for record in sessions for r in _session_resources(child, record)),
        *(_care_plan(child, program) for program in programs),
    ]
    bundle = Bundle(
        id=resource_id("Bundle", child.id),
        type="collection",
        timestamp=now,
        entry=[BundleEntry(fullUrl=full_url(r), resource=r) for r in resources],
    )
    document: dict[str, Any] = json.loads(bundle.model_dump_json())
    return document


def bundle_resources(bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The resources of a Bundle's entries, in order."""
    return [entry["resource"] for entry in bundle.get("entry", []) if "resource" in entry]


def resource_id(resource_type: str, record_id: str, part: str = "") -> str:
    """The id of the resource of ``resource_type`` made from a pedmassage record (and ``part`` of
    it, where one record makes several resources): the same in every export."""
    return str(uuid.uuid5(NAMESPACE, f"{resource_type}/{record_id}/{part}"))


def full_url(resource: DomainResource | Bundle) -> str:
    return f"urn:uuid:{resource.id}"


# --- the child's profile ---------------------------------------------------------------------


def _child_resources(child: Child, mrn_system: str) -> list[DomainResource]:
    patient = _patient(child, mrn_system)
    subject = _ref(patient)
    guardians = [_related_person(g, subject) for g in child.guardians]
    return [
        patient,
        *guardians,
        *(_condition(c, subject) for c in child.conditions),
        *(r for d in child.devices for r in _device(d, subject)),
        *(_measurement(o, subject) for o in child.observations),
        *(_medication(m, subject) for m in child.medications),
        *(_past_procedure(p, subject) for p in child.procedures),
        *(_skin_finding(f, subject) for f in child.skin_findings),
    ]


def _patient(child: Child, mrn_system: str) -> Patient:
    """The child as the hospital knows them: this is the hospital's own record, so the name and
    record number go with it."""
    mrn = (
        [
            Identifier(
                use="usual",
                type=_concept(codes.MEDICAL_RECORD_NUMBER),
                system=mrn_system,
                value=child.mrn,
            )
        ]
        if child.mrn
        else None
    )
    return Patient(
        id=resource_id("Patient", child.id),
        extension=_profile_extensions(child),
        identifier=mrn,
        name=[HumanName(text=child.display_name)],
        gender=GENDERS.get(child.sex, "unknown"),
        birthDate=child.birth_date,
    )


def _profile_extensions(child: Child) -> list[Extension]:
    """What the screening reads of the profile that FHIR has no element for (see
    :data:`codes.PROFILE_EXTENSION`)."""
    url = codes.PROFILE_EXTENSION
    found = [
        Extension(url=url + name, valueBoolean=bool(getattr(child, field)))
        for name, field in codes.PROFILE_FLAGS.items()
    ]
    found.append(Extension(url=url + "goals-of-care", valueCode=child.goals_of_care))
    found.append(Extension(url=url + "gestational-age-weeks", valueInteger=child.ga_weeks))
    found.append(Extension(url=url + "gestational-age-days", valueInteger=child.ga_days))
    return found


def _patient_ref(child: Child) -> Reference:
    return Reference(reference=f"urn:uuid:{resource_id('Patient', child.id)}")


def _related_person(guardian: Guardian, subject: Reference) -> RelatedPerson:
    coded = codes.relationship(guardian.relationship_to_child)
    return RelatedPerson(
        id=resource_id("RelatedPerson", guardian.id),
        patient=subject,
        relationship=[_concept(*_some(coded), text=guardian.relationship_to_child)],
        name=[HumanName(text=guardian.name)],
    )


def _condition(condition: ChildCondition, subject: Reference) -> Condition:
    """A condition of the profile: current (the profile lists what the child has now)."""
    return Condition(
        id=resource_id("Condition", condition.id),
        clinicalStatus=_concept(codes.CONDITION_ACTIVE),
        category=[_concept(codes.PROBLEM_LIST_ITEM)],
        code=_coded("condition", condition.code),
        bodySite=[_body_site(condition.site)] if condition.site else None,
        subject=subject,
    )


def _device(device: ChildDevice, subject: Reference) -> list[DomainResource]:
    """The device, and its use by the child: in R4 a Device has no body site, so where it sits
    is said by a DeviceUseStatement."""
    made = Device(
        id=resource_id("Device", device.id),
        status="active",
        type=_coded("device", device.kind),
        patient=subject,
    )
    use = DeviceUseStatement(
        id=resource_id("DeviceUseStatement", device.id),
        status="active",
        subject=subject,
        device=_ref(made),
        bodySite=_body_site(device.site) if device.site else None,
    )
    return [made, use]


def _medication(medication: ChildMedication, subject: Reference) -> MedicationStatement:
    """A medicine the child takes, as its class (the profile keeps the class the rules read):
    the class's ATC group where one is confirmed, and its name."""
    return MedicationStatement(
        id=resource_id("MedicationStatement", medication.id),
        status="active",
        medicationCodeableConcept=_coded("medication_class", medication.med_class),
        subject=subject,
    )


def _past_procedure(procedure: ChildProcedure, subject: Reference) -> Procedure:
    """A procedure the child had (surgery, a lumbar puncture…), with its day and site: the
    rules read how recent it is and where."""
    return Procedure(
        id=resource_id("Procedure", procedure.id, "history"),
        status="completed",
        code=_coded("procedure", procedure.kind),
        subject=subject,
        performedDateTime=procedure.date,
        bodySite=[_body_site(procedure.site)] if procedure.site else None,
    )


def _skin_finding(finding: SkinFindingRecord, subject: Reference) -> Condition:
    """A skin finding (a rash, a wound, fragile skin) as a current condition at its site."""
    return Condition(
        id=resource_id("Condition", finding.id, "skin"),
        clinicalStatus=_concept(codes.CONDITION_ACTIVE),
        category=[_concept(codes.PROBLEM_LIST_ITEM)],
        code=_coded("skin_finding", finding.finding),
        bodySite=[_body_site(finding.site)] if finding.site else None,
        subject=subject,
    )


def _measurement(observation: ChildObservation, subject: Reference) -> Observation:
    """A lab or vital sign, in the unit it is stored in (UCUM)."""
    kind = "lab" if observation.category == "lab" else "vital"
    category = codes.LABORATORY if kind == "lab" else codes.VITAL_SIGNS
    return Observation(
        id=resource_id("Observation", observation.id),
        status="final",
        category=[_concept(category)],
        code=_coded(kind, observation.code),
        subject=subject,
        effectiveDateTime=observation.taken_at,
        valueQuantity=_quantity(observation.value, observation.unit),
    )


# --- sessions --------------------------------------------------------------------------------


def _session_resources(child: Child, record: SessionRecord) -> list[DomainResource]:
    subject = _patient_ref(child)
    procedure = _procedure(record, subject)
    part_of = _ref(procedure)
    return [
        procedure,
        *_consents(record, subject, child.guardians),
        *(_score(record, m, subject, part_of) for m in _in_order(record.measures)),
        *_monitoring(record, subject, part_of),
    ]


def _procedure(record: SessionRecord, subject: Reference) -> Procedure:
    """The massage given (or begun, or refused), by whom, when and where on the body."""
    status, reason = _procedure_status(record)
    return Procedure(
        id=resource_id("Procedure", record.id),
        status=status,
        statusReason=_concept(text=reason) if reason else None,
        code=_concept(text=codes.MASSAGE_PROCEDURE_TEXT),
        subject=subject,
        performedPeriod=_period(record),
        performer=[ProcedurePerformer(actor=Reference(display=record.therapist))],
        bodySite=[_body_site(region) for region in record.regions] or None,
    )


def _procedure_status(record: SessionRecord) -> tuple[str, str | None]:
    """R4's event status of a started session, and why it ended early, in the program's words."""
    if record.status == "in_progress":
        return "in-progress", None
    if not record.ended_early:
        return "completed", None
    if record.minutes == 0:
        return "not-done", REFUSED_AT_START if record.end_reason == REFUSED_AT_START else NOT_GIVEN
    return "stopped", ENDED_EARLY


def _period(record: SessionRecord) -> Period:
    return Period(start=record.started_at, end=record.ended_at)


def _consents(
    record: SessionRecord, subject: Reference, guardians: Sequence[Guardian]
) -> list[Consent]:
    """The guardian's permission and, where the child was able to answer, the child's assent.

    Two Consents, not one with nested provisions: in R4 the party agreeing is the Consent's
    ``performer``, and here two parties decide separately (the child's "no" stands whatever the
    guardian said). Each is scoped ``treatment``, which R4 requires to name the patient, and names
    the program's rule as ``policyRule`` text, which R4's ppc-1 requires (no code of R4's policy
    value set fits a rule of a massage program)."""
    if record.consent_at is None:
        return []
    permission = Consent(
        id=resource_id("Consent", record.id, "permission"),
        status="active",
        scope=_concept(codes.CONSENT_TREATMENT),
        category=[_concept(codes.CONSENT_DOCUMENT, text=PERMISSION)],
        patient=subject,
        dateTime=record.consent_at,
        performer=[_guardian_ref(record.guardian_consent_by, guardians)],
        policyRule=_concept(text=PERMISSION_POLICY),
        provision=ConsentProvision(type="permit", period=_period(record)),
    )
    if record.child_assent is None:  # not developmentally able to say: nothing was asked
        return [permission]
    assent = Consent(
        id=resource_id("Consent", record.id, "assent"),
        status="active",
        scope=_concept(codes.CONSENT_TREATMENT),
        category=[_concept(codes.CONSENT_DOCUMENT, text=ASSENT)],
        patient=subject,
        dateTime=record.consent_at,
        performer=[subject],
        policyRule=_concept(text=ASSENT_POLICY),
        provision=ConsentProvision(
            type="permit" if record.child_assent else "deny", period=_period(record)
        ),
    )
    return [permission, assent]


def _guardian_ref(given_by: str, guardians: Sequence[Guardian]) -> Reference:
    """Who gave permission: their RelatedPerson where the words recorded name exactly one of the
    child's guardians (by name or relationship), else the words alone."""
    said = _plain(given_by)
    named = [g for g in guardians if said in (_plain(g.name), _plain(g.relationship_to_child))]
    if len(named) != 1:
        return Reference(display=given_by)
    uid = resource_id("RelatedPerson", named[0].id)
    return Reference(reference=f"urn:uuid:{uid}", display=given_by)


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def _in_order(measures: Iterable[SessionMeasure]) -> list[SessionMeasure]:
    order = {"pre": 0, "post": 1}
    return sorted(measures, key=lambda m: (order.get(m.timepoint, 2), m.id))


def _score(
    record: SessionRecord, measure: SessionMeasure, subject: Reference, part_of: Reference
) -> Observation:
    """A pain or fear score: the instrument's LOINC code where one is confirmed (else its name),
    the total, and each item as a component (FLACC's coded with their own LOINC codes)."""
    found = instruments().get(measure.instrument_id)
    name = found.name if found else measure.instrument_id
    coded = [codes.Code(codes.LOINC, found.loinc)] if found and found.loinc else []
    components = None
    if found and not found.single_item:
        item_codes = codes.FLACC_ITEMS if measure.instrument_id == "flacc" else {}
        components = [
            ObservationComponent(
                code=_concept(*_some(item_codes.get(item.key)), text=item.label),
                valueQuantity=_points(float(measure.items[item.key])),
            )
            for item in found.items
            if item.key in measure.items
        ] or None
    taken = measure.taken_at or (record.ended_at if measure.timepoint == "post" else None)
    return Observation(
        id=resource_id("Observation", measure.id),
        status="final",
        category=[_concept(codes.SURVEY)],
        code=_concept(*coded, text=name),
        subject=subject,
        partOf=[part_of],
        effectiveDateTime=taken or record.started_at,
        valueQuantity=_points(measure.total),
        method=_concept(text=f"{name}, scored as version {measure.instrument_version}"),
        note=[Annotation(text=TIMEPOINTS.get(measure.timepoint, measure.timepoint))],
        component=components,
    )


def _monitoring(record: SessionRecord, subject: Reference, part_of: Reference) -> list[Observation]:
    """Heart rate and oxygen saturation taken before and after the session, where monitored."""
    found: list[Observation] = []
    for code, column, timepoint in SESSION_VITALS:
        value = getattr(record, column)
        taken = record.started_at if timepoint == "pre" else record.ended_at
        if value is None or taken is None:
            continue
        found.append(
            Observation(
                id=resource_id("Observation", record.id, column),
                status="final",
                category=[_concept(codes.VITAL_SIGNS)],
                code=_coded("vital", code),
                subject=subject,
                partOf=[part_of],
                effectiveDateTime=taken,
                valueQuantity=_quantity(float(value), code_book().vitals[code].unit),
                note=[Annotation(text=TIMEPOINTS[timepoint])],
            )
        )
    return found


# --- home programs ---------------------------------------------------------------------------


def _care_plan(child: Child, program: HomeProgram) -> CarePlan:
    """A home program: its routine's steps as the parent reads them, for the weeks prescribed.

    An ended program is ``completed`` when it ran its course and ``revoked`` when it ended before
    its planned last day (R4: "terminated prior to reaching completion"), as when a new program
    replaced it; its steps are then ``completed`` or ``stopped`` alike."""
    ended_on = program.ended_on
    early = program.status != "active" and ended_on is not None and ended_on < program.ends_on
    if program.status == "active":
        status, step_status = "active", "in-progress"
    elif early:
        status, step_status = "revoked", "stopped"
    else:
        status, step_status = "completed", "completed"
    steps = [HomeStep.model_validate(step) for step in program.steps]
    return CarePlan(
        id=resource_id("CarePlan", program.id),
        status=status,
        intent="plan",
        title=program.title,
        description=(
            f"Home massage given by a parent: {_count(program.sessions_per_week, 'session')} a "
            f"week for {_count(program.weeks, 'week')}, about {program.minutes} minutes each."
        ),
        subject=_patient_ref(child),
        period=Period(start=program.started_on, end=_last_day(program)),
        created=program.prescribed_at,
        author=Reference(display=program.prescribed_by),
        activity=[
            CarePlanActivity(
                detail=CarePlanActivityDetail(
                    status=step_status,
                    description=(
                        f"{step.site_label}, about {step.minutes:g} min: {step.plain_language}"
                    ),
                )
            )
            for step in steps
        ]
        or None,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _last_day(program: HomeProgram) -> date:
    ended_on = program.ended_on
    return ended_on if ended_on is not None and program.status != "active" else program.ends_on


# --- shared shapes ---------------------------------------------------------------------------


def _ref(resource: DomainResource) -> Reference:
    return Reference(reference=full_url(resource))


def _some(code: codes.Code | None) -> list[codes.Code]:
    return [code] if code is not None else []


def _concept(*found: codes.Code, text: str | None = None) -> CodeableConcept:
    coding = [Coding(system=c.system, code=c.code, display=c.display) for c in found]
    return CodeableConcept(coding=coding or None, text=text)


def _coded(kind: str, local_code: str) -> CodeableConcept:
    """A local code as its confirmed standard codes (SNOMED CT, ICD-10, LOINC), the program's
    own coding (see :data:`codes.LOCAL_CODES`) and its label."""
    found = [codes.Code(system, code) for system, code in standard_codes(kind, local_code).items()]
    found.append(codes.Code(codes.local_system(kind), local_code))
    return _concept(*found, text=label(kind, local_code))


def _body_site(site: str) -> CodeableConcept:
    return _coded("body_site", site)


def _quantity(value: float, unit: str) -> Quantity:
    return Quantity(value=value, unit=unit, system=codes.UCUM, code=codes.ucum(unit))


def _points(value: float) -> Quantity:
    return Quantity(value=value, unit=codes.SCORE_UNIT, system=codes.UCUM, code=codes.SCORE_UNIT)
