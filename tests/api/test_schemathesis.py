"""Every operation of the API's own OpenAPI document, fuzzed with Schemathesis on SQLite and on
PostgreSQL: no request may make the server fail (5xx), and every answer must be what the document
says (status code, content type, headers, body schema), with every built-in check switched on.

The app runs on a fresh, migrated database holding a small demo-like program, made through the
API as its users would make it: a site, a child with a guardian, a screening, sessions in each
state (signed, completed, draft, in progress), a care team, a home program with a problem flag
from the family's diary, a spare account and a spare token. Each request carries the bearer token
of a real account of the role the one policy lets take the operation's action (a therapist where
it may, else an administrator, a program lead, or the child's guardian), so it gets past the
guard; about two requests in three then name real records in their path, query and body, so they
reach the services rather than only the "unknown id" answer. A second, smaller pass sends the same
operations with nobody logged in.

Reproducible: the seed is fixed, generation is deterministic, no example database is kept between
runs, and the app's clock is the suite's fixed ``NOW``. About 40 seconds on each database.

Every check is on. One does not apply everywhere: ``positive_data_acceptance`` expects every
request the document allows to be accepted, but some values are wrong only against what is stored
or against the clock, against another field of the same request (a child's "no" and a completed
status, a role and its sites), or against the program's vocabularies and instruments, which are
data kept beside the rules rather than enums in the document (see :data:`STATE_RULES`). A 422 whose
every entry one of those rules covers is let through; any other refusal of valid data fails.

The document is read at import time, from the app as :func:`tests.served.with_served_app` serves
it, and the requests go to each database's own app. (Schemathesis's lazy loader,
``schemathesis.pytest.from_fixture``, would read it from a fixture instead, but 4.32.5 fails on
pytest 9: it sets ``Function._nodeid``, which pytest 9 no longer has.)
"""

from __future__ import annotations

import fnmatch
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from schemathesis.openapi.checks import RejectedPositiveData
from sqlalchemy import Engine, create_engine, text
from tests.api.test_flow import CHILD, session_body
from tests.api.test_lifecycle_api import START
from tests.architecture.test_route_policy import declarations
from tests.conftest import NOW, PG_ENV, PG_HELP, fresh_postgres_database
from tests.identities import ensure_site, token_for
from tests.served import with_served_app

from pedmassage.access.policy import RULES
from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.db import make_engine
from pedmassage.migrations import upgrade

SEED = 20261125
MAX_EXAMPLES = 10
"""Generated requests per operation in the fuzzing phase, valid and invalid ones together."""
ANONYMOUS_EXAMPLES = 3
BODILESS = ("GET", "DELETE")
"""Methods of operations without a request body. The coverage phase sends their operations its
invalid requests too (each parameter made invalid in turn, and the methods their path does not
serve); for an operation with a body those number in the hundreds, and the fuzzing phase sends
invalid bodies anyway, so the others get only its valid boundary values."""
UNEXPECTED_METHODS = ("OPTIONS", "DELETE")
"""Methods a path does not serve, sent once each per path."""
NO_COVERAGE = ("/api/v1/evidence/pool",)
"""Paths fuzzed without the coverage phase: its cases are built while pytest collects, and the
pool's 200 000-character ``csv`` boundaries alone take seven seconds to build."""


@dataclass(frozen=True)
class StateRule:
    """A rule that refuses a schema-valid value for what is stored or for the time it is, which
    no JSON Schema can say: there ``positive_data_acceptance`` does not apply."""

    field: str
    allowed: str
    """How the 422 begins to word what is allowed."""
    why: str
    operations: tuple[str, ...] = ()
    """``METHOD path`` as the document names them; none: every operation."""

    def covers(self, operation: str, entry: dict[str, Any]) -> bool:
        return (
            fnmatch.fnmatchcase(str(entry.get("field")), self.field)
            and str(entry.get("allowed") or "").startswith(self.allowed)
            and (not self.operations or operation in self.operations)
        )


