"""``pedmassage child``: create, import, list and show child profiles; add labs and vitals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from pedmassage.cli.common import (
    CHILD_ID_HELP,
    console,
    database,
    fitted_table,
    handles_errors,
    now,
    print_json,
    read_input,
    resolve_id,
    resolve_ward,
)

app = typer.Typer(help="Child profiles.", no_args_is_help=True, rich_markup_mode=None)


@app.command("add")
@handles_errors
def add(
    file: Path = typer.Option(
        ..., "--file", "-f", help="Child profile JSON (ChildCreate); - = stdin."
    ),
) -> None:
    """Create one child from a JSON profile; prints the new child's id."""
    from pedmassage.children import service
    from pedmassage.children.schemas import ChildCreate

    data = read_input(file, ChildCreate, "--file")
    with database() as db:
        child = service.create_child(db=db, data=data, now=now())
        typer.echo(child.id)


@app.command("import")
@handles_errors
def import_many(
    file: Path = typer.Argument(..., help="JSON list of child profiles; - = stdin."),
) -> None:
    """Create many children in one transaction: one bad profile stores none of them."""
    from pedmassage.children import service
    from pedmassage.children.schemas import ChildProfiles

    profiles = read_input(file, ChildProfiles, "FILE").root
    with database() as db:
        ids = [service.create_child(db=db, data=p, now=now()).id for p in profiles]
    for ident in ids:
        typer.echo(ident)


WIDE = 100
"""At this many columns or more, a list has room for every column; below it, less useful ones go."""


@app.command("list")
@handles_errors
def list_(
    ward: str | None = typer.Option(None, help="Only this ward (any case)."),
    limit: int | None = typer.Option(None, min=1, help="At most this many children (default all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the children as JSON."),
) -> None:
    """Children with age, stage, ward and conditions, read a page at a time.

    Ids are printed whole: every next command needs one. On a narrow terminal the stage (which
    the age implies) is left out and the other columns fold."""
    from dataclasses import asdict

    from pedmassage.children import service

    out = console()
    wide = out.width >= WIDE
    columns = ("id", "name", "age", "stage", "ward", "conditions")
    table = fitted_table(*(c for c in columns if wide or c != "stage"), ruled=True)
    rows: list[dict[str, object]] = []
    today = now().date()
    with database() as db:
        chosen = None if ward is None else resolve_ward(db, ward)
        for p in service.iter_listings(db=db, ward=chosen, as_of=today, limit=limit):
            if as_json:
                rows.append(asdict(p))
                continue
            cells = (p.id, p.display_name, p.age_label, p.stage, p.ward or p.setting)
            table.add_row(
                *(cells if wide else cells[:3] + cells[4:]),
                ", ".join(p.conditions),
            )
    if as_json:
        print_json(rows)
        return
    out.print(table)


@app.command("show")
@handles_errors
def show(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the profile as JSON."),
) -> None:
    """One child's profile with ages computed for today."""
    from pedmassage.children import service

    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        p = service.to_public(service.get_child(db=db, child_id=whole), now().date())
    if as_json:
        print_json(p.model_dump(mode="json"))
        return
    out = console()
    corrected = f", corrected {p.corrected_age_days} d" if p.corrected_age_days is not None else ""
    out.print(
        f"[bold]{p.display_name}[/]  {p.age_label}{corrected}  ·  {p.stage_label}  ·  "
        f"GA {p.gestational_age}  ·  {p.ward or p.setting}"
    )
    out.print("conditions: " + (", ".join(c.code for c in p.conditions) or "none"))
    out.print("devices: " + (", ".join(f"{d.kind}@{d.site}" for d in p.devices) or "none"))
    for o in p.observations[-8:]:
        out.print(f"  {o.taken_at:%Y-%m-%d %H:%M}  {o.code} {o.value:g} {o.unit}")


@app.command("observe")
@handles_errors
def observe(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    category: str = typer.Option(..., help="lab or vital."),
    code: str = typer.Option(..., help="e.g. platelets, anc, inr, temperature, weight."),
    value: float = typer.Option(..., help="The value, in the unit given."),
    unit: str = typer.Option(..., help="e.g. 10^9/L, /uL, Cel, [degF], g/L, g/dL, g, kg."),
    taken_at: datetime = typer.Option(None, help="When it was taken (default now, UTC)."),
) -> None:
    """Record a lab or vital sign, kept in the unit given (any unit accepted for the code)."""
    from datetime import UTC

    from pedmassage.children import service
    from pedmassage.safety.contract import MeasurementEntry

    when = taken_at.replace(tzinfo=taken_at.tzinfo or UTC) if taken_at else now()
    data = MeasurementEntry(code=code, value=value, unit=unit, taken_at=when)
    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        service.add_observation(db=db, child_id=whole, category=category, data=data, now=now())
    typer.echo(f"recorded {code} {value:g} {unit}")


@app.command("goals")
@handles_errors
def goals(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    goals_of_care: str = typer.Argument(..., help="curative or comfort."),
    set_by: str = typer.Option(
        ..., "--by", help="The physician or program lead who set them, as recorded."
    ),
) -> None:
    """Set the goals of care: under comfort care, gentle still touch and holding stay possible
    where a curative-care precaution would hold."""
    from pedmassage.children import service
    from pedmassage.children.schemas import GoalsOfCareUpdate

    data = GoalsOfCareUpdate.model_validate({"goals_of_care": goals_of_care})
    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        child = service.set_goals_of_care(
            db=db, child_id=whole, data=data, set_by=set_by, now=now()
        )
        typer.echo(f"goals of care: {child.goals_of_care} (set by {set_by})")
