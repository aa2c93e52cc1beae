"""Only a trusted EHR's signed JWT, for the endpoint called, gets an answer; discovery is open.

The calls here select no massage order, so the answer is ``{"cards": []}`` without screening:
what is tested is who gets an answer at all.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.cdshooks.conftest import (
    ISSUER,
    NOW,
    ORDER,
    SCREENING,
    bearer,
    cds_app,
    endpoint,
)
from tests.cdshooks.ehr import (
    Ehr,
    LocalServer,
    SigningKey,
    es384_key,
    jwk_set,
    medication_order,
    order_select,
    patient,
    rs384_key,
)

from pedmassage.audit.models import AuditEntry
from pedmassage.cdshooks.auth import JwksCache, UntrustedCallError
from pedmassage.db import unit_of_work

BRIEF_LOINC = [
    "777-3",
    "751-8",
    "6301-6",
    "718-7",
    "8310-5",
    "8867-4",
    "9279-1",
    "59408-5",
    "29463-7",
]


def no_massage_call(fhir_url: str = "https://fhir.ehr.example.org") -> dict[str, Any]:
    """An order-select call for the spec's amoxicillin order only: no card, no screening."""
    order = medication_order()
    return order_select(
        {"patient": patient()}, fhir_url, [f"MedicationRequest/{order['id']}"], [order]
    )


def call(client: TestClient, token: str | None, service: str = ORDER) -> Any:
    headers = bearer(token) if token is not None else {}
    return client.post(f"/cds-services/{service}", json=no_massage_call(), headers=headers)


def audit(client: TestClient) -> list[tuple[str, str, str, str, str]]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with unit_of_work(engine) as db:
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(e.actor, e.role, e.action, e.resource, e.outcome) for e in rows]


def test_discovery_lists_both_services_with_their_prefetch_and_needs_no_jwt(
    client: TestClient,
) -> None:
    answer = client.get("/cds-services")
    assert answer.status_code == 200
    services = {s["id"]: s for s in answer.json()["services"]}
    assert services[SCREENING]["hook"] == "patient-view"
    assert services[ORDER]["hook"] == "order-select"
    for service in services.values():
        assert service["description"] and service["title"]
        prefetch = service["prefetch"]
        assert prefetch["patient"] == "Patient/{{context.patientId}}"
        assert prefetch["conditions"] == (
            "Condition?patient={{context.patientId}}&clinical-status=active"
        )
        codes = ",".join(f"http://loinc.org|{c}" for c in BRIEF_LOINC)
        assert prefetch["observations"] == (
            f"Observation?patient={{{{context.patientId}}}}&code={codes}&_sort=-date"
        )
        assert set(prefetch) == {
            "patient",
            "conditions",
            "observations",
            "devices",
            "device_uses",
            "medications",
            "procedures",
        }


def test_a_call_with_a_valid_jwt_is_answered_and_audited_under_the_issuer(
    client: TestClient, ehr: Ehr
) -> None:
    answer = call(client, ehr.token(endpoint(ORDER), now=NOW))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"cards": []}
    assert (ISSUER, "ehr", "cds.order-select", ORDER, "allowed") in audit(client)


def test_an_audience_given_as_a_list_naming_the_endpoint_is_accepted(
    client: TestClient, ehr: Ehr
) -> None:
    token = ehr.token([endpoint(ORDER), "https://other.example.org"], now=NOW)
    assert call(client, token).status_code == 200


def refused(answer: Any, words: str) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["www-authenticate"].startswith("Bearer")
    [entry] = answer.json()["detail"]
    assert entry["field"] == "Authorization"
    assert words in entry["message"]


def test_a_call_without_a_jwt_is_refused_and_audited(client: TestClient) -> None:
    refused(call(client, None), "no JWT")
    assert ("anonymous", "ehr", "cds.order-select", ORDER, "unauthenticated") in audit(client)


def test_a_jwt_for_another_endpoint_is_refused(client: TestClient, ehr: Ehr) -> None:
    refused(call(client, ehr.token(endpoint(SCREENING), now=NOW)), "aud")
    refused(call(client, ehr.token("https://elsewhere.example.org/cds-services", now=NOW)), "aud")


def test_an_expired_jwt_is_refused(client: TestClient, ehr: Ehr) -> None:
    token = ehr.token(endpoint(ORDER), now=NOW - timedelta(minutes=10))
    refused(call(client, token), "expired")


def test_a_jwt_issued_in_the_future_is_refused(client: TestClient, ehr: Ehr) -> None:
    token = ehr.token(endpoint(ORDER), now=NOW + timedelta(minutes=10))
    refused(call(client, token), "future")


def test_an_unknown_issuer_is_refused(client: TestClient, ehr: Ehr) -> None:
    token = ehr.token(endpoint(ORDER), now=NOW, issuer="https://stranger.example.org/")
    refused(call(client, token), "not trusted")


def test_a_jwt_signed_with_another_key_under_the_same_kid_is_refused(
    client: TestClient, ehr: Ehr
) -> None:
    impostor = es384_key(kid=ehr.key.kid)
    refused(call(client, ehr.token(endpoint(ORDER), now=NOW, key=impostor)), "signature")


