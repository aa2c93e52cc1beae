"""Storage: migration 0003 creates exactly the home-program tables the models describe, and goes
down and up again; the demo's home programs are made through the same services."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from pedmassage.db import make_engine
from pedmassage.homecare import service
from pedmassage.homecare.access import Viewer
from pedmassage.homecare.demo import seed_home_programs
from pedmassage.homecare.rules import adherence
from pedmassage.migrations import alembic_config
from pedmassage.models import Base

from .conftest import THERAPIST, make_child, screen

HOME_TABLES = {
    "care_team_members",
    "home_programs",
    "home_session_logs",
    "home_flags",
    "parent_measures",
}


def tables_in(diff: Any) -> set[str]:
    """Every table name an autogenerate difference mentions."""
    if isinstance(diff, list):
        return set().union(*(tables_in(d) for d in diff))
    found = set()
    for part in diff:
        name = getattr(part, "name", None) if hasattr(part, "columns") else None
        table = getattr(part, "table", None)
        if name:
            found.add(str(name))
        if table is not None and getattr(table, "name", None):
            found.add(str(table.name))
        if isinstance(part, str) and part in HOME_TABLES:
            found.add(part)
    return found


def test_the_migration_matches_the_home_program_models(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert [d for d in diffs if tables_in(d) & HOME_TABLES] == []


def test_the_migration_goes_down_and_up_again(sqlite_url: str) -> None:
    config = alembic_config(sqlite_url)

    command.downgrade(config, "0002")
    engine = make_engine(sqlite_url)
    assert not HOME_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
    command.upgrade(config, "head")
    engine = make_engine(sqlite_url)
    assert set(inspect(engine).get_table_names()) >= HOME_TABLES
    engine.dispose()


def test_the_demo_gives_children_at_home_a_routine_and_a_diary_kept_about_70_percent(
    db: Session, now: datetime
) -> None:
    month_ago = now - timedelta(days=30)
    vitals = [
        {
            "code": "temperature",
            "value": 36.7,
            "unit": "Cel",
            "taken_at": (month_ago - timedelta(hours=1)).isoformat(),
        }
    ]
    children = [
        make_child(db, now, display_name=name, vitals=vitals) for name in ("Ana", "Ben", "Cy")
    ]
    for child_id, _ in children:
        screen(db, child_id, month_ago)

    summary = seed_home_programs(db=db, as_of=now.date(), rng=random.Random(11))

    assert summary.programs == 3
    assert summary.parent_measures == 6  # PSOC at the start and near the end
    due = logged = 0
    for child_id, guardian_id in children:
        program = service.active_program(
            db=db, viewer=Viewer.guardian(guardian_id), child_id=child_id
        )
        assert program is not None and program.prescribed_by == THERAPIST
        result = adherence(program, program.logs, now.date())
        due, logged = due + result.sessions_due, logged + result.sessions_logged
    assert summary.logs == logged
    assert 0.55 <= logged / due <= 0.85
    assert len(service.open_flags(db=db, staff_name=THERAPIST)) == summary.open_flags
