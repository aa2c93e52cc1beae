"""``pedmassage backup`` and ``pedmassage restore``: the whole database to a file and back.

They are run by the machine's operator and work on the database file or server directly, not
through a unit of work: a restore replaces the audit log along with everything else, so there is
no log to record it in that would survive it. Exit codes: 0 done, 1 the file is not a usable
backup, 2 the command cannot go ahead (tools missing, a database with records and no ``--force``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pedmassage.cli.common import fail

if TYPE_CHECKING:
    from pedmassage.backup import BackupReport


def backup(
    file: Path = typer.Argument(..., help="The backup file to write (or, with --verify, check)."),
    verify: bool = typer.Option(
        False, "--verify", help="Check FILE: sound, at the code's schema; print its row counts."
    ),
) -> None:
    """Back up the configured database to FILE, consistently while the app runs."""
    from pedmassage import backup as backups
    from pedmassage.config import get_settings
    from pedmassage.migrations import head_revision

    url = get_settings().database_url
    with _reported():
        if verify:
            report = backups.verify(file, head_revision(url))
            typer.echo(f"backup {file} is sound: {report.kind}, revision {report.revision}")
            _print_rows(report)
        else:
            report = backups.backup(url, file)
            total = sum(report.rows.values())
            typer.echo(
                f"backup written to {file}: {report.kind}, revision {report.revision}, "
                f"{len(report.rows)} tables, {total} rows"
            )


def restore(
    file: Path = typer.Argument(..., help="A backup written by `pedmassage backup`."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that already holds records."
    ),
) -> None:
    """Replace the configured database with the backup in FILE (checked first)."""
    from pedmassage import backup as backups
    from pedmassage.config import get_settings
    from pedmassage.migrations import head_revision

    url = get_settings().database_url
    with _reported():
        report = backups.restore(url, file, head_revision(url), force=force)
    typer.echo(f"restored {file}: revision {report.revision}, {sum(report.rows.values())} rows")


@contextmanager
def _reported() -> Iterator[None]:
    """Turn a refused backup or restore into its message and exit code."""
    from pedmassage.backup import BackupError, InvalidBackupError

    try:
        yield
    except InvalidBackupError as exc:
        typer.echo(f"error: backup: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    except BackupError as exc:
        fail("backup", str(exc))


def _print_rows(report: BackupReport) -> None:
    width = max((len(name) for name in report.rows), default=0)
    for name, count in report.rows.items():
        typer.echo(f"  {name:<{width}}  {count}")
