"""SQLite backups: taken while the app runs, checked by ``--verify``, restored row for row, and
never restored over records unless the operator says ``--force``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from pedmassage.db import make_engine

from .conftest import Run, table_rows


def test_a_backup_taken_while_the_app_writes_restores_every_committed_row(
    demo_url: str, run: Run, tmp_path: Path
) -> None:
    committed = table_rows(demo_url)
    app = make_engine(demo_url)
    with app.connect() as writing:
        writing.execute(text("UPDATE children SET ward = 'not yet committed'"))
        backed_up = run(demo_url, "backup", str(tmp_path / "backup.sqlite3"))
        writing.rollback()
    app.dispose()
    assert backed_up.exit_code == 0, backed_up.output
    assert "backup written" in backed_up.output

    fresh = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = run(fresh, "restore", str(tmp_path / "backup.sqlite3"))

    assert restored.exit_code == 0, restored.output
    assert table_rows(fresh) == committed
    assert all(committed[name] for name in ("children", "massage_sessions", "session_measures"))


def test_a_backup_is_one_file_with_nothing_beside_it(
    demo_url: str, run: Run, tmp_path: Path
) -> None:
    assert run(demo_url, "backup", str(tmp_path / "backup.sqlite3")).exit_code == 0

    assert sorted(p.name for p in tmp_path.glob("backup*")) == ["backup.sqlite3"]


def test_verify_reports_a_sound_backup_and_its_rows(
    demo_url: str, run: Run, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.sqlite3"
    run(demo_url, "backup", str(backup))

    result = run(demo_url, "backup", "--verify", str(backup))

    assert result.exit_code == 0, result.output
    assert "is sound: sqlite, revision" in result.output
    children = len(table_rows(demo_url)["children"])
    assert any(line.split() == ["children", str(children)] for line in result.output.splitlines())


def test_verify_refuses_a_truncated_backup(demo_url: str, run: Run, tmp_path: Path) -> None:
    backup = tmp_path / "backup.sqlite3"
    run(demo_url, "backup", str(backup))
    backup.write_bytes(backup.read_bytes()[:20_000])

    result = run(demo_url, "backup", "--verify", str(backup))

    assert result.exit_code == 1
    assert "not a readable SQLite database" in result.output


def test_verify_refuses_a_file_that_is_no_backup(demo_url: str, run: Run, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database")

    result = run(demo_url, "backup", "--verify", str(notes))

    assert result.exit_code == 1
    assert "neither a SQLite database nor a pg_dump custom archive" in result.output


def test_verify_refuses_a_backup_of_another_schema_revision(
    demo_url: str, run: Run, tmp_path: Path
) -> None:
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version VALUES ('0001')")

    result = run(demo_url, "backup", "--verify", str(old))

    assert result.exit_code == 1
    assert "is at 0001; this code needs revision" in result.output


def test_restore_refuses_to_replace_records_without_force(
    demo_url: str, sqlite_url: str, run: Run, tmp_path: Path
) -> None:
    empty_backup = tmp_path / "empty.sqlite3"
    run(sqlite_url, "backup", str(empty_backup))
    before = table_rows(demo_url)

    refused = run(demo_url, "restore", str(empty_backup))

    assert refused.exit_code == 2
    assert "already holds records" in refused.output and "--force" in refused.output
    assert table_rows(demo_url) == before

    forced = run(demo_url, "restore", "--force", str(empty_backup))

    assert forced.exit_code == 0, forced.output
    assert table_rows(demo_url) == table_rows(sqlite_url)


def test_restore_checks_the_backup_before_touching_the_database(
    demo_url: str, run: Run, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.sqlite3"
    run(demo_url, "backup", str(broken))
    broken.write_bytes(broken.read_bytes()[:20_000])
    before = table_rows(demo_url)

    result = run(demo_url, "restore", "--force", str(broken))

    assert result.exit_code == 1
    assert table_rows(demo_url) == before
