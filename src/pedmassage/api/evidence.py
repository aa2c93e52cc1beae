"""Evidence: the study library, claims with their pooled results and GRADE, plots and handouts.

Read-only knowledge plus one stateless calculation (``POST /evidence/pool``); nothing is stored.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from pedmassage.evidence import listing

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])


class PoolRequest(BaseModel):
    """A table of studies as CSV text, with the measure, the τ² method and the test."""

    model_config = ConfigDict(extra="forbid")

    csv: str = Field(min_length=1, description="study,yi,vi or the raw columns of the measure")
    measure: str = Field("GEN", description="SMD, MD, RR, OR, RD or GEN")
    method: str = Field("REML", description="FE, DL, REML or PM")
    test: str = Field("z", description="z or hksj")


@router.get("/topics")
def list_topics() -> list[dict[str, object]]:
    """Every topic (condition or setting) the library covers."""
    return listing.topic_rows()


@router.get("/topics/{topic_id}")
def get_topic(topic_id: str) -> dict[str, object]:
    """A topic with its claims and studies."""
    from pedmassage.evidence.catalogue import catalogue

    return listing.topic_json(catalogue().topic(topic_id))


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
    from pedmassage.evidence.catalogue import catalogue

    return listing.study_json(catalogue().study(study_id))


@router.post("/pool")
def pool_studies(data: PoolRequest) -> dict[str, object]:
    """Pool a CSV table exactly as ``pedmassage evidence pool`` does (the same JSON)."""
    from pedmassage.stats import pool, read_study_csv

    table = read_study_csv(data.csv, measure=data.measure)
    result = pool(table.yi, table.vi, method=data.method, test=data.test)  # type: ignore[arg-type]
    return result.as_json()


@router.get("/claims/{claim_id}/forest.{fmt}")
def claim_forest(claim_id: str, fmt: str) -> Response:
    """Forest plot (``svg`` or ``png``): weights, diamond, prediction interval, RoB 2."""
    from pedmassage.evidence import plots
    from pedmassage.evidence.synthesis import synthesize

    checked = plots.checked_format(fmt)
    image = plots.forest_plot(plots.forest_for_claim(synthesize(claim_id)), checked)
    return Response(image, media_type=plots.MEDIA_TYPES[checked])


@router.get("/claims/{claim_id}/funnel.{fmt}")
def claim_funnel(claim_id: str, fmt: str) -> Response:
    """Funnel plot (``svg`` or ``png``) of the claim's estimates against their standard errors."""
    from pedmassage.evidence import plots
    from pedmassage.evidence.synthesis import synthesize

    checked = plots.checked_format(fmt)
    image = plots.funnel_plot(plots.funnel_for_claim(synthesize(claim_id)), checked)
    return Response(image, media_type=plots.MEDIA_TYPES[checked])


@router.get("/topics/{topic_id}/handout")
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
