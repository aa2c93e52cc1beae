"""Two tablets acting on one draft at the same moment: one wins, the other is told why (409), and
the record holds exactly one start, never a merge of both. On SQLite and on PostgreSQL, over real
HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import pytest
from tests.api.test_lifecycle_api import START, ready_draft
from tests.conftest import migrated_database
from tests.identities import ensure_site, token_for
from tests.live import serving

from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.db import make_engine

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TRIALS = 5


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with migrated_database(request.param, tmp_path, "pedmassage_race") as url:
        yield url


def test_two_tablets_starting_one_draft_at_once_one_wins_and_one_gets_409(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    ensure_site(engine)
    token = token_for(engine, ("therapist", "R. Okafor"))
    app = create_app(Settings(database_url=database_url), engine=engine, clock=lambda: NOW)
    headers = {"Authorization": f"Bearer {token}"}
    with serving(app) as base, httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for _ in range(TRIALS):
            session_id = ready_draft(http)  # type: ignore[arg-type]
            statuses = at_once(http, f"/api/v1/sessions/{session_id}/start", START)
            assert sorted(statuses) == [200, 409]
            record = http.get(f"/api/v1/sessions/{session_id}").json()
            assert record["status"] == "in_progress"
            assert [m["timepoint"] for m in record["measures"]] == ["pre"]
    engine.dispose()


def at_once(http: httpx.Client, path: str, body: dict[str, object]) -> list[int]:
    """Two requests released together by a barrier, each from its own thread."""
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send() -> None:
        barrier.wait()
        statuses.append(http.post(path, json=body).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
