"""Plans and session records for a child, and the child's trend."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.http import ActorDep, allow
from pedmassage.http.actor import witness
from pedmassage.http.guard import own_name
from pedmassage.http.versions import IfMatchDep, tagged
from pedmassage.outcomes import service as outcomes
from pedmassage.outcomes.schemas import TrendPublic
from pedmassage.screenings import service as screenings
from pedmassage.screenings.schemas import PlanCreate
from pedmassage.sessions import service
from pedmassage.sessions.schemas import (
    AddendumCreate,
    AddendumPublic,
    AdverseEventPublic,
    AdverseEventReportCreate,
    DraftCreate,
    SessionCreate,
    SessionEnd,
    SessionFinish,
    SessionPublic,
    SessionStart,
    SignCreate,
)

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1", tags=["sessions"])


@router.post("/screenings/{screening_id}/plan", dependencies=[allow("screening.read")])
def plan(screening_id: str, data: PlanCreate, db: SessionDep) -> dict[str, Any]:
    """An individualized plan that respects the screening (409 on a hold)."""
    result = screenings.plan_from_screening(
        db=db, screening_id=screening_id, goals=data.goals, minutes=data.minutes
    )
    return result.model_dump(mode="json")


@router.post(
    "/children/{child_id}/sessions", status_code=201, dependencies=[allow("session.write")]
)
def record_session(
    child_id: str,
    data: SessionCreate,
    request: Request,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
    goals: list[str] = Query(default=["relaxation"]),
) -> SessionPublic:
    """Document a session; refused (and nothing stored) if it exceeds its screening."""
    data = data.model_copy(update={"therapist": own_name(actor, data.therapist, "therapist")})
    record = service.record_session(
        db=db,
        child_id=child_id,
        data=data,
        now=now,
        goals=goals,
        witness=witness(actor, request),
    )
    return service.session_public(record)


@router.post(
    "/children/{child_id}/sessions/drafts", status_code=201, dependencies=[allow("session.write")]
)
def create_draft(
    child_id: str, data: DraftCreate, db: SessionDep, now: NowDep, actor: ActorDep
) -> SessionPublic:
    """Plan a session on a screening (409 on a hold); the lifecycle starts here."""
    data = data.model_copy(update={"therapist": own_name(actor, data.therapist, "therapist")})
    return service.session_public(
        service.create_draft(db=db, child_id=child_id, data=data, now=now)
    )


@router.get("/sessions/{session_id}", dependencies=[allow("session.read")])
def get_session(session_id: str, db: SessionDep, response: Response) -> SessionPublic:
    """The session as it is now; its ETag is the version a change sends back in If-Match."""
    return _tagged(response, service.get_session(db=db, session_id=session_id))


@router.post("/sessions/{session_id}/start", dependencies=[allow("session.write")])
def start(
    session_id: str,
    data: SessionStart,
    request: Request,
    db: SessionDep,
    now: NowDep,
    seen: IfMatchDep,
    actor: ActorDep,
    response: Response,
) -> SessionPublic:
    """Consent and the child's assent at the start, the readings the screening asked for (or
    why not, audited), and the 'before' measure; a "no" ends it."""
    record = service.start_session(
        db=db,
        session_id=session_id,
        data=data,
        now=now,
        seen=seen,
        witness=witness(actor, request),
    )
    return _tagged(response, record)


@router.post("/sessions/{session_id}/complete", dependencies=[allow("session.write")])
def complete(
    session_id: str,
    data: SessionFinish,
    db: SessionDep,
    now: NowDep,
    seen: IfMatchDep,
    response: Response,
) -> SessionPublic:
    """What was delivered (within the screening) and the 'after' measure."""
    record = service.complete_session(db=db, session_id=session_id, data=data, now=now, seen=seen)
    return _tagged(response, record)


@router.post("/sessions/{session_id}/end-early", dependencies=[allow("session.write")])
def end_early(
    session_id: str,
    data: SessionEnd,
    db: SessionDep,
    now: NowDep,
    seen: IfMatchDep,
    response: Response,
) -> SessionPublic:
    """End a session early (the child's "no", disengagement cues, or another reason)."""
    record = service.end_session_early(db=db, session_id=session_id, data=data, now=now, seen=seen)
    return _tagged(response, record)


@router.post(
    "/sessions/{session_id}/adverse-events", status_code=201, dependencies=[allow("session.write")]
)
def adverse_event(
    session_id: str,
    data: AdverseEventReportCreate,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
    seen: IfMatchDep,
) -> AdverseEventPublic:
    recorded_by = own_name(actor, data.recorded_by, "recorded_by")
    event = service.add_adverse_event(
        db=db, session_id=session_id, recorded_by=recorded_by, now=now, data=data, seen=seen
    )
    return AdverseEventPublic.model_validate(event)


@router.post("/sessions/{session_id}/sign", dependencies=[allow("session.sign")])
def sign(
    session_id: str,
    data: SignCreate,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
    seen: IfMatchDep,
    response: Response,
) -> SessionPublic:
    """Sign a finished session; it never changes afterwards (409 on any later edit)."""
    signer = own_name(actor, data.signer, "signer")
    record = service.sign_session(db=db, session_id=session_id, signer=signer, now=now, seen=seen)
    return _tagged(response, record)


@router.post(
    "/sessions/{session_id}/addenda", status_code=201, dependencies=[allow("session.amend")]
)
def addendum(
    session_id: str, data: AddendumCreate, db: SessionDep, now: NowDep, actor: ActorDep
) -> AddendumPublic:
    """A correction to a signed session, with its author and time."""
    data = data.model_copy(update={"author": own_name(actor, data.author, "author")})
    return AddendumPublic.model_validate(
        service.add_addendum(db=db, session_id=session_id, data=data, now=now)
    )


@router.get("/children/{child_id}/sessions", dependencies=[allow("session.read")])
def list_sessions(child_id: str, db: SessionDep) -> list[SessionPublic]:
    return [service.session_public(s) for s in service.list_sessions(db=db, child_id=child_id)]


@router.get("/children/{child_id}/trend", dependencies=[allow("session.read")])
def trend(child_id: str, db: SessionDep) -> list[TrendPublic]:
    """Pre/post scores per instrument, oldest first."""
    return outcomes.child_trends_public(db=db, child_id=child_id)


@router.get(
    "/children/{child_id}/trend.svg",
    response_class=Response,
    responses={200: {"description": "The chart", "content": {"image/svg+xml": {}}}},
    dependencies=[allow("session.read")],
)
def trend_svg(child_id: str, db: SessionDep, instrument: str | None = None) -> Response:
    """The trend chart (SVG) for one instrument (default: the most used)."""
    svg = outcomes.trend_chart(db=db, child_id=child_id, instrument=instrument)
    return Response(svg, media_type="image/svg+xml")


def _tagged(response: Response, record: Any) -> SessionPublic:
    """The session as shown, with its version as the answer's ETag."""
    public = service.session_public(record)
    tagged(response, public.version)
    return public
