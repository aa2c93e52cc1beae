"""What the backup tests share: a database holding the whole demo program, the command line run
against a chosen database, every table's rows for comparison, and private PostgreSQL databases."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from tests.conftest import fresh_postgres_database
from typer.testing import CliRunner, Result

from pedmassage.cli.main import app
from pedmassage.config import get_settings
from pedmassage.db import make_engine, unit_of_work
from pedmassage.demo.seed import seed_demo
from pedmassage.migrations import upgrade
from pedmassage.models import Base

PG_ENV = "PEDMASSAGE_TEST_DATABASE_URL"
AS_OF = date(2026, 11, 25)

Run = Callable[..., Result]
Rows = dict[str, list[tuple[Any, ...]]]


def seed(url: str) -> None:
    """The demo program: every kind of record, audit entries and signed sessions among them."""
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        seed_demo(db=db, as_of=AS_OF)
    engine.dispose()


def table_rows(url: str) -> Rows:
    """Every row of every table, in primary-key order, so two databases compare exactly."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }
        rows["alembic_version"] = list(
            connection.execute(text("SELECT version_num FROM alembic_version"))
        )
    engine.dispose()
    return rows


@pytest.fixture(scope="session")
def demo_sqlite(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    seed(f"sqlite:///{path}")
    return path


@pytest.fixture()
def demo_url(demo_sqlite: Path, tmp_path: Path) -> str:
    """A private copy of the demo program, free to change."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(demo_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture()
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """``pedmassage ARGS`` in-process, on the database at ``url``."""
    runner = CliRunner()

    def invoke(url: str, *args: str) -> Result:
        monkeypatch.setenv("PEDMASSAGE_DATABASE_URL", url)
        get_settings.cache_clear()
        return runner.invoke(app, list(args))

    yield invoke
    get_settings.cache_clear()


@pytest.fixture()
def pg_database() -> Iterator[Callable[[], str]]:
    """Make fresh, empty PostgreSQL databases of this test's own; all are dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL backup tests skipped: set {PG_ENV}")
    with ExitStack() as made:

        def make() -> str:
            return made.enter_context(fresh_postgres_database(base, "backup_test"))

        yield make


@pytest.fixture()
def migrated() -> Callable[[str], str]:
    def at_head(url: str) -> str:
        upgrade(url)
        return url

    return at_head
