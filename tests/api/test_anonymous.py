"""Nobody logged in reads or writes nothing of a child's.

The routes are read from the application's own route table: every route whose policy action is
not ``public.read`` carries a child's data, and an anonymous request for it gets a 401 asking for
a bearer token (the API, in the usual error shape) or is sent to the login page (the web app),
before any id in its path is looked up. Nothing is stored but the refusal in the audit log. The
evidence library, the health check and the login page answer without a login.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func, select
from tests.architecture.test_route_policy import declarations
from tests.served import with_served_app

from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.db import Base
from pedmassage.http.actor import SESSION_COOKIE
from pedmassage.models import AuditEntry

ANY_ID = "01J0000000000000000000000X"
PUBLIC = "public.read"
ERROR_FIELDS = {"field", "value", "allowed", "message"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    action: str

    @property
    def url(self) -> str:
        """The path with every parameter filled with an id nobody has."""
        return re.sub(r"\{[^}]+\}", ANY_ID, self.path)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def routes_of(app: FastAPI) -> list[Route]:
    """Every method of every route carrying a policy declaration."""
    found: list[Route] = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        for action in declarations(context.dependant):
            found += [Route(m, str(context.path), action) for m in sorted(context.methods or ())]
    return found


ROUTES = with_served_app(routes_of)
CHILD_DATA = [r for r in ROUTES if r.action != PUBLIC]
API_ROUTES = [r for r in CHILD_DATA if r.is_api]
WEB_ROUTES = [r for r in CHILD_DATA if not r.is_api]
PUBLIC_PAGES = sorted(
    r.path for r in ROUTES if r.action == PUBLIC and r.method == "GET" and "{" not in r.path
)


@pytest.fixture(scope="module")
def app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    path = tmp_path_factory.mktemp("anonymous") / "anonymous.sqlite3"
    shutil.copy(sqlite_template, path)
    application = create_app(Settings(database_url=f"sqlite:///{path}"))
    yield application
    application.state.engine.dispose()


@pytest.fixture(scope="module")
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def ask(client: TestClient, route: Route, **kwargs: Any) -> Response:
    return client.request(route.method, route.url, **kwargs)


def assert_asks_for_a_token(answer: Response) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.headers["content-type"] == "application/json"
    (entry,) = answer.json()["detail"]
    assert set(entry) == ERROR_FIELDS
    assert entry["allowed"] == "a valid bearer token"
    assert ANY_ID not in answer.text


def assert_sent_to_log_in(route: Route, answer: Response) -> None:
    assert answer.status_code == 303, answer.text
    location = urlsplit(answer.headers["location"])
    assert location.path == "/login"
    wanted = route.url if route.method == "GET" else "/"  # a form's post cannot be repeated
    assert parse_qs(location.query) == {"next": [wanted]}


def test_the_route_table_has_both_api_and_page_routes_with_a_childs_data() -> None:
    assert len(API_ROUTES) > 25
    assert len(WEB_ROUTES) > 25
    assert {"/healthz", "/evidence", "/login", "/api/v1/evidence/topics"} <= set(PUBLIC_PAGES)


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_an_anonymous_api_request_for_a_childs_data_gets_401_asking_for_a_bearer_token(
    anonymous: TestClient, route: Route
) -> None:
    assert_asks_for_a_token(ask(anonymous, route, json={}))


@pytest.mark.parametrize("route", WEB_ROUTES, ids=str)
def test_an_anonymous_request_for_a_page_with_a_childs_data_is_sent_to_log_in(
    anonymous: TestClient, route: Route
) -> None:
    assert_sent_to_log_in(route, ask(anonymous, route, data={}))


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "not-even-a-scheme"],
)
def test_an_unknown_or_malformed_credential_counts_as_no_login_at_all(
    anonymous: TestClient, authorization: str
) -> None:
    answer = anonymous.get("/api/v1/children", headers={"Authorization": authorization})

    assert_asks_for_a_token(answer)


def test_an_unknown_session_cookie_counts_as_no_login_at_all(app: FastAPI) -> None:
    route = Route("GET", "/children/{child_id}", "child.read")
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, "not-a-session")
        page, api = ask(client, route), client.get("/api/v1/children")

    assert_sent_to_log_in(route, page)
    assert_asks_for_a_token(api)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_evidence_library_the_health_check_and_the_login_page_answer_without_a_login(
    anonymous: TestClient, path: str
) -> None:
    answer = anonymous.get(path)

    assert answer.status_code == 200, answer.text


def test_anonymous_requests_store_nothing_but_their_refusals_in_the_audit_log(
    sqlite_url: str,
) -> None:
    app = create_app(Settings(database_url=sqlite_url))
    engine: Engine = app.state.engine
    before = _row_counts(engine)

    with TestClient(app, follow_redirects=False) as client:
        answers = [ask(client, r, json={}) if r.is_api else ask(client, r) for r in CHILD_DATA]
    refusals = _refusals(engine)
    after = _row_counts(engine)
    engine.dispose()

    assert {a.status_code for a in answers} == {401, 303}
    assert after == before
    assert refusals == sorted((f"{r.method} {r.url}", "anonymous") for r in CHILD_DATA)


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in Base.metadata.sorted_tables
            if table.name != AuditEntry.__tablename__
        }


def _refusals(engine: Engine) -> list[tuple[str, str]]:
    query = select(AuditEntry.resource, AuditEntry.role).where(
        AuditEntry.outcome == "unauthenticated"
    )
    with engine.connect() as conn:
        return sorted((resource, role) for resource, role in conn.execute(query))
