"""The app with its CDS services, an EHR that trusts it, and its FHIR server on local ports."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.cdshooks.ehr import (
    Ehr,
    LocalServer,
    SigningKey,
    es384_key,
    fhir_answer,
    jwk_set,
    serving,
)

from pedmassage.app import create_app
from pedmassage.config import Settings

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ISSUER = "https://ehr.example.org/"
BASE = "https://pedmassage.example.org"
SCREENING = "pedmassage-massage-screening"
ORDER = "pedmassage-massage-order"


def with_cds_routes(app: FastAPI) -> FastAPI:
    """The app with the CDS Hooks router, unless the app already serves it."""
    from pedmassage.api import cds_hooks

    if not any(getattr(r, "path", "") == "/cds-services" for r in app.routes):
        app.include_router(cds_hooks.router)
    return app


@pytest.fixture(scope="module")
def ehr_key() -> SigningKey:
    return es384_key()


@pytest.fixture(scope="module")
def jwks_server(ehr_key: SigningKey) -> Iterator[LocalServer]:
    with serving(lambda path, query: (200, jwk_set(ehr_key))) as server:
        yield server


@pytest.fixture(scope="module")
def ehr(jwks_server: LocalServer, ehr_key: SigningKey) -> Ehr:
    return Ehr(issuer=ISSUER, key=ehr_key, jwks_url=f"{jwks_server.url}/jwks.json")


@pytest.fixture()
def record() -> dict[str, Any]:
    """The child's record the EHR's FHIR server holds; a test fills it in."""
    return {}


@pytest.fixture()
def fhir(record: dict[str, Any]) -> Iterator[LocalServer]:
    with serving(fhir_answer(record)) as server:
        server.url += "/fhir"
        yield server


def cds_app(sqlite_url: str, issuers: dict[str, str], **settings: Any) -> FastAPI:
    config = Settings(database_url=sqlite_url, cds_issuers=issuers, cds_base_url=BASE, **settings)
    return with_cds_routes(create_app(config, clock=lambda: NOW))


@pytest.fixture(scope="module")
def module_sqlite_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cds") / "pedmassage.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def client(module_sqlite_url: str, ehr: Ehr) -> Iterator[TestClient]:
    """One app per test module: its first request costs FastAPI a second or more."""
    with TestClient(cds_app(module_sqlite_url, {ISSUER: ehr.jwks_url})) as test_client:
        yield test_client


def endpoint(service_id: str) -> str:
    """The URL the EHR calls, and so the JWT's audience."""
    return f"{BASE}/cds-services/{service_id}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
