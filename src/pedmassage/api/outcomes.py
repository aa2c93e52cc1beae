"""/api/v1/outcomes: the program report for the program lead, its tables as CSV, its charts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.config import analytics_folder
from pedmassage.http import ActorDep, allow
from pedmassage.inbound import Text, parse_day
from pedmassage.outcomes import service
from pedmassage.outcomes.growth import child_growth, growth_chart
from pedmassage.outcomes.report_files import (
    CHARTS,
    TABLES,
    Chart,
    Table,
    report_pdf,
    table_csv,
)
from pedmassage.outcomes.schemas import ChildGrowth, ChildOutcomes, ProgramReport

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1", tags=["outcomes"])

Day = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="A day as YYYY-MM-DD (UTC).",
        json_schema_extra={"format": "date"},
    ),
]
"""A day in the query: only the ISO form, never a number read as a Unix time."""
SiteQuery = Annotated[
    Text | None, Query(min_length=1, max_length=120, description="One site (id or name).")
]


def _report(
    request: Request,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
    site: SiteQuery = None,
    since: Day = None,
    until: Day = None,
) -> ProgramReport:
    """The report the query asks for, over the asker's own sites."""
    return service.program_report(
        db=db,
        folder=analytics_folder(request.app.state.settings),
        site_ids=actor.site_ids,
        site=site,
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
        now=now,
    )


ReportDep = Annotated[ProgramReport, Depends(_report)]


@router.get("/outcomes/program", dependencies=[allow("outcomes.read")])
def program(report: ReportDep) -> ProgramReport:
    """What the program achieves over the asker's sites (or ``site``) and a period: change per
    instrument with CIs, tests, effect size and a mixed model; breakdowns; adverse events per
    1,000 sessions; holds and modifications by reason; sessions per week; completeness."""
    return report


@router.get(
    "/outcomes/program/tables/{table}.csv",
    response_class=Response,
    responses={200: {"description": "The table as CSV", "content": {"text/csv": {}}}},
    dependencies=[allow("outcomes.read")],
)
def program_table(table: Table, report: ReportDep) -> Response:
    """One table of the report as CSV (the numbers behind a chart or a table on the page)."""
    return Response(
        table_csv(report, table),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="program-{table}.csv"'},
    )


@router.get(
    "/outcomes/program/charts/{chart}.svg",
    response_class=Response,
    responses={200: {"description": "The chart", "content": {"image/svg+xml": {}}}},
    dependencies=[allow("outcomes.read")],
)
def program_chart(chart: Chart, report: ReportDep) -> Response:
    return Response(CHARTS[chart](report, "svg"), media_type="image/svg+xml")


@router.get(
    "/outcomes/program.pdf",
    response_class=Response,
    responses={200: {"description": "The report", "content": {"application/pdf": {}}}},
    dependencies=[allow("outcomes.read")],
)
def program_pdf(report: ReportDep) -> Response:
    return Response(report_pdf(report), media_type="application/pdf")


@router.get("/children/{child_id}/outcomes", dependencies=[allow("session.read")])
def child_outcomes(child_id: str, db: SessionDep) -> ChildOutcomes:
    """One child's sessions attempted, completed and ended early (and why), and each session's
    change per instrument marked against the published MCID for the child's age."""
    return service.child_outcomes(db=db, child_id=child_id)


@router.get("/children/{child_id}/growth", dependencies=[allow("child.read")])
def growth(child_id: str, db: SessionDep) -> ChildGrowth:
    """Weight, length and head circumference as UK-WHO SDS and centiles on corrected age
    (rcpchgrowth), and weight-gain velocity (g/kg/day, exponential) on and off massage."""
    return child_growth(db=db, child_id=child_id)


@router.get(
    "/children/{child_id}/growth.svg",
    response_class=Response,
    responses={200: {"description": "The chart", "content": {"image/svg+xml": {}}}},
    dependencies=[allow("child.read")],
)
def growth_svg(
    child_id: str,
    db: SessionDep,
    measurement: Literal["weight", "length", "head_circumference"] = "weight",
) -> Response:
    """The growth chart (SDS against corrected age) with the massage periods shaded."""
    svg = growth_chart(db=db, child_id=child_id, measurement=measurement)
    return Response(svg, media_type="image/svg+xml")


__all__ = ["TABLES", "router"]
