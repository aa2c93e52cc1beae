"""A fixed cast for the home program: two children at home, each with a parent, and a therapist on
the first child's care team only. Everything is made through the services, on real databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.identities import acting_client
from typer.testing import CliRunner, Result

from pedmassage.app import create_app
from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.cli.main import app as cli_app
from pedmassage.config import Settings, get_settings
from pedmassage.homecare import service
from pedmassage.homecare.access import Viewer
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningCreate

THERAPIST = "R. Okafor (LMT)"
OTHER_THERAPIST = "J. Lindqvist (LMT)"


def child_data(now: datetime, **overrides: Any) -> dict[str, Any]:
    """A school-age child with asthma, seen at home, with a PICC line in the left arm."""
    data: dict[str, Any] = {
        "display_name": "Zara Synthetic",
        "birth_date": "2018-05-01",
        "sex": "female",
        "setting": "home",
        "conditions": [{"code": "asthma"}],
        "devices": [{"kind": "picc", "site": "arm_left"}],
        "vitals": [
            {
                "code": "temperature",
                "value": 36.8,
                "unit": "Cel",
                "taken_at": (now - timedelta(hours=1)).isoformat(),
            }
        ],
        "guardians": [{"name": "Zara's mother (synthetic)", "relationship": "mother"}],
    }
    data.update(overrides)
    return data


def make_child(db: Session, now: datetime, **overrides: Any) -> tuple[str, str]:
    """A child and the guardian id of their parent."""
    child = children.create_child(
        db=db, data=ChildCreate.model_validate(child_data(now, **overrides)), now=now
    )
    return child.id, child.guardians[0].id


def screen(db: Session, child_id: str, now: datetime, **overrides: Any) -> str:
    request = ScreeningCreate.model_validate(
        {"therapist": THERAPIST, "guardian_consent": True, "child_assent": True, **overrides}
    )
    return screenings.screen_child(db=db, child_id=child_id, request=request, now=now).id


@dataclass(frozen=True)
class Cast:
    """Who is who: the parent of ``child_id``, the parent of ``other_child_id``, the therapist on
    ``child_id``'s care team, and ``program_id`` prescribed for ``child_id``."""

    child_id: str
    parent: Viewer
    other_child_id: str
    other_parent: Viewer
    therapist: Viewer
    program_id: str


@pytest.fixture()
def cast(db: Session, now: datetime) -> Cast:
    child_id, guardian_id = make_child(db, now)
    other_id, other_guardian = make_child(
        db,
        now,
        display_name="Leo Synthetic",
        guardians=[{"name": "Leo's dad", "relationship": "father"}],
    )
    screen(db, child_id, now)
    service.add_care_team_member(
        db=db, child_id=child_id, staff_name=THERAPIST, role="therapist", now=now
    )
    program = service.prescribe_home_program(
        db=db, child_id=child_id, prescribed_by=THERAPIST, goals=["breathing"], now=now
    )
    return Cast(
        child_id=child_id,
        parent=Viewer.guardian(guardian_id),
        other_child_id=other_id,
        other_parent=Viewer.guardian(other_guardian),
        therapist=Viewer.staff(THERAPIST),
        program_id=program.id,
    )


LogSession = Callable[..., Any]


@pytest.fixture()
def log_session(db: Session, now: datetime, cast: Cast) -> LogSession:
    """Log a home session for ``cast``'s child as their parent, with sensible defaults."""

    def log(**overrides: Any) -> Any:
        fields: dict[str, Any] = {
            "db": db,
            "viewer": cast.parent,
            "program_id": cast.program_id,
            "session_date": now.date(),
            "minutes": 20,
            "response": "relaxed",
            "problem": "none",
            "note": "",
            "now": now + timedelta(hours=12),
            **overrides,
        }
        return service.log_home_session(**fields)

    return log


@pytest.fixture()
def client(sqlite_url: str, now: datetime) -> Iterator[TestClient]:
    """The whole app (API and pages) on a private, migrated SQLite file with a fixed clock."""
    app = create_app(Settings(database_url=sqlite_url), clock=lambda: now)
    with acting_client(app, app.state.engine, follow_redirects=False) as test_client:
        yield test_client


@dataclass(frozen=True)
class ApiCast:
    child_id: str
    guardian_id: str
    program_id: str


@pytest.fixture()
def api_cast(client: TestClient, now: datetime) -> ApiCast:
    """A child at home, screened, with the therapist on the care team and a routine prescribed,
    all made over HTTP."""
    created = client.post("/api/v1/children", json=child_data(now))
    assert created.status_code == 201, created.text
    child_id = created.json()["id"]
    screened = client.post(
        f"/api/v1/children/{child_id}/screenings",
        json={"therapist": THERAPIST, "guardian_consent": True, "child_assent": True},
    )
    assert screened.status_code == 201, screened.text
    with client.acting_as("Program Lead", role="program_lead"):  # type: ignore[attr-defined]
        joined = client.post(
            f"/api/v1/children/{child_id}/care-team", json={"staff_name": THERAPIST}
        )
    assert joined.status_code == 201, joined.text
    parents = client.get(f"/api/v1/children/{child_id}/parents", params={"staff": THERAPIST})
    assert parents.status_code == 200, parents.text
    prescribed = client.post(
        f"/api/v1/children/{child_id}/home-program",
        params={"staff": THERAPIST},
        json={"goals": ["breathing"]},
    )
    assert prescribed.status_code == 201, prescribed.text
    return ApiCast(child_id, parents.json()[0]["guardian_id"], prescribed.json()["id"])


Invoke = Callable[..., Result]


@pytest.fixture()
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """The real ``pedmassage`` command, in-process, on a private SQLite file."""
    monkeypatch.setenv("PEDMASSAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli_app, list(args))

    yield invoke
    get_settings.cache_clear()