STATE_RULES = (
    StateRule(
        "birth_date",
        "a child or young person under",
        "an age on today's date",
        ("POST /api/v1/children",),
    ),
    StateRule(
        "birth_date", "on or before", "not born after today's date", ("POST /api/v1/children",)
    ),
    StateRule(
        "child.birth_date",
        "on or before",
        "a screening after the child's birth (stored, or given beside it in the same request)",
        ("POST /api/v1/children/{child_id}/screenings", "POST /api/v1/screenings/evaluate"),
    ),
    StateRule(
        "started_at",
        "within 12 h after the screening",
        "the stored screening's time",
        ("POST /api/v1/children/{child_id}/sessions", "POST /api/v1/sessions/{session_id}/start"),
    ),
    StateRule(
        "*",
        "not in the future",
        "what already happened (a start, an end, a measure, an event, a lab, a screening) is not "
        "after the present moment",
    ),
    StateRule(
        "verified.*",
        "the ",
        "each reading the stored screening asked for, taken now or gone without for a reason",
        ("POST /api/v1/children/{child_id}/sessions", "POST /api/v1/sessions/{session_id}/start"),
    ),
    StateRule(
        "verified.*",
        "one of: ",
        "only the readings the stored screening asked for",
        ("POST /api/v1/children/{child_id}/sessions", "POST /api/v1/sessions/{session_id}/start"),
    ),
    StateRule(
        "verified.*",
        "a reading ",
        "a reading that, screened again with the stored screening's input, does not hold the "
        "session or ask for more care",
        ("POST /api/v1/children/{child_id}/sessions", "POST /api/v1/sessions/{session_id}/start"),
    ),
    StateRule(
        "verified.*",
        "either the reading or a reason",
        "a reading or an override, not both",
        ("POST /api/v1/children/{child_id}/sessions", "POST /api/v1/sessions/{session_id}/start"),
    ),
    StateRule(
        "started_at",
        "a start on or before",
        "a session documented at once has ended by the present moment: its start plus the "
        "minutes given beside it",
        ("POST /api/v1/children/{child_id}/sessions",),
    ),
    StateRule(
        "ended_at",
        "after the start",
        "the stored session's start",
        (
            "POST /api/v1/sessions/{session_id}/complete",
            "POST /api/v1/sessions/{session_id}/end-early",
        ),
    ),
    StateRule(
        "screening_id",
        "the latest screening",
        "the child's latest screening, which this run's own screenings change",
        ("POST /api/v1/children/{child_id}/home-program",),
    ),
    StateRule(
        "until",
        "on or after since",
        "a period ends on or after the day it starts: two fields together",
        (
            "GET /api/v1/outcomes/program",
            "GET /api/v1/outcomes/program/tables/{table}.csv",
            "GET /api/v1/outcomes/program/charts/{chart}.svg",
            "GET /api/v1/outcomes/program.pdf",
        ),
    ),
    StateRule("Idempotency-Key", "a new key", "a key this run already sent with another request"),
    StateRule(
        "*",
        "one of",
        "a word of the program's vocabularies (codes, sites, classes, goals, instruments), kept "
        "as data beside the rules; the 422 names every word allowed",
    ),
    StateRule(
        "input",
        "",
        "a study table is CSV text with its own header and rows, which JSON Schema cannot see into",
        ("POST /api/v1/evidence/pool",),
    ),
    StateRule(
        "claim",
        "a claim with at least one effect estimate",
        "which claims have estimates with a confidence interval is the shipped evidence data",
    ),
    StateRule(
        "status",
        "ended_early when the child said no",
        "a child's no ends the session: the status follows the assent given beside it",
        ("POST /api/v1/children/{child_id}/sessions",),
    ),
    StateRule(
        "sites",
        "",
        "the role decides: staff need a site, a guardian has their children's",
        ("POST /api/v1/users",),
    ),
    StateRule(
        "children",
        "",
        "the role decides: a guardian needs a child, staff have none",
        ("POST /api/v1/users",),
    ),
    StateRule(
        "guardians",
        "guardian records of the children named",
        "a guardian record must belong to a child named beside it",
        ("POST /api/v1/users",),
    ),
    StateRule(
        "password",
        "12 to 256 characters, not a common password",
        "a password is refused when it is a common one or the username",
        ("POST /api/v1/users",),
    ),
    StateRule(
        "*",
        "on or after the child's birth",
        "a measure is taken after the stored child's birth (at the session's time when it gives "
        "none of its own)",
        (
            "POST /api/v1/children/{child_id}/sessions",
            "POST /api/v1/sessions/{session_id}/start",
            "POST /api/v1/sessions/{session_id}/complete",
            "POST /api/v1/sessions/{session_id}/end-early",
        ),
    ),
    StateRule(
        "end_reason",
        "a reason when ended early",
        "a session ended early says why: the status beside it decides",
        ("POST /api/v1/children/{child_id}/sessions",),
    ),
    StateRule(
        "protocol.*",
        "",
        "a protocol's fields depend on each other and on what is stored (two arms of different "
        "kinds, block sizes that fit the ratios, criteria that fit their field, sites and "
        "instruments that exist, what an amendment may change)",
        ("POST /api/v1/studies", "PUT /api/v1/studies/{study_code}/protocol"),
    ),
    StateRule(
        "protocol",
        "a protocol that differs",
        "a new version must change something",
        ("PUT /api/v1/studies/{study_code}/protocol",),
    ),
    StateRule(
        "reason",
        "",
        "an amendment (after the first enrolment) or a child not enrolled for another reason "
        "says why: the stored study and the decision beside it decide",
        (
            "PUT /api/v1/studies/{study_code}/protocol",
            "POST /api/v1/children/{child_id}/studies/{study_code}/assessments",
        ),
    ),
    StateRule(
        "consent",
        "guardian or self",
        "enrolling an eligible child needs permission: the decision beside it decides",
        ("POST /api/v1/children/{child_id}/studies/{study_code}/assessments",),
    ),
    StateRule(
        "assent",
        "",
        "enrolling needs the child's assent, which must fit who consented",
        ("POST /api/v1/children/{child_id}/studies/{study_code}/assessments",),
    ),
    StateRule(
        "taken_at",
        "",
        "a trial measure falls in its time point's window after the stored enrolment",
        ("POST /api/v1/children/{child_id}/studies/{study_code}/measures",),
    ),
    StateRule(
        "min_cell",
        "",
        "the smallest shared cell may not go under the program's setting (a deployment's policy)",
        ("GET /api/v1/studies/{study_code}/aggregate",),
    ),
    StateRule(
        "study",
        "a study with at least one child measured",
        "a site summary needs analysed children in the stored study",
        ("GET /api/v1/studies/{study_code}/aggregate",),
    ),
    StateRule(
        "*items.*",
        "",
        "a measure's items are the instrument's own, each with its own range (instrument data)",
    ),
)
"""Only a 422 whose every entry one of these rules covers is let through; any other refusal of a
schema-valid request still fails."""

