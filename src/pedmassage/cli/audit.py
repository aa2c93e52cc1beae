"""``pedmassage audit``: check the audit log's chain, and list who touched a child's record.

The output is a contract other tools rely on:

* ``audit verify`` prints ``audit chain intact: N entries`` and exits 0, or prints
  ``audit chain broken at entry SEQ: REASON`` and exits 1; ``--json`` prints the verification
  (``ok``, ``entries_checked``, ``first_broken_seq``, ``reason``, ``last_hash``) with the same
  exit codes.
* ``audit show --child ID`` prints who read or wrote that child's record, oldest first, as a table
  (``--json``: a list of entries). ID may be a stored child's first characters (at least 4); an
  id that names no stored child is looked up as given, and may have no entries.
  The command line is the machine's operator, so this look at a
  child's history is itself recorded, as ``operator:<OS user>`` from ``cli``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from pedmassage.cli.common import (
    OPERATOR_AUDITED,
    console,
    database,
    handles_errors,
    now,
    operator_event,
    print_json,
    resolve_id,
)

if TYPE_CHECKING:
    from pedmassage.audit.schemas import AuditEntryPublic
    from pedmassage.audit.service import AuditEvent

app = typer.Typer(
    help="The audit log: verify its hash chain, list who touched a child's record.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

SHOWN = ("at", "actor", "role", "action", "resource", "outcome", "address")
FOLDED = ("actor", "action", "resource", "address")


@app.command("verify")
@handles_errors
def verify(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Check the hash chain entry by entry; exit 1 naming the first broken entry."""
    from dataclasses import asdict

    from pedmassage.audit import service

    with database() as db:
        result = service.verify(db=db)
        # Checking the chain reads no child's data; an entry for it would change the chain the
        # next check reads, so the count one run reports is the count the next one finds.
        db.info[OPERATOR_AUDITED] = True
    if as_json:
        print_json(asdict(result))
    elif result.ok:
        typer.echo(f"audit chain intact: {result.entries_checked} entries")
    else:
        typer.echo(f"audit chain broken at entry {result.first_broken_seq}: {result.reason}")
    if not result.ok:
        raise typer.Exit(code=1)


@app.command("show")
@handles_errors
def show(
    child: str = typer.Option(
        ..., "--child", help="Child id, or its first characters (at least 4)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Who read or wrote a child's record, oldest first (this look is recorded too)."""
    from pedmassage.audit import service
    from pedmassage.audit.schemas import AuditEntryPublic

    with database() as db:
        child = resolve_id(db, "child", child, "--child", unknown_ok=True)
        found = service.child_history(db=db, child_id=child)
        entries = [AuditEntryPublic.model_validate(entry) for entry in found]
        service.append(db=db, event=_operator_read(child), at=now())
        db.info[OPERATOR_AUDITED] = True
    if as_json:
        print_json([entry.model_dump(mode="json") for entry in entries])
        return
    _print_entries(child, entries)


def _operator_read(child_id: str) -> AuditEvent:
    return operator_event("audit.show", f"child/{child_id}/audit", child_id)


def _print_entries(child_id: str, entries: list[AuditEntryPublic]) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    if not entries:
        typer.echo(f"No audit entries for child {child_id}.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for column in SHOWN:  # who and what fold onto more lines, never cut short
        header = "at (UTC)" if column == "at" else column
        table.add_column(header, overflow="fold", no_wrap=column not in FOLDED)
    for entry in entries:
        table.add_row(
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            *(escape(getattr(entry, column)) for column in SHOWN[1:]),
        )
    console().print(table)
