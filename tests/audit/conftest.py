"""What the audit tests share: events to append, a way around the database's guards (as someone
with direct access to the database would take), and a documented session to guard."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from pedmassage.audit.service import AuditEvent
from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.cli.main import app as cli_app
from pedmassage.config import get_settings
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.sessions import service as sessions
from pedmassage.sessions.schemas import AddendumCreate, SessionCreate

Invoke = Callable[..., Result]


def event(**overrides: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "actor": "r.okafor",
        "role": "therapist",
        "action": "child.read",
        "resource": "children/01JCHILD",
        "child_id": "01JCHILD0000000000000000AA",
        "address": "10.0.0.7",
        "outcome": "allowed",
        **overrides,
    }
    return AuditEvent(**fields)


@pytest.fixture()
def database_file(sqlite_url: str) -> Path:
    return Path(sqlite_url.removeprefix("sqlite:///"))


@pytest.fixture()
def cli(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """The real ``pedmassage`` command line, in-process, on a private migrated SQLite file."""
    monkeypatch.setenv("PEDMASSAGE_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, list(args))
    get_settings.cache_clear()


@contextmanager
def triggers_off(db: Session) -> Iterator[None]:
    """Switch the guarding triggers off inside the test's own transaction, then on again.

    PostgreSQL: replica mode skips ordinary triggers (the test user is a superuser). SQLite has no
    such switch: the triggers are dropped and created again from their stored definitions.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        db.execute(text("SET LOCAL session_replication_role = origin"))
        return
    stored = db.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _sql in stored:
        db.connection().exec_driver_sql(f"DROP TRIGGER {name}")
    yield
    for _name, sql in stored:
        db.connection().exec_driver_sql(sql)


@dataclass(frozen=True)
class Documented:
    """A documented session and the ids of the rows that hang on it."""

    session_id: str
    measure_id: str
    adverse_event_id: str
    addendum_id: str | None


def documented_session(db: Session, now: datetime, *, signed: bool) -> Documented:
    """A completed session with before/after measures and an adverse event; signed (with an
    addendum) or not, through the same services the edges call."""
    vital = {"code": "temperature", "value": 36.8, "unit": "Cel"}
    child = children.create_child(
        db=db,
        now=now,
        data=ChildCreate.model_validate(
            {
                "display_name": "Guarded Child",
                "birth_date": "2015-01-10",
                "vitals": [{**vital, "taken_at": (now - timedelta(hours=1)).isoformat()}],
            }
        ),
    )
    screening = screenings.screen_child(
        db=db,
        child_id=child.id,
        now=now,
        request=ScreeningCreate(therapist="P. Sharma", guardian_consent=True, child_assent=True),
    )
    record = sessions.record_session(
        db=db, child_id=child.id, now=now + timedelta(hours=1), data=_session(screening.id, now)
    )
    addendum_id = None
    if signed:
        later = now + timedelta(hours=2)
        sessions.sign_session(db=db, session_id=record.id, signer="P. Sharma", now=later)
        note = AddendumCreate(author="P. Sharma", text="Pressure was 2, not 3.")
        addendum_id = sessions.add_addendum(db=db, session_id=record.id, now=later, data=note).id
    return Documented(record.id, record.measures[0].id, record.adverse_events[0].id, addendum_id)


def _session(screening_id: str, now: datetime) -> SessionCreate:
    started = now + timedelta(minutes=10)
    return SessionCreate.model_validate(
        {
            "screening_id": screening_id,
            "therapist": "P. Sharma",
            "started_at": started.isoformat(),
            "minutes": 15,
            "pressure": 2,
            "regions": ["back"],
            "guardian_consent_by": "mother, in person",
            "child_assent": True,
            "pre": {"instrument": "nrs_11", "items": {"score": 6}},
            "post": {"instrument": "nrs_11", "items": {"score": 3}},
            "adverse_events": [
                {
                    "occurred_at": (started + timedelta(minutes=5)).isoformat(),
                    "description": "skin redness on the back",
                    "severity": "mild",
                    "action_taken": "moved to the arms",
                }
            ],
        }
    )
