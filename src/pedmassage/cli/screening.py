"""``pedmassage screen``: the screening contract on files, and screening a stored child."""

from __future__ import annotations

from pathlib import Path

import typer

from pedmassage.cli.common import (
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


@handles_errors
def screen(
    input_file: Path = typer.Option(
        None, "--input", "-i", help="Screening input JSON (see --schema); - = stdin."
    ),
    schema: bool = typer.Option(False, "--schema", help="Print the input's JSON Schema."),
    child_id: str = typer.Option(
        None, "--child", help="Screen this stored child now (id or its first 4+ characters)."
    ),
    ward: str = typer.Option(
        None, "--ward", help="Census: screen every child on this ward (any case)."
    ),
    therapist: str = typer.Option(None, help="Who screens (with --child)."),
    consent: bool = typer.Option(
        None, "--consent/--no-consent", help="Guardian permission (with --child)."
    ),
    assent: bool = typer.Option(
        None, "--assent/--no-assent", help="The child's own yes/no (with --child)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the stored screening as JSON."),
) -> None:
    """Screen before a session: proceed, modify or hold, with reasons and sources."""
    if schema:
        from pedmassage.safety.contract import ScreeningInput

        print_json(ScreeningInput.model_json_schema())
    elif input_file is not None:
        _screen_file(input_file)
    elif child_id is not None:
        _screen_child(child_id, therapist, consent, assent, as_json)
    elif ward is not None:
        _census(ward, as_json)
    else:
        raise typer.BadParameter("give --input FILE, --child ID, --ward WARD or --schema")


def _screen_file(path: Path) -> None:
    from pedmassage.config import get_settings
    from pedmassage.safety import evaluate, load_rulebook
    from pedmassage.safety.contract import ScreeningInput

    data = read_input(path, ScreeningInput, "--input")
    result = evaluate(data, load_rulebook(get_settings().policy_file))
    print_json(result.model_dump(mode="json"))


def _screen_child(
    child_id: str,
    therapist: str | None,
    consent: bool | None,
    assent: bool | None,
    as_json: bool,
) -> None:
    from pedmassage.config import get_settings
    from pedmassage.safety import load_rulebook
    from pedmassage.screenings import service
    from pedmassage.screenings.schemas import ScreeningCreate

    if not therapist:
        raise typer.BadParameter("who screens: --therapist NAME", param_hint="--therapist")
    request = ScreeningCreate(therapist=therapist, guardian_consent=consent, child_assent=assent)
    with database() as db:
        stored = service.screen_child(
            db=db,
            child_id=resolve_id(db, "child", child_id, "--child"),
            request=request,
            now=now(),
            rulebook=load_rulebook(get_settings().policy_file),
        )
        public = service.screening_public(stored)
    if as_json:
        print_json(public.model_dump(mode="json"))
        return
    show_result(public.id, public.result)


def _census(given: str, as_json: bool) -> None:
    """Every child on the ward with the clinical decision; ids whole, the rest folded to fit."""
    from pedmassage.children.service import to_public
    from pedmassage.config import get_settings
    from pedmassage.safety import load_rulebook
    from pedmassage.screenings import service

    with database() as db:
        ward = resolve_ward(db, given)
        rows = service.census(
            db=db, ward=ward, now=now(), rulebook=load_rulebook(get_settings().policy_file)
        )
        children = [to_public(r.child, now().date()) for r in rows]
    if as_json:
        print_json(
            [
                {"child_id": c.id, **r.result.model_dump(mode="json")}
                for c, r in zip(children, rows, strict=True)
            ]
        )
        return
    table = fitted_table(
        "id",
        "name",
        "age",
        "decision",
        "max pressure",
        "avoid (besides genital)",
        "verify",
        title=f"{ward}: clinical screen for the round (consent and assent are asked "
        "at the bedside; nothing stored)",
    )
    colours = {"proceed": "green", "modify": "yellow", "hold": "red"}
    for child, row in zip(children, rows, strict=True):
        mods, decision = row.result.modifications, row.result.decision
        table.add_row(
            child.id,
            child.display_name,
            child.age_label,
            f"[{colours[decision]}]{decision}[/]",
            "" if mods.max_pressure is None else str(mods.max_pressure),
            ", ".join(s for s in mods.avoid_sites if s != "genital"),
            "; ".join(row.result.missing),
        )
    console().print(table)


def show_result(screening_id: str, result: object) -> None:
    """A decision a therapist can read at a glance, then the why and the sources."""
    from pedmassage.safety.contract import ScreeningResult

    assert isinstance(result, ScreeningResult)
    colour = {"proceed": "green", "modify": "yellow", "hold": "red"}[result.decision]
    out = console()
    out.print(f"[bold {colour}]{result.decision.upper()}[/]  screening {screening_id}")
    for reason in result.reasons:
        out.print(f"  [{colour}]•[/] {reason.message}  [dim]({reason.rule_id}; {reason.source})[/]")
    mods = result.modifications
    if mods.max_pressure is not None:
        out.print(f"  max pressure: {mods.max_pressure}")
    if mods.avoid_sites:
        out.print("  avoid (no contact): " + ", ".join(mods.avoid_sites))
    if mods.gentle_sites:
        out.print("  gentle only: " + ", ".join(mods.gentle_sites))
    if mods.max_minutes is not None:
        out.print(f"  max minutes: {mods.max_minutes}")
    for item in result.missing:
        out.print(f"  [yellow]missing[/]: {item}")
