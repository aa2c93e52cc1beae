"""Every route the application serves is declared to the one policy, and answers as it says.

The route table is read from the application itself, so a route added without
``dependencies=[allow("<action>")]`` fails here by its method and path. Each declared route is
then called by a real account of every role, against a record of the actor's own (their site's
child, their linked child, the session they gave) and against one of another site, and by
nobody at all; the answer must be exactly :func:`~pedmassage.access.policy.decide`'s: nobody
logged in is sent to log in, a refusal is a 403 naming the policy's reason, and an allowed
request is never refused, whatever else the route then makes of the request.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.served import with_served_app

from pedmassage.access.policy import Actor, Target, decide
from pedmassage.access.roles import ROLES
from pedmassage.access.schemas import UserCreate
from pedmassage.access.service import actor_for, add_user
from pedmassage.access.tokens import create_token
from pedmassage.app import create_app
from pedmassage.children.schemas import ChildCreate
from pedmassage.children.service import create_child, get_child
from pedmassage.config import Settings
from pedmassage.db import make_engine, unit_of_work
from pedmassage.homecare.access import Viewer
from pedmassage.homecare.service import (
    add_care_team_member,
    log_home_session,
    prescribe_home_program,
)
from pedmassage.http import allow
from pedmassage.safety.contract import Measurement
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.screenings.service import screen_child
from pedmassage.sessions.schemas import SessionCreate
from pedmassage.sessions.service import record_session
from pedmassage.sites.service import add_site

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PASSWORD = "violet-harbour-lantern-42"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

NOT_POLICED = frozenset({"/api/openapi.json", "/api/docs", "/static"})
"""The API's own description, its viewer and the style sheets: no data of anyone's."""

RECORD_PARAMS = ("session_id", "screening_id", "program_id", "flag_id", "child_id")
"""Path parameters naming a record of a child, most specific first (as the guard reads them)."""

KNOWLEDGE_PARAMS = {
    "topic_id": "asthma",
    "claim_id": "preterm.weight_gain",
    "study_id": "field1998_asthma",
    "audience": "family",
    "fmt": "svg",
    "category": "lab",
    "table": "instruments",
    "chart": "change",
    "study_code": "NO-SUCH-STUDY",
    "service_id": "pedmassage-massage-screening",
}
"""Path parameters naming no child's record: real entries of the evidence library, a table and a
chart of the program report, and a study (which names no child; none is registered here)."""


# --- the route table -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredRoute:
    method: str
    path: str
    action: str

    @property
    def names_a_record(self) -> bool:
        return any(f"{{{name}}}" in self.path for name in RECORD_PARAMS)

    @property
    def names_a_session(self) -> bool:
        return "{session_id}" in self.path

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class RouteTable:
    declared: list[DeclaredRoute] = field(default_factory=list)
    undeclared: list[str] = field(default_factory=list)
    """Each route without exactly one policy declaration, as ``METHOD path``."""


def declarations(dependant: Dependant) -> list[str]:
    """The actions of every policy guard anywhere in a route's dependencies."""
    found: list[str] = []
    for sub in dependant.dependencies:
        declaration = getattr(sub.call, "__policy__", None)
        if declaration is not None:
            found.append(declaration.action)
        found.extend(declarations(sub))
    return found


def route_table(app: FastAPI) -> RouteTable:
    table = RouteTable()
    for context in iter_route_contexts(app.routes):
        path = str(context.path)
        if not isinstance(context.original_route, APIRoute):
            if path not in NOT_POLICED:
                table.undeclared.append(f"{type(context.original_route).__name__} {path}")
            continue
        actions = declarations(context.dependant)
        for method in sorted(context.methods or ()):
            if len(actions) == 1:
                table.declared.append(DeclaredRoute(method, path, actions[0]))
            else:
                table.undeclared.append(f"{method} {path}")
    return table


ROUTES = with_served_app(route_table)


def test_every_route_of_the_application_declares_exactly_one_policy_action() -> None:
    assert not ROUTES.undeclared, f"routes without one policy declaration: {ROUTES.undeclared}"
    assert len(ROUTES.declared) > 50  # the API and the web app were both walked


