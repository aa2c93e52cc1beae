"""The synthetic registry: built in bulk into the real tables, on SQLite and PostgreSQL, and read
back by the app's own services as if it had been recorded one session at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from tests.cli.conftest import Invoke
from tests.conftest import migrated_database

from pedmassage.db import make_engine
from pedmassage.demo.registry import RegistryCounts, build_registry
from pedmassage.measures import instrument
from pedmassage.models import (
    AdverseEvent,
    Child,
    Observation,
    Screening,
    SessionMeasure,
    SessionRecord,
    Site,
)
from pedmassage.outcomes.service import child_trends
from pedmassage.safety import ScreeningInput, ScreeningResult, default_rulebook
from pedmassage.sessions.records import list_sessions, session_public

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CHILDREN, SESSIONS = 200, 2_000


def build(engine: Engine, seed: int = 7) -> RegistryCounts:
    return build_registry(
        engine=engine, children=CHILDREN, sessions=SESSIONS, sites=4, seed=seed, now=NOW
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_database(request.param, tmp_path, "pedmassage_registry") as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()


@pytest.fixture()
def built(engine: Engine) -> tuple[Engine, RegistryCounts]:
    return engine, build(engine)


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_the_registry_holds_the_children_and_sessions_asked_for(
    built: tuple[Engine, RegistryCounts],
) -> None:
    engine, counts = built
    with Session(engine) as db:
        assert count(db, Child) == counts.children == CHILDREN
        assert count(db, SessionRecord) == counts.sessions == SESSIONS
        assert count(db, Site) == counts.sites == 4
        assert count(db, Screening) == counts.screenings >= SESSIONS
        assert count(db, SessionMeasure) == counts.measures
        assert len(set(db.scalars(select(Child.site_id)))) == 4
        assert len(set(db.scalars(select(Child.setting)))) == 5


def test_every_session_has_a_before_score_and_most_an_after_score(
    built: tuple[Engine, RegistryCounts],
) -> None:
    engine, _ = built
    with Session(engine) as db:
        pre = db.scalar(
            select(func.count(func.distinct(SessionMeasure.session_id))).where(
                SessionMeasure.timepoint == "pre"
            )
        )
        post = db.scalar(
            select(func.count())
            .select_from(SessionMeasure)
            .where(SessionMeasure.timepoint == "post")
        )
        assert pre == SESSIONS
        assert 0.9 * SESSIONS < (post or 0) < SESSIONS


def test_scores_are_inside_their_instruments_range_and_mostly_fall_after_massage(
    built: tuple[Engine, RegistryCounts],
) -> None:
    engine, _ = built
    with Session(engine) as db:
        rows = db.execute(
            select(SessionMeasure.instrument_id, SessionMeasure.total, SessionMeasure.timepoint)
        ).all()
        for ident, total, _ in rows:
            low, high = instrument(ident).range
            assert low <= total <= high + 3  # N-PASS adds up to 3 prematurity points
        mean = {
            point: sum(t for _, t, p in rows if p == point) / sum(1 for r in rows if r[2] == point)
            for point in ("pre", "post")
        }
        assert mean["post"] < mean["pre"]


def test_screenings_are_the_rule_books_answer_to_their_input(
    built: tuple[Engine, RegistryCounts],
) -> None:
    from pedmassage.safety import evaluate

    engine, _ = built
    with Session(engine) as db:
        for screening in db.scalars(select(Screening).order_by(Screening.id).limit(60)):
            stored = ScreeningResult.model_validate(screening.result)
            again = evaluate(ScreeningInput.model_validate(screening.input), default_rulebook())
            assert stored.decision == again.decision == screening.decision
            assert {r.rule_id for r in stored.reasons} == {r.rule_id for r in again.reasons}
            assert stored.modifications == again.modifications


def test_the_apps_services_read_a_generated_child_and_give_its_numbers(
    built: tuple[Engine, RegistryCounts],
) -> None:
    engine, _ = built
    with Session(engine) as db:
        child_id = db.scalar(
            select(SessionRecord.child_id)
            .group_by(SessionRecord.child_id)
            .order_by(func.count().desc(), SessionRecord.child_id)
            .limit(1)
        )
        assert child_id is not None
        sessions = [session_public(r) for r in list_sessions(db=db, child_id=child_id)]
        assert all(s.pre is not None for s in sessions)
        assert {s.status for s in sessions} <= {"signed", "completed", "ended_early"}
        paired = [s for s in sessions if s.post is not None]
        trends = child_trends(db=db, child_id=child_id)
        assert sum(len(t.points) for t in trends) == len(paired)
        stored = {(r.session_id, r.timepoint): r.total for r in db.scalars(select(SessionMeasure))}
        for s in paired:
            assert s.pre is not None and s.post is not None
            assert (s.pre.total, s.post.total) == (stored[s.id, "pre"], stored[s.id, "post"])


def test_signed_sessions_stay_signed_in_the_database(built: tuple[Engine, RegistryCounts]) -> None:
    engine, counts = built
    with Session(engine) as db:
        signed = db.scalar(select(func.count()).where(SessionRecord.status == "signed"))
        assert signed == counts.signed > 0.85 * SESSIONS
        record = db.scalar(select(SessionRecord).where(SessionRecord.status == "signed").limit(1))
        assert record is not None and record.signed_at is not None
        with pytest.raises(Exception, match="signed session never changes"):
            db.execute(
                text("UPDATE massage_sessions SET note = 'x' WHERE id = :id"), {"id": record.id}
            )
        db.rollback()


def test_one_seed_builds_the_same_registry(tmp_path: Path) -> None:
    dumps = []
    for name in ("a", "b"):
        with migrated_database("sqlite", tmp_path, name) as url:
            engine = make_engine(url)
            build_registry(engine=engine, children=30, sessions=300, sites=2, seed=11, now=NOW)
            with engine.connect() as conn:
                dumps.append(
                    [
                        conn.execute(text(f"SELECT * FROM {t} ORDER BY id")).all()
                        for t in ("children", "screenings", "massage_sessions", "session_measures")
                    ]
                )
            engine.dispose()
    assert dumps[0] == dumps[1]


def test_sessions_lie_in_the_two_years_before_now(built: tuple[Engine, RegistryCounts]) -> None:
    engine, _ = built
    with Session(engine) as db:
        first, last = db.execute(
            select(func.min(SessionRecord.started_at), func.max(SessionRecord.started_at))
        ).one()
        assert NOW - timedelta(days=731) <= first.replace(tzinfo=UTC)
        assert last.replace(tzinfo=UTC) < NOW


def test_nothing_in_the_registry_happened_after_now(built: tuple[Engine, RegistryCounts]) -> None:
    """Written in bulk, not through the services, the registry keeps their rule all the same: no
    session ends, no measure, sign-off, adverse event, screening or lab is dated after ``now``."""
    engine, _ = built
    columns = (
        SessionRecord.ended_at,
        SessionRecord.signed_at,
        SessionMeasure.taken_at,
        AdverseEvent.occurred_at,
        Screening.assessed_at,
        Observation.taken_at,
    )
    with Session(engine) as db:
        latest = [db.scalar(select(func.max(column))) for column in columns]
    assert all(t is None or t.replace(tzinfo=UTC) <= NOW for t in latest), latest


def test_the_demo_command_builds_a_registry_and_refuses_a_database_with_children(
    cli: Invoke,
) -> None:
    assert cli("demo", "--scale", "20").exit_code == 2  # not migrated: says how to fix it
    cli("db", "upgrade")
    first = cli("demo", "--scale", "20", "--sessions", "150", "--as-of", "2026-11-25")
    assert first.exit_code == 0, first.output
    assert "20 children at 4 sites" in first.output
    assert "150 sessions" in first.output
    again = cli("demo", "--scale", "20")
    assert again.exit_code == 2
    assert "--append" in again.output
    more = cli("demo", "--scale", "10", "--append", "--seed", "2", "--sessions", "50")
    assert more.exit_code == 0, more.output
