"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pedmassage import __version__
from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.http import allow

router = APIRouter(route_class=StrictJSONRoute, tags=["health"])


@router.get("/healthz", dependencies=[allow("public.read")])
def healthz(request: Request) -> dict[str, str]:
    return {
        "status": "ok",
        "version": __version__,
        "rules_version": request.app.state.rulebook.rules_version,
    }
