"""Server time of the list pages and a child's page, at demo size and with 10,000 children.

Two databases are built, migrated and seeded with the demo program (as of a fixed date) and its
accounts: one left at demo size (40 children), one grown to 10,000 children by bulk inserts
through SQLAlchemy Core that copy the demo children's shape (their conditions, observations,
latest screenings, home programs, diary entries, open flags and care teams), so every list has
rows of every kind to show. The real app is served in-process; the demo therapist and the demo
program lead log in through ``POST /login`` and every request carries the login cookie, so the
login lookup, the policy and the audit entry are part of each request, as in service.

Each page is requested ``--requests`` times after a warm-up: the ward list, the all-children list
and the flags list as the therapist, the all-children list as the program lead, and the page of
the demo child with the most sessions. A static file (the stylesheet), measured in the same run,
is the baseline each page's median is compared with. Server time is the time the app takes for
one request, from the call into the ASGI app until the whole response has been sent.

Targets: every list <= 50 ms median at demo size and <= 150 ms with 10,000 children.
SQLite by default; PostgreSQL as well with ``--postgres`` or when PEDMASSAGE_TEST_DATABASE_URL
is set. A second part measures what login and audit add to a child's page (target <= 1.2x).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, Table, func, insert, select, text

from live_sessions import fresh_database, postgres_base, postgres_reachable
from pedmassage.access.policy import Actor
from pedmassage.access.service import actor_for, get_user
from pedmassage.app import create_app
from pedmassage.audit.models import AuditEntry
from pedmassage.config import Settings
from pedmassage.db import Base, make_engine, new_id, unit_of_work
from pedmassage.demo.accounts import DEMO_ACCOUNTS, DemoAccount, ensure_demo_accounts
from pedmassage.demo.seed import seed_demo
from pedmassage.http.actor import current_actor
from pedmassage.sessions.models import SessionRecord

AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PG_ENV = "PEDMASSAGE_TEST_DATABASE_URL"
LARGE = 10_000
BATCH = 2_000
WARMUP = 5
LIST_TARGETS = {"demo": 50.0, "large": 150.0}
THERAPIST = next(a for a in DEMO_ACCOUNTS if a.role == "therapist")
LEAD = next(a for a in DEMO_ACCOUNTS if a.role == "program_lead")
AUDIT_WARMUP, AUDIT_REQUESTS, AUDIT_PASSES, AUDIT_TARGET = 20, 10, 30, 1.2
Overrides = dict[Callable[..., Any], Callable[..., Any]]
Row = dict[str, Any]


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


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p90_ms: float


# --- the databases ------------------------------------------------------------------------------


def seeded(url: str) -> Engine:
    """A migrated database with the demo program and its accounts."""
    from pedmassage.migrations import upgrade

    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        seed_demo(db=db, as_of=AS_OF)
        ensure_demo_accounts(db=db, now=NOW)
    return engine


class Cloner:
    """Copies of the demo children's rows under new ids, keeping the links between them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tables = Base.metadata.tables
        self.templates: dict[str, list[Row]] = {}
        with engine.connect() as connection:
            for name in ("children", "child_conditions", "observations", "screenings"):
                self.templates[name] = self._rows(connection, name)
            for name in ("care_team_members", "home_programs", "home_session_logs", "home_flags"):
                self.templates[name] = self._rows(connection, name)

    def _rows(self, connection: Any, name: str) -> list[Row]:
        return [dict(r._mapping) for r in connection.execute(select(self.tables[name]))]

    def grow_to(self, total: int) -> None:
        """Add copies of the demo children, in batches, until there are ``total`` children."""
        children = self.templates["children"]
        made = len(children)
        while made < total:
            count = min(BATCH, total - made)
            batch = self._batch(made, count)
            with self.engine.begin() as connection:
                for name, rows in batch.items():
                    if rows:
                        connection.execute(insert(self._table(name)), rows)
            made += count
        if self.engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load, done at once rather than waited for: without
            # statistics the planner takes the new tables for empty and joins them row by row.
            with self.engine.begin() as connection:
                connection.execute(text("ANALYZE"))

    def _table(self, name: str) -> Table:
        return self.tables[name]

    def _batch(self, start: int, count: int) -> dict[str, list[Row]]:
        names = list(self.templates)
        batch: dict[str, list[Row]] = {name: [] for name in names}
        children = self.templates["children"]
        for number in range(start, start + count):
            template = children[number % len(children)]
            for name, rows in self._copy_child(template, number).items():
                batch[name].extend(rows)
        return batch

    def _copy_child(self, template: Row, number: int) -> dict[str, list[Row]]:
        """One new child shaped like ``template``: its own ids, the template's facts."""
        ids: dict[str, str] = {template["id"]: new_id()}
        child = {**template, "id": ids[template["id"]], "mrn": None}
        child["display_name"] = f"{template['display_name'].split()[0]} Copy {number:05d}"
        copies: dict[str, list[Row]] = {"children": [child]}
        for name in list(self.templates)[1:]:
            copies[name] = [self._copy(name, row, ids) for row in self._of(name, template["id"])]
        return copies

    def _of(self, name: str, child_id: str) -> list[Row]:
        if name == "home_session_logs":
            programs = {p["id"] for p in self._of("home_programs", child_id)}
            return [r for r in self.templates[name] if r["program_id"] in programs]
        rows = [r for r in self.templates[name] if r["child_id"] == child_id]
        return rows[-3:] if name == "screenings" else rows

    def _copy(self, name: str, row: Row, ids: dict[str, str]) -> Row:
        new = {**row, "id": new_id()}
        ids[row["id"]] = new["id"]
        for key in ("child_id", "screening_id", "program_id", "log_id"):
            if key in new and new[key] is not None:
                new[key] = ids.get(new[key], new[key])
        if "guardian_id" in new:
            new["guardian_id"] = None
        return new