def test_a_route_without_a_policy_declaration_is_named_by_its_method_and_path() -> None:
    app = FastAPI()

    @app.get("/declared", dependencies=[allow("public.read")])
    def declared() -> None: ...

    @app.post("/children/{child_id}/notes")
    def undeclared(child_id: str) -> None: ...

    @app.get("/twice", dependencies=[allow("child.read"), allow("child.list")])
    def twice() -> None: ...

    def helper() -> None: ...

    @app.get("/helped", dependencies=[Depends(helper)])
    def helped() -> None: ...

    app.add_route("/plain", lambda request: PlainTextResponse("no policy asked"))

    table = route_table(app)
    assert [str(r) for r in table.declared] == ["GET /declared"]
    assert "POST /children/{child_id}/notes" in table.undeclared
    assert "GET /twice" in table.undeclared
    assert "GET /helped" in table.undeclared
    assert "Route /plain" in table.undeclared


# --- the world the requests are made in ------------------------------------------------------

NAMES = {
    "administrator": "Ada Administrator",
    "program_lead": "Lee Lead",
    "therapist": "Theo Therapist",
    "physician": "Phil Physician",
    "guardian": "Gail Parent",
    "researcher": "Rae Researcher",
}
COLLEAGUE = "Cora Colleague"
"""A therapist of the same site: the session she gave is not the therapist's own."""
OTHER_THERAPIST = "Otto Elsewhere"
STAFF_NAMES = [NAMES["program_lead"], NAMES["therapist"], NAMES["physician"]]


@dataclass(frozen=True)
class Records:
    """One child's records: the ids that fill a path, and what the policy knows of them."""

    site_id: str
    child_id: str
    screening_id: str
    session_id: str
    given_by: str
    program_id: str
    flag_id: str

    def path_values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in RECORD_PARAMS}

    def target(self, route: DeclaredRoute) -> Target:
        given_by = self.given_by if route.names_a_session else None
        return Target(child_id=self.child_id, site_id=self.site_id, given_by=given_by)


@dataclass
class World:
    client: TestClient
    actors: dict[str, Actor]
    tokens: dict[str, str]
    records: dict[str, Records]
    """By ownership: ``owner`` (the actor's site, linked child, own session), ``colleague`` (the
    same child, a session another therapist gave), ``non-owner`` (a child of another site)."""
    others_token: tuple[str, str]
    """A token of an account none of the actors is (its id, its owner's user id): one's own
    tokens are one's own business only."""
    spare_user: str
    """A therapist account of the owner's site that those who manage accounts may disable."""


def measured(code: str, value: float, unit: str) -> Measurement:
    return Measurement(code=code, value=value, unit=unit, taken_at=NOW - timedelta(hours=2))


def a_child(db: Any, site_id: str, name: str) -> str:
    data = ChildCreate.model_validate(
        {
            "site_id": site_id,
            "display_name": name,
            "birth_date": "2019-03-14",
            "ward": "Ward 4B",
            "conditions": [{"code": "cancer"}],
            "labs": [measured("platelets", 180, "10^9/L"), measured("anc", 2.5, "10^9/L")],
            "vitals": [
                measured("temperature", 36.8, "Cel"),
                measured("heart_rate", 96, "/min"),
                measured("respiratory_rate", 22, "/min"),
                measured("spo2", 98, "%"),
            ],
            "guardians": [{"name": f"Parent of {name}", "relationship": "mother"}],
        }
    )
    return create_child(db=db, data=data, now=NOW).id


def a_session(db: Any, child_id: str, screening_id: str, therapist: str) -> str:
    data = SessionCreate.model_validate(
        {
            "screening_id": screening_id,
            "therapist": therapist,
            "started_at": NOW - timedelta(minutes=30),  # after the screening; ended by now
            "minutes": 15,
            "pressure": 2,
            "regions": ["hand_left", "back"],
            "technique": "Effleurage",
            "guardian_consent_by": "Mother",
            "consent_method": "phone",
            "child_assent": True,
            "pre": {"instrument": "fps_r", "items": {"score": 6}},
            "post": {"instrument": "fps_r", "items": {"score": 2}},
        }
    )
    return record_session(db=db, child_id=child_id, data=data, now=NOW).id


