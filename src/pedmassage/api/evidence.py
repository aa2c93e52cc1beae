"""Evidence: the study library, claims with their pooled results and GRADE, plots and handouts.

Read-only knowledge plus one stateless calculation (``POST /evidence/pool``); nothing is stored.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.evidence import listing
from pedmassage.evidence.schemas import PoolRequest
from pedmassage.http import allow

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/evidence",
    tags=["evidence"],
    dependencies=[allow("public.read")],
)


@router.get("/topics")
def list_topics() -> list[dict[str, object]]:
    """Every topic (condition or setting) the library covers."""
    return listing.topic_rows()


@router.get("/topics/{topic_id}")
def get_topic(topic_id: str) -> dict[str, object]:
    """A topic with its claims and studies."""
    return listing.topic_detail(topic_id)


@router.get("/claims")
def list_claims(topic: str | None = None) -> list[dict[str, object]]:
    """Every claim (or a topic's) with its certainty and result in a few words."""
    return listing.claim_rows(topic)


@router.get("/claims/{claim_id}")
def get_claim(claim_id: str) -> dict[str, object]:
    """A claim: its effects, pooled result (two or more estimates with a CI), grade and studies."""
    from pedmassage.evidence.synthesis import synthesize

    return synthesize(claim_id).as_json()


@router.get("/studies")
def list_studies(topic: str | None = None) -> list[dict[str, object]]:
    return listing.study_rows(topic)


@router.get("/studies/{study_id}")
def get_study(study_id: str) -> dict[str, object]:
    """A study entry as catalogued: only the numbers the reference reports."""
    return listing.study_detail(study_id)


@router.post("/pool")
def pool_studies(data: PoolRequest) -> dict[str, object]:
    """Pool a CSV table exactly as ``pedmassage evidence pool`` does (the same JSON)."""
    from pedmassage.evidence.pooling import pool_study_table

    pooled = pool_study_table(data.csv, measure=data.measure, method=data.method, test=data.test)
    return pooled.as_json()


FigureFormat = Literal["svg", "png"]
FIGURE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The figure", "content": {"image/svg+xml": {}, "image/png": {}}}
}
HANDOUT: dict[int | str, dict[str, Any]] = {
    200: {"description": "The handout", "content": {"text/html": {}, "application/pdf": {}}}
}


@router.get("/claims/{claim_id}/forest.{fmt}", response_class=Response, responses=FIGURE)
def claim_forest(claim_id: str, fmt: FigureFormat) -> Response:
    """Forest plot (``svg`` or ``png``): weights, diamond, prediction interval, RoB 2."""
    from pedmassage.evidence.plots import claim_figure

    image = claim_figure(claim_id, "forest", fmt)
    return Response(image.content, media_type=image.media_type)


@router.get("/claims/{claim_id}/funnel.{fmt}", response_class=Response, responses=FIGURE)
def claim_funnel(claim_id: str, fmt: FigureFormat) -> Response:
    """Funnel plot (``svg`` or ``png``) of the claim's estimates against their standard errors."""
    from pedmassage.evidence.plots import claim_figure

    image = claim_figure(claim_id, "funnel", fmt)
    return Response(image.content, media_type=image.media_type)


@router.get("/topics/{topic_id}/handout", response_class=Response, responses=HANDOUT)
def topic_handout(
    topic_id: str,
    audience: Literal["family", "physician"] = "family",
    fmt: Literal["html", "pdf"] = Query("html", alias="format"),
) -> Response:
    """The family handout or the physician summary, as HTML or PDF."""
    from pedmassage.evidence import documents
    from pedmassage.evidence.handouts import handout

    document = handout(topic_id, audience)
    if fmt == "html":
        return HTMLResponse(documents.html(document))
    headers = {"Content-Disposition": f'inline; filename="{topic_id}-{audience}.pdf"'}
    return Response(documents.pdf(document), media_type="application/pdf", headers=headers)