@contextmanager
def databases(kind: str, postgres: str) -> Iterator[dict[str, Engine]]:
    """The demo-size and the 10,000-children database of one kind."""
    with fresh_database(kind, postgres) as demo_url, fresh_database(kind, postgres) as large_url:
        demo, large = seeded(demo_url), seeded(large_url)
        started = time.perf_counter()
        Cloner(large).grow_to(LARGE)
        print(f"  ({LARGE:,} children inserted in {time.perf_counter() - started:.1f} s)")
        try:
            yield {"demo": demo, "large": large}
        finally:
            demo.dispose()
            large.dispose()


# --- the requests -------------------------------------------------------------------------------


def busiest_child(engine: Engine) -> str:
    with unit_of_work(engine) as db:
        count = func.count().label("sessions")
        busiest = select(SessionRecord.child_id, count).group_by(SessionRecord.child_id)
        return str(db.execute(busiest.order_by(count.desc()).limit(1)).one().child_id)


def logged_in(app: Any, account: DemoAccount) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    form = {"username": account.username, "password": account.password, "next": "/"}
    assert client.post("/login", data=form).status_code == 303, "login refused"
    return client


def timed(client: TestClient, timer: ServerTimer, path: str, requests: int) -> Timing:
    for _ in range(min(WARMUP, requests)):
        assert client.get(path).status_code == 200, path
    timer.times.clear()
    for _ in range(requests):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    times = sorted(t * 1000 for t in timer.times)
    return Timing(statistics.median(times), times[max(0, int(len(times) * 0.9) - 1)])


def pages(engine: Engine) -> list[tuple[str, DemoAccount, str, bool]]:
    """What is measured: label, who asks, the path, and whether it is a list."""
    return [
        ("static page (stylesheet)", THERAPIST, "/static/app.css", False),
        ("ward list (Ward 4)", THERAPIST, "/?ward=Ward+4+Paediatrics", True),
        ("all children, therapist", THERAPIST, "/", True),
        ("all children, lead", LEAD, "/", True),
        ("flags list, therapist", THERAPIST, "/flags", True),
        ("a child's page", THERAPIST, f"/children/{busiest_child(engine)}", False),
    ]


def measure_size(size: str, engine: Engine, requests: int) -> list[str]:
    """Every page at one size; the lines to print, and whether each list meets its target."""
    url = str(engine.url.render_as_string(hide_password=False))
    app = create_app(Settings(database_url=url, demo=True), engine=engine, clock=Clock())
    timer = ServerTimer(app)
    clients = {a.username: logged_in(timer, a) for a in (THERAPIST, LEAD)}
    results = [
        (label, path, is_list, timed(clients[who.username], timer, path, requests))
        for label, who, path, is_list in pages(engine)
    ]
    baseline = results[0][3].median_ms
    target = LIST_TARGETS[size]
    lines = []
    for label, _path, is_list, t in results:
        verdict = ("meets" if t.median_ms <= target else "MISSES") if is_list else ""
        lines.append(
            f"  {label:28} {t.median_ms:8.2f} ms  p90 {t.p90_ms:8.2f} ms  "
            f"{t.median_ms / baseline:6.1f}x static  {verdict}"
        )
    for client in clients.values():
        client.close()
    return lines


