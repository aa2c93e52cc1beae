"""Strict input: a value is taken as sent or refused with a 422 naming its full path, and nothing
partial is stored; SQLite and PostgreSQL answer alike.

Each case is one the API once stored silently (``true`` as platelets 1.0, ``"150"`` as 150, a
repeated key with the last one winning) or answered outside the error shape (a parse error as a
400, a field named by a character offset).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.api.test_flow import CHILD, create_child, screen, session_body
from tests.identities import acting_client

from pedmassage.app import create_app
from pedmassage.children.models import Child
from pedmassage.config import Settings
from pedmassage.sessions.models import SessionRecord

LAB = {"code": "platelets", "value": 150, "unit": "10^9/L", "taken_at": "2026-11-25T08:00:00Z"}


@pytest.fixture()
def engine(module_engine: Engine) -> Engine:
    """This module's own database (see ``tests/api/conftest.py``), on SQLite and PostgreSQL."""
    return module_engine


@pytest.fixture()
def api(engine: Engine, now: datetime) -> Iterator[TestClient]:
    """A therapist's client on SQLite and on PostgreSQL."""
    app = create_app(Settings(database_url=str(engine.url)), engine=engine, clock=lambda: now)
    with acting_client(app, engine) as client:
        yield client


def refusal(response: Any, status: int = 422) -> dict[str, Any]:
    """The one error entry of a refused request, in the documented shape."""
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and len(detail) >= 1
    assert set(detail[0]) == {"field", "value", "allowed", "message"}
    return dict(detail[0])


def post_raw(client: TestClient, path: str, content: bytes | str) -> Any:
    return client.post(path, content=content, headers={"content-type": "application/json"})


def children_stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Child)) or 0)


def sessions_stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(SessionRecord)) or 0)


@pytest.mark.parametrize(
    ("value", "kind"), [(True, "a boolean"), ("150", "a string"), (None, "null")]
)
def test_a_lab_value_must_be_a_json_number(api: TestClient, value: object, kind: str) -> None:
    child_id = create_child(api)
    response = api.post(
        f"/api/v1/children/{child_id}/observations/lab", json={**LAB, "value": value}
    )
    entry = refusal(response)
    assert entry["field"] == "value", kind


def test_an_integer_is_a_number(api: TestClient) -> None:
    child_id = create_child(api)
    response = api.post(f"/api/v1/children/{child_id}/observations/lab", json=LAB)
    assert response.status_code == 201, response.text
    assert response.json()["value"] == 150


def test_a_flag_must_be_a_json_boolean(api: TestClient) -> None:
    entry = refusal(api.post("/api/v1/children", json={**CHILD, "verbal": "yes"}))
    assert entry["field"] == "verbal"


def test_a_medication_longer_than_its_column_is_refused_on_both_databases(
    api: TestClient, engine: Engine
) -> None:
    before = children_stored(engine)
    response = api.post("/api/v1/children", json={**CHILD, "medications": ["x" * 61]})
    entry = refusal(response)
    assert entry["field"] == "medications[0]"
    assert "60" in entry["allowed"]
    assert children_stored(engine) == before


def test_the_longest_allowed_values_are_stored_on_both_databases(api: TestClient) -> None:
    """Every limit is at most its column's length: at the limit, PostgreSQL stores it too."""
    child = {
        **CHILD,
        "display_name": "d" * 80,
        "mrn": "m" * 40,
        "ward": "w" * 60,
        "touch_notes": "t" * 2000,
        "medications": ["immunosuppressant"],  # a class from the vocabulary, never free text
        "conditions": [{"code": "cystic_fibrosis", "site": "back"}],
        "guardians": [{"name": "g" * 120, "relationship": "r" * 40}],
    }
    response = api.post("/api/v1/children", json=child)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["display_name"] == "d" * 80
    assert stored["guardians"][0]["name"] == "g" * 120


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("display_name", {**CHILD, "display_name": "Ann\x00a"}),
        ("touch_notes", {**CHILD, "touch_notes": "likes\x00firm"}),
        ("guardians[0].name", {**CHILD, "guardians": [{"name": "A\x00", "relationship": "x"}]}),
    ],
)
def test_a_nul_character_is_refused_on_both_databases(
    api: TestClient, engine: Engine, field: str, body: dict[str, Any]
) -> None:
    before = children_stored(engine)
    entry = refusal(api.post("/api/v1/children", json=body))
    assert entry["field"] == field
    assert "NUL" in entry["allowed"]
    assert children_stored(engine) == before


def test_a_list_has_a_bound(api: TestClient, engine: Engine) -> None:
    before = children_stored(engine)
    body = {**CHILD, "medications": ["antibiotic"] * 5000}
    entry = refusal(api.post("/api/v1/children", json=body))
    assert entry["field"] == "medications"
    assert "200" in entry["allowed"]
    assert children_stored(engine) == before


