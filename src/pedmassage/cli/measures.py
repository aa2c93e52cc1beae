"""``pedmassage measures``: choose an instrument for a child and score one administration."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from pedmassage.cli.common import console, fail, fitted_table, handles_errors, print_json

if TYPE_CHECKING:
    from pedmassage.measures.model import AgeBand

app = typer.Typer(
    help="Validated instruments: list, choose, score.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Every instrument with its construct, range and the ages it is offered at.

    The id is what ``measures score`` and the session files take, so it is printed whole. The
    table shows the age band in a few characters so it fits 80 columns; ``--json`` adds the
    band's note with its sources."""
    from pedmassage.measures import instruments

    rows = [
        {
            "id": ident,
            "name": tool.name,
            "construct": tool.construct,
            "range": [tool.range[0], tool.range[1]],
            "ages": _ages(tool.age_band),
            "ages_note": tool.age_band.note,
        }
        for ident, tool in sorted(instruments().items())
    ]
    if as_json:
        print_json(rows)
        return
    table = fitted_table(
        "id",
        "name",
        "construct",
        "range",
        "ages",
        id_width=max(len(str(row["id"])) for row in rows),
        whole=("range", "ages"),
    )
    for row in rows:
        lo, hi = row["range"]
        table.add_row(
            str(row["id"]), str(row["name"]), str(row["construct"]), f"{lo:g}-{hi:g}",
            str(row["ages"]),
        )  # fmt: skip
    console().print(table)


def _ages(band: AgeBand) -> str:
    """The band in a few characters: ``2 mo to <7 y``, ``birth to 100 d``, ``from 8 y``."""

    def age(months: float) -> str:
        return "birth" if months == 0 else f"{months:g} mo" if months < 24 else f"{months / 12:g} y"

    if band.below_months is not None:
        return f"{age(band.min_months)} to <{age(band.below_months)}"
    if band.max_days is not None:
        return f"{age(band.min_months)} to {band.max_days} d"
    return "any age" if band.min_months == 0 else f"from {age(band.min_months)}"


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
