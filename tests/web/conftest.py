"""Fixtures for the web pages: a migrated SQLite file, the app on a fixed clock, and factories
that make children, screenings and sessions through the services, so each test starts from a
known bedside situation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.identities import ActingClient, acting_client

from pedmassage.app import create_app
from pedmassage.children.schemas import ChildCreate
from pedmassage.children.service import create_child
from pedmassage.config import Settings
from pedmassage.db import Base, make_engine, unit_of_work
from pedmassage.migrations import upgrade
from pedmassage.safety.contract import Measurement
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.screenings.service import screen_child
from pedmassage.sessions.schemas import DraftCreate, SessionCreate
from pedmassage.sessions.service import create_draft, record_session

WEB_NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SCREENED_AT = WEB_NOW - timedelta(hours=1)
"""When the fixtures' screenings were made: an hour before the app's clock, so a session
documented at once starts after its screening and has ended by now."""
SESSION_STARTED_AT = SCREENED_AT + timedelta(minutes=30)
"""When the fixtures' documented sessions started: after the screening; 15 minutes end by now."""

NewChild = Callable[..., str]
NewScreening = Callable[..., tuple[str, str]]
NewSession = Callable[..., str]
NewDraft = Callable[[str, str], str]
RowCounts = Callable[[], dict[str, int]]


def measured(code: str, value: float, unit: str, hours_ago: float = 2) -> Measurement:
    return Measurement(
        code=code, value=value, unit=unit, taken_at=WEB_NOW - timedelta(hours=hours_ago)
    )


def vitals_today() -> list[Measurement]:
    """A full, fresh set of vitals: without them a screening cannot say proceed."""
    return [
        measured("temperature", 36.8, "Cel"),
        measured("heart_rate", 96, "/min"),
        measured("respiratory_rate", 22, "/min"),
        measured("spo2", 98, "%"),
    ]


@pytest.fixture(scope="session")
def web_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrating is slow; migrate once and copy the file for every test."""
    path = tmp_path_factory.mktemp("web-template") / "web.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture()
def web_engine(web_template_db: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "web.sqlite3"
    path.write_bytes(web_template_db.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


class WebClock:
    """The app's clock in these tests: fixed, but a session that starts lasts half an hour."""

    def __init__(self) -> None:
        self.now = WEB_NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


class BedsideClient(ActingClient):
    """After a session is started, 30 minutes pass on the app's clock before the next step, as at
    the bedside (a session cannot be documented as longer than the time since its start)."""

    clock: WebClock
    default = ("therapist", "Sam Therapist")  # the therapist who gives the sessions here

    def post(self, url: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().post(url, *args, **kwargs)
        if str(url).endswith("/start") and response.status_code == 303:
            self.clock.advance(30)
        return response


@pytest.fixture()
def web_clock() -> WebClock:
    return WebClock()


@pytest.fixture()
def web_app(web_engine: Engine, web_clock: WebClock) -> FastAPI:
    settings = Settings(database_url=str(web_engine.url), demo=True)
    return create_app(settings, engine=web_engine, clock=web_clock)


@pytest.fixture()
def client(web_app: FastAPI, web_clock: WebClock) -> Iterator[TestClient]:
    with acting_client(
        web_app, web_app.state.engine, client_class=BedsideClient, follow_redirects=False
    ) as test_client:
        test_client.clock = web_clock
        yield test_client


@pytest.fixture()
def new_child(web_engine: Engine) -> NewChild:
    """Make a school-age child on Ward 4B with fresh labs and vitals, unless told otherwise;
    ``weight_g`` adds a weight to the vitals (infants)."""

    def make(weight_g: float | None = None, **overrides: object) -> str:
        vitals = vitals_today() + ([measured("weight", weight_g, "g")] if weight_g else [])
        data = {
            "display_name": "Amara Synthetic",
            "birth_date": date(2019, 3, 14),
            "sex": "female",
            "ward": "Ward 4B",
            "setting": "hospital",
            "conditions": [{"code": "cancer"}],
            "labs": [measured("platelets", 180, "10^9/L"), measured("anc", 2.5, "10^9/L")],
            "vitals": vitals,
            **overrides,
        }
        with unit_of_work(web_engine) as db:
            return create_child(db=db, data=ChildCreate.model_validate(data), now=WEB_NOW).id

    return make


@pytest.fixture()
def new_screening(web_engine: Engine) -> NewScreening:
    """Screen a stored child, as assessed an hour ago (consent and assent given unless told
    otherwise); returns the screening id and its decision."""

    def make(child_id: str, **answers: object) -> tuple[str, str]:
        request = ScreeningCreate.model_validate(
            {
                "therapist": "Sam Therapist",
                "assessed_at": SCREENED_AT,
                "guardian_consent": True,
                "child_assent": True,
                **answers,
            }
        )
        with unit_of_work(web_engine) as db:
            screening = screen_child(db=db, child_id=child_id, request=request, now=WEB_NOW)
            return screening.id, screening.decision

    return make


@pytest.fixture()
def new_session(web_engine: Engine) -> NewSession:
    """Document a whole session on a screening, completed, FPS-R 6 → 2, unless told otherwise:
    it started after the screening and has ended by now, when it is documented; returns its id."""

    def make(child_id: str, screening_id: str, **overrides: object) -> str:
        data = SessionCreate.model_validate(
            {
                "screening_id": screening_id,
                "therapist": "Sam Therapist",
                "started_at": SESSION_STARTED_AT,
                "minutes": 15,
                "pressure": 2,
                "regions": ["hand_left", "back"],
                "technique": "Effleurage",
                "guardian_consent_by": "Mother",
                "consent_method": "phone",
                "child_assent": True,
                "pre": {"instrument": "fps_r", "items": {"score": 6}},
                "post": {"instrument": "fps_r", "items": {"score": 2}},
                **overrides,
            }
        )
        with unit_of_work(web_engine) as db:
            return record_session(db=db, child_id=child_id, data=data, now=WEB_NOW).id

    return make


@pytest.fixture()
def new_draft(web_engine: Engine) -> NewDraft:
    """Plan a session on a screening: the lifecycle's first state."""

    def make(child_id: str, screening_id: str) -> str:
        data = DraftCreate(screening_id=screening_id, therapist="Sam Therapist")
        with unit_of_work(web_engine) as db:
            return create_draft(db=db, child_id=child_id, data=data, now=WEB_NOW).id

    return make


NOT_THE_RECORD = frozenset(
    {"audit_log", "users", "user_sites", "api_tokens", "guardian_links", "login_sessions"}
)


@pytest.fixture()
def row_counts(web_engine: Engine) -> RowCounts:
    """How many rows every table holds: a refused form must leave all of them unchanged.

    The audit log and the accounts are left out: showing the form again is a read of the child's
    record, which is rightly recorded there, and the person a test acts as gets an account the
    first time they act."""

    def count() -> dict[str, int]:
        with web_engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in Base.metadata.sorted_tables
                if table.name not in NOT_THE_RECORD
            }

    return count


@pytest.fixture()
def child_id(new_child: NewChild) -> str:
    return new_child()


@pytest.fixture()
def screening(new_screening: NewScreening, child_id: str) -> tuple[str, str]:
    return new_screening(child_id)
