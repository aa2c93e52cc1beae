"""Plans and session records for a child, and the child's trend."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.errors import NotFoundError
from pedmassage.outcomes.service import child_trends
from pedmassage.sessions import service
from pedmassage.sessions.schemas import SessionCreate, SessionPublic

router = APIRouter(prefix="/api/v1", tags=["sessions"])


class PlanRequest(BaseModel):
    goals: list[str] = Field(default=["relaxation"], description="pain, anxiety, sleep, …")
    minutes: int | None = Field(None, ge=1, le=120)


@router.post("/screenings/{screening_id}/plan")
def plan(screening_id: str, data: PlanRequest, db: SessionDep) -> dict[str, Any]:
    """An individualized plan that respects the screening (409 on a hold)."""
    result = service.plan_from_screening(
        db=db, screening_id=screening_id, goals=data.goals, minutes=data.minutes
    )
    return result.model_dump(mode="json")


@router.post("/children/{child_id}/sessions", status_code=201)
def record_session(
    child_id: str,
    data: SessionCreate,
    db: SessionDep,
    now: NowDep,
    goals: list[str] = Query(default=["relaxation"]),
) -> SessionPublic:
    """Document a session; refused (and nothing stored) if it exceeds its screening."""
    record = service.record_session(db=db, child_id=child_id, data=data, now=now, goals=goals)
    return service.session_public(record)


@router.get("/children/{child_id}/sessions")
def list_sessions(child_id: str, db: SessionDep) -> list[SessionPublic]:
    return [service.session_public(s) for s in service.list_sessions(db=db, child_id=child_id)]


class TrendPointOut(BaseModel):
    session_id: str
    started_at: str
    pre: float
    post: float


class TrendOut(BaseModel):
    instrument_id: str
    range: tuple[float, float]
    mean_change: float | None
    points: list[TrendPointOut]


@router.get("/children/{child_id}/trend")
def trend(child_id: str, db: SessionDep) -> list[TrendOut]:
    """Pre/post scores per instrument, oldest first."""
    return [
        TrendOut(
            instrument_id=t.instrument_id,
            range=t.range,
            mean_change=t.mean_change,
            points=[
                TrendPointOut(
                    session_id=p.session_id,
                    started_at=p.started_at.isoformat(),
                    pre=p.pre,
                    post=p.post,
                )
                for p in t.points
            ],
        )
        for t in child_trends(db=db, child_id=child_id)
    ]


@router.get("/children/{child_id}/trend.svg", response_class=Response)
def trend_svg(child_id: str, db: SessionDep, instrument: str | None = None) -> Response:
    """The trend chart (SVG) for one instrument (default: the most used)."""
    from pedmassage.outcomes.chart import trend_svg as render

    trends = child_trends(db=db, child_id=child_id)
    chosen = [t for t in trends if instrument in (None, t.instrument_id)]
    if not chosen:
        raise NotFoundError("trend", instrument or child_id)
    return Response(render(chosen[0]), media_type="image/svg+xml")
