"""Backups of the whole database, checked before they are trusted, and restores from them.

A backup is only worth having if it can be restored, so every backup is checked as it is written
(a file that fails the check is never left under the name asked for) and every restore checks the
backup before it touches the database, and the database after.

SQLite is copied with its online backup API: a consistent snapshot while the app keeps serving,
written as one self-contained file (no ``-wal`` beside it). PostgreSQL is copied by its own tools,
``pg_dump`` and ``pg_restore``, in their custom archive format; without them there is no backup,
said plainly, rather than a copy that might be inconsistent.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, make_url, select, text
from sqlalchemy.engine import URL

from pedmassage.db import make_engine
from pedmassage.models import Base

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PG_TOOLS = ("pg_dump", "pg_restore")


class BackupError(Exception):
    """Backup or restore cannot go ahead; the message says why and what to do."""


class InvalidBackupError(BackupError):
    """The file is not a usable backup of this code's database."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds: its format, schema revision and the rows of every table."""

    path: Path
    kind: str
    revision: str | None
    rows: dict[str, int]


def backup(url: str, target: Path) -> BackupReport:
    """Copy the database at ``url`` to ``target`` and check the copy.

    The copy is written beside ``target`` and renamed onto it only once it has passed the check, so
    an interrupted or failed backup never replaces a good one.
    """
    if not target.parent.is_dir():
        raise BackupError(f"there is no directory {target.parent} to write the backup in")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(url):
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _pg_dump(url, partial)
        report = inspect_backup(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return BackupReport(target, report.kind, report.revision, report.rows)


def verify(path: Path, head: str | None) -> BackupReport:
    """Check that ``path`` is a sound backup at ``head``, the schema revision the code expects."""
    report = inspect_backup(path)
    if report.revision != head:
        state = "has no schema revision" if report.revision is None else f"is at {report.revision}"
        raise InvalidBackupError(
            f"{path} {state}; this code needs revision {head}. Restore it with the version of "
            "pedmassage that wrote it, then run: pedmassage db upgrade"
        )
    return report


def restore(url: str, source: Path, head: str | None, *, force: bool = False) -> BackupReport:
    """Replace the database at ``url`` with the backup at ``source``, which must be at ``head``.

    The backup is checked first; a database that holds records is only replaced when ``force``
    says so, since the restore discards everything written after the backup was taken.
    """
    report = verify(source, head)
    expected = "sqlite" if _is_sqlite(url) else "postgresql"
    if report.kind != expected:
        raise BackupError(
            f"{source} is a {report.kind} backup; the configured database is {expected}"
        )
    if not force and _has_records(url):
        raise BackupError(
            "the database already holds records; restoring replaces them all with the backup's. "
            "Run again with --force to do so"
        )
    if expected == "sqlite":
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _pg_restore(url, source)
    _ensure_at(url, head)
    return report


def inspect_backup(path: Path) -> BackupReport:
    """Read a backup without changing it: its soundness, revision and row counts."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise InvalidBackupError(f"cannot read {path}: {exc.strerror}") from exc
    if header.startswith(SQLITE_MAGIC):
        return _inspect_sqlite(path)
    if header.startswith(PG_DUMP_MAGIC):
        return _inspect_pg_archive(path)
    raise InvalidBackupError(
        f"{path} is not a backup: neither a SQLite database nor a pg_dump custom archive"
    )


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    # mode=rw: never create an empty database where the real one was expected.
    live = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True)
    with closing(live) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        # One self-contained file: a backup in WAL mode would need its -wal and -shm beside it.
        dst.execute("PRAGMA journal_mode=DELETE")


def _sqlite_restore(source: Path, target: Path) -> None:
    with closing(_open_read_only(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _inspect_sqlite(path: Path) -> BackupReport:
    try:
        with closing(_open_read_only(path)) as db:
            verdict = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise InvalidBackupError(f"{path} is damaged: {'; '.join(verdict[:3])}")
            present = {
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            revision = _sqlite_revision(db, present)
            rows = {
                name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in _table_names()
                if name in present
            }
    except sqlite3.DatabaseError as exc:
        raise InvalidBackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    return BackupReport(path, "sqlite", revision, rows)


def _sqlite_revision(db: sqlite3.Connection, present: set[str]) -> str | None:
    if "alembic_version" not in present:
        return None
    row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _table_names() -> list[str]:
    return [table.name for table in Base.metadata.sorted_tables]


def _has_records(url: str) -> bool:
    if _is_sqlite(url) and not _sqlite_path(url).exists():
        return False
    engine = make_engine(url)
    try:
        present = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            return any(
                connection.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
                if table.name in present
            )
    finally:
        engine.dispose()


def _ensure_at(url: str, head: str | None) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()
    if current != head:
        raise BackupError(f"after the restore the database is at {current}, not at {head}")


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed on this machine: PostgreSQL is backed up and restored with "
            f"its client tools {' and '.join(PG_TOOLS)} (Debian: apt install postgresql-client)"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The database as libpq names it, and the environment that carries its password.

    The password goes in ``PGPASSWORD``, never on the command line, where any user of the
    machine could read it in the process list.
    """
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_dump(url: str, target: Path) -> None:
    dbname, env = _libpq(url)
    _run([_pg_tool("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={dbname}"], env)


def _pg_restore(url: str, source: Path) -> None:
    """Replace the database's objects with the archive's, all or nothing.

    ``--clean`` drops each table and creates it afresh: dropping fires neither the row guards nor
    the guards against TRUNCATE, and the guards themselves are created after the rows are loaded.
    ``--single-transaction`` leaves the database as it was if anything fails.
    """
    dbname, env = _libpq(url)
    command = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction"]
    _run([*command, "--no-owner", "--no-privileges", f"--dbname={dbname}", str(source)], env)


def _inspect_pg_archive(path: Path) -> BackupReport:
    """Read the archive's rows as ``pg_restore`` would load them, counting each table's."""
    command = [_pg_tool("pg_restore"), "--data-only", "--file=-", str(path)]
    try:
        output = _run(command, dict(os.environ))
    except BackupError as exc:
        raise InvalidBackupError(f"{path} is not a readable pg_dump archive: {exc}") from exc
    rows, revision = _count_copy_rows(output.splitlines())
    ordered = {name: rows[name] for name in _table_names() if name in rows}
    return BackupReport(path, "postgresql", revision, ordered)


COPY_LINE = re.compile(r'^COPY (?:[\w"]+\.)?"?(\w+)"? \(.*\) FROM stdin;$')


def _count_copy_rows(lines: Iterable[str]) -> tuple[dict[str, int], str | None]:
    """Rows per table in ``pg_restore`` output: one line per row between ``COPY`` and ``\\.``."""
    rows: dict[str, int] = {}
    revision: str | None = None
    table: str | None = None
    for line in lines:
        if table is None:
            match = COPY_LINE.match(line)
            if match:
                table = match.group(1)
                rows[table] = 0
        elif line == "\\.":
            table = None
        else:
            rows[table] += 1
            if table == "alembic_version":
                revision = line
    return rows, revision


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: {' '.join(detail[-3:]) or 'no reason'}")
    return result.stdout
