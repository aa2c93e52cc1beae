"""The evidence commands, API and pages: a CLI runner and an app on a private SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from pedmassage.app import create_app
from pedmassage.cli.main import app as cli_app
from pedmassage.config import Settings

Invoke = Callable[..., Result]


@pytest.fixture()
def evidence_cli() -> Invoke:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli_app, ["evidence", *args])

    return invoke


@pytest.fixture()
def evidence_client(sqlite_url: str, now: datetime) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=sqlite_url), clock=lambda: now)
    with TestClient(app) as client:
        yield client