def child_records(db: Any, site_id: str, name: str, therapist: str) -> tuple[Records, str]:
    """A screened child with a session, a home program and an urgent flag from the diary; the
    staff of the actor's site are on the care team of every child, so only the policy's site
    scope stands between them and another site's child. Returns the records and the screening."""
    child_id = a_child(db, site_id, name)
    screening = ScreeningCreate(
        therapist=therapist,
        assessed_at=NOW - timedelta(hours=1),  # the session documented below came after it
        guardian_consent=True,
        child_assent=True,
    )
    screening_id = screen_child(db=db, child_id=child_id, request=screening, now=NOW).id
    session_id = a_session(db, child_id, screening_id, therapist)
    for staff in dict.fromkeys([*STAFF_NAMES, therapist]):
        add_care_team_member(db=db, child_id=child_id, staff_name=staff, role="therapist", now=NOW)
    program = prescribe_home_program(db=db, child_id=child_id, prescribed_by=therapist, now=NOW)
    guardian_id = get_child(db=db, child_id=child_id).guardians[0].id
    log = log_home_session(
        db=db,
        viewer=Viewer.guardian(guardian_id),
        program_id=program.id,
        session_date=NOW.date(),
        minutes=10,
        response="unsettled",
        problem="breathing_difficulty",
        now=NOW,
    )
    assert log.flag is not None
    records = Records(
        site_id=site_id,
        child_id=child_id,
        screening_id=screening_id,
        session_id=session_id,
        given_by=therapist,
        program_id=program.id,
        flag_id=log.flag.id,
    )
    return records, screening_id


def accounts(db: Any, site_id: str, child_id: str) -> tuple[dict[str, Actor], dict[str, str]]:
    """One account of every role at the actor's site (the guardian linked to its child)."""
    actors: dict[str, Actor] = {}
    tokens: dict[str, str] = {}
    for role in ROLES:
        family = role == "guardian"
        data = UserCreate.model_validate(
            {
                "username": role,
                "display_name": NAMES[role],
                "role": role,
                "sites": [] if family else [site_id],
                "children": [child_id] if family else [],
                "password": PASSWORD,
            }
        )
        user = add_user(db=db, data=data, now=NOW)
        actors[role] = actor_for(user)
        tokens[role] = create_token(db=db, username=role, now=NOW, expires_days=30).secret
    return actors, tokens


def build_world(engine: Engine) -> tuple[dict[str, Actor], dict[str, str], dict[str, Records]]:
    with unit_of_work(engine) as db:
        mine = add_site(db=db, name="Riverside children's unit", now=NOW).id
        theirs = add_site(db=db, name="Hillside clinic", now=NOW).id
        owned, screening_id = child_records(db, mine, "Amara Synthetic", NAMES["therapist"])
        other, _ = child_records(db, theirs, "Bodhi Synthetic", OTHER_THERAPIST)
        colleague_session = a_session(db, owned.child_id, screening_id, COLLEAGUE)
        colleague = replace(owned, session_id=colleague_session, given_by=COLLEAGUE)
        actors, tokens = accounts(db, mine, owned.child_id)
    return actors, tokens, {"owner": owned, "colleague": colleague, "non-owner": other}


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = tmp_path_factory.mktemp("route-policy") / "pedmassage.sqlite3"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    actors, tokens, records = build_world(engine)
    others = someone_elses_token(engine)
    spare = spare_account(engine, records["owner"].site_id)
    app = create_app(Settings(database_url=str(engine.url)), engine=engine, clock=lambda: NOW)
    with TestClient(app, follow_redirects=False) as client:
        yield World(
            client=client,
            actors=actors,
            tokens=tokens,
            records=records,
            others_token=others,
            spare_user=spare,
        )
    engine.dispose()


def someone_elses_token(engine: Any) -> tuple[str, str]:
    from pedmassage.access.schemas import UserCreate
    from pedmassage.access.service import add_user
    from pedmassage.access.tokens import create_token
    from pedmassage.db import unit_of_work

    with unit_of_work(engine) as db:
        data = UserCreate(
            username="someone-else", role="researcher", password="another-long-phrase-42"
        )
        owner = add_user(db=db, data=data, now=NOW)
        token = create_token(db=db, username="someone-else", now=NOW)
        return token.id, owner.id


def spare_account(engine: Any, site_id: str) -> str:
    from pedmassage.access.schemas import UserCreate
    from pedmassage.access.service import add_user
    from pedmassage.db import unit_of_work

    with unit_of_work(engine) as db:
        data = UserCreate(
            username="spare-therapist",
            role="therapist",
            sites=[site_id],
            password="another-long-phrase-43",
        )
        return add_user(db=db, data=data, now=NOW).id


# --- the requests ----------------------------------------------------------------------------

