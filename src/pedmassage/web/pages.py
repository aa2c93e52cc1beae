"""Mount the web app on the ASGI application: pages, the stylesheet and HTML error pages.

The API keeps answering errors in JSON; for the pages the same domain errors become a readable page
(404 for an unknown id, 409 for a state that forbids the action, 422 for a bad link), never a stack
trace. Forms handle their own refusals and show them beside the field; these pages are the rest.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.web import (
    bedside,
    children,
    evidence,
    homecare,
    lifecycle,
    observations,
    screenings,
    sessions,
)
from pedmassage.web.rendering import STATIC_DIR, render

API_PREFIX = "/api/"

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def install(app: FastAPI) -> None:
    """Add the pages after the API, so API routes and their JSON errors stay as they are."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (children, observations, screenings, sessions, lifecycle, bedside):
        app.include_router(module.router)
    app.include_router(homecare.router)
    app.include_router(evidence.router)
    _page_errors(app, NotFoundError, "errors/not_found.html", 404)
    _page_errors(app, ConflictError, "errors/conflict.html", 409)
    _page_errors(app, ValidationError, "errors/invalid.html", 422)


def _page_errors(app: FastAPI, kind: type[Exception], template: str, status_code: int) -> None:
    """Answer ``kind`` with an HTML page outside the API, and as before inside it.

    Installed as an exception handler (not caught inside the routes) so that the unit of work has
    already rolled back when the page is drawn.
    """
    api_handler: Handler | None = app.exception_handlers.get(kind)

    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(API_PREFIX) and api_handler is not None:
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return render(request, template, {"message": str(exc)}, status_code=status_code)

    app.add_exception_handler(kind, handler)
