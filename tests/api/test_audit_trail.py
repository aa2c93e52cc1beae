"""Every use of a child's record is in the audit log, including the attempts that fail.

An allowed request is recorded with its work; when the work is refused (an unknown screening, a
session in the wrong state) the request's transaction rolls back, and the attempt is recorded
again, as failed, in a transaction of its own. A probe for an unknown id is recorded too.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.api.test_flow import CHILD

from pedmassage.audit.models import AuditEntry
from pedmassage.db import unit_of_work


def entries(client: TestClient) -> list[tuple[str, str, str | None]]:
    with unit_of_work(client.engine) as db:  # type: ignore[attr-defined]
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(e.action, e.outcome, e.child_id) for e in rows]


def test_a_refused_write_is_recorded_as_failed_with_its_child(client: TestClient) -> None:
    child_id = client.post("/api/v1/children", json=CHILD).json()["id"]
    refused = client.post(
        f"/api/v1/children/{child_id}/sessions/drafts",
        json={"screening_id": "01JZZZZZZZZZZZZZZZZZZZZZZZ", "therapist": "Test Therapist"},
    )
    assert refused.status_code == 404
    assert ("session.write", "failed", child_id) in entries(client)


def test_a_probe_for_an_unknown_child_is_recorded(client: TestClient) -> None:
    missing = client.get("/api/v1/children/01JZZZZZZZZZZZZZZZZZZZZZZZ")
    assert missing.status_code == 404
    assert ("child.read", "failed", None) in entries(client)
