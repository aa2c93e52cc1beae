"""Migrations are the schema: applying them gives exactly the tables the models declare, on SQLite
and PostgreSQL, and every revision can be rolled back and applied again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from pedmassage.migrations import alembic_config, upgrade
from pedmassage.models import Base


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, Base.metadata))


def test_the_migrated_database_matches_the_models(engine: Engine) -> None:
    assert schema_differences(engine) == []


def test_every_revision_downgrades_and_upgrades_again(engine: Engine) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    url = engine.url.render_as_string(hide_password=False)
    config = alembic_config(url)
    revisions = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    command.downgrade(config, "base")
    upgrade(url)
    assert schema_differences(engine) == []
    assert len(revisions) >= 2
