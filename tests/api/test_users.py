"""Accounts over the API: administrators manage every site's, a program lead only their own.

A lead adds therapists, physicians, leads and guardians of their own sites; never an administrator
or a researcher, never an account of another site. Every refusal is in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identities import EPOCH

from pedmassage.access.tokens import create_token
from pedmassage.audit.models import AuditEntry
from pedmassage.db import unit_of_work
from pedmassage.sites.service import add_site

LEAD = ("Lena Lead", "program_lead")
PASSWORD = "a-long-enough-phrase-77"


def account(username: str, role: str, sites: list[str], **extra: Any) -> dict[str, Any]:
    return {"username": username, "role": role, "sites": sites, "password": PASSWORD, **extra}


@pytest.fixture()
def other_site(client: TestClient) -> str:
    """A site the lead does not belong to (made after the lead's account, which joins the sites
    that exist when it is made)."""
    with client.acting_as(*LEAD):  # type: ignore[attr-defined]
        client.get("/api/v1/users")
    with unit_of_work(client.engine) as db:  # type: ignore[attr-defined]
        return add_site(db=db, name="Clinic North", now=EPOCH).name


def test_a_lead_adds_a_therapist_of_their_own_site(client: TestClient) -> None:
    with client.acting_as(*LEAD):  # type: ignore[attr-defined]
        created = client.post("/api/v1/users", json=account("nia", "therapist", ["Main site"]))
        listed = client.get("/api/v1/users")
    assert created.status_code == 201, created.text
    assert created.json()["sites"] == ["Main site"]
    assert "nia" in [u["username"] for u in listed.json()]


def test_a_lead_cannot_add_an_account_of_another_site(client: TestClient, other_site: str) -> None:
    with client.acting_as(*LEAD):  # type: ignore[attr-defined]
        refused = client.post("/api/v1/users", json=account("olu", "therapist", [other_site]))
    assert refused.status_code == 403
    assert "outside the program_lead's sites" in refused.json()["detail"][0]["message"]


@pytest.mark.parametrize("role", ["administrator", "researcher"])
def test_a_lead_cannot_make_an_administrator_or_a_researcher(client: TestClient, role: str) -> None:
    with client.acting_as(*LEAD):  # type: ignore[attr-defined]
        refused = client.post("/api/v1/users", json=account("x-account", role, ["Main site"]))
    assert refused.status_code == 403


def test_a_therapist_manages_no_accounts(client: TestClient) -> None:
    refused = client.post("/api/v1/users", json=account("zed", "therapist", ["Main site"]))
    assert refused.status_code == 403


def test_a_lead_disables_an_account_of_their_site_and_its_token_stops_working(
    client: TestClient, now: datetime
) -> None:
    with client.acting_as(*LEAD):  # type: ignore[attr-defined]
        created = client.post("/api/v1/users", json=account("tam", "therapist", ["Main site"]))
    with unit_of_work(client.engine) as db:  # type: ignore[attr-defined]
        secret = create_token(db=db, username="tam", now=now, expires_days=30).secret
    own = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/users", headers=own).status_code == 403  # a therapist's rights
    user_id = created.json()["id"]
    with client.acting_as(*LEAD):  # type: ignore[attr-defined]
        disabled = client.post(f"/api/v1/users/{user_id}/disable")
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert client.get("/api/v1/users", headers=own).status_code == 401


def test_a_refusal_past_the_guard_is_in_the_audit_log(client: TestClient, other_site: str) -> None:
    with client.acting_as(*LEAD):  # type: ignore[attr-defined]
        client.post("/api/v1/users", json=account("olu", "therapist", [other_site]))
    with unit_of_work(client.engine) as db:  # type: ignore[attr-defined]
        outcomes = [
            (e.action, e.outcome, e.resource)
            for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
    assert ("user.manage", "denied", "POST /api/v1/users") in outcomes
