"""``pedmassage evidence``: the study library, pooled claims, plots and handouts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pedmassage.cli.common import console, fail, handles_errors, print_json, read_text

if TYPE_CHECKING:
    from pedmassage.evidence.plots import Image, PlotKind
    from pedmassage.evidence.pooling import PooledTable

app = typer.Typer(
    help="Evidence: studies, claims with their GRADE certainty, pooling, plots and handouts.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

MEASURE_HELP = "SMD, MD, RR, OR, RD or GEN (yi,vi given)."
METHOD_HELP = "FE, DL, REML or PM."
TEST_HELP = "z, or hksj (Knapp-Hartung)."
CLAIM_COLUMNS = ("id", "grade", "result")
STUDY_COLUMNS = ("id", "design", "verified", "rob_overall")


@app.command("list")
@handles_errors
def list_(
    topic: str = typer.Option(None, help="Only this topic, e.g. preterm."),
    studies: bool = typer.Option(False, "--studies", help="List the studies instead of claims."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Every claim with its certainty and whether it is pooled (or every study with --studies)."""
    from pedmassage.evidence import listing

    rows = listing.study_rows(topic) if studies else listing.claim_rows(topic)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    columns = list(STUDY_COLUMNS if studies else CLAIM_COLUMNS)
    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    console().print(table)


@app.command("show")
@handles_errors
def show(
    ident: str = typer.Argument(..., metavar="ID", help="A claim, study or topic id."),
) -> None:
    """A claim (with its pooled result and grade), a study, or a topic, as JSON."""
    from pedmassage.evidence import listing

    print_json(listing.show(ident))


@app.command("pool")
@handles_errors
def pool(
    input_file: Path = typer.Option(..., "--input", help="CSV: study,yi,vi or the raw columns."),
    measure: str = typer.Option("GEN", help=MEASURE_HELP),
    method: str = typer.Option("REML", help=METHOD_HELP),
    test: str = typer.Option("z", help=TEST_HELP),
) -> None:
    """Pool the studies of a CSV file and print the result as JSON (metafor's numbers).

    For a ratio (RR, OR) the JSON is on the log scale, as metafor reports it, so a line on
    standard error also gives the pooled ratio and its CI on their own scale, with the log value
    named as such: a log risk ratio of -0.71 read as a ratio would be absurd."""
    pooled = _pooled(input_file, (measure, method, test))
    print_json(pooled.as_json())
    if pooled.measure.upper() in RATIOS:
        console(stderr=True).print(_ratio_line(pooled), soft_wrap=True)


RATIOS = ("RR", "OR")


def _ratio_line(pooled: PooledTable) -> str:
    """``RR 0.49 (95% CI 0.34 to 0.70); log RR -0.7145 (95% CI ...)``: the ratio first, then
    the log value the JSON holds, labelled as such."""
    import math

    name, r = pooled.measure.upper(), pooled.result
    level = f"{r.level * 100:g}% CI"
    return (
        f"{name} {math.exp(r.estimate):.2f} ({level} {math.exp(r.ci_low):.2f} to "
        f"{math.exp(r.ci_high):.2f}); log {name} {r.estimate:.4f} ({level} {r.ci_low:.4f} to "
        f"{r.ci_high:.4f}): the JSON above is on the log scale"
    )


@app.command("forest")
@handles_errors
def forest(
    claim: str = typer.Argument(
        None, metavar="[CLAIM]", help="A claim id, e.g. preterm.weight_gain."
    ),
    input_file: Path = typer.Option(None, "--input", help="Plot a CSV instead of a claim."),
    measure: str = typer.Option("GEN", help=MEASURE_HELP),
    method: str = typer.Option("REML", help=METHOD_HELP),
    test: str = typer.Option("z", help=TEST_HELP),
    fmt: str = typer.Option("svg", "--format", help="svg or png."),
    output: Path = typer.Option(None, "--output", help="File to write (required for png)."),
) -> None:
    """Forest plot of a claim, or of a CSV (weights, diamond, prediction interval, RoB 2)."""
    image = _figure("forest", fmt, claim, input_file, (measure, method, test))
    _write(image.content, fmt, output)


@app.command("funnel")
@handles_errors
def funnel(
    claim: str = typer.Argument(
        None, metavar="[CLAIM]", help="A claim id, e.g. preterm.weight_gain."
    ),
    input_file: Path = typer.Option(None, "--input", help="Plot a CSV instead of a claim."),
    measure: str = typer.Option("GEN", help=MEASURE_HELP),
    method: str = typer.Option("REML", help=METHOD_HELP),
    test: str = typer.Option("z", help=TEST_HELP),
    fmt: str = typer.Option("svg", "--format", help="svg or png."),
    output: Path = typer.Option(None, "--output", help="File to write (required for png)."),
) -> None:
    """Funnel plot of a claim's or a CSV's estimates against their standard errors."""
    image = _figure("funnel", fmt, claim, input_file, (measure, method, test))
    _write(image.content, fmt, output)


def _figure(
    kind: PlotKind,
    fmt: str,
    claim: str | None,
    input_file: Path | None,
    options: tuple[str, str, str],
) -> Image:
    """The plot of a CSV pooled with ``options`` (measure, method, test), or of a claim."""
    from pedmassage.evidence.plots import claim_figure

    if input_file is not None:
        return _pooled(input_file, options).figure(kind, fmt)
    return claim_figure(_claim_id(claim), kind, fmt)


@app.command("handout")
@handles_errors
def handout(
    topic: str = typer.Argument(..., help="A topic id, e.g. asthma (see `evidence list`)."),
    audience: str = typer.Option("family", help="family or physician."),
    fmt: str = typer.Option("html", "--format", help="html or pdf."),
    output: Path = typer.Option(None, "--output", help="File to write (required for pdf)."),
) -> None:
    """The family handout or the physician summary for a topic, as HTML or PDF."""
    from pedmassage.evidence import documents
    from pedmassage.evidence.handouts import handout as build

    if fmt not in ("html", "pdf"):
        fail("format", f"{fmt!r} is not allowed; allowed: html or pdf")
    document = build(topic, audience)
    data = documents.pdf(document) if fmt == "pdf" else documents.html(document).encode()
    _write(data, fmt, output)


def _pooled(input_file: Path, options: tuple[str, str, str]) -> PooledTable:
    """Read and pool a CSV; a refused table is reported in the words of the check that refused
    it (which cell, which line, which columns are missing), with exit code 2."""
    from pedmassage.errors import ValidationError
    from pedmassage.evidence.pooling import pool_study_table

    text = read_text(input_file, "--input")
    measure, method, test = options
    try:
        pooled = pool_study_table(
            text, measure=measure, method=method, test=test, title=input_file.name
        )
    except ValidationError as exc:
        fail(exc.field, exc.message.removeprefix(f"{exc.field}: "))
    return pooled


def _claim_id(claim: str | None) -> str:
    if not claim:
        fail("claim", "give a claim id (see `pedmassage evidence list`) or --input FILE.csv")
    return str(claim)


def _write(data: bytes, fmt: str, output: Path | None) -> None:
    if output is None:
        if fmt in ("png", "pdf"):
            fail("output", f"{fmt} is binary: give --output FILE")
        typer.echo(data.decode(), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail("--output", f"cannot write {output}: {exc.strerror or exc}")
    console(stderr=True).print(f"wrote {output} ({len(data)} bytes)")
