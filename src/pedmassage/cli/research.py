"""``pedmassage research``: sample size, REDCap's files, the de-identified export, studies, and
pooling a trial across sites.

The command line is the server's operator: it sees and changes every study (no site limits), and
what it does to a study is audited as ``operator:<login name>``. ``research aggregate --study
STUDY --output FILE`` is a contract other tools rely on: it writes the site's aggregate document
(``pedmassage-trial-aggregate/1``) and nothing else to FILE.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, get_args

import typer

from pedmassage.cli.common import (
    OPERATOR_AUDITED,
    console,
    database,
    fail,
    handles_errors,
    now,
    operator_event,
    print_json,
    read_input,
)
from pedmassage.errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pedmassage.audit.service import AuditEvent
    from pedmassage.research.aggregate import SiteAggregate
    from pedmassage.research.schemas import (
        StudyChange,
        StudyCreate,
        StudyPublic,
        StudyResultsPublic,
    )

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


# ----------------------------------------------------------------------------- studies

study_app = typer.Typer(
    help="Studies: register, amend, close, list and show them, and read their results.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(study_app, name="study")

STUDY_FILE_HELP = 'JSON {"code": ..., "protocol": {...}} (StudyCreate); - = stdin.'
CODES_SUFFIX = ".codes.csv"
"""The legend beside an allocation table: ``alloc.csv`` gets ``alloc.codes.csv``."""
LIST_FIXED_COLUMNS = ("status", "version", "enrolled")


def _refuse(field: str, message: str) -> NoReturn:
    """:func:`fail` for a caller that needs the type checker to know nothing follows."""
    fail(field, message)
    raise AssertionError("fail always exits")


def _read_bytes(path: Path, field: str) -> bytes:
    """A file's bytes (standard input for ``-``); a file that cannot be read is the operator's
    mistake to fix, so it is named with the reason and exit code 2, not shown as a crash."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as exc:
        _refuse(field, f"cannot read {path}: {exc.strerror or exc}")


def _read_study_file(path: Path) -> StudyCreate:
    """The registration file, read as strictly as the API reads the same body."""
    from pedmassage.research.schemas import StudyCreate

    try:
        return read_input(path, StudyCreate)
    except OSError as exc:
        _refuse("--file", f"cannot read {path}: {exc.strerror or exc}")


