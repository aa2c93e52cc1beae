"""The ASGI application: REST API under /api/v1 and the web app, sharing one engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import Engine

from pedmassage import __version__
from pedmassage.config import Settings, get_settings
from pedmassage.db import engine_for, utcnow


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """Build the app; refuses to start on a database that is not migrated to head."""
    from pedmassage.api import children, errors, evidence, health, homecare, screenings, sessions
    from pedmassage.migrations import ensure_current
    from pedmassage.safety import load_rulebook
    from pedmassage.web import pages

    settings = settings or get_settings()
    engine = engine or engine_for(settings.database_url)
    ensure_current(engine)
    app = FastAPI(
        title="pedmassage",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        description="Pediatric massage therapy: screening, plans, session records, outcomes.",
    )
    app.state.engine = engine
    app.state.clock = clock
    app.state.settings = settings
    app.state.rulebook = load_rulebook(settings.policy_file)
    errors.install(app)
    for module in (health, children, screenings, sessions):
        app.include_router(module.router)
    app.include_router(homecare.router)
    app.include_router(evidence.router)
    pages.install(app)
    return app
