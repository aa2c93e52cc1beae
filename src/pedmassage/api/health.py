"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pedmassage import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(request: Request) -> dict[str, str]:
    return {
        "status": "ok",
        "version": __version__,
        "rules_version": request.app.state.rulebook.rules_version,
    }
