"""/api/v1/children: profiles and their labs, vitals, conditions and devices."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.children import service
from pedmassage.children.schemas import ChildCreate, ChildPublic, ObservationPublic
from pedmassage.safety.contract import ConditionIn, DeviceIn, Measurement

router = APIRouter(prefix="/api/v1/children", tags=["children"])


@router.post("", status_code=201)
def create_child(data: ChildCreate, db: SessionDep, now: NowDep) -> ChildPublic:
    """Create a child profile; every code, unit and site is checked, or nothing is stored."""
    child = service.create_child(db=db, data=data, now=now)
    return service.to_public(child, now.date())


@router.get("")
def list_children(
    db: SessionDep, now: NowDep, ward: str | None = None, setting: str | None = None
) -> list[ChildPublic]:
    children = service.list_children(db=db, ward=ward, setting=setting)
    return [service.to_public(c, now.date()) for c in children]


@router.get("/{child_id}")
def get_child(child_id: str, db: SessionDep, now: NowDep) -> ChildPublic:
    return service.to_public(service.get_child(db=db, child_id=child_id), now.date())


@router.post("/{child_id}/observations/{category}", status_code=201)
def add_observation(
    child_id: str,
    category: Literal["lab", "vital"],
    data: Measurement,
    db: SessionDep,
    now: NowDep,
) -> ObservationPublic:
    """Record a lab (e.g. platelets in 10^9/L) or a vital sign (temperature in Cel)."""
    observation = service.add_observation(
        db=db, child_id=child_id, category=category, data=data, now=now
    )
    return ObservationPublic.model_validate(observation)


@router.post("/{child_id}/conditions", status_code=201)
def add_condition(child_id: str, data: ConditionIn, db: SessionDep) -> ConditionIn:
    service.add_condition(db=db, child_id=child_id, data=data)
    return data


@router.post("/{child_id}/devices", status_code=201)
def add_device(child_id: str, data: DeviceIn, db: SessionDep) -> DeviceIn:
    service.add_device(db=db, child_id=child_id, data=data)
    return data
