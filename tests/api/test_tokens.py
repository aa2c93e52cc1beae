"""A person manages their own API tokens over the API: list, create, revoke.

The secret is in the answer to its creation and nowhere else; a new token carries its owner's
rights at once, and a revoked one opens nothing.
"""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_new_token_is_shown_once_and_works_until_revoked(client: TestClient) -> None:
    created = client.post("/api/v1/tokens", json={"expires_days": 7})
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["secret"].startswith("pmt_")

    listed = client.get("/api/v1/tokens").json()
    assert token["id"] in [t["id"] for t in listed]
    assert all("secret" not in t for t in listed)

    own = {"Authorization": f"Bearer {token['secret']}"}
    assert client.get("/api/v1/children", headers=own).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{token['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/children", headers=own).status_code == 401


def test_a_token_lives_at_most_a_year(client: TestClient) -> None:
    refused = client.post("/api/v1/tokens", json={"expires_days": 366})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "expires_days"


def test_a_web_login_cannot_mint_a_token(client: TestClient) -> None:
    """A borrowed browser session must not outlive its idle log-off as a year-long token."""
    from tests.identities import PASSWORD, username_of

    client.get("/api/v1/tokens")  # the default account exists
    with client.logged_out():  # type: ignore[attr-defined]
        client.post(
            "/login",
            data={"username": username_of("therapist", "Test Therapist"), "password": PASSWORD},
        )
        page = client.get("/")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        refused = client.post("/api/v1/tokens", json={}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403
