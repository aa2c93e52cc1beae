"""The program lead's dashboard: the program report on one page, with the CSV behind every table
and chart, and the PDF."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pedmassage.config import analytics_folder
from pedmassage.errors import ValidationError
from pedmassage.http import ActorDep, allow
from pedmassage.inbound import parse_day
from pedmassage.outcomes import service
from pedmassage.outcomes.report_files import CHARTS, Chart, Table, report_pdf, table_csv
from pedmassage.outcomes.schemas import ProgramReport
from pedmassage.sites.service import find_site
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.rendering import render

router = APIRouter(include_in_schema=False)

DIMENSION_LABELS = {
    "condition": "By condition",
    "stage": "By developmental stage",
    "setting": "By setting",
    "deliverer": "By who gave the session",
    "site": "By site",
}


def _site(value: str | None) -> str | None:
    """A site id or name from the filter form; a NUL or an endless string is refused."""
    if not value:
        return None
    if "\x00" in value or len(value) > 120:
        raise ValidationError("site", value[:40], "a site of yours, by id or name")
    return value


def _report(request: Request, db: PageDb, now: NowDep, actor: ActorDep) -> ProgramReport:
    params = request.query_params
    return service.program_report(
        db=db,
        folder=analytics_folder(request.app.state.settings),
        site_ids=actor.site_ids,
        site=_site(params.get("site")),
        since=parse_day(params.get("since"), "since"),
        until=parse_day(params.get("until"), "until"),
        now=now,
    )


@router.get("/outcomes", dependencies=[allow("outcomes.read")])
def dashboard(request: Request, db: PageDb, now: NowDep, actor: ActorDep) -> Response:
    """What the program achieves, for the sites the lead runs."""
    report = _report(request, db, now, actor)
    query = urlencode({k: v for k, v in request.query_params.items() if v})
    sites = sorted((find_site(db=db, site=s) for s in actor.site_ids), key=lambda s: s.name)
    site_names = {s.id: s.name for s in sites}
    return render(
        request,
        "outcomes/dashboard.html",
        {
            "report": report,
            "query": f"?{query}" if query else "",
            "sites": sites,
            "site_names": site_names,
            "chosen": request.query_params,
            "dimensions": DIMENSION_LABELS,
        },
    )


@router.get("/outcomes/tables/{table}.csv", dependencies=[allow("outcomes.read")])
def table(table: Table, request: Request, db: PageDb, now: NowDep, actor: ActorDep) -> Response:
    report = _report(request, db, now, actor)
    return Response(
        table_csv(report, table),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="program-{table}.csv"'},
    )


@router.get("/outcomes/charts/{chart}.svg", dependencies=[allow("outcomes.read")])
def chart(chart: Chart, request: Request, db: PageDb, now: NowDep, actor: ActorDep) -> Response:
    report = _report(request, db, now, actor)
    return Response(CHARTS[chart](report, "svg"), media_type="image/svg+xml")


@router.get("/outcomes/report.pdf", dependencies=[allow("outcomes.read")])
def pdf(request: Request, db: PageDb, now: NowDep, actor: ActorDep) -> Response:
    report = _report(request, db, now, actor)
    return Response(
        report_pdf(report),
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="program-report.pdf"'},
    )
