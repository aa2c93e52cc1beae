"""The REST API over real HTTP semantics: the whole bedside flow, and clear 4xx errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.errors import DatabaseNotReadyError

CHILD: dict[str, Any] = {
    "display_name": "Api Child",
    "birth_date": "2017-06-15",
    "sex": "female",
    "ward": "Ward 4",
    "conditions": [{"code": "cystic_fibrosis"}],
    "devices": [{"kind": "peripheral_iv", "site": "hand_right"}],
    "vitals": [
        {"code": "temperature", "value": 36.8, "unit": "Cel", "taken_at": "2026-11-25T08:00:00Z"}
    ],
    "guardians": [{"name": "A Parent", "relationship": "father"}],
}


def create_child(client: TestClient, **overrides: Any) -> str:
    response = client.post("/api/v1/children", json={**CHILD, **overrides})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


SCREENED_AT = "2026-11-25T08:00:00Z"
"""An hour before the app's clock: a session documented at once has started and ended since."""


def screen(client: TestClient, child_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "therapist": "J. Lindqvist",
        "assessed_at": SCREENED_AT,
        "guardian_consent": True,
        "child_assent": True,
        **overrides,
    }
    response = client.post(f"/api/v1/children/{child_id}/screenings", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def session_body(screening_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "screening_id": screening_id,
        "therapist": "J. Lindqvist",
        "started_at": "2026-11-25T08:30:00Z",  # after the screening; ended by now (09:00)
        "minutes": 15,
        "pressure": 2,
        "regions": ["back"],
        "guardian_consent_by": "father, by phone",
        "child_assent": True,
        "pre": {"instrument": "nrs_11", "items": {"score": 5}},
        "post": {"instrument": "nrs_11", "items": {"score": 2}},
        **overrides,
    }


def test_the_whole_flow_from_profile_to_trend(client: TestClient) -> None:
    child_id = create_child(client)
    screening = screen(client, child_id)
    assert screening["result"]["decision"] in {"proceed", "modify"}
    plan = client.post(f"/api/v1/screenings/{screening['id']}/plan", json={"goals": ["breathing"]})
    assert plan.status_code == 200
    assert all(r["site"] != "hand_right" for r in plan.json()["regions"])
    recorded = client.post(
        f"/api/v1/children/{child_id}/sessions", json=session_body(screening["id"])
    )
    assert recorded.status_code == 201, recorded.text
    history = client.get(f"/api/v1/children/{child_id}/sessions").json()
    assert [s["id"] for s in history] == [recorded.json()["id"]]
    trend = client.get(f"/api/v1/children/{child_id}/trend").json()
    assert trend[0]["instrument_id"] == "nrs_11"
    assert trend[0]["points"][0] | {"pre": 5.0, "post": 2.0} == trend[0]["points"][0]
    svg = client.get(f"/api/v1/children/{child_id}/trend.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.lstrip().startswith("<?xml") and "<svg" in svg.text


def test_a_bad_unit_is_a_422_naming_the_field_and_nothing_is_stored(client: TestClient) -> None:
    bad = {
        **CHILD,
        "labs": [
            {"code": "platelets", "value": 90, "unit": "mmol/L", "taken_at": "2026-11-25T08:00:00Z"}
        ],
    }
    response = client.post("/api/v1/children", json=bad)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "labs[0].unit"
    assert error["allowed"].startswith("one of 10^9/L, 10*9/L")
    assert error["allowed"].endswith("for platelets")
    assert client.get("/api/v1/children").json() == []


def test_a_request_shape_error_uses_the_same_error_shape(client: TestClient) -> None:
    response = client.post("/api/v1/children", json={**CHILD, "gestational_age_weeks": 50})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "gestational_age_weeks"
    assert error["value"] == 50
    assert "44" in error["allowed"]


def test_recording_on_a_hold_is_a_409_and_stores_nothing(client: TestClient) -> None:
    child_id = create_child(client)
    screening = screen(client, child_id, child_assent=False)
    assert screening["result"]["decision"] == "hold"
    response = client.post(
        f"/api/v1/children/{child_id}/sessions", json=session_body(screening["id"])
    )
    assert response.status_code == 409
    assert client.get(f"/api/v1/children/{child_id}/sessions").json() == []


@pytest.mark.parametrize(
    ("overrides", "field", "allowed"),
    [
        ({"started_at": "2026-11-25T08:55:00Z"}, "started_at", "a start on or before"),
        ({"started_at": "2026-11-25T09:30:00Z"}, "started_at", "not in the future"),
        (
            {
                "post": {
                    "instrument": "nrs_11",
                    "items": {"score": 2},
                    "taken_at": "2026-11-25T10:00:00Z",
                }
            },
            "post.taken_at",
            "not in the future",
        ),
        (
            {
                "adverse_events": [
                    {
                        "occurred_at": "2026-11-25T09:20:00Z",
                        "description": "redness",
                        "severity": "mild",
                        "action_taken": "stopped",
                    }
                ]
            },
            "adverse_events[0].occurred_at",
            "not in the future",
        ),
    ],
)
def test_a_session_documented_with_a_time_after_now_is_a_422_naming_it_and_stores_nothing(
    client: TestClient, overrides: dict[str, Any], field: str, allowed: str
) -> None:
    """Documented at once, a session has started and ended by now (the app's clock: 09:00), and
    so have its measures and adverse events; a session still under way goes step by step."""
    child_id = create_child(client)
    screening = screen(client, child_id)

    response = client.post(
        f"/api/v1/children/{child_id}/sessions", json=session_body(screening["id"], **overrides)
    )

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == field
    assert error["allowed"].startswith(allowed)
    if allowed == "a start on or before":
        assert (
            "a session still under way is recorded with “Start a session now”" in error["allowed"]
        )
    assert client.get(f"/api/v1/children/{child_id}/sessions").json() == []


def test_an_unknown_child_is_a_404_without_echoing_any_name(client: TestClient) -> None:
    response = client.get("/api/v1/children/01HZZZZZZZZZZZZZZZZZZZZZZZ")
    assert response.status_code == 404
    assert response.json()["detail"][0]["field"] == "id"


def test_the_stateless_contract_evaluates_without_storing(client: TestClient) -> None:
    body = {
        "assessed_at": "2026-11-25T09:00:00Z",
        "setting": "hospital",
        "child": {"birth_date": "2019-04-02"},
        "vitals": [
            {
                "code": "temperature",
                "value": 38.9,
                "unit": "Cel",
                "taken_at": "2026-11-25T08:30:00Z",
            }
        ],
        "guardian_consent": True,
        "child_assent": True,
    }
    response = client.post("/api/v1/screenings/evaluate", json=body)
    assert response.status_code == 200
    assert response.json()["decision"] == "hold"
    assert client.get("/api/v1/children").json() == []


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/children/{child_id}/sessions" in paths
    assert "/api/v1/screenings/evaluate" in paths


def test_the_app_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotReadyError, match="pedmassage db upgrade"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}"))


def test_not_a_number_is_a_422_naming_the_field(client: TestClient) -> None:
    child_id = create_child(client)
    response = client.post(
        f"/api/v1/children/{child_id}/observations/lab",
        content='{"code": "platelets", "value": NaN, "unit": "10^9/L", '
        '"taken_at": "2026-11-25T08:00:00Z"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "value"


def test_a_duplicate_record_number_is_a_409(client: TestClient) -> None:
    create_child(client, mrn="H-1")
    response = client.post("/api/v1/children", json={**CHILD, "mrn": "H-1"})
    assert response.status_code == 409
    assert response.json()["detail"][0]["field"] == "mrn"


def test_a_reading_the_screening_asked_for_is_required_to_document_a_session(
    client: TestClient,
) -> None:
    """An inpatient with cancer and no temperature on record: the screening asks for one, and a
    session is stored only with the reading or an override reason; both come back on it."""
    platelets = {"code": "platelets", "value": 180, "unit": "10^9/L", "taken_at": SCREENED_AT}
    child_id = create_child(client, conditions=[{"code": "cancer"}], vitals=[], labs=[platelets])
    screening = screen(client, child_id)
    assert [v["code"] for v in screening["result"]["verify"]] == ["temperature"]
    url = f"/api/v1/children/{child_id}/sessions"

    missing = client.post(url, json=session_body(screening["id"]))
    febrile = client.post(
        url, json=session_body(screening["id"], verified={"temperature": {"value": 38.9}})
    )
    taken = client.post(
        url, json=session_body(screening["id"], verified={"temperature": {"value": 36.7}})
    )

    assert missing.status_code == 422
    assert missing.json()["detail"][0]["field"] == "verified.temperature"
    assert febrile.status_code == 422
    assert febrile.json()["detail"][0]["field"] == "verified.temperature.value"
    assert taken.status_code == 201, taken.text
    [kept] = taken.json()["verified"]
    assert (kept["code"], kept["value"], kept["unit"]) == ("temperature", 36.7, "Cel")
    assert len(client.get(f"/api/v1/children/{child_id}/sessions").json()) == 1
