"""/api/v1/children/{child_id}/fhir: a child's record as a FHIR R4 Bundle, for the hospital's
other systems (what they import is FHIR, not this API's own shapes)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.fhir.export import FHIR_JSON, export_bundle
from pedmassage.http import allow

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1/children", tags=["fhir"])


@router.get(
    "/{child_id}/fhir",
    response_class=Response,
    responses={
        200: {
            "description": "The child's record as a FHIR R4 Bundle (type collection)",
            "content": {FHIR_JSON: {"schema": {"type": "object"}}},
        }
    },
    dependencies=[allow("child.read")],
)
def child_bundle(child_id: str, db: SessionDep, now: NowDep) -> Response:
    """The child, guardians, conditions, devices, labs and vitals, each started session's massage,
    consent, assent and scores, and the home programs, as one FHIR R4 Bundle; the same record
    keeps the same resource ids in every export, and no free text is sent."""
    bundle = export_bundle(db=db, child_id=child_id, now=now)
    body = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, media_type=FHIR_JSON)
