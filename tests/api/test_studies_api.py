"""Studies over HTTP: the lead registers and amends, a therapist enrols at the point of care, and
the allocation stays sealed: no route, for any role, shows the seed, a block size to anyone but
the lead, or an arm before the enrolment that allocates it is stored."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from pedmassage.access.roles import ROLES
from pedmassage.children.models import Guardian
from pedmassage.db import unit_of_work
from pedmassage.research.models import Enrolment, Study
from pedmassage.stats.randomization import allocation_sequence

LEAD = ("Lee Lead", "program_lead")
THERAPIST = ("Tess Therapist", "therapist")


def a_child(client: TestClient, age: int = 8, cancer: bool = True) -> str:
    born = (datetime(2026, 11, 25) - timedelta(days=int(365.25 * age) + 30)).date()
    body = {
        "display_name": "Synthetic child",
        "birth_date": born.isoformat(),
        "conditions": [{"code": "cancer"}] if cancer else [],
        "guardians": [{"name": "Synthetic parent", "relationship": "mother"}],
    }
    answer = client.post("/api/v1/children", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def protocol(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Massage for pain in children with cancer",
        "arms": [
            {"id": "massage", "label": "Massage", "kind": "massage"},
            {"id": "usual-care", "label": "Usual care", "kind": "control"},
        ],
        "eligibility": [{"field": "conditions", "op": "has", "value": "cancer"}],
        "strata": ["site"],
        "randomization": {"block_sizes": [4, 6]},
        "sites": ["Main site"],
        "primary_outcome": {"instrument_id": "nrs_11", "day": 7},
        "target_sample_size": 40,
    }
    data.update(overrides)
    return data


def register(client: TestClient) -> dict[str, Any]:
    a_child(client)  # the site exists once a child does
    with client.acting_as(*LEAD):
        answer = client.post("/api/v1/studies", json={"code": "API-1", "protocol": protocol()})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def assess(client: TestClient, child_id: str, **body: Any) -> Any:
    with client.acting_as(*THERAPIST):
        return client.post(f"/api/v1/children/{child_id}/studies/API-1/assessments", json=body)


def test_a_lead_registers_a_study_and_sees_its_block_sizes_others_do_not(
    client: TestClient,
) -> None:
    registered = register(client)
    assert registered["version"] == 1
    assert registered["protocol"]["randomization"]["block_sizes"] == [4, 6]
    with client.acting_as(*THERAPIST):
        seen = client.get("/api/v1/studies/API-1").json()
    assert seen["blocks_concealed"] is True
    assert seen["protocol"]["randomization"]["block_sizes"] == []


def test_a_therapist_may_not_register_a_study(client: TestClient) -> None:
    a_child(client)
    with client.acting_as(*THERAPIST):
        answer = client.post("/api/v1/studies", json={"code": "X-1", "protocol": protocol()})
    assert answer.status_code == 403


def test_a_bad_protocol_names_the_field_and_what_is_allowed(client: TestClient) -> None:
    a_child(client)
    bad = protocol(randomization={"method": "coin"})
    with client.acting_as(*LEAD):
        answer = client.post("/api/v1/studies", json={"code": "X-1", "protocol": bad})
    assert answer.status_code == 422
    text = answer.text
    assert "protocol.randomization.method" in text and "permuted_blocks" in text


def test_enrolment_over_http_shows_the_arm_only_in_the_enrolment(client: TestClient) -> None:
    register(client)
    child_id = a_child(client)
    dry = client.get(f"/api/v1/children/{child_id}/studies/API-1/eligibility")
    assert dry.json() == {"eligible": True, "unmet": []}
    refused = assess(client, child_id, decision="enrol", assent="given")
    assert refused.status_code == 422 and "consent" in refused.text
    enrolled = assess(client, child_id, decision="enrol", consent="guardian", assent="given")
    assert enrolled.status_code == 201
    arm = enrolled.json()["enrolment"]["arm"]
    assert arm in ("massage", "usual-care")
    mine = client.get(f"/api/v1/children/{child_id}/studies").json()
    assert [(e["study_code"], e["arm"]) for e in mine] == [("API-1", arm)]


def test_no_route_for_any_role_reveals_the_seed_or_the_next_assignment(
    client: TestClient,
) -> None:
    """Before enrolment the next child's arm exists only as f(seed, stratum, position): every
    GET route of the API and the pages, asked by every role, answers without the seed (in any
    usual encoding); dry runs and assessments that do not enrol use no place in the sequence, so
    the arm a child gets is the one the seed gave before anyone looked."""
    register(client)
    children = [a_child(client) for _ in range(3)]
    with unit_of_work(client.engine) as db:  # type: ignore[attr-defined]
        study = db.scalar(select(Study))
        assert study is not None
        seed = study.allocation_seed
        parent = db.scalar(select(Guardian.id).where(Guardian.child_id == children[0]))
    encodings = [seed.hex(), seed.hex().upper(), base64.b64encode(seed).decode()]
    encodings.append(base64.urlsafe_b64encode(seed).decode().rstrip("="))
    paths = _get_paths(client, {"study_code": "API-1", "child_id": children[0]})
    for role in [*ROLES, "anonymous"]:
        for path in paths:
            if role == "anonymous":
                with client.logged_out():
                    body = client.get(path).content
            else:
                with client.acting_as(parent if role == "guardian" else f"{role} person", role):
                    body = client.get(path).content
            text = body.decode("latin-1")
            for encoded in encodings:
                assert encoded not in text, (role, path)
    for child_id in children[:2]:
        client.get(f"/api/v1/children/{child_id}/studies/API-1/eligibility")
        assess(client, child_id, decision="declined", reason="not today")
    expected = allocation_sequence(
        arms=["massage", "usual-care"], block_sizes=[4, 6], length=1, seed=seed,
        stratum="site=Main site",
    )  # fmt: skip
    got = assess(client, children[2], decision="enrol", consent="guardian", assent="given")
    assert got.json()["enrolment"]["arm"] == expected[0].arm
    with unit_of_work(client.engine) as db:  # type: ignore[attr-defined]
        assert db.scalar(select(Enrolment.number)) == 1  # nothing but issued assignments


def _get_paths(client: TestClient, values: dict[str, str]) -> list[str]:
    """Every GET route without path parameters, or whose parameters are a study or a child."""
    from fastapi.routing import APIRoute, iter_route_contexts

    paths = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        path = str(context.path)
        if not isinstance(context.original_route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        names = re.findall(r"\{(\w+)(?::\w+)?\}", path)
        if all(name in values for name in names):
            paths.append(re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path))
    assert "/api/v1/studies/API-1" in paths and "/studies/API-1" in paths
    return paths


def test_results_and_the_consort_diagram_over_http(client: TestClient) -> None:
    register(client)
    assess(client, a_child(client, cancer=False), decision="enrol")
    with client.acting_as("Rae Researcher", "researcher"):
        found = client.get("/api/v1/studies/API-1/results").json()
        svg = client.get("/api/v1/studies/API-1/consort.svg")
    rows = {(r["item"], r["reason"]): r["n"] for r in found["consort"] if not r["arm"]}
    assert rows[("Assessed for eligibility", "")] == 1
    assert rows[("Excluded", "Not meeting inclusion criteria")] == 1
    assert found["itt"]["estimate"] is None and found["itt"]["not_run"]
    assert "<svg" in svg.text and "Assessed for eligibility" in svg.text


def test_an_amendment_after_enrolment_needs_a_reason(client: TestClient) -> None:
    register(client)
    child_id = a_child(client)
    assess(client, child_id, decision="enrol", consent="guardian", assent="given")
    changed = protocol(target_sample_size=60)
    with client.acting_as(*LEAD):
        no_reason = client.put("/api/v1/studies/API-1/protocol", json={"protocol": changed})
        amended = client.put(
            "/api/v1/studies/API-1/protocol",
            json={"protocol": changed, "reason": "recruitment faster than planned"},
        )
        switched = client.put(
            "/api/v1/studies/API-1/protocol",
            json={"protocol": protocol(primary_outcome={"instrument_id": "flacc", "day": 7}),
                  "reason": "switch"},
        )  # fmt: skip
    assert no_reason.status_code == 422 and '"reason"' in no_reason.text
    assert amended.status_code == 200
    assert amended.json()["versions"][-1]["amendment"] is True
    assert switched.status_code == 422 and "protocol.primary_outcome" in switched.text


def test_a_shared_aggregate_never_shows_cells_under_the_programs_floor(client: TestClient) -> None:
    """The smallest cell is the program's setting (5 by default): a request may ask for more
    suppression, never less."""
    register(client)
    with client.acting_as(*LEAD):
        lower = client.get("/api/v1/studies/API-1/aggregate", params={"min_cell": 3})
    assert lower.status_code == 422
    assert lower.json()["detail"][0]["field"] == "min_cell"
    assert "5 or more" in lower.json()["detail"][0]["allowed"]
