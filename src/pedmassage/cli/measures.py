"""``pedmassage measures``: choose an instrument for a child and score one administration."""

from __future__ import annotations

import json

import typer

from pedmassage.cli.common import console, fail, handles_errors, print_json

app = typer.Typer(
    help="Validated instruments: list, choose, score.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("list")
def list_() -> None:
    """Every instrument with its construct, range and age band."""
    from rich.table import Table

    from pedmassage.measures import instruments

    table = Table("id", "name", "construct", "range", "ages")
    for ident, tool in sorted(instruments().items()):
        lo, hi = tool.range
        table.add_row(ident, tool.name, tool.construct, f"{lo:g}-{hi:g}", tool.age_band.note)
    console().print(table)


@app.command("choose")
@handles_errors
def choose(
    age_months: float = typer.Option(..., min=0, max=264, help="Chronological age in months."),
    gestational_age_weeks: float = typer.Option(
        None, min=22, max=44, help="Gestational age at birth (corrected age for preterm)."
    ),
    nonverbal: bool = typer.Option(False, "--nonverbal", help="Cannot self-report in words."),
    cognitive_impairment: bool = typer.Option(False, "--cognitive-impairment"),
    sedated: bool = typer.Option(False, "--sedated", help="Sedated or ventilated."),
    setting: str = typer.Option(
        None, help="Care setting: picu, nicu, hospital, home or clinic (COMFORT-B needs one)."
    ),
) -> None:
    """Pain and anxiety instruments for this child, best first, with the reason for each."""
    from pedmassage.measures import choose as run

    choice = run(
        age_months=age_months,
        gestational_age_weeks=gestational_age_weeks,
        nonverbal=nonverbal,
        cognitive_impairment=cognitive_impairment,
        sedated=sedated,
        setting=setting,
    )
    print_json(choice.as_json())


@app.command("score")
@handles_errors
def score(
    instrument_id: str = typer.Argument(..., metavar="ID", help="Instrument id, e.g. flacc."),
    items: str = typer.Option(..., help='Item scores as JSON, e.g. {"face": 1, ...}.'),
    gestational_age_weeks: float = typer.Option(
        None, help="Postmenstrual age at scoring (N-PASS only)."
    ),
) -> None:
    """Score one administration exactly as published; exit code 2 on a bad item."""
    from pedmassage.measures import score as run

    try:
        parsed = json.loads(items)
    except json.JSONDecodeError as exc:
        fail("items", f"not valid JSON: {exc.msg}")
    if not isinstance(parsed, dict):
        fail("items", "a JSON object of item scores")
    result = run(instrument_id, parsed, gestational_age_weeks=gestational_age_weeks)
    lo, hi = result.range
    print_json(
        {
            "instrument": result.instrument,
            "version": result.version,
            "total": result.total,
            "range": [lo, hi],
            "band": result.band,
        }
    )
