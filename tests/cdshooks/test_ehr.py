"""The EHR, played by ``ehr.py``, calls the CDS services as the spec's examples do and shows the
cards as text: a child with cancer and platelets of 8 gets a critical card, a child with a fresh
central line in the right chest a warning, a well child an info card. The record comes from the
prefetch, or, where the EHR prefetched nothing, from its FHIR server with the token it passed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.cdshooks.conftest import BASE, ISSUER, NOW, ORDER, SCREENING, bearer, endpoint
from tests.cdshooks.ehr import (
    PATIENT_ID,
    SNOMED,
    Ehr,
    LocalServer,
    condition,
    massage_order,
    medication_order,
    observation,
    order_select,
    patient,
    patient_view,
    play,
    searchset,
    serving,
    subject,
    vitals,
)

from pedmassage.audit.models import AuditEntry
from pedmassage.db import unit_of_work

RIGHT_CHEST = {"coding": [{"system": SNOMED, "code": "51872008", "display": "Right chest"}]}
TOKEN = "some-opaque-fhir-access-token"


def child_with_cancer_and_platelets_8() -> dict[str, Any]:
    taken = NOW - timedelta(hours=2)
    return {
        "patient": patient("2016-09-30"),
        "Condition": [condition("363346000", "Malignant neoplastic disease", "onc-1")],
        "Observation": [*vitals(NOW), observation("777-3", 8, "10*3/uL", taken, "plt-1")],
    }


def child_with_a_fresh_central_line_in_the_right_chest() -> dict[str, Any]:
    """A central venous catheter (SNOMED CT 52124006) put in yesterday at the right chest: a
    Device, the statement that it is in place there, and the insertion procedure (which has no
    confirmed code, so it is named in words, as the vocabulary names it)."""
    yesterday = NOW - timedelta(days=1)
    return {
        "patient": patient("2019-03-14"),
        "Observation": vitals(NOW),
        "Device": [
            {
                "resourceType": "Device",
                "id": "cvc-1",
                "status": "active",
                "type": {"coding": [{"system": SNOMED, "code": "52124006"}]},
                "patient": subject(),
            }
        ],
        "DeviceUseStatement": [
            {
                "resourceType": "DeviceUseStatement",
                "id": "cvc-use-1",
                "status": "active",
                "subject": subject(),
                "device": {"reference": "Device/cvc-1"},
                "timingDateTime": yesterday.isoformat(),
                "bodySite": RIGHT_CHEST,
            }
        ],
        "Procedure": [
            {
                "resourceType": "Procedure",
                "id": "cvc-insertion-1",
                "status": "completed",
                "code": {"text": "Central line insertion"},
                "subject": subject(),
                "performedDateTime": yesterday.isoformat(),
                "bodySite": [RIGHT_CHEST],
            }
        ],
    }


def well_child() -> dict[str, Any]:
    return {"patient": patient("2018-05-02"), "Observation": vitals(NOW)}


def audit(client: TestClient) -> list[tuple[str, str, str, str, str]]:
    with unit_of_work(client.app.state.engine) as db:  # type: ignore[attr-defined]
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(e.actor, e.role, e.action, e.resource, e.outcome) for e in rows]


# --- patient-view ----------------------------------------------------------------------------


def test_the_ehr_opens_three_children_and_sees_critical_warning_and_info(
    client: TestClient, ehr: Ehr, fhir: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sick = play(
        client,
        ehr,
        BASE,
        SCREENING,
        patient_view(child_with_cancer_and_platelets_8(), fhir.url),
        NOW,
    )
    line = play(
        client,
        ehr,
        BASE,
        SCREENING,
        patient_view(child_with_a_fresh_central_line_in_the_right_chest(), fhir.url),
        NOW,
    )
    well = play(client, ehr, BASE, SCREENING, patient_view(well_child(), fhir.url), NOW)

    assert (sick.status, line.status, well.status) == (200, 200, 200)
    assert [c["indicator"] for c in sick.cards] == ["critical"]
    assert sick.text.startswith("[CRITICAL] Hold massage: Platelets are below 20")
    assert "`platelets.severe`" in sick.cards[0]["detail"]

    assert [c["indicator"] for c in line.cards] == ["warning"]
    detail = line.cards[0]["detail"]
    assert "`device.vascular_access`" in detail
    assert "`procedure.recent_site`" in detail
    assert "No contact: Chest (right)" in detail

    assert [c["indicator"] for c in well.cards] == ["info"]
    assert "consent and assent are asked at the bedside" in well.text

    for card in [*sick.cards, *line.cards, *well.cards]:
        assert len(card["summary"]) < 140
        assert card["source"]["label"] == "pedmassage screening"
        assert card["source"]["url"] == f"{BASE}/evidence"
    shown = capsys.readouterr().out
    assert "--- patient-view -> pedmassage-massage-screening\n[CRITICAL] Hold massage" in shown
    assert not fhir.seen  # everything was prefetched
    assert (ISSUER, "ehr", "cds.patient-view", SCREENING, "allowed") in audit(client)


def test_a_child_without_a_current_temperature_gets_a_card_of_readings_to_take(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    record = {"patient": patient("2018-05-02")}
    played = play(client, ehr, BASE, SCREENING, patient_view(record, fhir.url), NOW)
    assert [c["indicator"] for c in played.cards] == ["warning", "warning"]
    assert played.cards[1]["summary"] == "Before massage, take: Body temperature."


def test_an_entry_pedmassage_cannot_read_is_listed_and_never_guessed(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    record = well_child()
    record["Condition"] = [condition("999999999", "A condition no list maps", "odd-1")]
    played = play(client, ehr, BASE, SCREENING, patient_view(record, fhir.url), NOW)
    [card] = played.cards
    assert card["indicator"] == "warning"
    assert "could not be read" in card["summary"]
    assert "`http://snomed.info/sct|999999999`" in card["detail"]


def test_a_patient_without_a_birth_date_gets_a_card_saying_nothing_was_screened(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    record = well_child()
    del record["patient"]["birthDate"]
    played = play(client, ehr, BASE, SCREENING, patient_view(record, fhir.url), NOW)
    [card] = played.cards
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Massage screening not possible")


# --- order-select ----------------------------------------------------------------------------


def test_a_selected_massage_order_for_a_child_on_hold_gets_a_suggestion_to_remove_it(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    order = massage_order()
    body = order_select(
        child_with_cancer_and_platelets_8(),
        fhir.url,
        ["ServiceRequest/massage-1", f"MedicationRequest/{medication_order()['id']}"],
        [medication_order(), order],
    )
    played = play(client, ehr, BASE, ORDER, body, NOW)
    [card] = played.cards
    assert card["indicator"] == "critical"
    assert card["selectionBehavior"] == "at-most-one"
    [suggestion] = card["suggestions"]
    assert suggestion["actions"] == [
        {
            "type": "delete",
            "description": "Remove the draft massage order: the screening holds massage.",
            "resourceId": "ServiceRequest/massage-1",
        }
    ]
    assert "-> Remove the massage order" in played.text


def test_a_selected_massage_order_with_changes_gets_a_suggestion_to_note_them(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    body = order_select(
        child_with_a_fresh_central_line_in_the_right_chest(),
        fhir.url,
        ["ServiceRequest/massage-1"],
        [massage_order()],
    )
    [card] = play(client, ehr, BASE, ORDER, body, NOW).cards
    assert card["indicator"] == "warning"
    [action] = card["suggestions"][0]["actions"]
    assert action["type"] == "update"
    assert action["resource"]["id"] == "massage-1"
    assert "No contact: Chest (right)" in action["resource"]["note"][0]["text"]


def test_a_massage_order_drafted_but_not_selected_gets_no_card(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    body = order_select(
        child_with_cancer_and_platelets_8(),
        fhir.url,
        [f"MedicationRequest/{medication_order()['id']}"],
        [medication_order(), massage_order()],
    )
    played = play(client, ehr, BASE, ORDER, body, NOW)
    assert (played.status, played.cards) == (200, [])


def test_a_massage_order_for_a_well_child_gets_an_info_card(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    body = order_select(well_child(), fhir.url, ["ServiceRequest/massage-1"], [massage_order()])
    [card] = play(client, ehr, BASE, ORDER, body, NOW).cards
    assert card["indicator"] == "info"
    assert "suggestions" not in card


# --- the record fetched from the EHR's FHIR server -------------------------------------------


def test_without_prefetch_the_record_is_fetched_with_the_ehr_s_bearer_token(
    client: TestClient, ehr: Ehr, fhir: LocalServer, record: dict[str, Any]
) -> None:
    record.update(child_with_cancer_and_platelets_8())
    played = play(client, ehr, BASE, SCREENING, patient_view(None, fhir.url), NOW)
    assert played.status == 200, played.text
    assert [c["indicator"] for c in played.cards] == ["critical"]
    paths = sorted(s.path.split("?")[0] for s in fhir.seen)
    assert paths == sorted(
        f"/fhir/{kind}"
        for kind in (
            f"Patient/{PATIENT_ID}",
            "Condition",
            "Observation",
            "Device",
            "DeviceUseStatement",
            "MedicationRequest",
            "Procedure",
        )
    )
    assert {s.headers["authorization"] for s in fhir.seen} == {f"Bearer {TOKEN}"}
    searched = next(s.path for s in fhir.seen if s.path.startswith("/fhir/Observation"))
    assert f"patient={PATIENT_ID}" in searched
    assert "code=http://loinc.org%7C777-3,http://loinc.org%7C751-8" in searched
    assert "_sort=-date" in searched


def test_only_what_the_prefetch_leaves_out_is_fetched(
    client: TestClient, ehr: Ehr, fhir: LocalServer, record: dict[str, Any]
) -> None:
    record.update(well_child())
    body = patient_view(well_child(), fhir.url)
    del body["prefetch"]["observations"]
    body["prefetch"]["conditions"] = {"resourceType": "OperationOutcome", "issue": []}
    body["prefetch"]["medications"] = None  # the EHR has none
    played = play(client, ehr, BASE, SCREENING, body, NOW)
    assert [c["indicator"] for c in played.cards] == ["info"]
    assert sorted(s.path.split("?")[0] for s in fhir.seen) == [
        "/fhir/Condition",
        "/fhir/Observation",
    ]


def test_a_paged_prefetch_is_read_to_its_last_page(
    client: TestClient, ehr: Ehr, fhir: LocalServer, record: dict[str, Any]
) -> None:
    record["Condition"] = [condition("363346000", "Malignant neoplastic disease", "onc-1")]
    body = patient_view(child_with_cancer_and_platelets_8(), fhir.url)
    first_page = searchset([])
    first_page["link"] = [{"relation": "next", "url": f"{fhir.url}/Condition?page=2"}]
    body["prefetch"]["conditions"] = first_page
    played = play(client, ehr, BASE, SCREENING, body, NOW)
    assert "`oncology.pressure_ceiling`" in played.cards[0]["detail"]
    assert [s.path for s in fhir.seen] == ["/fhir/Condition?page=2"]


def test_with_neither_prefetch_nor_a_token_the_answer_is_412(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    body = patient_view(None, fhir.url, with_token=False)
    played = play(client, ehr, BASE, SCREENING, body, NOW)
    assert played.status == 412
    assert not fhir.seen


def test_a_fhir_server_the_token_would_travel_to_in_clear_is_not_called(
    client: TestClient, ehr: Ehr
) -> None:
    body = patient_view(None, "http://fhir.ehr.example.org/fhir")
    token = ehr.token(endpoint(SCREENING), now=NOW)
    answer = client.post(f"/cds-services/{SCREENING}", json=body, headers=bearer(token))
    assert answer.status_code == 412
    assert "not https" in answer.json()["detail"][0]["message"]


def test_a_fhir_server_that_fails_gives_412(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    """The record holds no Patient: the read of Patient/1288992 is answered 404."""
    played = play(client, ehr, BASE, SCREENING, patient_view(None, fhir.url), NOW)
    assert played.status == 412


def test_a_redirect_from_the_fhir_server_is_not_followed_with_the_token(
    client: TestClient, ehr: Ehr
) -> None:
    with serving(lambda path, query: (200, {})) as elsewhere:
        moved = f"{elsewhere.url}/fhir/Patient/{PATIENT_ID}"
        with serving(lambda path, query: (302, moved)) as fhir:
            body = patient_view(None, f"{fhir.url}/fhir")
            played = play(client, ehr, BASE, SCREENING, body, NOW)
        assert played.status == 412
        assert fhir.seen and not elsewhere.seen


# --- requests the spec does not allow ---------------------------------------------------------


def post(client: TestClient, ehr: Ehr, service: str, body: Any) -> Any:
    token = ehr.token(endpoint(service), now=NOW)
    return client.post(f"/cds-services/{service}", json=body, headers=bearer(token))


def test_a_prefetched_patient_other_than_the_one_in_context_is_refused(
    client: TestClient, ehr: Ehr, fhir: LocalServer
) -> None:
    body = patient_view(well_child(), fhir.url)
    body["prefetch"]["patient"]["id"] = "someone-else"
    answer = post(client, ehr, SCREENING, body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "prefetch.patient.id"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b.update(hook="order-select"), "hook"),
        (lambda b: b["context"].pop("patientId"), "context.patientId"),
        (lambda b: b["context"].update(patientId="../../admin"), "context.patientId"),
        (lambda b: b.pop("fhirServer"), "body"),
    ],
)
def test_a_request_the_spec_does_not_allow_is_refused_naming_the_field(
    client: TestClient, ehr: Ehr, change: Any, field: str
) -> None:
    body = patient_view(well_child(), "https://fhir.ehr.example.org")
    change(body)
    answer = post(client, ehr, SCREENING, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == field


def test_fields_the_spec_allows_beyond_what_the_service_reads_are_accepted(
    client: TestClient, ehr: Ehr
) -> None:
    body = patient_view(well_child(), "https://fhir.ehr.example.org")
    body["extension"] = {"com.example.timestamp": "2017-11-27T22:13:25Z"}
    body["context"]["com.example.extra"] = "kept"
    assert post(client, ehr, SCREENING, body).status_code == 200


def test_an_unknown_service_is_404_after_the_jwt_is_checked(client: TestClient, ehr: Ehr) -> None:
    body = patient_view(well_child(), "https://fhir.ehr.example.org")
    assert client.post("/cds-services/no-such-service", json=body).status_code == 401
    assert post(client, ehr, "no-such-service", body).status_code == 404


# --- feedback --------------------------------------------------------------------------------

FEEDBACK = {
    "feedback": [
        {
            "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
            "outcomeTimestamp": "2021-12-11T10:05:31Z",
        },
        {
            "card": "9368d37b-283f-44a0-93ea-547cebab93ed",
            "outcome": "overridden",
            "overrideReason": {
                "reason": {
                    "code": "d7ecf885",
                    "system": "https://example.com/cds-hooks/override-reason-system",
                },
                "userComment": "A comment entered by the clinician.",
            },
            "outcomeTimestamp": "2020-12-11T00:00:00Z",
        },
    ]
}


def feedback(client: TestClient, ehr: Ehr, body: Any, audience: str | None = None) -> Any:
    token = ehr.token(audience or f"{endpoint(ORDER)}/feedback", now=NOW)
    return client.post(f"/cds-services/{ORDER}/feedback", json=body, headers=bearer(token))


def test_feedback_is_recorded_in_the_audit_log_without_the_clinician_s_comment(
    client: TestClient, ehr: Ehr
) -> None:
    assert feedback(client, ehr, FEEDBACK).status_code == 200
    entries = audit(client)
    assert (
        ISSUER,
        "ehr",
        "cds.feedback",
        f"{ORDER} card=4e0a3a1e-3283-4575-ab82-028d55fe2719 accepted "
        "suggestions=e56e1945-20b3-4393-8503-a1a20fd73152",
        "allowed",
    ) in entries
    overridden = [e for e in entries if "9368d37b" in e[3]]
    assert overridden[0][3].endswith(
        "overridden reason=https://example.com/cds-hooks/override-reason-system|d7ecf885"
    )
    assert not any("comment" in e[3] for e in entries)


def test_feedback_for_the_service_s_own_url_as_audience_is_accepted_too(
    client: TestClient, ehr: Ehr
) -> None:
    assert feedback(client, ehr, FEEDBACK, audience=endpoint(ORDER)).status_code == 200


def test_feedback_needs_a_trusted_jwt_and_the_spec_s_shape(client: TestClient, ehr: Ehr) -> None:
    assert client.post(f"/cds-services/{ORDER}/feedback", json=FEEDBACK).status_code == 401
    accepted_without_suggestions = {
        "feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "2021-12-11T10:05Z"}]
    }
    answer = feedback(client, ehr, accepted_without_suggestions)
    assert answer.status_code == 422
    assert feedback(client, ehr, {"feedback": []}).status_code == 422
