"""``pedmassage research``: sample size, REDCap's data dictionary and the de-identified export."""

from __future__ import annotations

from pathlib import Path

import typer

from pedmassage.cli.common import database, handles_errors, now, print_json

app = typer.Typer(help="Studies and research exports.", no_args_is_help=True, rich_markup_mode=None)


@app.command("power")
@handles_errors
def power(
    test: str = typer.Option(..., help="two-sample-t, paired-t or two-proportions."),
    effect_size: float = typer.Option(None, help="Cohen's d (or d_z for paired-t)."),
    p1: float = typer.Option(None, help="Proportion in group 1 (two-proportions)."),
    p2: float = typer.Option(None, help="Proportion in group 2 (two-proportions)."),
    alpha: float = typer.Option(0.05, help="Two-sided type I error."),
    power: float = typer.Option(0.8, help="Power wanted."),
    ratio: float = typer.Option(1.0, help="Group 2 size / group 1 size."),
) -> None:
    """The participants a trial needs (statsmodels), as JSON with ``n_per_group``."""
    from dataclasses import asdict

    from pedmassage.stats.power import sample_size

    found = sample_size(
        test=test,  # type: ignore[arg-type]  # sample_size refuses any other test, naming it
        effect_size=effect_size,
        p1=p1,
        p2=p2,
        alpha=alpha,
        power=power,
        ratio=ratio,
    )
    print_json(asdict(found))


@app.command("redcap-dictionary")
@handles_errors
def redcap_dictionary(
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the CSV."),
) -> None:
    """REDCap's data dictionary (18 columns) with a form for every instrument of the catalogue."""
    from pedmassage.measures import instruments
    from pedmassage.research.redcap import dictionary_csv

    catalogue = sorted(instruments().values(), key=lambda i: i.id)
    output.write_text(dictionary_csv(instruments=catalogue), encoding="utf-8")
    typer.echo(f"wrote {output}")


@app.command("export")
@handles_errors
def export(
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write the files into."),
    deidentified: bool = typer.Option(
        False, "--deidentified", help="Required: the only export there is."
    ),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
) -> None:
    """children, sessions, measures and dictionary, de-identified (Safe Harbor identifiers
    removed, keyed pseudonyms, dates shifted per child, free text dropped)."""
    from pedmassage.config import get_settings
    from pedmassage.errors import ValidationError
    from pedmassage.research.export import site_secret, write_export
    from pedmassage.sites.service import list_sites

    if not deidentified:
        raise ValidationError("--deidentified", False, "--deidentified (no identified export)")
    if fmt not in ("csv", "parquet"):
        raise ValidationError("--format", fmt, "csv or parquet")
    secret = site_secret(get_settings().research_secret_file)
    with database() as db:
        counts = write_export(
            db=db,
            site_ids=frozenset(s.id for s in list_sites(db=db)),
            secret=secret,
            today=now().date(),
            folder=output,
            fmt=fmt,  # type: ignore[arg-type]  # checked above
        )
    typer.echo(
        f"wrote {counts.children} children, {counts.sessions} sessions and {counts.measures} "
        f"measure items to {output}"
    )
