"""Idempotency: a creating request sent again with the same ``Idempotency-Key`` gets the first
answer back and stores nothing twice; the same key for a different request is refused; a refused
request leaves its key free. On SQLite and PostgreSQL, and over real HTTP for twins sent at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.api.test_flow import SCREENED_AT, create_child, screen, session_body
from tests.identities import acting_client, ensure_site, token_for
from tests.live import serving

from pedmassage.app import create_app
from pedmassage.audit.models import AuditEntry
from pedmassage.config import Settings
from pedmassage.db import make_engine
from pedmassage.sessions.models import SessionRecord


@pytest.fixture()
def engine(module_engine: Engine) -> Engine:
    """This module's own database (see ``tests/api/conftest.py``), on SQLite and PostgreSQL."""
    return module_engine


@pytest.fixture()
def api(engine: Engine, now: datetime) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=str(engine.url)), engine=engine, clock=lambda: now)
    with acting_client(app, engine) as client:
        yield client


def sessions_of(engine: Engine, child_id: str) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(SessionRecord.child_id == child_id)
        return int(conn.scalar(query) or 0)


def ready(api: TestClient) -> tuple[str, dict[str, Any]]:
    child_id = create_child(api)
    return child_id, session_body(screen(api, child_id)["id"])


def test_a_retry_gets_the_first_answer_and_stores_nothing_twice(
    api: TestClient, engine: Engine
) -> None:
    child_id, body = ready(api)
    key = {"Idempotency-Key": "3f1c9a3e-tablet-7-session-1"}
    first = api.post(f"/api/v1/children/{child_id}/sessions", json=body, headers=key)
    again = api.post(f"/api/v1/children/{child_id}/sessions", json=body, headers=key)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert sessions_of(engine, child_id) == 1


def test_the_replay_is_audited_as_a_replay(api: TestClient, engine: Engine) -> None:
    child_id, body = ready(api)
    key = {"Idempotency-Key": "audited-replay"}
    for _ in range(2):
        api.post(f"/api/v1/children/{child_id}/sessions", json=body, headers=key)
    with engine.connect() as conn:
        outcomes = conn.scalars(
            select(AuditEntry.outcome).where(
                AuditEntry.child_id == child_id, AuditEntry.action == "session.write"
            )
        ).all()
    assert list(outcomes) == ["allowed", "replayed"]


def test_without_a_key_the_same_request_twice_is_two_requests(
    api: TestClient, engine: Engine
) -> None:
    child_id, body = ready(api)
    first = api.post(f"/api/v1/children/{child_id}/sessions", json=body)
    assert first.status_code == 201, first.text
    again = api.post(f"/api/v1/children/{child_id}/sessions", json=body)
    assert "idempotent-replayed" not in again.headers
    assert sessions_of(engine, child_id) == (2 if again.status_code == 201 else 1)


def test_the_same_key_for_a_different_request_is_refused(api: TestClient, engine: Engine) -> None:
    child_id, body = ready(api)
    key = {"Idempotency-Key": "reused-key"}
    assert api.post(f"/api/v1/children/{child_id}/sessions", json=body, headers=key).is_success
    other = {**body, "minutes": 10}
    refused = api.post(f"/api/v1/children/{child_id}/sessions", json=other, headers=key)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "Idempotency-Key"
    assert sessions_of(engine, child_id) == 1


def test_a_refused_request_leaves_its_key_free(api: TestClient, engine: Engine) -> None:
    child_id, body = ready(api)
    key = {"Idempotency-Key": "first-try-was-wrong"}
    wrong = {**body, "pressure": 9}
    assert (
        api.post(f"/api/v1/children/{child_id}/sessions", json=wrong, headers=key).status_code
        == 422
    )
    fixed = api.post(f"/api/v1/children/{child_id}/sessions", json=body, headers=key)
    assert fixed.status_code == 201, fixed.text
    assert sessions_of(engine, child_id) == 1


def test_keys_belong_to_their_sender(api: TestClient, engine: Engine) -> None:
    first_child, first_body = ready(api)
    second_child, second_body = ready(api)
    key = {"Idempotency-Key": "same-key-two-people"}
    assert api.post(
        f"/api/v1/children/{first_child}/sessions", json=first_body, headers=key
    ).is_success
    with api.acting_as("M. Adeyemi"):  # type: ignore[attr-defined]
        second_body = {**second_body, "therapist": "M. Adeyemi"}
        other = api.post(f"/api/v1/children/{second_child}/sessions", json=second_body, headers=key)
    assert other.status_code == 201, other.text
    assert "idempotent-replayed" not in other.headers
    assert sessions_of(engine, second_child) == 1


@pytest.mark.parametrize("key", ["", "with space", "x" * 129, "tab\there"])
def test_a_malformed_key_is_a_422(api: TestClient, key: str) -> None:
    child_id, body = ready(api)
    response = api.post(
        f"/api/v1/children/{child_id}/sessions",
        json=body,
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "Idempotency-Key"


def test_twins_sent_at_the_same_moment_store_one_session(
    module_database: str, now: datetime
) -> None:
    database_url = module_database
    engine = make_engine(database_url)
    ensure_site(engine)
    token = token_for(engine, ("therapist", "J. Lindqvist"))
    app = create_app(Settings(database_url=database_url), engine=engine, clock=lambda: now)
    headers = {"Authorization": f"Bearer {token}"}
    with serving(app) as base, httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for trial in range(4):
            child_id = http.post("/api/v1/children", json=_child(trial)).json()["id"]
            screening = http.post(
                f"/api/v1/children/{child_id}/screenings",
                json={
                    "therapist": "J. Lindqvist",
                    "assessed_at": SCREENED_AT,
                    "guardian_consent": True,
                    "child_assent": True,
                },
            ).json()
            body = session_body(screening["id"])
            statuses = _at_once(
                http, f"/api/v1/children/{child_id}/sessions", body, f"twin-{trial}"
            )
            assert 201 in statuses and all(s in (201, 409) for s in statuses), statuses
            assert sessions_of(engine, child_id) == 1
    engine.dispose()


def _child(trial: int) -> dict[str, Any]:
    from tests.api.test_flow import CHILD

    return {**CHILD, "display_name": f"Twin Child {trial}"}


def _at_once(http: httpx.Client, path: str, body: dict[str, Any], key: str) -> list[int]:
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send() -> None:
        barrier.wait()
        statuses.append(http.post(path, json=body, headers={"Idempotency-Key": key}).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
