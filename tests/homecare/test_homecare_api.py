"""The home program over HTTP: prescribe, log, flag, acknowledge, summarize; a 422 names the field,
a viewer not linked to the child gets a 403, and a refused request stores nothing."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from .conftest import OTHER_THERAPIST, THERAPIST, ApiCast

PSOC = {f"item_{i}": 4 for i in range(1, 18)}


def log_body(now: datetime, **overrides: object) -> dict[str, object]:
    return {
        "session_date": now.date().isoformat(),
        "minutes": 18,
        "response": "asleep",
        "problem": "none",
        **overrides,
    }


def test_the_home_program_flow_over_http(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    parent = {"guardian": api_cast.guardian_id}
    therapist = {"staff": THERAPIST}

    routine = client.get(f"/api/v1/home-programs/{api_cast.program_id}", params=parent)
    assert routine.status_code == 200, routine.text
    assert routine.json()["protocol_id"] == "asthma_parent_bedtime"
    assert "Do not touch: Arm (left)." in routine.json()["avoid"]

    logged = client.post(
        f"/api/v1/home-programs/{api_cast.program_id}/logs",
        params=parent,
        json=log_body(now, problem="skin_change", note="Red patch on the back."),
    )
    assert logged.status_code == 201, logged.text
    assert logged.json()["flag_id"] and logged.json()["advice"]

    measured = client.post(
        f"/api/v1/children/{api_cast.child_id}/parent-measures",
        params=parent,
        json={"items": PSOC},
    )
    assert measured.status_code == 201, measured.text
    assert measured.json()["instrument_version"] == "17-item"

    flags = client.get("/api/v1/flags", params=therapist).json()
    assert [f["problem"] for f in flags] == ["skin_change"]
    assert flags[0]["child_name"] == "Zara Synthetic"

    done = client.post(
        f"/api/v1/flags/{flags[0]['id']}/acknowledge",
        params=therapist,
        json={"action": "Phoned the family."},
    )
    assert done.status_code == 200, done.text
    assert done.json()["acknowledged_by"] == THERAPIST
    assert client.get("/api/v1/flags", params=therapist).json() == []

    summary = client.get(f"/api/v1/children/{api_cast.child_id}/home-program", params=therapist)
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["program"]["id"] == api_cast.program_id
    assert body["adherence"]["sessions_logged"] == 1
    assert [log["problem"] for log in body["recent_logs"]] == ["skin_change"]
    assert body["parent_measures"][0]["total"] == 8 * 4 + 9 * (7 - 4)  # 9 reverse-scored
    assert body["open_flags"] == []

    logs = client.get(f"/api/v1/home-programs/{api_cast.program_id}/logs", params=parent)
    assert [log["minutes"] for log in logs.json()] == [18]


def test_a_bad_entry_is_a_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    refused = client.post(
        f"/api/v1/home-programs/{api_cast.program_id}/logs",
        params={"guardian": api_cast.guardian_id},
        json=log_body(now, minutes=75, problem="breathing_difficulty"),
    )

    assert refused.status_code == 422
    (detail,) = refused.json()["detail"]
    assert (detail["field"], detail["value"]) == ("minutes", 75)
    assert "60" in detail["allowed"]
    logs = client.get(
        f"/api/v1/home-programs/{api_cast.program_id}/logs",
        params={"guardian": api_cast.guardian_id},
    )
    assert logs.json() == []
    assert client.get("/api/v1/flags", params={"staff": THERAPIST}).json() == []


def test_a_request_from_nobody_logged_in_is_a_401_naming_the_authorization(
    client: TestClient, api_cast: ApiCast
) -> None:
    with client.logged_out():  # type: ignore[attr-defined]
        refused = client.get(f"/api/v1/home-programs/{api_cast.program_id}")

    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["detail"][0]["field"] == "authorization"


def test_staff_off_the_care_team_get_a_403_in_the_usual_shape(
    client: TestClient, api_cast: ApiCast
) -> None:
    refused = client.get(
        f"/api/v1/children/{api_cast.child_id}/home-program", params={"staff": OTHER_THERAPIST}
    )

    assert refused.status_code == 403
    (detail,) = refused.json()["detail"]
    assert detail["field"] == "viewer"
    assert OTHER_THERAPIST in detail["message"]


def test_prescribing_by_staff_off_the_care_team_is_a_403_and_stores_nothing(
    client: TestClient, api_cast: ApiCast
) -> None:
    refused = client.post(
        f"/api/v1/children/{api_cast.child_id}/home-program",
        params={"staff": OTHER_THERAPIST},
        json={"goals": ["sleep"]},
    )

    assert refused.status_code == 403
    routine = client.get(
        f"/api/v1/home-programs/{api_cast.program_id}", params={"guardian": api_cast.guardian_id}
    )
    assert routine.json()["status"] == "active"


def test_an_unknown_program_is_a_404(client: TestClient, api_cast: ApiCast) -> None:
    missing = client.get(
        "/api/v1/home-programs/01J0000000000000000000000X",
        params={"guardian": api_cast.guardian_id},
    )

    assert missing.status_code == 404


def test_the_care_team_is_listed(client: TestClient, api_cast: ApiCast) -> None:
    team = client.get(f"/api/v1/children/{api_cast.child_id}/care-team")

    assert [(m["staff_name"], m["role"]) for m in team.json()] == [(THERAPIST, "therapist")]
