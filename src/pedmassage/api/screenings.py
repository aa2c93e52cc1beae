"""Screening: the stateless contract at /api/v1/screenings/evaluate, and stored screenings."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.http import ActorDep, allow
from pedmassage.http.guard import own_name
from pedmassage.safety.contract import ScreeningInput, ScreeningResult
from pedmassage.screenings import service
from pedmassage.screenings.schemas import ScreeningCreate, ScreeningPublic

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1", tags=["screening"])


@router.post("/screenings/evaluate", dependencies=[allow("screening.create")])
def evaluate(data: ScreeningInput, request: Request) -> ScreeningResult:
    """Screen one input (the documented screening contract) without storing anything."""
    from pedmassage.safety import evaluate as run

    return run(data, request.app.state.rulebook)


@router.post(
    "/children/{child_id}/screenings", status_code=201, dependencies=[allow("screening.create")]
)
def screen_child(
    child_id: str,
    data: ScreeningCreate,
    db: SessionDep,
    now: NowDep,
    request: Request,
    actor: ActorDep,
) -> ScreeningPublic:
    """Screen a stored child now; the input, result and rule versions are kept for audit."""
    data = data.model_copy(update={"therapist": own_name(actor, data.therapist, "therapist")})
    screening = service.screen_child(
        db=db, child_id=child_id, request=data, now=now, rulebook=request.app.state.rulebook
    )
    return service.screening_public(screening)


@router.get("/screenings/{screening_id}", dependencies=[allow("screening.read")])
def get_screening(screening_id: str, db: SessionDep) -> ScreeningPublic:
    return service.screening_public(service.get_screening(db=db, screening_id=screening_id))
