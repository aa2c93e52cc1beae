"""The session lifecycle over HTTP: each step is a POST; illegal steps are 409, changing nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

CHILD: dict[str, Any] = {
    "display_name": "Http Lifecycle",
    "birth_date": "2014-09-01",
    "vitals": [
        {"code": "temperature", "value": 36.9, "unit": "Cel", "taken_at": "2026-11-25T07:30:00Z"}
    ],
}


def ready_draft(client: TestClient) -> str:
    child_id = client.post("/api/v1/children", json=CHILD).json()["id"]
    screening = client.post(
        f"/api/v1/children/{child_id}/screenings",
        json={
            "therapist": "R. Okafor",
            "assessed_at": "2026-11-25T08:00:00Z",
            "guardian_consent": True,
            "child_assent": True,
        },
    ).json()
    draft = client.post(
        f"/api/v1/children/{child_id}/sessions/drafts",
        json={"screening_id": screening["id"], "therapist": "R. Okafor", "goals": ["anxiety"]},
    )
    assert draft.status_code == 201, draft.text
    assert draft.json()["status"] == "draft"
    return str(draft.json()["id"])


START = {
    "started_at": "2026-11-25T08:10:00Z",
    "guardian_consent_by": "father",
    "consent_method": "phone",
    "child_assent": True,
    "pre": {"instrument": "nrs_11", "items": {"score": 5}},
}
FINISH = {
    "ended_at": "2026-11-25T08:30:00Z",
    "minutes": 20,
    "pressure": 2,
    "regions": ["back"],
    "post": {"instrument": "nrs_11", "items": {"score": 1}},
    "cues": ["relaxed"],
    "response": "fell asleep",
}


def test_draft_start_complete_sign_then_only_addenda(client: TestClient) -> None:
    session_id = ready_draft(client)
    assert client.post(f"/api/v1/sessions/{session_id}/start", json=START).status_code == 200
    done = client.post(f"/api/v1/sessions/{session_id}/complete", json=FINISH)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    signed = client.post(f"/api/v1/sessions/{session_id}/sign", json={"signer": "R. Okafor"})
    assert signed.json()["status"] == "signed"
    again = client.post(f"/api/v1/sessions/{session_id}/complete", json=FINISH)
    assert again.status_code == 409
    assert "signed" in again.json()["detail"][0]["message"]
    note = client.post(
        f"/api/v1/sessions/{session_id}/addenda",
        json={"author": "R. Okafor", "text": "Child asked for this again."},
    )
    assert note.status_code == 201
    shown = client.get(f"/api/v1/sessions/{session_id}").json()
    assert shown["addenda"][0]["text"] == "Child asked for this again."
    assert shown["consent_method"] == "phone"
    assert [m["timepoint"] for m in shown["measures"]] == ["pre", "post"]


def test_completing_a_draft_that_never_started_is_a_409(client: TestClient) -> None:
    session_id = ready_draft(client)
    response = client.post(f"/api/v1/sessions/{session_id}/complete", json=FINISH)
    assert response.status_code == 409
    assert client.get(f"/api/v1/sessions/{session_id}").json()["status"] == "draft"


def test_an_adverse_event_is_reported_during_the_session(client: TestClient) -> None:
    session_id = ready_draft(client)
    client.post(f"/api/v1/sessions/{session_id}/start", json=START)
    response = client.post(
        f"/api/v1/sessions/{session_id}/adverse-events",
        json={
            "occurred_at": "2026-11-25T08:15:00Z",
            "description": "became pale",
            "severity": "moderate",
            "action_taken": "stopped; nurse informed",
            "recorded_by": "R. Okafor",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["severity"] == "moderate"