NAMES = {
    "therapist": "R. Okafor (LMT)",
    "program_lead": "Demo Program Lead",
    "administrator": "Demo Administrator",
}
"""The acting staff accounts; the therapist has the name the demo's sessions carry."""
PREFERRED_ROLES = ("therapist", "administrator", "program_lead", "guardian")
"""Each operation is sent as the first of these roles the policy allows its action to."""
VIEWER_PARAMS = ("guardian", "staff")
"""The home-program routes' query parameters naming the viewer: ``guardian`` for a parent, and
``staff`` for everyone else."""
NAMED_FIELDS = ("therapist", "signer", "author", "recorded_by", "staff_name", "staff")
"""Fields naming a member of staff: records carry their author's own name, so a request that
names anyone else is refused (403) before it reaches the service."""


# --- the world the requests are made in ------------------------------------------------------


@dataclass
class World:
    app: FastAPI
    engine: Engine
    tokens: dict[str, str]
    """A bearer token per acting role."""
    roles: dict[tuple[str, str], str] = field(default_factory=dict)
    """The acting role of each operation, by (METHOD, path) as the document names them."""
    real: dict[str, list[str]] = field(default_factory=dict)
    """Real values, by the name of the path or query parameter or body field they fill."""


def acting_roles(app: FastAPI) -> dict[tuple[str, str], str]:
    """The role each operation is sent as, read from the app's route table as
    ``tests/architecture/test_route_policy.py`` reads it."""
    roles: dict[tuple[str, str], str] = {}
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        actions = declarations(context.dependant)
        allowed = RULES[actions[0]] if len(actions) == 1 else {}
        role = next((r for r in PREFERRED_ROLES if r in allowed), "therapist")
        for method in context.methods or ():
            roles[(method, str(context.path))] = role
    return roles


