"""The web app's pages and stylesheet, mounted beside the API by :mod:`pedmassage.app`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from pedmassage.web import (
    bedside,
    children,
    evidence,
    homecare,
    lifecycle,
    login,
    observations,
    outcomes,
    research,
    screenings,
    sessions,
    studies,
    today,
)
from pedmassage.web.rendering import STATIC_DIR


def install(app: FastAPI) -> None:
    """Add the pages after the API, so the API's routes are matched first."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (login, children, observations, screenings, sessions, lifecycle, bedside):
        app.include_router(module.router)
    app.include_router(homecare.router)
    app.include_router(outcomes.router)
    app.include_router(research.router)
    app.include_router(studies.router)
    app.include_router(evidence.router)
    app.include_router(today.router)
