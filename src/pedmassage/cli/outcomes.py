"""``pedmassage outcomes``: the program report at the machine (all sites, or one)."""

from __future__ import annotations

from pathlib import Path

import typer

from pedmassage.cli.common import (
    CHILD_ID_HELP,
    console,
    database,
    handles_errors,
    now,
    print_json,
    resolve_id,
)
from pedmassage.outcomes.schemas import ProgramReport

app = typer.Typer(help="Program outcomes.", no_args_is_help=True, rich_markup_mode=None)


@app.command("program")
@handles_errors
def program(
    site: str = typer.Option(None, help="One site (id or name); default: every site."),
    since: str = typer.Option(None, help="First day, YYYY-MM-DD (sessions by start)."),
    until: str = typer.Option(None, help="Last day, YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON."),
    csv_dir: Path = typer.Option(
        None, "--csv", help="Write every table of the report as CSV into this folder."
    ),
    pdf: Path = typer.Option(None, "--pdf", help="Write the report as a PDF."),
) -> None:
    """What the program achieves: change per instrument (after minus before) with 95 % CIs, the
    paired t and Wilcoxon tests, effect size and a mixed model per child; adverse events per
    1,000 sessions; holds and modifications by reason; completeness."""
    from pedmassage.config import analytics_folder, get_settings
    from pedmassage.inbound import parse_day
    from pedmassage.outcomes import service
    from pedmassage.outcomes.report_files import TABLES, report_pdf, table_csv
    from pedmassage.sites.service import list_sites

    first, last = parse_day(since, "since"), parse_day(until, "until")
    with database() as db:
        report = service.program_report(
            db=db,
            folder=analytics_folder(get_settings()),
            site_ids=frozenset(s.id for s in list_sites(db=db)),
            site=site,
            since=first,
            until=last,
            now=now(),
            wait=True,  # at the machine, a report is always of the records as they are now
        )
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            (csv_dir / f"program-{table}.csv").write_text(table_csv(report, table), "utf-8")
    if pdf is not None:
        pdf.write_bytes(report_pdf(report))
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    _show(report)


def _show(report: ProgramReport) -> None:
    from rich.table import Table

    out = console()
    counts = report.sessions
    out.print(
        f"{report.children_served} children, {counts.attempted} sessions "
        f"({counts.completed} completed, {counts.ended_early} ended early)"
    )
    table = Table("instrument", "children", "sessions", "change", "95 % CI", "p", "d_z")
    for i in report.instruments:
        ci = "-" if i.ci_low is None else f"{i.ci_low:.2f} to {i.ci_high:.2f}"
        table.add_row(
            i.instrument,
            str(i.n_children),
            str(i.n_sessions),
            "-" if i.mean_change is None else f"{i.mean_change:.2f}",
            ci,
            "-" if i.p_value is None else f"{i.p_value:.3g}",
            "-" if i.effect_size is None else f"{i.effect_size:.2f}",
        )
    out.print(table)
    ae = report.adverse_events_per_1000
    if ae.rate is not None:
        out.print(
            f"adverse events: {ae.events} ({ae.rate:.2f} per 1,000 sessions, "
            f"95 % CI {ae.ci_low:.2f} to {ae.ci_high:.2f})"
        )


@app.command("child")
@handles_errors
def child(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """One child's sessions and change per instrument, marked against the published MCID."""
    from pedmassage.outcomes import service

    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        outcomes = service.child_outcomes(db=db, child_id=whole)
    if as_json:
        print_json(outcomes.model_dump(mode="json"))
        return
    out = console()
    out.print(
        f"{outcomes.attempted} sessions ({outcomes.completed} completed, "
        f"{outcomes.ended_early} ended early)"
    )
    for i in outcomes.instruments:
        mcid = (
            "no MCID published for this age"
            if i.mcid is None
            else f"{i.sessions_reaching_mcid} of {i.sessions} reached the MCID "
            f"({i.mcid.decrease:g})"
        )
        mean = "-" if i.mean_change is None else f"{i.mean_change:+.2f}"
        out.print(f"{i.instrument}: {i.sessions} sessions, mean change {mean}; {mcid}")


@app.command("growth")
@handles_errors
def growth(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    chart: Path = typer.Option(None, "--chart", help="Write the weight chart (SVG) here."),
) -> None:
    """Growth SDS and centiles on corrected age, and weight-gain velocity on and off massage."""
    from pedmassage.outcomes.growth import child_growth, growth_chart

    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        found = child_growth(db=db, child_id=whole)
        svg = growth_chart(db=db, child_id=whole) if chart is not None else None
    if chart is not None and svg is not None:
        chart.write_text(svg, encoding="utf-8")
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    out = console()
    for p in found.points:
        out.print(f"{p.observed_on}  {p.method:7} {p.value:g} {p.unit}  SDS {p.sds:+.2f}  "
                  f"centile {p.centile:g}")  # fmt: skip
    on, off = found.velocity_on_massage, found.velocity_off_massage
    out.print(
        "velocity g/kg/day: on massage "
        + ("-" if on is None else f"{on:.1f}")
        + ", off massage "
        + ("-" if off is None else f"{off:.1f}")
    )
    for note in found.notes:
        out.print(f"note: {note}")