def build_world(url: str) -> World:
    """The demo-like program on a fresh database at ``url``."""
    upgrade(url)
    engine = make_engine(url)
    ensure_site(engine)
    tokens = {role: token_for(engine, (role, name)) for role, name in NAMES.items()}
    therapist = NAMES["therapist"]
    app = create_app(Settings(database_url=url), engine=engine, clock=lambda: NOW)
    with TestClient(app) as http:

        def call(role: str, method: str, path: str, body: Any = None) -> Any:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            response = http.request(method, f"/api/v1{path}", headers=headers, json=body)
            assert response.status_code < 300, f"{method} {path}: {response.text}"
            return response.json()

        child = call("therapist", "POST", "/children", CHILD)
        child_id = child["id"]
        for name in (therapist, NAMES["program_lead"]):
            team = {"staff_name": name, "role": "therapist"}
            call("program_lead", "POST", f"/children/{child_id}/care-team", team)
        guardian_id = call("therapist", "GET", f"/children/{child_id}/parents")[0]["guardian_id"]
        tokens["guardian"] = token_for(engine, ("guardian", guardian_id))
        screening = {
            "therapist": therapist,
            "assessed_at": "2026-11-25T08:00:00Z",
            "guardian_consent": True,
            "child_assent": True,
        }
        screening_id = call("therapist", "POST", f"/children/{child_id}/screenings", screening)[
            "id"
        ]
        given = session_body(screening_id, therapist=therapist)
        completed = [
            call("therapist", "POST", f"/children/{child_id}/sessions", given)["id"]
            for _ in range(2)
        ]
        call("therapist", "POST", f"/sessions/{completed[0]}/sign", {"signer": therapist})
        planned = {"screening_id": screening_id, "therapist": therapist, "goals": ["anxiety"]}
        drafts = [
            call("therapist", "POST", f"/children/{child_id}/sessions/drafts", planned)["id"]
            for _ in range(2)
        ]
        call("therapist", "POST", f"/sessions/{drafts[1]}/start", START)
        program = call("therapist", "POST", f"/children/{child_id}/home-program", {})
        diary = {
            "session_date": NOW.date().isoformat(),
            "minutes": 10,
            "response": "unsettled",
            "problem": "breathing_difficulty",
        }
        log = call("guardian", "POST", f"/home-programs/{program['id']}/logs", diary)
        spare_token = call("therapist", "POST", "/tokens", {"expires_days": 30})["id"]
        spare = {
            "username": "spare-therapist",
            "display_name": "Spare Therapist",
            "role": "therapist",
            "sites": call("administrator", "GET", "/users")[0]["sites"],
            "password": "another-long-phrase-43",
        }
        spare_user = call("administrator", "POST", "/users", spare)["id"]
        topics = [t["id"] for t in call("therapist", "GET", "/evidence/topics")][:3]
        claims = [c["id"] for c in call("therapist", "GET", "/evidence/claims")][:3]
        studies = [s["id"] for s in call("therapist", "GET", "/evidence/studies")][:3]
    real = {
        "site_id": [child["site_id"]],
        "child_id": [child_id],
        "screening_id": [screening_id],
        "session_id": [*completed, *drafts],
        "program_id": [program["id"]],
        "flag_id": [log["flag_id"]],
        "guardian": [guardian_id],
        "token_id": [spare_token],  # never the acting therapist's own token
        "user_id": [spare_user],  # never an acting account
        "topic_id": topics,
        "topic": topics,
        "claim_id": claims,
        "study_id": studies,
        "ward": [CHILD["ward"]],
    }
    return World(app=app, engine=engine, tokens=tokens, roles=acting_roles(app), real=real)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("schemathesis") / "pedmassage.sqlite3"
        made = build_world(f"sqlite:///{path}")
        yield made
        made.engine.dispose()
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {PG_ENV} is not set")
        pytest.skip(PG_HELP)
    with fresh_postgres_database(base, "pedmassage_schemathesis") as url:
        # Commits of this throwaway database need not wait for the disk: a third off the time,
        # and nothing the app can see changes.
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = url.rsplit("/", 1)[1]
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        admin.dispose()
        made = build_world(url)
        yield made
        made.engine.dispose()