ANONYMOUS = "anonymous"
JWT_AUTHENTICATED = ("/cds-services/{service_id}",)
"""Routes open to everyone under the policy that authenticate the caller themselves: a CDS hook
call and its feedback need the EHR's signed JWT (CDS Hooks, "Trusting CDS Clients"), which no
person's login or token is, so they answer 401 whoever asks."""


@dataclass(frozen=True)
class Case:
    route: DeclaredRoute
    role: str
    ownership: str
    """``owner``, ``colleague`` or ``non-owner`` for a route naming a record, else ``no record``."""

    def __str__(self) -> str:
        return f"{self.route}, {self.role}, {self.ownership}"


def cases(routes: list[DeclaredRoute]) -> list[Case]:
    found: list[Case] = []
    for route in routes:
        ownerships = ["no record"]
        if route.names_a_record:
            ownerships = ["owner", "colleague", "non-owner"]
            if not route.names_a_session:
                ownerships.remove("colleague")  # the same records as the owner's
        found.extend(Case(route, role, o) for role in ROLES for o in ownerships)
        found.append(Case(route, ANONYMOUS, "no record"))
    return found


CASES = cases(ROUTES.declared)


def url_for(case: Case, world: World) -> str:
    values = dict(KNOWLEDGE_PARAMS, token_id=world.others_token[0], user_id=world.spare_user)
    values.update(
        world.records["owner" if case.ownership == "no record" else case.ownership].path_values()
    )
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], case.route.path)


def send(case: Case, world: World) -> Any:
    """The request as the actor makes it: their bearer token and, for a change, an empty body.
    The guard answers before the body is read, so a refusal is the policy's own, and an allowed
    request goes on to the route's checks (a 422 for the empty body, a 409, a redirect)."""
    route = case.route
    headers = (
        {} if case.role == ANONYMOUS else {"Authorization": f"Bearer {world.tokens[case.role]}"}
    )
    kwargs: dict[str, Any] = {}
    if route.path == "/login" and route.method == "POST":
        # A wrong password is answered 401 by the form itself: log in for real.
        kwargs["data"] = {"username": "guardian", "password": PASSWORD}
    elif route.method in UNSAFE:
        kwargs["json" if route.is_api else "data"] = {}
    try:
        return world.client.request(route.method, url_for(case, world), headers=headers, **kwargs)
    finally:
        world.client.cookies.clear()  # a login made by one case never carries into the next


def expected(case: Case, world: World) -> tuple[bool, str]:
    if case.role == ANONYMOUS:
        decision = decide(Actor.anonymous(), case.route.action, Target())
    else:
        records = world.records.get(case.ownership)
        target = records.target(case.route) if records and case.route.names_a_record else Target()
        if "{token_id}" in case.route.path:
            target = Target(user_id=world.others_token[1])
        decision = decide(world.actors[case.role], case.route.action, target)
    return decision.allowed, decision.reason


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_route_answers_each_person_exactly_as_the_policy_decides(
    case: Case, world: World
) -> None:
    allowed, reason = expected(case, world)
    response = send(case, world)
    status = response.status_code
    if allowed and case.route.path.startswith(JWT_AUTHENTICATED):
        assert status == 401, f"{case}: a CDS call without the EHR's JWT answered {status}"
        assert response.json()["detail"][0]["field"] == "Authorization"
    elif allowed:
        assert status not in (401, 403), f"{case}: allowed ({reason}) but refused: {response.text}"
        assert not response.headers.get("location", "").startswith("/login?next=")
    elif case.role == ANONYMOUS and case.route.is_api:
        assert status == 401, response.text
    elif case.role == ANONYMOUS:
        assert status == 303
        assert response.headers["location"].startswith("/login?next=")
    else:
        assert status == 403, f"{case}: refused by the policy ({reason}) but got {status}"
        assert f"Not allowed: {reason}." in html.unescape(response.text)


def test_the_list_of_open_flags_keeps_to_the_children_of_the_persons_own_sites(
    world: World,
) -> None:
    """A list is decided with no record (:class:`Target` is empty), so the route itself must keep
    to the actor's scope: a therapist whose name is also on another site's child's care team
    (names are not unique, and every child's care team here carries the staff's names) still
    sees only their own site's flags."""
    therapist = {"Authorization": f"Bearer {world.tokens['therapist']}"}
    response = world.client.get("/api/v1/flags", headers=therapist)
    assert response.status_code == 200
    listed = {flag["child_id"] for flag in response.json()}
    assert world.records["non-owner"].child_id not in listed