def list_pages(kind: str, postgres: str, requests: int) -> None:
    print(f"{kind}: list pages, {requests} requests each after {WARMUP} warm-up, server time")
    with databases(kind, postgres) as engines:
        for size, engine in engines.items():
            children = LARGE if size == "large" else 40
            print(f" {children:,} children (target <= {LIST_TARGETS[size]:.0f} ms median a list)")
            for line in measure_size(size, engine, requests):
                print(line)


# --- what login and audit add to a child's page -------------------------------------------------


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


def audit_entries(app: FastAPI) -> int:
    with unit_of_work(app.state.engine) as db:
        return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def without_csrf(page: str) -> str:
    """The page with the values that differ on every rendering blanked: the CSRF token and each
    form's fresh idempotency key."""
    return re.sub(r'name="(csrf_token|idempotency_key)" value="[^"]*"', r'name="\1" value=""', page)


def check_the_switch(client: TestClient, app: FastAPI, path: str, overrides: Overrides) -> None:
    """Both kinds of request give the same page, and only the guarded one is audited."""
    entries = audit_entries(app)
    app.dependency_overrides = {}
    guarded = without_csrf(client.get(path).text)
    assert audit_entries(app) == entries + 1, "the page was not audited"
    app.dependency_overrides = overrides
    bare = without_csrf(client.get(path).text)
    assert audit_entries(app) == entries + 1, "the guard was not switched off"
    assert guarded == bare, "the two pages differ"


def one_pass(client: TestClient, timer: ServerTimer, path: str, count: int) -> float:
    timer.times.clear()
    for _ in range(count):
        assert client.get(path).status_code == 200
    return statistics.median(timer.times)


def login_and_audit(postgres: str) -> None:
    """Alternating passes with and without login and audit, each kind first in every other pair
    (a busy machine slows both alike); the medians of the passes are compared."""
    with fresh_database("sqlite", postgres) as url:
        engine = seeded(url)
        with unit_of_work(engine) as db:
            therapist = get_user(db=db, username=THERAPIST.username)
            assert therapist is not None
            actor = actor_for(therapist)
        app = create_app(Settings(database_url=url, demo=True), engine=engine, clock=Clock())
        overrides, timer = switched_off(app, actor), ServerTimer(app)
        path = f"/children/{busiest_child(engine)}"
        with logged_in(timer, THERAPIST) as client:
            check_the_switch(client, app, path, overrides)
            passes: dict[bool, list[float]] = {True: [], False: []}
            for number in range(AUDIT_PASSES + 1):
                count = AUDIT_WARMUP if number == 0 else AUDIT_REQUESTS
                for guarded in (True, False) if number % 2 == 0 else (False, True):
                    app.dependency_overrides = {} if guarded else overrides
                    passes[guarded].append(one_pass(client, timer, path, count))
        engine.dispose()
    with_both, without = statistics.median(passes[True][1:]), statistics.median(passes[False][1:])
    ratio = with_both / without
    print(
        f"child page with login and audit {with_both * 1000:7.2f} ms, "
        f"without {without * 1000:7.2f} ms: {ratio:.2f}x the time "
        f"(target <= {AUDIT_TARGET}x: {'meets' if ratio <= AUDIT_TARGET else 'MISSES'})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=30, help="requests per page (30)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="",
        default=None,
        help=f"also on PostgreSQL (default server: ${PG_ENV}, else local)",
    )
    parser.add_argument("--no-audit", action="store_true", help="skip the login/audit part")
    args = parser.parse_args()
    server = postgres_base(args.postgres or None)
    kinds = ["sqlite"]
    if args.postgres is not None or os.environ.get(PG_ENV):
        if postgres_reachable(server):
            kinds.append("postgres")
        else:
            print(f"PostgreSQL at {server} is not reachable: SQLite only")
    for kind in kinds:
        list_pages(kind, server, args.requests)
    if not args.no_audit:
        login_and_audit(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
