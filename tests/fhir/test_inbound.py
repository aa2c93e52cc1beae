"""Reading a child's record from FHIR R4 resources, written from the shapes of the R4 spec.

Every resource here is what an EHR sends: LOINC-coded observations with UCUM quantities,
SNOMED CT and ICD-10 conditions, devices, medicines coded in ATC or RxNorm. What the program does
not map must come back in ``unmapped`` with the resource and its codes, never read as something
near it.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.children.models import Child
from pedmassage.children.service import to_public
from pedmassage.errors import ConflictError, ValidationError
from pedmassage.fhir.inbound import (
    Imported,
    Unmapped,
    import_bundle,
    read_bundle,
    read_resources,
    screening_input_from_profile,
    screening_input_from_resources,
)
from pedmassage.safety import DECISION_ORDER, evaluate
from pedmassage.safety.contract import ConditionIn, DeviceIn, ProcedureIn, SkinFinding

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
SUBJECT = {"reference": "Patient/child-1"}
CONSENT_RULES = Path(__file__).parents[2] / "src/pedmassage/safety/rules/consent.yaml"
BEDSIDE_PREFIXES = ("consent.", "assent.")


# --- FHIR R4 resources ---------------------------------------------------------------------------


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    return {**({"coding": list(codings)} if codings else {}), **({"text": text} if text else {})}


def patient(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "child-1",
        "identifier": [
            {
                "type": concept(coding("http://terminology.hl7.org/CodeSystem/v2-0203", "SS")),
                "system": "http://hl7.org/fhir/sid/us-ssn",
                "value": "000-00-0000",
            },
            {
                "use": "usual",
                "type": concept(coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")),
                "system": "urn:oid:1.2.36.146.595.217.0.1",
                "value": "MRN-4471",
            },
        ],
        "name": [{"use": "official", "family": "Rivera", "given": ["Maya", "Lucia"]}],
        "gender": "female",
        "birthDate": "2019-04-02",
    }
    return {**base, **fields}


def condition(
    rid: str,
    *codings: dict[str, Any],
    clinical: str = "active",
    verification: str = "confirmed",
    body_site: list[dict[str, Any]] | None = None,
    text: str | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": concept(coding(CLINICAL, clinical)),
        "verificationStatus": concept(coding(VERIFICATION, verification)),
        "category": [
            concept(
                coding(
                    "http://terminology.hl7.org/CodeSystem/condition-category",
                    "problem-list-item",
                )
            )
        ],
        "code": concept(*codings, text=text),
        "subject": SUBJECT,
    }
    if body_site is not None:
        resource["bodySite"] = body_site
    return resource


def observation(
    rid: str,
    loinc: str,
    value: float,
    unit: str,
    *,
    status: str = "final",
    effective: str | None = "2026-11-25T07:30:00Z",
    display: str | None = None,
    category: str = "laboratory",
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": status,
        "category": [
            concept(coding("http://terminology.hl7.org/CodeSystem/observation-category", category))
        ],
        "code": concept(coding(LOINC, loinc, display)),
        "subject": SUBJECT,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }
    if effective is not None:
        resource["effectiveDateTime"] = effective
    return resource


def device(rid: str, type_: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Device",
        "id": rid,
        "status": "active",
        "type": type_,
        "patient": SUBJECT,
        **fields,
    }


def device_use(
    rid: str, device_ref: str, *, status: str = "active", body_site: dict[str, Any] | None = None
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "DeviceUseStatement",
        "id": rid,
        "status": status,
        "subject": SUBJECT,
        "device": {"reference": device_ref},
    }
    if body_site is not None:
        resource["bodySite"] = body_site
    return resource


def medication_statement(
    rid: str, medicine: dict[str, Any], *, status: str = "active"
) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": status,
        "medicationCodeableConcept": medicine,
        "subject": SUBJECT,
    }


def medication_request(rid: str, medicine: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": medicine,
        "subject": SUBJECT,
        **fields,
    }


def procedure(rid: str, code: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": rid,
        "status": "completed",
        "code": code,
        "subject": SUBJECT,
        **fields,
    }


def bundle(*resources: dict[str, Any], uuids: bool = False) -> dict[str, Any]:
    entries = []
    for r in resources:
        url = (
            f"urn:uuid:{r['id']}"
            if uuids
            else f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}"
        )
        entries.append({"fullUrl": url, "resource": r})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def read(*resources: dict[str, Any]) -> Imported:
    return read_resources([patient(), *resources], now=NOW)


def reported(imported: Imported, resource: str) -> list[Unmapped]:
    return [u for u in imported.unmapped if u.resource == resource]


# --- the patient ---------------------------------------------------------------------------------


def test_the_patient_gives_birth_date_sex_name_and_record_number() -> None:
    imported = read()
    child = imported.child
    assert child.birth_date == date(2019, 4, 2)
    assert child.sex == "female"
    assert child.display_name == "Maya Lucia Rivera"
    assert child.mrn == "MRN-4471"  # the MR identifier, not the social security number before it
    assert imported.patient == "Patient/child-1"
    assert imported.unmapped == []


def test_the_name_the_child_is_called_comes_before_the_official_one() -> None:
    names = [
        {"use": "official", "family": "Rivera", "given": ["Maya"]},
        {"use": "usual", "text": "Mayita"},
    ]
    assert read_resources([patient(name=names)], now=NOW).child.display_name == "Mayita"


def test_an_untyped_identifier_is_the_record_number_when_none_is_typed_mr() -> None:
    identifiers = [{"system": "https://hospital.example.org/mrn", "value": "H-100"}]
    child = read_resources([patient(identifier=identifiers)], now=NOW).child
    assert child.mrn == "H-100"


def test_gender_other_is_read_as_unknown_and_reported() -> None:
    imported = read_resources([patient(gender="other")], now=NOW)
    assert imported.child.sex == "unknown"
    [report] = imported.unmapped
    assert (report.resource, report.field) == ("Patient/child-1", "gender")
    assert report.codes == ("http://hl7.org/fhir/administrative-gender|other",)


@pytest.mark.parametrize(
    ("resources", "field"),
    [
        ([], "Patient"),
        ([patient(), patient(id="child-2")], "Patient"),
        ([patient(birthDate="2019-04")], "resources[0].birthDate"),
        ([{k: v for k, v in patient().items() if k != "birthDate"}], "resources[0].birthDate"),
        ([patient(name=[])], "resources[0].name"),
    ],
)
def test_a_child_is_one_patient_with_a_full_birth_date_and_a_name(
    resources: list[dict[str, Any]], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        read_resources(resources, now=NOW)
    assert refused.value.field == field


def test_the_same_patient_sent_twice_is_one_child() -> None:
    # a CDS Hooks prefetch may send the Patient alone and again in a search result
    imported = read_resources([patient(), bundle(patient())], now=NOW)
    assert imported.child.display_name == "Maya Lucia Rivera"


def test_now_must_carry_its_utc_offset() -> None:
    with pytest.raises(ValidationError) as refused:
        read_resources([patient()], now=NOW.replace(tzinfo=None))
    assert refused.value.field == "now"


def test_a_screening_does_not_need_the_name() -> None:
    screening, unmapped = screening_input_from_resources([patient(name=[])], now=NOW)
    assert screening.child.birth_date == date(2019, 4, 2)
    assert unmapped == []


# --- conditions ----------------------------------------------------------------------------------


def test_active_conditions_are_read_by_snomed_ct_or_icd_10_with_their_site() -> None:
    imported = read(
        condition("c1", coding(SNOMED, "363346000", "Malignant neoplastic disease")),
        condition("c2", coding(ICD10, "J45", "Asthma")),
        condition(
            "c3",
            coding(SNOMED, "128053003", "Deep venous thrombosis"),
            body_site=[concept(coding(SNOMED, "32153003", "Structure of left lower limb"))],
        ),
        condition("c4", coding(SNOMED, "91175000", "Seizure"), clinical="relapse"),
    )
    assert imported.child.conditions == [
        ConditionIn(code="cancer"),
        ConditionIn(code="asthma"),
        ConditionIn(code="deep_vein_thrombosis", site="leg_left"),
        ConditionIn(code="epilepsy"),
    ]
    assert imported.unmapped == []


def test_a_condition_that_is_not_active_or_not_true_is_ignored() -> None:
    imported = read(
        condition("c1", coding(SNOMED, "125605004", "Fracture of bone"), clinical="resolved"),
        condition("c2", coding(SNOMED, "195967001", "Asthma"), clinical="inactive"),
        condition("c3", coding(SNOMED, "363346000"), verification="entered-in-error"),
        condition("c4", coding(SNOMED, "40733004", "Infectious disease"), verification="refuted"),
    )
    assert imported.child.conditions == []
    assert imported.unmapped == []


def test_a_condition_without_clinical_status_is_reported_not_assumed_active() -> None:
    resource = condition("c1", coding(SNOMED, "363346000"))
    del resource["clinicalStatus"]
    imported = read(resource)
    assert imported.child.conditions == []
    [report] = imported.unmapped
    assert (report.resource, report.field) == ("Condition/c1", "clinicalStatus")


def test_an_unknown_snomed_ct_condition_is_reported_never_guessed() -> None:
    imported = read(
        condition(
            "cond-all",
            coding(SNOMED, "91857003", "Acute lymphoblastic leukemia"),
            text="Malignancy",  # the words are not read over a code the program does not know
        )
    )
    assert imported.child.conditions == []
    [report] = imported.unmapped
    assert report.resource == "Condition/cond-all"
    assert report.field == "code"
    assert report.codes == (f"{SNOMED}|91857003",)
    assert "no condition or skin finding code the program maps" in report.reason


def test_icd_10_cm_is_not_the_who_icd_10_the_vocabulary_maps() -> None:
    imported = read(condition("c1", coding("http://hl7.org/fhir/sid/icd-10-cm", "J45.909")))
    assert imported.child.conditions == []
    assert reported(imported, "Condition/c1")[0].codes == (
        "http://hl7.org/fhir/sid/icd-10-cm|J45.909",
    )


def test_a_condition_coded_only_in_words_is_read_when_the_words_are_a_known_name() -> None:
    imported = read(
        condition("c1", text="cerebral palsy"),
        condition("c2", coding("urn:oid:1.2.3.4.5", "L-77", "Sickle cell"), text="HbSS"),
        condition("c3", text="Tired all the time"),
    )
    assert imported.child.conditions == [
        ConditionIn(code="cerebral_palsy"),
        ConditionIn(code="sickle_cell_disease"),
    ]
    [report] = imported.unmapped
    assert report.resource == "Condition/c3"
    assert "'Tired all the time'" in report.reason


def test_a_body_site_not_mapped_is_reported_and_read_as_not_known() -> None:
    # the rules for a fracture at an unknown site then apply, not none
    imported = read(
        condition(
            "c1",
            coding(SNOMED, "125605004", "Fracture of bone"),
            body_site=[concept(coding(SNOMED, "71341001", "Bone structure of femur"))],
        )
    )
    assert imported.child.conditions == [ConditionIn(code="fracture", site=None)]
    [report] = imported.unmapped
    assert (report.resource, report.field) == ("Condition/c1", "bodySite")
    assert report.codes == (f"{SNOMED}|71341001",)


def test_a_skin_finding_recorded_as_a_condition_is_read_as_one() -> None:
    imported = read(
        condition(
            "c1",
            coding(SNOMED, "399912005", "Pressure ulcer"),
            body_site=[concept(coding(SNOMED, "22335008", "Left foot"))],
        )
    )
    assert imported.child.skin == [SkinFinding(finding="pressure_injury", site="foot_left")]
    assert imported.child.conditions == []


# --- observations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "kind", "code", "stored", "stored_unit"),
    [
        ("777-3", 8, "10*3/uL", "lab", "platelets", 8.0, "10^9/L"),
        ("777-3", 152000, "/uL", "lab", "platelets", 152.0, "10^9/L"),
        ("751-8", 0.4, "10*3/uL", "lab", "anc", 0.4, "10^9/L"),
        ("6301-6", 1.1, "{INR}", "lab", "inr", 1.1, "1"),
        ("718-7", 10.2, "g/dL", "lab", "haemoglobin", 102.0, "g/L"),
        ("8310-5", 37.2, "Cel", "vital", "temperature", 37.2, "Cel"),
        ("8310-5", 101.3, "[degF]", "vital", "temperature", 38.5, "Cel"),
        ("8867-4", 104, "/min", "vital", "heart_rate", 104.0, "/min"),
        ("9279-1", 22, "/min", "vital", "respiratory_rate", 22.0, "/min"),
        ("59408-5", 97, "%", "vital", "spo2", 97.0, "%"),
        ("29463-7", 24.5, "kg", "vital", "weight", 24500.0, "g"),
        ("8306-3", 121.5, "cm", "vital", "length", 121.5, "cm"),
        ("9843-4", 51, "cm", "vital", "head_circumference", 51.0, "cm"),
    ],
)
def test_each_loinc_code_is_read_in_its_stored_unit(
    loinc: str,
    value: float,
    unit: str,
    kind: str,
    code: str,
    stored: float,
    stored_unit: str,
) -> None:
    imported = read(observation("o1", loinc, value, unit))
    readings = imported.child.labs if kind == "lab" else imported.child.vitals
    [reading] = readings
    assert reading.code == code
    assert reading.value == pytest.approx(stored)
    assert reading.unit == stored_unit
    assert reading.taken_at == datetime(2026, 11, 25, 7, 30, tzinfo=UTC)
    assert imported.unmapped == []


def test_the_unit_is_read_from_the_ucum_code_or_else_the_printed_unit() -> None:
    printed = observation("o1", "777-3", 45, "x")
    printed["valueQuantity"] = {"value": 45, "unit": "10^9/L"}
    spo2 = observation("o2", "59408-5", 95, "%")
    spo2["code"]["coding"].insert(0, coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood"))
    imported = read(printed, spo2)
    assert [(m.code, m.value) for m in imported.child.labs] == [("platelets", 45.0)]
    assert [(m.code, m.value) for m in imported.child.vitals] == [("spo2", 95.0)]
    assert imported.unmapped == []


def test_an_unknown_loinc_code_is_reported_with_its_code() -> None:
    imported = read(observation("obs-3", "2345-7", 5.4, "mmol/L", display="Glucose"))
    assert imported.child.labs == [] and imported.child.vitals == []
    assert imported.unmapped == [
        Unmapped(
            "Observation/obs-3",
            "code",
            (f"{LOINC}|2345-7",),
            "no lab or vital code the program maps",
        )
    ]


@pytest.mark.parametrize(
    ("effective", "why"),
    [
        (None, "no effective time"),
        ("2026-11-25", "has no time of day"),
        ("2026-11", "has no time of day"),
        ("2026-11-25T10:30:00Z", "is after now"),
    ],
)
def test_an_observation_without_a_usable_time_is_reported_not_used(
    effective: str | None, why: str
) -> None:
    imported = read(observation("obs-4", "777-3", 150, "10*9/L", effective=effective))
    assert imported.child.labs == []
    [report] = imported.unmapped
    assert (report.resource, report.field) == ("Observation/obs-4", "effective[x]")
    assert why in report.reason


def test_a_period_is_not_a_time_the_freshness_can_be_told_from() -> None:
    resource = observation("o1", "8867-4", 110, "/min", effective=None)
    resource["effectivePeriod"] = {"start": "2026-11-25T06:00:00Z", "end": "2026-11-25T08:00:00Z"}
    imported = read(resource)
    assert imported.child.vitals == []
    assert "only a period or timing" in imported.unmapped[0].reason


def test_an_observation_entered_in_error_or_cancelled_is_ignored() -> None:
    imported = read(
        observation("o1", "777-3", 8, "10*3/uL", status="entered-in-error"),
        observation("o2", "777-3", 9, "10*3/uL", status="cancelled"),
    )
    assert imported.child.labs == []
    assert imported.unmapped == []


def test_a_preliminary_result_is_reported_not_used() -> None:
    imported = read(observation("o1", "777-3", 8, "10*3/uL", status="preliminary"))
    assert imported.child.labs == []
    assert reported(imported, "Observation/o1")[0].field == "status"


def test_amended_and_corrected_results_are_read() -> None:
    imported = read(
        observation("o1", "777-3", 80, "10*3/uL", status="amended"),
        observation("o2", "751-8", 1.2, "10*3/uL", status="corrected"),
    )
    assert [m.code for m in imported.child.labs] == ["platelets", "anc"]


def test_a_unit_that_is_not_accepted_is_reported_never_converted() -> None:
    # haemoglobin in mmol/L has no confirmed factor in the vocabulary
    imported = read(observation("o1", "718-7", 6.2, "mmol/L"))
    assert imported.child.labs == []
    [report] = imported.unmapped
    assert report.field == "valueQuantity.code"
    assert report.codes == (f"{UCUM}|mmol/L",)


def test_a_bound_is_not_a_value() -> None:
    resource = observation("o1", "777-3", 10, "10*3/uL")
    resource["valueQuantity"]["comparator"] = "<"
    imported = read(resource)
    assert imported.child.labs == []
    assert "a bound (<10)" in imported.unmapped[0].reason


def test_an_impossible_value_is_reported() -> None:
    imported = read(observation("o1", "8310-5", 50, "Cel", category="vital-signs"))
    assert imported.child.vitals == []
    assert imported.unmapped[0].field == "valueQuantity.value"


def test_an_observation_without_a_quantity_is_reported() -> None:
    resource = observation("o1", "777-3", 1, "x")
    del resource["valueQuantity"]
    resource["dataAbsentReason"] = concept(
        coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", "error")
    )
    imported = read(resource)
    assert imported.unmapped[0].field == "value[x]"
    assert "dataAbsentReason" in imported.unmapped[0].reason


def test_a_reading_from_before_birth_is_reported() -> None:
    imported = read(observation("o1", "29463-7", 3.2, "kg", effective="2019-03-20T08:00:00Z"))
    assert imported.child.vitals == []
    assert "before the birth date" in imported.unmapped[0].reason


def test_past_the_list_limit_the_latest_of_each_code_is_kept() -> None:
    old_platelets = observation("plt", "777-3", 30, "10*3/uL", effective="2026-11-01T08:00:00Z")
    heart_rates = [
        observation(
            f"hr{i}",
            "8867-4",
            100,
            "/min",
            effective=(NOW - timedelta(minutes=10 * (i + 1))).isoformat(),
        )
        for i in range(205)
    ]
    imported = read(old_platelets, *heart_rates)
    child = imported.child
    assert [m.code for m in child.labs] == ["platelets"]  # the only one, however old
    assert len(child.vitals) == 200
    assert min(m.taken_at for m in child.vitals) == NOW - timedelta(minutes=2000)
    assert [u.resource for u in imported.unmapped] == [
        f"Observation/hr{i}" for i in range(200, 205)
    ]


# --- devices -------------------------------------------------------------------------------------


def test_a_device_is_read_by_its_type() -> None:
    imported = read(device("d1", concept(coding(SNOMED, "52124006", "Central venous catheter"))))
    assert imported.child.devices == [DeviceIn(kind="central_venous_catheter")]


def test_a_device_use_statement_gives_where_the_device_is() -> None:
    imported = read(
        device("d1", concept(text="PICC line")),
        device_use(
            "u1", "Device/d1", body_site=concept(coding(SNOMED, "80768000", "Left upper limb"))
        ),
    )
    assert imported.child.devices == [DeviceIn(kind="picc", site="arm_left")]  # counted once
    assert imported.unmapped == []


def test_a_device_no_longer_in_use_is_not_read() -> None:
    imported = read(
        device("d1", concept(coding(SNOMED, "26412008", "Endotracheal tube"))),
        device_use("u1", "Device/d1", status="completed"),
        device("d2", concept(coding(SNOMED, "129121000", "Tracheostomy tube")), status="inactive"),
    )
    assert imported.child.devices == []
    assert imported.unmapped == []


def test_a_device_the_program_does_not_map_is_reported() -> None:
    imported = read(device("vent", concept(coding(SNOMED, "706172005", "Ventilator"))))
    assert imported.child.devices == []
    [report] = imported.unmapped
    assert (report.resource, report.field, report.codes) == (
        "Device/vent",
        "type",
        (f"{SNOMED}|706172005",),
    )


def test_a_use_statement_of_a_device_not_given_is_reported() -> None:
    imported = read(device_use("u1", "Device/elsewhere"))
    assert imported.child.devices == []
    assert "Device/elsewhere is not among the resources given" in imported.unmapped[0].reason


# --- medications ---------------------------------------------------------------------------------


def test_medicines_are_read_as_their_class_by_atc_or_by_name() -> None:
    imported = read(
        medication_statement("m1", concept(coding(ATC, "B01AB05", "enoxaparin"))),
        medication_statement("m2", concept(coding(ATC, "L01XA01", "cisplatin"))),  # in L01
        medication_request("m3", concept(coding(RXNORM, "7052", "morphine"))),
        medication_statement("m4", concept(text="Keppra"), status="intended"),
    )
    assert imported.child.medications == [
        "anticoagulant",
        "chemotherapy",
        "opioid",
        "antiepileptic",
    ]
    assert imported.unmapped == []


def test_a_medicine_the_program_does_not_know_is_reported() -> None:
    imported = read(
        medication_statement("m1", concept(coding(RXNORM, "161", "acetaminophen"))),
        medication_statement("m2", concept(coding(ATC, "N02BE01", "paracetamol"))),
    )
    assert imported.child.medications == []
    assert [(u.resource, u.field, u.codes) for u in imported.unmapped] == [
        ("MedicationStatement/m1", "medication[x]", (f"{RXNORM}|161",)),
        ("MedicationStatement/m2", "medication[x]", (f"{ATC}|N02BE01",)),
    ]


def test_medicines_stopped_or_not_to_be_given_are_not_read() -> None:
    imported = read(
        medication_statement("m1", concept(coding(ATC, "B01AB05")), status="completed"),
        medication_request("m2", concept(coding(ATC, "B01AA03")), status="cancelled"),
        medication_request("m3", concept(coding(ATC, "B01AC04")), doNotPerform=True),
    )
    assert imported.child.medications == []
    assert imported.unmapped == []


def test_a_medicine_named_by_a_medication_resource_is_read_through_it() -> None:
    medicine = {
        "resourceType": "Medication",
        "id": "pred",
        "code": concept(coding(ATC, "H02AB06", "prednisolone")),
    }
    request = medication_request("m1", concept())
    del request["medicationCodeableConcept"]
    request["medicationReference"] = {"reference": "Medication/pred"}
    contained = medication_statement("m2", concept())
    del contained["medicationCodeableConcept"]
    contained["medicationReference"] = {"reference": "#tac"}
    contained["contained"] = [
        {"resourceType": "Medication", "id": "tac", "code": concept(text="tacrolimus")}
    ]
    imported = read(medicine, request, contained)
    assert imported.child.medications == ["corticosteroid", "immunosuppressant"]
    assert imported.unmapped == []


# --- procedures ----------------------------------------------------------------------------------


def test_procedures_are_read_with_their_day_and_site() -> None:
    imported = read(
        procedure(
            "p1",
            concept(coding(SNOMED, "277762005", "Lumbar puncture")),
            performedDateTime="2026-11-23T14:10:00+01:00",
        ),
        procedure(
            "p2",
            concept(coding(SNOMED, "387713003", "Surgical procedure")),
            performedPeriod={"start": "2026-11-20T23:00:00Z", "end": "2026-11-21T01:30:00Z"},
            bodySite=[concept(coding(SNOMED, "302553009", "Entire abdomen"))],
        ),
    )
    assert imported.child.procedures == [
        ProcedureIn(kind="lumbar_puncture", date=date(2026, 11, 23)),
        ProcedureIn(kind="surgery", site="abdomen", date=date(2026, 11, 21)),
    ]


def test_a_procedure_not_done_is_ignored_and_one_not_mapped_is_reported() -> None:
    imported = read(
        procedure(
            "p1",
            concept(coding(SNOMED, "277762005")),
            status="not-done",
            performedDateTime="2026-11-23",
        ),
        procedure(
            "p2",
            concept(coding(SNOMED, "80146002", "Appendectomy")),
            performedDateTime="2026-11-22",
        ),
        procedure("p3", concept(coding(SNOMED, "33879002")), performedDateTime="2026"),
    )
    assert imported.child.procedures == []
    assert [(u.resource, u.field) for u in imported.unmapped] == [
        ("Procedure/p2", "code"),
        ("Procedure/p3", "performed[x]"),
    ]


# --- what is not read ----------------------------------------------------------------------------


def test_a_resource_type_not_read_is_reported() -> None:
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "patient": SUBJECT,
        "code": concept(coding(SNOMED, "91936005", "Allergy to penicillin")),
    }
    imported = read(allergy)
    assert imported.unmapped == [Unmapped("AllergyIntolerance/a1", "resourceType", (), "not read")]


def test_a_resource_about_another_patient_is_reported_not_read() -> None:
    other = condition("c1", coding(SNOMED, "363346000"))
    other["subject"] = {"reference": "Patient/someone-else"}
    imported = read(other)
    assert imported.child.conditions == []
    [report] = imported.unmapped
    assert (report.resource, report.field) == ("Condition/c1", "subject")


@pytest.mark.parametrize(
    ("element", "value"),
    [
        (
            "modifierExtension",
            [{"url": "https://ehr.example.org/fhir/negated", "valueBoolean": True}],
        ),
        ("implicitRules", "https://ehr.example.org/fhir/rules/local"),
    ],
)
def test_a_resource_whose_meaning_may_be_changed_is_not_read(element: str, value: Any) -> None:
    resource = condition("c1", coding(SNOMED, "363346000"))
    resource[element] = value
    imported = read(resource)
    assert imported.child.conditions == []
    assert [(u.resource, u.field) for u in imported.unmapped] == [("Condition/c1", element)]


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        ({**observation("o1", "777-3", 8, "10*3/uL"), "status": None}, "resources[1].status"),
        (
            {**observation("o1", "777-3", 8, "10*3/uL"), "valueQuantity": {"value": "eight"}},
            "resources[1].valueQuantity.value",
        ),
        (
            {**observation("o1", "777-3", 8, "10*3/uL"), "effectiveDateTime": "2026-11-25T07:30"},
            "resources[1].effectiveDateTime",
        ),
        ({**condition("c1"), "onsetAge": "two"}, "resources[1].onsetAge"),
        ({**condition("c1"), "colour": "red"}, "resources[1].colour"),
        ({"id": "x"}, "resources[1].resourceType"),
    ],
)
def test_a_malformed_resource_is_refused_naming_the_field(
    resource: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        read(resource)
    assert refused.value.field == field


def test_a_malformed_patient_is_refused_without_echoing_its_values() -> None:
    with pytest.raises(ValidationError) as refused:
        read_resources([patient(birthDate="02/04/2019")], now=NOW)
    assert refused.value.field == "resources[0].birthDate"
    assert refused.value.value is None
    assert "02/04/2019" not in str(refused.value)


# --- bundles -------------------------------------------------------------------------------------


def cancer_child() -> list[dict[str, Any]]:
    return [
        patient(),
        condition("c1", coding(SNOMED, "363346000", "Malignant neoplastic disease")),
        observation("plt", "777-3", 8, "10*3/uL", display="Platelets [#/volume] in Blood"),
        observation("temp", "8310-5", 98.6, "[degF]", category="vital-signs"),
        device("port", concept(coding(SNOMED, "52124006", "Central venous catheter"))),
        medication_statement("chemo", concept(coding(ATC, "L01BA01", "methotrexate"))),
        {"resourceType": "Encounter", "id": "e1", "status": "in-progress"},
    ]


def test_a_bundle_is_read_entry_by_entry_with_full_url_references() -> None:
    resources = cancer_child()
    for r in resources[1:]:
        if "subject" in r:
            r["subject"] = {"reference": "urn:uuid:child-1"}
    resources[4]["patient"] = {"reference": "urn:uuid:child-1"}
    imported = read_bundle(bundle(*resources, uuids=True), now=NOW)
    child = imported.child
    assert child.conditions == [ConditionIn(code="cancer")]
    assert [(m.code, m.value) for m in child.labs] == [("platelets", 8.0)]
    assert [(m.code, m.value) for m in child.vitals] == [("temperature", 37.0)]
    assert child.devices == [DeviceIn(kind="central_venous_catheter")]
    assert child.medications == ["chemotherapy"]
    assert imported.unmapped == [Unmapped("Encounter/e1", "resourceType", (), "not read")]


def test_a_bundle_inside_the_resources_is_read_as_its_entries() -> None:
    # CDS Hooks prefetch sends the patient and a searchset Bundle for each query
    searchset = bundle(*cancer_child()[1:3])
    searchset["type"] = "searchset"
    imported = read_resources([patient(), searchset], now=NOW)
    assert imported.child.conditions == [ConditionIn(code="cancer")]
    assert [m.code for m in imported.child.labs] == ["platelets"]


def test_a_malformed_bundle_entry_is_refused_naming_the_field_in_the_bundle() -> None:
    broken = observation("o1", "777-3", 8, "10*3/uL")
    broken["valueQuantity"]["value"] = "eight"
    with pytest.raises(ValidationError) as refused:
        read_bundle(bundle(patient(), broken), now=NOW)
    assert refused.value.field == "entry[1].resource.valueQuantity.value"
    assert "Observation/o1" in str(refused.value)


@pytest.mark.parametrize("given", [patient(), {"entry": []}, {"resourceType": "bundle"}])
def test_only_a_bundle_is_read_as_one(given: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        read_bundle(given, now=NOW)
    assert refused.value.field == "resourceType"


# --- storing -------------------------------------------------------------------------------------


def count_children(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Child)) or 0)


def test_import_bundle_creates_the_child_with_the_facts(db: Session, now: datetime) -> None:
    child, unmapped = import_bundle(db=db, bundle=bundle(*cancer_child()), now=now, site=None)
    db.expire_all()
    stored = to_public(db.get_one(Child, child.id), now.date())
    assert (stored.display_name, stored.mrn, stored.birth_date, stored.sex) == (
        "Maya Lucia Rivera",
        "MRN-4471",
        date(2019, 4, 2),
        "female",
    )
    assert stored.setting == "hospital"
    assert stored.conditions == [ConditionIn(code="cancer")]
    assert stored.devices == [DeviceIn(kind="central_venous_catheter")]
    assert stored.medications == ["chemotherapy"]
    readings = {(o.category, o.code): (o.value, o.unit) for o in stored.observations}
    assert readings == {
        ("lab", "platelets"): (8.0, "10^9/L"),
        ("vital", "temperature"): (pytest.approx(37.0), "Cel"),
    }
    assert [u.resource for u in unmapped] == ["Encounter/e1"]


def test_a_refused_import_stores_nothing(db: Session, now: datetime) -> None:
    import_bundle(db=db, bundle=bundle(*cancer_child()), now=now, site=None)
    before = count_children(db)
    again = bundle(*cancer_child())  # the same record number
    with pytest.raises(ConflictError):
        import_bundle(db=db, bundle=again, now=now, site=None)
    broken = copy.deepcopy(again)
    broken["entry"][2]["resource"]["status"] = None
    with pytest.raises(ValidationError):
        import_bundle(db=db, bundle=broken, now=now, site=None)
    assert count_children(db) == before


# --- screening -----------------------------------------------------------------------------------


def test_a_child_with_cancer_and_platelets_of_8_is_held() -> None:
    screening, unmapped = screening_input_from_resources(cancer_child(), now=NOW)
    assert screening.guardian_consent is None and screening.child_assent is None
    assert screening.setting == "hospital"
    assert [(m.code, m.value, m.unit) for m in screening.labs] == [("platelets", 8.0, "10^9/L")]
    result = evaluate(screening)
    assert result.decision == "hold"
    assert "platelets.severe" in {r.rule_id for r in result.reasons if r.decision == "hold"}
    assert [u.resource for u in unmapped] == ["Encounter/e1"]


def test_a_well_child_is_held_only_for_the_consent_asked_at_the_bedside() -> None:
    well = [
        patient(),
        observation("t", "8310-5", 36.9, "Cel", category="vital-signs"),
        observation("hr", "8867-4", 92, "/min", category="vital-signs"),
        observation("rr", "9279-1", 20, "/min", category="vital-signs"),
        observation("sat", "59408-5", 99, "%", category="vital-signs"),
    ]
    screening, unmapped = screening_input_from_resources(well, now=NOW, setting="clinic")
    assert unmapped == []
    result = evaluate(screening)
    holds = [r.rule_id for r in result.reasons if r.decision == "hold"]
    assert holds == ["consent.guardian_not_recorded"]
    clinical = [r for r in result.reasons if not r.rule_id.startswith(BEDSIDE_PREFIXES)]
    assert all(DECISION_ORDER[r.decision] < DECISION_ORDER["hold"] for r in clinical)
    consented = screening.model_copy(update={"guardian_consent": True, "child_assent": True})
    assert evaluate(consented).decision != "hold"


def test_the_consent_and_assent_rules_are_the_ones_marked_by_their_id() -> None:
    # what a screening service relies on to tell "asked at the bedside" from a clinical hold
    from pedmassage.safety import default_rulebook

    in_file = {r["id"] for r in yaml.safe_load(CONSENT_RULES.read_text())["rules"]}
    marked = {i for i in default_rulebook().rule_ids if i.startswith(BEDSIDE_PREFIXES)}
    assert in_file == marked


def test_a_profile_screens_as_its_stored_child_does() -> None:
    profile = read_resources(cancer_child(), now=NOW).child
    screening = screening_input_from_profile(
        profile,
        assessed_at=NOW,
        setting="picu",
        respiratory_support="oxygen",
        guardian_consent=True,
    )
    assert screening.setting == "picu"
    assert screening.respiratory_support == "oxygen"
    assert screening.guardian_consent is True
    assert screening.child.gestational_age_at_birth_weeks == 40.0
    assert screening.child.weight_g is None
    assert [m.class_ for m in screening.medications] == ["chemotherapy"]
