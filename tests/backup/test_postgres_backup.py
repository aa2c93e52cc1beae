"""PostgreSQL backups through ``pg_dump`` and ``pg_restore``, and a clear refusal without them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run, seed, table_rows


@pytest.mark.postgres
def test_a_round_trip_restores_every_row_into_an_empty_database_and_over_a_changed_one(
    pg_database: Callable[[], str], migrated: Callable[[str], str], run: Run, tmp_path: Path
) -> None:
    live = migrated(pg_database())
    seed(live)
    snapshot = table_rows(live)
    backup = tmp_path / "backup.dump"
    written = run(live, "backup", str(backup))
    assert written.exit_code == 0, written.output
    assert run(live, "backup", "--verify", str(backup)).exit_code == 0

    empty = migrated(pg_database())
    into_empty = run(empty, "restore", str(backup))
    assert into_empty.exit_code == 0, into_empty.output
    assert table_rows(empty) == snapshot

    assert run(live, "site", "add", "Written after the backup").exit_code == 0
    assert run(live, "restore", str(backup)).exit_code == 2
    over = run(live, "restore", "--force", str(backup))
    assert over.exit_code == 0, over.output
    assert table_rows(live) == snapshot


@pytest.mark.postgres
def test_verify_counts_the_rows_in_an_archive(
    pg_database: Callable[[], str], migrated: Callable[[str], str], run: Run, tmp_path: Path
) -> None:
    live = migrated(pg_database())
    assert run(live, "site", "add", "North").exit_code == 0
    backup = tmp_path / "backup.dump"
    run(live, "backup", str(backup))

    result = run(live, "backup", "--verify", str(backup))

    assert result.exit_code == 0, result.output
    assert "is sound: postgresql" in result.output
    assert any(line.split() == ["sites", "1"] for line in result.output.splitlines())


def test_without_the_postgresql_tools_backup_says_which_are_missing(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    result = run("postgresql+psycopg://nobody@127.0.0.1:1/none", "backup", str(tmp_path / "b"))

    assert result.exit_code == 2
    assert "pg_dump is not installed" in result.output
    assert "pg_restore" in result.output
    assert not list(tmp_path.iterdir())
