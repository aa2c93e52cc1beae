"""/api/v1/research: the de-identified export, the one thing the researcher role receives."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.http import ActorDep, allow
from pedmassage.research.export import export_zip, site_secret

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1/research", tags=["research"])


@router.get(
    "/export.zip",
    response_class=Response,
    responses={200: {"description": "The export", "content": {"application/zip": {}}}},
    dependencies=[allow("research.export")],
)
def export(
    request: Request,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
    format: Literal["csv", "parquet"] = "csv",
) -> Response:
    """children, sessions, measures and dictionary of the asker's sites, de-identified: keyed
    pseudonyms, per-child date shifts that keep intervals, ages over 89 grouped, no free text."""
    secret = site_secret(request.app.state.settings.research_secret_file)
    body = export_zip(db=db, site_ids=actor.site_ids, secret=secret, today=now.date(), fmt=format)
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="research-export.zip"'},
    )
