"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), a fixed clock,
and a per-test transaction that is rolled back so tests never see each other's rows."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from pedmassage.db import make_engine
from pedmassage.migrations import upgrade

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

# CI explores the same examples every run (a failure there is reproducible) and has no per-example
# deadline (a loaded machine is not a failing test); locally Hypothesis explores afresh each run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")
PG_ENV = "PEDMASSAGE_TEST_DATABASE_URL"
PG_HELP = (
    f"PostgreSQL tests skipped: set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test "
    "to run the storage tests on PostgreSQL too"
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test that needs a private database."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture()
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "pedmassage.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated to head, dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {PG_ENV} is not set")
        pytest.skip(PG_HELP)
    with fresh_postgres_database(base, "pedmassage_test") as url:
        upgrade(url)
        yield url


@contextmanager
def fresh_postgres_database(base: str, prefix: str) -> Iterator[str]:
    """An empty PostgreSQL database of its own beside ``base``'s, dropped afterwards, so a test
    never disturbs the databases other tests use."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_database(kind: str, folder: Path, prefix: str) -> Iterator[str]:
    """A migrated database of a test's own: a SQLite file in ``folder``, or a fresh PostgreSQL
    database named after ``prefix`` (skipped when no server is configured), dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'{prefix}.sqlite3'}"
        upgrade(url)
        yield url
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_HELP)
    with fresh_postgres_database(base, prefix) as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The same storage test on SQLite and on real PostgreSQL."""
    url = (
        request.getfixturevalue("sqlite_url")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture()
def db(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is always rolled back."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture()
def now() -> datetime:
    return NOW