def test_a_tampered_payload_is_refused(client: TestClient, ehr: Ehr) -> None:
    header, _, signature = ehr.token(endpoint(ORDER), now=NOW).split(".")
    forged = jwt.utils.base64url_encode(
        json.dumps(
            {"iss": ISSUER, "aud": endpoint(ORDER), "exp": 9e9, "iat": 0, "jti": "x"}
        ).encode()
    ).decode()
    refused(call(client, f"{header}.{forged}.{signature}"), "signature")


def test_a_symmetric_or_unsigned_jwt_is_refused(client: TestClient, ehr: Ehr) -> None:
    claims = {"iss": ISSUER, "aud": endpoint(ORDER), "exp": NOW.timestamp() + 60, "jti": "j"}
    claims["iat"] = NOW.timestamp()
    hs = jwt.encode(claims, "a-shared-secret-of-32-bytes-or-more!", "HS256", {"kid": ehr.key.kid})
    refused(call(client, hs), "algorithm")
    unsigned = jwt.encode(claims, "", "none", {"kid": ehr.key.kid})
    refused(call(client, unsigned), "algorithm")


def test_a_jku_other_than_the_configured_url_is_refused(client: TestClient, ehr: Ehr) -> None:
    token = ehr.token(endpoint(ORDER), now=NOW, headers={"jku": "https://evil.example.org/jwks"})
    refused(call(client, token), "jku")


def test_a_kid_not_in_the_issuer_s_set_is_refused(client: TestClient, ehr: Ehr) -> None:
    stranger = es384_key(kid="not-published")
    refused(call(client, ehr.token(endpoint(ORDER), now=NOW, key=stranger)), "not-published")


def test_a_replayed_jwt_is_refused(client: TestClient, ehr: Ehr) -> None:
    token = ehr.token(endpoint(ORDER), now=NOW)
    assert call(client, token).status_code == 200
    refused(call(client, token), "used before")


def test_a_jwt_without_jti_is_refused(client: TestClient, ehr: Ehr) -> None:
    token = ehr.token(endpoint(ORDER), now=NOW, jti=None)
    refused(call(client, token), "jti")


def test_with_no_issuer_configured_every_call_is_refused_saying_so(
    sqlite_url: str, ehr: Ehr
) -> None:
    with TestClient(cds_app(sqlite_url, {})) as client:
        answer = call(client, ehr.token(endpoint(ORDER), now=NOW))
        refused(answer, "PEDMASSAGE_CDS_ISSUERS")
        assert client.get("/cds-services").status_code == 200


def test_an_rs384_issuer_with_its_jwk_set_in_a_file_is_trusted(
    sqlite_url: str, tmp_path: Path
) -> None:
    key = rs384_key()
    jwks_file = tmp_path / "ehr-jwks.json"
    jwks_file.write_text(json.dumps(jwk_set(key)))
    other = Ehr(issuer="https://rs.example.org", key=key, jwks_url=str(jwks_file))
    with TestClient(cds_app(sqlite_url, {other.issuer: str(jwks_file)})) as client:
        token = other.token(endpoint(ORDER), now=NOW)
        assert call(client, token).status_code == 200


def test_the_jwk_set_is_kept_between_calls(
    client: TestClient, ehr: Ehr, jwks_server: LocalServer
) -> None:
    assert call(client, ehr.token(endpoint(ORDER), now=NOW)).status_code == 200
    fetched = len(jwks_server.seen)
    for _ in range(3):
        assert call(client, ehr.token(endpoint(ORDER), now=NOW)).status_code == 200
    assert len(jwks_server.seen) == fetched == 1


def test_a_new_kid_fetches_the_set_again_so_keys_can_rotate() -> None:
    old, new = es384_key("old"), es384_key("new")
    published = {"keys": jwk_set(old)["keys"]}
    fetched: list[str] = []
    moment = [0.0]

    def fetch(url: str, timeout: float) -> Any:
        fetched.append(url)
        return published

    cache = JwksCache(timeout=1, fetch=fetch, clock=lambda: moment[0])
    assert cache.key("https://ehr/jwks", "old", "ES384").algorithm_name == "ES384"
    published["keys"] = jwk_set(old, new)["keys"]
    with pytest.raises(UntrustedCallError):
        cache.key("https://ehr/jwks", "new", "ES384")  # too soon after the last fetch
    moment[0] = 60.0
    assert cache.key("https://ehr/jwks", "new", "ES384").algorithm_name == "ES384"
    assert len(fetched) == 2


def test_a_key_for_another_algorithm_than_the_jwt_s_is_refused() -> None:
    key: SigningKey = es384_key("k")
    cache = JwksCache(timeout=1, fetch=lambda url, timeout: jwk_set(key))
    with pytest.raises(UntrustedCallError, match="algorithm"):
        cache.key("https://ehr/jwks", "k", "RS384")


def test_a_jwk_set_url_over_plain_http_to_another_machine_is_not_fetched() -> None:
    cache = JwksCache(timeout=1)
    with pytest.raises(UntrustedCallError, match="not https"):
        cache.key("http://ehr.example.org/jwks", "k", "ES384")
