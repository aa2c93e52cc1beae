"""Writes from several tablets at once, on SQLite over real HTTP: each is stored once and whole, or
refused with a clear reason, never a 500.

SQLite takes the write lock when a transaction begins and waits a bounded time for it; past the
wait the answer is 503 with ``Retry-After`` and nothing is stored.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import Engine, func, select
from tests.api.test_flow import CHILD
from tests.identities import ensure_site, token_for
from tests.live import serving

from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.db import make_engine, unit_of_work
from pedmassage.migrations import upgrade
from pedmassage.models import Observation

WRITERS = 16
EACH = 3


def observation(i: int) -> dict[str, object]:
    taken = (datetime.now(UTC) - timedelta(minutes=i + 1)).isoformat()
    return {"code": "heart_rate", "value": 90 + i % 30, "unit": "/min", "taken_at": taken}


def test_sixteen_tablets_writing_at_once_all_succeed_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ward.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    ensure_site(engine)
    headers = {"Authorization": f"Bearer {token_for(engine, ('therapist', 'Ward Therapist'))}"}
    app = create_app(Settings(database_url=url), engine=engine)
    with serving(app) as base, httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        child_id = http.post("/api/v1/children", json=CHILD).json()["id"]
        before = heart_rates(engine, child_id)

        def write(i: int) -> int:
            path = f"/api/v1/children/{child_id}/observations/vital"
            return http.post(path, json=observation(i)).status_code

        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = list(pool.map(write, range(WRITERS * EACH)))
    assert statuses == [201] * (WRITERS * EACH)
    assert heart_rates(engine, child_id) == before + WRITERS * EACH  # each stored once
    engine.dispose()


def heart_rates(engine: Engine, child_id: str) -> int:
    query = (
        select(func.count())
        .select_from(Observation)
        .where(Observation.child_id == child_id, Observation.code == "heart_rate")
    )
    with unit_of_work(engine) as db:
        return int(db.scalar(query) or 0)


def test_a_write_that_cannot_get_the_lock_in_time_is_a_503_that_stores_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "busy.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    ensure_site(engine)
    headers = {"Authorization": f"Bearer {token_for(engine, ('therapist', 'Ward Therapist'))}"}
    settings = Settings(database_url=url, sqlite_busy_timeout_seconds=0.2)
    app = create_app(settings, engine=make_engine(url, busy_timeout=0.2))
    with serving(app) as base, httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        try:
            busy = http.post("/api/v1/children", json=CHILD)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "2"
        assert busy.json()["detail"][0]["field"] == "database"
        assert http.get("/api/v1/children").json() == []
        again = http.post("/api/v1/children", json=CHILD)
        assert again.status_code == 201
    engine.dispose()
