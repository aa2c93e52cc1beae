"""/api/v1/children: profiles and their labs, vitals, conditions and devices."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.children import service
from pedmassage.children.schemas import (
    ChildCreate,
    ChildPublic,
    GoalsOfCareUpdate,
    ObservationPublic,
)
from pedmassage.http import ActorDep, allow
from pedmassage.http.guard import site_for_new_record
from pedmassage.http.versions import IfMatchDep, tagged
from pedmassage.safety.contract import ConditionIn, DeviceIn, MeasurementEntry

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1/children", tags=["children"])


@router.post("", status_code=201, dependencies=[allow("child.create")])
def create_child(data: ChildCreate, db: SessionDep, now: NowDep, actor: ActorDep) -> ChildPublic:
    """Create a child profile; every code, unit and site is checked, or nothing is stored."""
    site = site_for_new_record(actor, data.site_id)
    child = service.create_child(db=db, data=data.model_copy(update={"site_id": site}), now=now)
    return service.to_public(child, now.date())


PAGE_HEADERS = {
    "X-Total-Count": {
        "description": "How many children match in all, on every page.",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": 'The next and previous pages, as `<url>; rel="next"` and `rel="prev"`.',
        "schema": {"type": "string"},
    },
}
Limit = Annotated[
    int, Query(ge=1, le=service.MAX_PAGE_SIZE, description="Children on the page (1 to 200).")
]
Offset = Annotated[
    int, Query(ge=0, le=10**9, description="How many matching children come before the page.")
]


@router.get(
    "",
    dependencies=[allow("child.list")],
    responses={200: {"description": "One page of children", "headers": PAGE_HEADERS}},
)
def list_children(
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    ward: str | None = None,
    setting: str | None = None,
    limit: Limit = service.PAGE_SIZE,
    offset: Offset = 0,
) -> list[ChildPublic]:
    """One page of the children of the asker's sites, in ward order; the total is in
    `X-Total-Count` and the neighbouring pages in `Link`."""
    page = service.children_page(
        db=db, ward=ward, setting=setting, site_ids=actor.site_ids, offset=offset, limit=limit
    )
    response.headers["X-Total-Count"] = str(page.total)
    neighbours = (("next", page.next_offset), ("prev", page.previous_offset))
    links = [
        f'<{request.url.include_query_params(offset=at, limit=limit)}>; rel="{rel}"'
        for rel, at in neighbours
        if at is not None
    ]
    if links:
        response.headers["Link"] = ", ".join(links)
    return [service.to_public(c, now.date()) for c in page.items]


@router.get("/{child_id}", dependencies=[allow("child.read")])
def get_child(child_id: str, db: SessionDep, now: NowDep, response: Response) -> ChildPublic:
    """The profile as it is now; its ETag is the version a change sends back in If-Match."""
    public = service.to_public(service.get_child(db=db, child_id=child_id), now.date())
    tagged(response, public.version)
    return public


@router.put("/{child_id}/goals-of-care", dependencies=[allow("child.goals_of_care")])
def set_goals_of_care(
    child_id: str,
    data: GoalsOfCareUpdate,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
    seen: IfMatchDep,
    response: Response,
) -> ChildPublic:
    """Set the goals of care (physician or program lead): under comfort care, precautions that
    would hold keep gentle still touch and holding possible, with the reason shown."""
    child = service.set_goals_of_care(
        db=db, child_id=child_id, data=data, set_by=actor.username, now=now, seen=seen
    )
    public = service.to_public(child, now.date())
    tagged(response, public.version)
    return public


@router.post(
    "/{child_id}/observations/{category}", status_code=201, dependencies=[allow("child.write")]
)
def add_observation(
    child_id: str,
    category: Literal["lab", "vital"],
    data: MeasurementEntry,
    db: SessionDep,
    now: NowDep,
    seen: IfMatchDep,
) -> ObservationPublic:
    """Record a lab (e.g. platelets in 10^9/L) or a vital sign (temperature in Cel)."""
    observation = service.add_observation(
        db=db, child_id=child_id, category=category, data=data, now=now, seen=seen
    )
    return ObservationPublic.model_validate(observation)


@router.post("/{child_id}/conditions", status_code=201, dependencies=[allow("child.write")])
def add_condition(
    child_id: str, data: ConditionIn, db: SessionDep, seen: IfMatchDep
) -> ConditionIn:
    service.add_condition(db=db, child_id=child_id, data=data, seen=seen)
    return data


@router.post("/{child_id}/devices", status_code=201, dependencies=[allow("child.write")])
def add_device(child_id: str, data: DeviceIn, db: SessionDep, seen: IfMatchDep) -> DeviceIn:
    service.add_device(db=db, child_id=child_id, data=data, seen=seen)
    return data
