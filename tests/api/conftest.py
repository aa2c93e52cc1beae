"""An app on a private, migrated SQLite database with a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.conftest import migrated_database
from tests.identities import acting_client

from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.db import make_engine


@pytest.fixture()
def client(sqlite_url: str, now: datetime) -> Iterator[TestClient]:
    """Logged in as a therapist of the database's site (see ``tests/identities.py``)."""
    app = create_app(Settings(database_url=sqlite_url), clock=lambda: now)
    with acting_client(app, app.state.engine) as test_client:
        yield test_client


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of the test module's own, on SQLite and on PostgreSQL: what the
    module's requests commit never reaches the databases other tests count rows in."""
    folder = tmp_path_factory.mktemp("module-db")
    with migrated_database(request.param, folder, "pedmassage_module") as url:
        yield url


@pytest.fixture()
def module_engine(module_database: str) -> Iterator[Engine]:
    engine = make_engine(module_database)
    yield engine
    engine.dispose()