def _write_text(path: Path, text: str, field: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _refuse(field, f"cannot write {path}: {exc.strerror or exc}")


def _audit(db: Session, event: AuditEvent, at: datetime) -> None:
    """Record what the operator did to a study, in the command's own transaction, instead of
    the generic entry naming only the command."""
    from pedmassage.audit.service import append

    append(db=db, event=event, at=at)
    db.info[OPERATOR_AUDITED] = True


@study_app.command("register")
@handles_errors
def study_register(
    file: Path = typer.Option(..., "--file", "-f", help=STUDY_FILE_HELP),
) -> None:
    """Register a study at version 1 of its protocol; prints the study as JSON. The allocation
    seed is drawn now and never printed."""
    from pedmassage.research import studies

    data = _read_study_file(file)
    at = now()
    event = operator_event("study.register", f"study {data.code}")
    with database() as db:
        study = studies.register_study(db=db, data=data, by=event.actor, site_ids=None, now=at)
        _audit(db, event, at)
        public = studies.to_public(db, study)
    print_json(public.model_dump(mode="json"))


@study_app.command("amend")
@handles_errors
def study_amend(
    study: str = typer.Argument(..., help="The study's code (or id)."),
    file: Path = typer.Option(
        ...,
        "--file",
        "-f",
        help='JSON {"protocol": {...}} (StudyChange); a "code", when given, must be the '
        "study's, so the registration file can be edited and given again; - = stdin.",
    ),
    reason: str = typer.Option(
        None, "--reason", help="Why (needed once a child is enrolled); overrides the file's."
    ),
) -> None:
    """The protocol's next version; after the first enrolment it is an amendment, with its
    reason, and the allocation and primary outcome stay as they are. Prints the study."""
    from pedmassage.research import studies

    data, named = _protocol_change(file, reason)
    at = now()
    with database() as db:
        code = studies.get_study(db=db, code=study).code
        if named is not None and named.lower() != code.lower():
            raise ValidationError("code", named, f"{code}, the study amended (or no code)")
        event = operator_event("study.amend", f"study {code}")
        changed = studies.change_study(
            db=db, code=code, data=data, by=event.actor, site_ids=None, now=at
        )
        _audit(db, event, at)
        public = studies.to_public(db, changed)
    print_json(public.model_dump(mode="json"))


def _protocol_change(path: Path, reason: str | None) -> tuple[StudyChange, str | None]:
    """The change in the file, with ``--reason`` put in, and the study code the file names (a
    registration file names one), read strictly: types kept, a repeated key refused."""
    from pydantic import TypeAdapter

    from pedmassage.inbound import parse_json
    from pedmassage.research.schemas import StudyChange

    document = parse_json(_read_bytes(path, "--file"))
    named: str | None = None
    if isinstance(document, dict):
        code = document.pop("code", None)
        if code is not None and not isinstance(code, str):
            raise ValidationError("code", code, "the study's code, as text")
        named = code
        if reason is not None:
            document["reason"] = reason
    change = TypeAdapter(StudyChange).validate_json(json.dumps(document), strict=True)
    return change, named


@study_app.command("close")
@handles_errors
def study_close(study: str = typer.Argument(..., help="The study's code (or id).")) -> None:
    """Stop enrolment; the enrolled are still followed up. Prints the study."""
    from pedmassage.research import studies

    at = now()
    with database() as db:
        closed = studies.close_study(db=db, code=study, site_ids=None)
        _audit(db, operator_event("study.close", f"study {closed.code}"), at)
        public = studies.to_public(db, closed)
    print_json(public.model_dump(mode="json"))


@study_app.command("list")
@handles_errors
def study_list(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Every study: code, status, protocol version, enrolled of the target, and title."""
    from pedmassage.research import studies

    with database() as db:
        found = [studies.to_public(db, s) for s in studies.list_studies(db=db, site_ids=None)]
    if as_json:
        print_json([s.model_dump(mode="json") for s in found])
        return
    if not found:
        typer.echo("No studies: register one with `pedmassage research study register`.")
        return
    _print_studies(found)


def _print_studies(found: list[StudyPublic]) -> None:
    """One line per study in the console's width (80 columns when not a terminal): the code is
    what every other command takes, so it is shown whole and the title gives way."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    out = console()
    cells = [
        (s.code, s.status, str(s.version), f"{s.enrolled}/{s.protocol.target_sample_size}")
        for s in found
    ]
    headers = ("code", *LIST_FIXED_COLUMNS)
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    gaps = 2 * len(headers)  # between two columns: one padding and the rule's blank
    title_width = max(4, out.width - sum(widths) - gaps)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for header, width in zip(headers, widths, strict=True):
        table.add_column(header, min_width=width, no_wrap=True)
    table.add_column("title", max_width=title_width, no_wrap=True, overflow="ellipsis")
    for row, study in zip(cells, found, strict=True):
        table.add_row(*(escape(cell) for cell in row), escape(study.title))
    out.print(table)


@study_app.command("show")
@handles_errors
def study_show(study: str = typer.Argument(..., help="The study's code (or id).")) -> None:
    """One study as JSON: its protocol, versions (with amendments' reasons) and enrolment."""
    from pedmassage.research import studies

    with database() as db:
        public = studies.to_public(db, studies.get_study(db=db, code=study))
    print_json(public.model_dump(mode="json"))


@study_app.command("results")
@handles_errors
def study_results(
    study: str = typer.Argument(..., help="The study's code (or id)."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    consort_svg: Path = typer.Option(
        None, "--consort-svg", help="Write the CONSORT flow diagram (SVG) to this file."
    ),
) -> None:
    """The CONSORT flow, the baseline table, and the intention-to-treat (primary) and
    per-protocol analyses of the primary outcome, from the records as they are today."""
    from pedmassage.research import results, studies

    today = now().date()
    with database() as db:
        found = studies.get_study(db=db, code=study)
        shown = results.results_public(db, found, today)
        svg = results.consort_diagram(db, found, today) if consort_svg is not None else None
    if consort_svg is not None and svg is not None:
        _write_text(consort_svg, svg, "--consort-svg")
        console(stderr=True).print(f"wrote {consort_svg}", soft_wrap=True, markup=False)
    if as_json:
        print_json(shown.model_dump(mode="json"))
        return
    _print_results(shown)


def _print_results(shown: StudyResultsPublic) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    out = console()
    out.print(f"[bold]{escape(shown.code)}[/]: {escape(shown.title)}")
    out.print(f"primary outcome: {escape(shown.outcome)}; records as of {shown.as_of}")
    flow = Table("stage", "arm", "item", "n", title="CONSORT flow", box=box.SIMPLE_HEAD)
    for row in shown.consort:
        item = f"  {row.reason}" if row.reason else row.item
        flow.add_row(row.stage, escape(row.arm), escape(item), str(row.n))
    out.print(flow)
    balance = Table("characteristic", title="Baseline characteristics", box=box.SIMPLE_HEAD)
    for label in shown.arm_labels:
        balance.add_column(escape(label), justify="right")
    for line in shown.balance:
        balance.add_row(escape(line.characteristic), *(escape(cell) for cell in line.cells))
    out.print(balance)
    analyses = (shown.itt, shown.per_protocol)
    level = next((a.level for a in analyses if a.level is not None), 0.95)
    table = Table(title="Primary outcome", box=box.SIMPLE_HEAD)
    table.add_column("analysis", no_wrap=True)
    for header in ("n", "estimate", f"{level:.0%} CI", "p"):
        table.add_column(header, justify="right", no_wrap=True)
    for analysis in analyses:
        if analysis.estimate is None or analysis.ci_low is None or analysis.ci_high is None:
            cells = ("not run", "", "")
        else:
            cells = (
                f"{analysis.estimate:+.2f}",
                f"{analysis.ci_low:.2f} to {analysis.ci_high:.2f}",
                "" if analysis.p is None else f"{analysis.p:.3g}",
            )
        table.add_row(escape(analysis.name), str(analysis.n), *cells)
    out.print(table)
    for analysis in analyses:
        why = f" Not run: {analysis.not_run}." if analysis.not_run else ""
        out.print(f"{escape(analysis.name)}: {escape(analysis.population)}.{escape(why)}")
    model = next((a.model for a in analyses if a.model), "")
    if model:
        out.print(f"estimate: {escape(model)}")


# ----------------------------------------------------------------------------- pooling


@app.command("aggregate")
@handles_errors
def aggregate(
    study: str = typer.Option(..., "--study", help="The study's code (or id)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the JSON document."),
    site: str = typer.Option(
        None,
        "--site",
        help="The label the pool shows for this installation (default: the names of the "
        "study's sites here, joined with ' + ').",
    ),
    min_cell: int = typer.Option(
        None,
        "--min-cell",
        min=2,
        max=50,
        help="Counts under this many are suppressed (default and floor: "
        "PEDMASSAGE_RESEARCH_MIN_CELL, 5).",
    ),
) -> None:
    """The non-disclosive summary of this installation's trial, for pooling with other sites:
    counts, means and SDs per arm and stratum with small cells suppressed, and the site's own
    ANCOVA estimate with its variance. No child's row leaves in it."""
    from pedmassage.config import get_settings
    from pedmassage.research import results, studies

    at = now()
    with database() as db:
        found = studies.get_study(db=db, code=study)
        label = site if site is not None else _site_label(db, found.code)
        floor = get_settings().research_min_cell
        document = results.site_aggregate_document(
            db, found, site=label, min_cell=floor if min_cell is None else min_cell, floor=floor
        )
        event = operator_event("study.aggregate", f"study {found.code}: aggregate as {label}")
        _audit(db, event, at)
    _write_text(output, json.dumps(document, indent=2, ensure_ascii=False) + "\n", "--output")
    effect = document["effect"]
    shared = (
        f"effect shared ({effect['n']} children analysed)"
        if effect is not None
        else f"effect withheld: {document['effect_withheld']}"
    )
    typer.echo(f"wrote {output}: site {label}, {shared}")


def _site_label(db: Session, code: str) -> str:
    """The study's sites as this installation names them: what a coordinating centre
    recognises, and different from every other installation's when sites are not shared."""
    from pedmassage.research.aggregate import MAX_LABEL_CHARS
    from pedmassage.research.studies import get_study, protocol_of, site_names

    sites = protocol_of(get_study(db=db, code=code)).sites
    names = site_names(db, sites)
    label = " + ".join(names.get(s, s) for s in sites)
    if len(label) > MAX_LABEL_CHARS:
        raise ValidationError(
            "--site", label, f"a label of at most {MAX_LABEL_CHARS} characters: give --site"
        )
    return label


@app.command("pool")
@handles_errors
def pool(
    files: list[Path] = typer.Argument(..., help="The sites' aggregate documents (JSON)."),
    method: str = typer.Option(
        "REML", "--method", help="REML, DL or PM (random effects) or FE (common effect)."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="Also write the JSON here."),
) -> None:
    """Pool the sites' ANCOVA estimates into the trial's (the second stage of a two-stage
    individual-patient-data meta-analysis); prints the pooled result as JSON. Each document is
    checked field by field, and a refusal names the file and the field."""
    from pedmassage.research.aggregate import pool_aggregates
    from pedmassage.stats.tau2 import Method

    methods: tuple[Method, ...] = get_args(Method)
    chosen = next((m for m in methods if m == method), None)
    if chosen is None:
        raise ValidationError("--method", method, "REML, DL, PM or FE")
    pooled = pool_aggregates([_read_aggregate(path) for path in files], method=chosen)
    document = pooled.to_dict()
    if output is not None:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        _write_text(output, text, "--output")
    print_json(document)


def _read_aggregate(path: Path) -> SiteAggregate:
    """One site's document, read strictly (a repeated key or a NaN is refused) and checked; every
    refusal starts with the file as it was given."""
    from pedmassage.inbound import parse_json
    from pedmassage.research.aggregate import read_aggregate

    source = str(path)
    raw = _read_bytes(path, source)
    try:
        document = parse_json(raw)
    except ValidationError as exc:
        where = source if exc.field == "body" else f"{source}: {exc.field}"
        _refuse(where, f"refused; allowed: {exc.allowed}")
    if not isinstance(document, dict):
        _refuse(source, "not a site's aggregate document (a JSON object)")
    return read_aggregate(document, source=source)


# ----------------------------------------------------------------------------- REDCap allocation


@app.command("allocation-table")
@handles_errors
def allocation_table(
    study: str = typer.Option(..., "--study", help="The study's code (or id)."),
    per_stratum: int = typer.Option(
        ..., "--per-stratum", min=1, max=10_000, help="Rows (assignments) for every stratum."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the CSV."),
) -> None:
    """REDCap's allocation table for an open randomization: the study's permuted-block list for
    every stratum its protocol can produce, groups and strata coded as integers, with the codes
    written beside it (FILE with .codes.csv). It unblinds the allocation: the release is audited
    and the file is for the unblinded statistician alone."""
    from rich.markup import escape

    from pedmassage.research.allocation_table import redcap_allocation_table
    from pedmassage.research.studies import get_study

    at = now()
    with database() as db:
        code = get_study(db=db, code=study).code
        table = redcap_allocation_table(db=db, code=code, per_stratum=per_stratum)
        resource = f"study {code}: REDCap allocation table, {_strata(table.strata)} x {per_stratum}"
        _audit(db, operator_event("study.allocation_table", resource), at)
    # The release is committed to the audit log before any of the list is written out.
    codes = _codes_path(output)
    _write_text(output, table.allocations, "--output")
    _write_text(codes, table.codes, "--output")
    typer.echo(f"wrote {output} ({_strata(table.strata)} x {per_stratum} rows) and {codes}")
    console(stderr=True).print(
        f"[bold yellow]warning[/]: {escape(str(output))} unblinds the allocation of study "
        f"{escape(code)}: it holds every coming assignment of every stratum. Keep it with the "
        "unblinded statistician, never with anyone who enrols or assesses children; its release "
        "is recorded in the audit log (study.allocation_table).",
        soft_wrap=True,
    )


def _strata(n: int) -> str:
    return f"{n} stratum" if n == 1 else f"{n} strata"


def _codes_path(output: Path) -> Path:
    """Where the codes of an allocation table go: ``alloc.csv`` → ``alloc.codes.csv``."""
    return output.with_name(
        output.stem + CODES_SUFFIX if output.suffix else output.name + CODES_SUFFIX
    )
