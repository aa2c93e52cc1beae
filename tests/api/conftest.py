"""An app on a private, migrated SQLite database with a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from tests.identities import acting_client

from pedmassage.app import create_app
from pedmassage.config import Settings


@pytest.fixture()
def client(sqlite_url: str, now: datetime) -> Iterator[TestClient]:
    """Logged in as a therapist of the database's site (see ``tests/identities.py``)."""
    app = create_app(Settings(database_url=sqlite_url), clock=lambda: now)
    with acting_client(app, app.state.engine) as test_client:
        yield test_client
