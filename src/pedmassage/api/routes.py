"""The API's routers, under /api/v1 (health at the root), in the order OpenAPI lists them."""

from __future__ import annotations

from fastapi import FastAPI

from pedmassage.api import (
    cds_hooks,
    children,
    evidence,
    fhir,
    health,
    homecare,
    outcomes,
    research,
    screenings,
    sessions,
    studies,
    tokens,
    users,
)
from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.errors import documented_errors

API_PREFIX = "/api/"
"""Every API path starts here; errors on these paths are answered in JSON."""


def install(app: FastAPI) -> None:
    for module in (
        health,
        children,
        fhir,
        screenings,
        sessions,
        homecare,
        outcomes,
        research,
        studies,
        evidence,
        cds_hooks,
        tokens,
        users,
    ):
        for route in module.router.routes:
            if isinstance(route, StrictJSONRoute):
                route.responses = {**documented_errors(route), **route.responses}
        app.include_router(module.router)
