"""The researcher's page: the de-identified export to download, and what it holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pedmassage.http import ActorDep, allow
from pedmassage.research.export import DICTIONARY, export_zip, site_secret
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/research", dependencies=[allow("research.export")])
def research_page(request: Request) -> Response:
    return render(request, "research/export.html", {"dictionary": DICTIONARY})


@router.get("/research/export.zip", dependencies=[allow("research.export")])
def download(request: Request, db: PageDb, now: NowDep, actor: ActorDep) -> Response:
    secret = site_secret(request.app.state.settings.research_secret_file)
    body = export_zip(db=db, site_ids=actor.site_ids, secret=secret, today=now.date())
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="research-export.zip"'},
    )
