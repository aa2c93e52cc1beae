"""Optimistic concurrency: every editable record carries its version as an ETag; a change sent
with ``If-Match`` of an older version is refused with a 409 that says what the record is now, and
nothing of it is stored. On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.api.test_flow import create_child
from tests.api.test_lifecycle_api import FINISH, START, ready_draft
from tests.identities import acting_client

from pedmassage.app import create_app
from pedmassage.config import Settings

EVENT = {
    "occurred_at": "2026-11-25T08:20:00Z",
    "description": "brief redness at the back",
    "severity": "mild",
    "action_taken": "lighter pressure",
    "recorded_by": "R. Okafor",
}


@pytest.fixture()
def engine(module_engine: Engine) -> Engine:
    """This module's own database (see ``tests/api/conftest.py``), on SQLite and PostgreSQL."""
    return module_engine


@pytest.fixture()
def api(engine: Engine, now: datetime) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=str(engine.url)), engine=engine, clock=lambda: now)
    with acting_client(app, engine) as client:
        yield client


def etag(response: Any) -> str:
    assert response.status_code in (200, 201), response.text
    return str(response.headers["etag"])


def test_a_session_read_carries_its_version_and_each_step_moves_it_on(api: TestClient) -> None:
    session_id = ready_draft(api)
    read = api.get(f"/api/v1/sessions/{session_id}")
    assert etag(read) == '"1"' and read.json()["version"] == 1
    started = api.post(
        f"/api/v1/sessions/{session_id}/start", json=START, headers={"If-Match": '"1"'}
    )
    after_start = etag(started)
    completed = api.post(
        f"/api/v1/sessions/{session_id}/complete", json=FINISH, headers={"If-Match": after_start}
    )
    after_completion = etag(completed)
    assert 1 < int(after_start.strip('"')) < int(after_completion.strip('"'))
    assert etag(api.get(f"/api/v1/sessions/{session_id}")) == after_completion


def test_a_step_resting_on_an_old_version_is_a_409_saying_what_the_session_is_now(
    api: TestClient,
) -> None:
    session_id = ready_draft(api)
    first = api.post(
        f"/api/v1/sessions/{session_id}/start", json=START, headers={"If-Match": '"1"'}
    )
    assert first.status_code == 200
    stale = api.post(
        f"/api/v1/sessions/{session_id}/end-early",
        json={"ended_at": "2026-11-25T08:12:00Z", "reason": "asleep"},
        headers={"If-Match": '"1"'},
    )
    assert stale.status_code == 409
    entry = stale.json()["detail"][0]
    assert entry["field"] == "If-Match"
    assert "you had version 1" in entry["message"]
    assert f"now version {first.json()['version']}" in entry["message"]
    assert "in progress, started at 08:10" in entry["message"]
    record = api.get(f"/api/v1/sessions/{session_id}").json()
    assert record["status"] == "in_progress" and record["version"] == first.json()["version"]


def test_an_adverse_event_moves_the_version_on_so_a_stale_completion_is_refused(
    api: TestClient,
) -> None:
    session_id = ready_draft(api)
    api.post(f"/api/v1/sessions/{session_id}/start", json=START)
    seen = etag(api.get(f"/api/v1/sessions/{session_id}"))
    reported = api.post(f"/api/v1/sessions/{session_id}/adverse-events", json=EVENT)
    assert reported.status_code == 201, reported.text
    stale = api.post(
        f"/api/v1/sessions/{session_id}/complete", json=FINISH, headers={"If-Match": seen}
    )
    assert stale.status_code == 409
    assert api.get(f"/api/v1/sessions/{session_id}").json()["status"] == "in_progress"


def test_without_if_match_a_step_rests_on_what_is_stored(api: TestClient) -> None:
    session_id = ready_draft(api)
    assert api.post(f"/api/v1/sessions/{session_id}/start", json=START).status_code == 200


def test_a_weak_etag_and_a_star_are_understood(api: TestClient) -> None:
    session_id = ready_draft(api)
    weak = api.post(
        f"/api/v1/sessions/{session_id}/start", json=START, headers={"If-Match": 'W/"1"'}
    )
    assert weak.status_code == 200
    star = api.post(
        f"/api/v1/sessions/{session_id}/complete", json=FINISH, headers={"If-Match": "*"}
    )
    assert star.status_code == 200


def test_a_malformed_if_match_is_a_422_naming_the_header(api: TestClient) -> None:
    session_id = ready_draft(api)
    response = api.post(
        f"/api/v1/sessions/{session_id}/start", json=START, headers={"If-Match": "yesterday"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "If-Match"
    assert api.get(f"/api/v1/sessions/{session_id}").json()["status"] == "draft"


def test_a_profile_change_on_an_old_version_is_refused_and_not_stored(api: TestClient) -> None:
    child_id = create_child(api)
    seen = etag(api.get(f"/api/v1/children/{child_id}"))
    added = api.post(
        f"/api/v1/children/{child_id}/conditions",
        json={"code": "asthma"},
        headers={"If-Match": seen},
    )
    assert added.status_code == 201, added.text
    stale = api.post(
        f"/api/v1/children/{child_id}/devices",
        json={"kind": "peripheral_iv", "site": "hand_left"},
        headers={"If-Match": seen},
    )
    assert stale.status_code == 409
    assert "child's profile" in stale.json()["detail"][0]["message"]
    child = api.get(f"/api/v1/children/{child_id}")
    assert etag(child) == '"2"'
    assert [d["site"] for d in child.json()["devices"]] == ["hand_right"]


def test_a_home_program_read_carries_its_version(api: TestClient) -> None:
    child_id = create_child(api)
    api.post(
        f"/api/v1/children/{child_id}/screenings",
        json={"therapist": "R. Okafor", "guardian_consent": True, "child_assent": True},
    )
    with api.acting_as("Program Lead", role="program_lead"):  # type: ignore[attr-defined]
        team = api.post(f"/api/v1/children/{child_id}/care-team", json={"staff_name": "R. Okafor"})
    assert team.status_code == 201, team.text
    program = api.post(
        f"/api/v1/children/{child_id}/home-program", params={"staff": "R. Okafor"}, json={}
    )
    assert program.status_code == 201, program.text
    read = api.get(f"/api/v1/home-programs/{program.json()['id']}", params={"staff": "R. Okafor"})
    assert etag(read) == f'"{read.json()["version"]}"'