# --- how a generated request is filled in ----------------------------------------------------


def choice(case: schemathesis.Case) -> int:
    """A stable number from the request itself, so the same generated request is filled in the
    same way on every run, and while Hypothesis shrinks it."""
    body = case.body if isinstance(case.body, dict | list | str | int | float | bool) else None
    parts = [case.operation.label, case.path_parameters, case.query, body]
    return zlib.crc32(json.dumps(parts, sort_keys=True, default=str).encode())


def fill_with_real_records(world: World, case: schemathesis.Case, role: str) -> None:
    """Put real records into about two requests in three: ids in the path, the query and the
    body, and the acting person's own name where a request names a member of staff. Only text is
    replaced, so a value of the wrong type stays as invalid as it was made."""
    pick = choice(case)
    if pick % 3 == 0:
        return  # one request in three is sent as Hypothesis made it
    mine = "guardian" if role == "guardian" else "staff"
    if isinstance(case.query, dict):
        for param in VIEWER_PARAMS:
            if param != mine:
                case.query.pop(param, None)  # a viewer who is someone else: a certain 403
    name = NAMES.get(role, NAMES["therapist"])
    real = {**world.real, **{key: [name] for key in NAMED_FIELDS}}
    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for key, value in container.items():
            if key in real and isinstance(value, str):
                pool = real[key]
                container[key] = pool[pick % len(pool)]
    # Reading the metadata revalidates the edited parts against the schema: a request the
    # filling made valid is then no longer expected to be rejected, nor the other way round.
    _ = case.meta


def keep_failure(
    context: schemathesis.HookContext,
    failure: Exception,
    case: schemathesis.Case,
    response: schemathesis.Response,
) -> bool:
    """Every failure counts, except a schema-valid request refused by a :data:`STATE_RULES`."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return True
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    try:
        entries = response.json()["detail"]
        covered = all(any(rule.covers(operation, e) for rule in STATE_RULES) for e in entries)
    except (ValueError, KeyError, TypeError, AttributeError):
        return True
    return not (entries and covered)


# --- the schema and the tests ----------------------------------------------------------------

OPENAPI = with_served_app(lambda app: app.openapi())
"""The API's own document, as the app serves it at /api/openapi.json."""


def config(*, max_examples: int, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",  # valid requests and invalid ones
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
            },
            "checks": {"enabled": True},
            "phases": {
                "examples": {"enabled": True},  # the document's own examples, once it has some
                "coverage": {
                    "enabled": coverage,
                    "generation": {"mode": "positive"},
                    "unexpected-methods": list(UNEXPECTED_METHODS),
                },
                "fuzzing": {"enabled": True},
            },
            "operations": [
                {
                    "include-method": list(BODILESS),
                    "phases": {"coverage": {"generation": {"mode": "all"}}},
                },
                *(
                    {"include-path": path, "phases": {"coverage": {"enabled": False}}}
                    for path in NO_COVERAGE
                ),
            ],
        }
    )


logged_in = schemathesis.openapi.from_dict(
    OPENAPI, config=config(max_examples=MAX_EXAMPLES, coverage=True)
)
nobody = schemathesis.openapi.from_dict(
    OPENAPI, config=config(max_examples=ANONYMOUS_EXAMPLES, coverage=False)
)
for loaded in (logged_in, nobody):
    loaded.hook("filter_failure")(keep_failure)


@logged_in.parametrize()
def test_every_operation_answers_as_documented_for_a_logged_in_user(
    case: schemathesis.Case, world: World
) -> None:
    role = world.roles[(case.operation.method.upper(), case.operation.path)]
    fill_with_real_records(world, case, role)
    bearer = {"Authorization": f"Bearer {world.tokens[role]}"}
    case.call_and_validate(app=world.app, headers=bearer)


@nobody.parametrize()
def test_every_operation_answers_as_documented_for_nobody_logged_in(
    case: schemathesis.Case, world: World
) -> None:
    fill_with_real_records(world, case, "therapist")
    case.call_and_validate(app=world.app)
