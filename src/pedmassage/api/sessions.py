"""Plans and session records for a child, and the child's trend."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.errors import NotFoundError
from pedmassage.outcomes.service import child_trends
from pedmassage.screenings import service as screenings
from pedmassage.sessions import service
from pedmassage.sessions.schemas import (
    AddendumCreate,
    AddendumPublic,
    AdverseEventCreate,
    AdverseEventPublic,
    DraftCreate,
    SessionCreate,
    SessionEnd,
    SessionFinish,
    SessionPublic,
    SessionStart,
    SignCreate,
)

router = APIRouter(prefix="/api/v1", tags=["sessions"])


class PlanRequest(BaseModel):
    goals: list[str] = Field(default=["relaxation"], description="pain, anxiety, sleep, …")
    minutes: int | None = Field(None, ge=1, le=120)


@router.post("/screenings/{screening_id}/plan")
def plan(screening_id: str, data: PlanRequest, db: SessionDep) -> dict[str, Any]:
    """An individualized plan that respects the screening (409 on a hold)."""
    result = screenings.plan_from_screening(
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


@router.post("/children/{child_id}/sessions/drafts", status_code=201)
def create_draft(child_id: str, data: DraftCreate, db: SessionDep, now: NowDep) -> SessionPublic:
    """Plan a session on a screening (409 on a hold); the lifecycle starts here."""
    return service.session_public(
        service.create_draft(db=db, child_id=child_id, data=data, now=now)
    )


@router.get("/sessions/{session_id}")
def get_session(session_id: str, db: SessionDep) -> SessionPublic:
    return service.session_public(service.get_session(db=db, session_id=session_id))


@router.post("/sessions/{session_id}/start")
def start(session_id: str, data: SessionStart, db: SessionDep, now: NowDep) -> SessionPublic:
    """Consent and the child's assent at the start, and the 'before' measure; a "no" ends it."""
    return service.session_public(
        service.start_session(db=db, session_id=session_id, data=data, now=now)
    )


@router.post("/sessions/{session_id}/complete")
def complete(session_id: str, data: SessionFinish, db: SessionDep, now: NowDep) -> SessionPublic:
    """What was delivered (within the screening) and the 'after' measure."""
    return service.session_public(
        service.complete_session(db=db, session_id=session_id, data=data, now=now)
    )


@router.post("/sessions/{session_id}/end-early")
def end_early(session_id: str, data: SessionEnd, db: SessionDep, now: NowDep) -> SessionPublic:
    """End a session early (the child's "no", disengagement cues, or another reason)."""
    return service.session_public(
        service.end_session_early(db=db, session_id=session_id, data=data, now=now)
    )


class AdverseEventReport(AdverseEventCreate):
    recorded_by: str = Field(min_length=1, max_length=80)


@router.post("/sessions/{session_id}/adverse-events", status_code=201)
def adverse_event(
    session_id: str, data: AdverseEventReport, db: SessionDep, now: NowDep
) -> AdverseEventPublic:
    event = service.add_adverse_event(
        db=db,
        session_id=session_id,
        recorded_by=data.recorded_by,
        now=now,
        data=AdverseEventCreate.model_validate(data.model_dump(exclude={"recorded_by"})),
    )
    return AdverseEventPublic.model_validate(event)


@router.post("/sessions/{session_id}/sign")
def sign(session_id: str, data: SignCreate, db: SessionDep, now: NowDep) -> SessionPublic:
    """Sign a finished session; it never changes afterwards (409 on any later edit)."""
    return service.session_public(
        service.sign_session(db=db, session_id=session_id, signer=data.signer, now=now)
    )


@router.post("/sessions/{session_id}/addenda", status_code=201)
def addendum(session_id: str, data: AddendumCreate, db: SessionDep, now: NowDep) -> AddendumPublic:
    """A correction to a signed session, with its author and time."""
    return AddendumPublic.model_validate(
        service.add_addendum(db=db, session_id=session_id, data=data, now=now)
    )


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
