"""Server time of a child's page with login and audit, beside the same page with both switched off.

A fresh SQLite file is migrated and seeded with the demo program (as of a fixed date) and its
accounts. The demo therapist logs in through ``POST /login`` and the page of the demo child with
the most sessions is requested over and over with the login cookie: every request finds the login
behind the cookie (refreshing its idle clock), resolves the child's site, asks the policy and
appends a hash-chained audit entry in the request's transaction.

Baseline, measured in the same run on the same app: the route guards and the actor lookup are
overridden (here only, through ``app.dependency_overrides``) by a function handing back the
therapist as an already known actor, so no login is looked up, no policy asked and nothing
audited; the page itself does all its usual work. Server time is the time the app takes for one
request, from the call into the ASGI app until the whole response has been sent (the test
client's own work is outside it). Short passes of the two kinds alternate, each kind going first
in every other pair, so a machine busy with other work slows both alike; each pass gives its
median request, and the medians of the passes are compared.
Target: with login and audit <= 1.2x the time of the page without them.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pedmassage.access.policy import Actor
from pedmassage.access.service import actor_for, get_user
from pedmassage.app import create_app
from pedmassage.audit.models import AuditEntry
from pedmassage.config import Settings
from pedmassage.db import make_engine, unit_of_work
from pedmassage.demo.accounts import DEMO_ACCOUNTS, ensure_demo_accounts
from pedmassage.demo.seed import seed_demo
from pedmassage.http.actor import current_actor
from pedmassage.sessions.models import SessionRecord

AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WARMUP = 20
REQUESTS = 10
PASSES = 30
TARGET = 1.2
Overrides = dict[Callable[..., Any], Callable[..., Any]]
THERAPIST = next(a for a in DEMO_ACCOUNTS if a.role == "therapist")


class ServerTimer:
    """The app wrapped so that each HTTP request's time inside it is kept."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.times: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = time.perf_counter()
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.times.append(time.perf_counter() - start)


class Clock:
    """The app's clock: the fixed demo morning, moving on as the run does."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self) -> datetime:
        return NOW + timedelta(seconds=time.perf_counter() - self.started)


def prepare(folder: Path) -> tuple[FastAPI, str, Actor]:
    """The app on a migrated, seeded database; the busiest demo child; the therapist as actor."""
    from pedmassage.migrations import upgrade

    url = f"sqlite:///{folder / 'pages.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        seed_demo(db=db, as_of=AS_OF)
        ensure_demo_accounts(db=db, now=NOW)
    with unit_of_work(engine) as db:
        count = func.count().label("sessions")
        busiest = select(SessionRecord.child_id, count).group_by(SessionRecord.child_id)
        child_id = db.execute(busiest.order_by(count.desc()).limit(1)).one().child_id
        therapist = get_user(db=db, username=THERAPIST.username)
        assert therapist is not None
        actor = actor_for(therapist)
    app = create_app(Settings(database_url=url, demo=True), engine=engine, clock=Clock())
    return app, child_id, actor


def switched_off(app: FastAPI, actor: Actor) -> Overrides:
    """Overrides that replace every route's guard, and the actor lookup, by a known actor."""

    def known_actor(request: Request) -> Actor:
        request.state.actor = actor
        return actor

    overrides: Overrides = {current_actor: known_actor}
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)  # None: the docs, static files
        for dependency in dependant.dependencies if dependant else ():
            if hasattr(dependency.call, "__policy__"):
                overrides[dependency.call] = known_actor
    assert len(overrides) > 1, "no route guard found"
    return overrides


def one_pass(client: TestClient, timer: ServerTimer, path: str, count: int) -> float:
    timer.times.clear()
    for _ in range(count):
        response = client.get(path)
        assert response.status_code == 200, response.status_code
    return statistics.median(timer.times)


def audit_entries(app: FastAPI) -> int:
    with unit_of_work(app.state.engine) as db:
        return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)


def check_the_switch(client: TestClient, app: FastAPI, path: str, overrides: Overrides) -> int:
    """Both kinds of request give the same page, and only the guarded one is audited."""
    entries = audit_entries(app)
    app.dependency_overrides = {}
    guarded = without_csrf(client.get(path).text)
    assert audit_entries(app) == entries + 1, "the page was not audited"
    app.dependency_overrides = overrides
    bare = without_csrf(client.get(path).text)
    assert audit_entries(app) == entries + 1, "the guard was not switched off"
    assert guarded == bare, "the two pages differ"
    return len(guarded)


def measure(
    client: TestClient, timer: ServerTimer, path: str, overrides: Overrides
) -> tuple[list[float], list[float]]:
    """Alternating passes, the first pair only warming up, each kind going first in every other
    pair: each pass's median, per kind."""
    app = timer.app
    passes: dict[bool, list[float]] = {True: [], False: []}
    for number in range(PASSES + 1):
        count = WARMUP if number == 0 else REQUESTS
        for guarded in (True, False) if number % 2 == 0 else (False, True):
            app.dependency_overrides = {} if guarded else overrides
            passes[guarded].append(one_pass(client, timer, path, count))
    return passes[True][1:], passes[False][1:]


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        app, child_id, actor = prepare(Path(folder))
        overrides = switched_off(app, actor)
        timer = ServerTimer(app)
        path = f"/children/{child_id}"
        with TestClient(timer, follow_redirects=False) as client:
            form = {"username": THERAPIST.username, "password": THERAPIST.password, "next": "/"}
            assert client.post("/login", data=form).status_code == 303, "login refused"
            size = check_the_switch(client, app, path, overrides)
            guarded, bare = measure(client, timer, path, overrides)
    with_both = statistics.median(guarded)
    without = statistics.median(bare)
    ratio = with_both / without
    print(
        f"child page ({size // 1024} KiB), {PASSES} alternating passes of {REQUESTS} requests "
        "each, median server time"
    )
    print(f"with login and audit       {with_both * 1000:7.2f} ms")
    print(f"both switched off          {without * 1000:7.2f} ms")
    print(f"ratio with / without       {ratio:7.2f}x the time")
    print(f"target <= {TARGET}x: {'meets' if ratio <= TARGET else 'MISSES'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