def test_a_megabyte_name_is_refused(api: TestClient, engine: Engine) -> None:
    before = children_stored(engine)
    entry = refusal(api.post("/api/v1/children", json={**CHILD, "display_name": "x" * 1_000_000}))
    assert entry["field"] == "display_name"
    assert children_stored(engine) == before


def test_a_body_over_the_limit_is_a_413_in_the_error_shape(api: TestClient) -> None:
    body = json.dumps({**CHILD, "touch_notes": "x" * 2_000_000})
    entry = refusal(post_raw(api, "/api/v1/children", body), status=413)
    assert entry["field"] == "body"


def test_a_key_given_twice_is_refused_rather_than_one_copy_winning(
    api: TestClient, engine: Engine
) -> None:
    before = children_stored(engine)
    body = json.dumps(CHILD)[:-1] + ', "display_name": "Someone Else"}'
    entry = refusal(post_raw(api, "/api/v1/children", body))
    assert entry["field"] == "display_name"
    assert "once" in entry["allowed"]
    assert children_stored(engine) == before


def test_a_repeated_key_is_named_by_its_full_path(api: TestClient) -> None:
    body = json.dumps({**CHILD, "guardians": [{"name": "A", "relationship": "x"}]})
    body = body.replace('"relationship": "x"', '"relationship": "x", "name": "B"')
    entry = refusal(post_raw(api, "/api/v1/children", body))
    assert entry["field"] == "guardians[0].name"


def test_json_nested_ten_thousand_deep_is_a_422_in_the_error_shape(api: TestClient) -> None:
    body = '{"display_name": ' + "[" * 10_000 + "]" * 10_000 + "}"
    entry = refusal(post_raw(api, "/api/v1/children", body))
    assert "deep" in entry["allowed"]


def test_json_nested_past_the_limit_names_where(api: TestClient) -> None:
    body = '{"conditions": ' + "[" * 20 + "]" * 20 + "}"
    entry = refusal(post_raw(api, "/api/v1/children", body))
    assert entry["field"].startswith("conditions[0][0]")
    assert "16 deep" in entry["allowed"]


def test_invalid_utf8_is_a_422_in_the_error_shape(api: TestClient) -> None:
    entry = refusal(post_raw(api, "/api/v1/children", b'{"display_name": "\xff\xfe"}'))
    assert entry["field"] == "body"
    assert "UTF-8" in entry["allowed"]


def test_truncated_json_is_a_422_saying_where_it_stops(api: TestClient) -> None:
    entry = refusal(post_raw(api, "/api/v1/children", '{"display_name": "Ann", "birth'))
    assert entry["field"] == "body"
    assert "line 1, column" in entry["allowed"]


def test_not_a_number_and_infinity_are_not_json(api: TestClient) -> None:
    child_id = create_child(api)
    body = json.dumps(LAB).replace("150", "Infinity")
    entry = refusal(post_raw(api, f"/api/v1/children/{child_id}/observations/lab", body))
    assert entry["field"] == "value"


def test_a_bad_item_in_the_before_measure_names_before(api: TestClient, engine: Engine) -> None:
    before = sessions_stored(engine)
    child_id = create_child(api)
    screening = screen(api, child_id)
    body = session_body(screening["id"], pre={"instrument": "nrs_11", "items": {"score": 11}})
    entry = refusal(api.post(f"/api/v1/children/{child_id}/sessions", json=body))
    assert entry["field"] == "pre.items.score"
    assert sessions_stored(engine) == before


def test_a_bad_item_in_the_after_measure_names_after(api: TestClient) -> None:
    child_id = create_child(api)
    screening = screen(api, child_id)
    body = session_body(screening["id"], post={"instrument": "nrs_11", "items": {"score": "2"}})
    entry = refusal(api.post(f"/api/v1/children/{child_id}/sessions", json=body))
    assert entry["field"] == "post.items.score"


def test_an_adverse_event_is_named_by_its_index(api: TestClient) -> None:
    child_id = create_child(api)
    screening = screen(api, child_id)
    event = {
        "occurred_at": "2026-11-25T09:10:00Z",
        "description": "redness",
        "severity": "mild",
        "action_taken": "stopped",
    }
    events = [event, event, {**event, "occurred_at": "yesterday"}]
    body = session_body(screening["id"], adverse_events=events)
    entry = refusal(api.post(f"/api/v1/children/{child_id}/sessions", json=body))
    assert entry["field"] == "adverse_events[2].occurred_at"


def test_an_unknown_api_path_answers_in_the_error_shape(api: TestClient) -> None:
    entry = refusal(api.get("/api/v1/no-such-thing"), status=404)
    assert entry["field"] == "path"


def test_a_wrong_method_answers_in_the_error_shape(api: TestClient) -> None:
    response = api.delete("/api/v1/children")
    entry = refusal(response, status=405)
    assert entry["field"] == "method"
    assert "POST" in response.headers["allow"]
