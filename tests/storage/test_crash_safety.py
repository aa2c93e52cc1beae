"""A session the server acknowledged (201) survives the server being killed at any moment.

The real server (``pedmassage serve`` in a process of its own) is killed with SIGKILL a few times
while clients record sessions over HTTP, and started again each time; every acknowledged session
must then be there and whole, nothing may be stored in part, and no request may have been
answered 5xx. This is ``bench/crash_safety.py`` run small; the bench runs it at full size.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tests.conftest import PG_ENV, PG_HELP, fresh_postgres_database

BENCH = Path(__file__).resolve().parents[2] / "bench"
SMALL = {"kills": 3, "clients": 8, "children": 8, "up_for": (0.2, 0.7)}


@pytest.fixture()
def crash_safety(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The bench module (bench/ is not a package: its folder goes on the path for the test)."""
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("crash_safety")


def assert_nothing_lost(outcome: Any) -> None:
    """Some sessions were acknowledged, every one is there and whole, every session stored is
    whole and stored once, and no answer was 5xx."""
    assert outcome.acknowledged > 0, "no session was acknowledged: the trial proved nothing"
    assert outcome.lost == [], outcome.lost[:10]
    assert outcome.broken == [], outcome.broken[:10]
    assert outcome.server_errors == [], [*outcome.server_errors[:5], outcome.server_log]
    assert outcome.found == outcome.acknowledged


@pytest.mark.slow
def test_no_acknowledged_session_is_lost_when_the_server_is_killed_on_sqlite(
    crash_safety: ModuleType, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    outcome = crash_safety.run(url, tmp_path, database="SQLite", **SMALL)
    assert_nothing_lost(outcome)


@pytest.mark.slow
@pytest.mark.postgres
def test_no_acknowledged_session_is_lost_when_the_server_is_killed_on_postgresql(
    crash_safety: ModuleType, tmp_path: Path
) -> None:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_HELP)
    with fresh_postgres_database(base, "pedmassage_crash") as url:
        outcome = crash_safety.run(url, tmp_path, database="PostgreSQL", **SMALL)
    assert_nothing_lost(outcome)
