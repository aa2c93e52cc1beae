"""The ASGI application: the REST API under /api and the web app, sharing one engine.

This module composes the two edges and is the only one that knows both: the API never imports the
web app, nor the web app the API. Each edge answers errors in its own way (JSON for the API, a page
for the web app); one handler per error sends each request's error to the edge it came through.

The interactive API documentation at ``/api/docs`` is served from the app's own files (Swagger UI
from the ``swagger-ui-bundle-v2`` package, its start-up script from ``web/static/apidocs``): a
hospital network without internet access must still be able to show it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI, Request
from sqlalchemy import Engine
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

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
    from pedmassage.api import routes
    from pedmassage.http.headers import SecurityHeaders
    from pedmassage.http.limits import BodyLimit
    from pedmassage.migrations import ensure_current
    from pedmassage.safety import load_rulebook
    from pedmassage.web import pages

    settings = settings or get_settings()
    engine = engine or engine_for(settings.database_url, settings.sqlite_busy_timeout_seconds)
    ensure_current(engine)
    app = FastAPI(
        title="pedmassage",
        version=__version__,
        docs_url=None,  # served by _install_api_docs from the app's own files, never a CDN
        openapi_url="/api/openapi.json",
        redoc_url=None,
        description="Pediatric massage therapy: screening, plans, session records, outcomes.",
    )
    app.state.engine = engine
    app.state.clock = clock
    app.state.settings = settings
    app.state.rulebook = load_rulebook(settings.policy_file)
    routes.install(app)
    _install_api_docs(app)
    pages.install(app)
    _route_errors(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes, too_large=_too_large)
    app.add_middleware(SecurityHeaders)
    return app


API_DOCS = "/api/docs"
"""The interactive API documentation page; its assets are the files under ``/api/docs/``."""
API_DOCS_ASSETS = ("pedmassage.web", "static/apidocs")
"""The package folder with the docs page's own start-up script, beside Swagger UI's files."""

_API_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""
"""No inline script: Swagger UI is started by a file, so the page needs no ``'unsafe-inline'``."""


def _install_api_docs(app: FastAPI) -> None:
    """Swagger UI at ``/api/docs``, every asset from this app's origin.

    FastAPI's own page loads Swagger UI from a public CDN and starts it with an inline script:
    blank on a network without internet access, and at odds with a script-src of ``'self'``. The
    assets are mounted under the page's own path, so the viewer and its files stay one
    unpoliced path (they carry no one's data) and nothing else is opened up.
    """
    from html import escape

    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    openapi_url = app.openapi_url or ""

    async def docs_page(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        page = _API_DOCS_PAGE.format(
            title=escape(app.title),
            assets=escape(root + API_DOCS),
            openapi=escape(root + openapi_url),
        )
        return HTMLResponse(page)

    app.add_route(API_DOCS, docs_page, include_in_schema=False)
    assets = StaticFiles(directory=str(swagger_ui_path), packages=[API_DOCS_ASSETS])
    app.mount(API_DOCS, assets, name="api-docs")


def _route_errors(app: FastAPI) -> None:
    """Each error goes to the edge its request came through: JSON under /api, a page elsewhere."""
    from fastapi.exception_handlers import http_exception_handler
    from sqlalchemy.exc import OperationalError
    from starlette.exceptions import HTTPException

    from pedmassage.api import errors as api_errors
    from pedmassage.api.routes import API_PREFIX
    from pedmassage.db import is_busy
    from pedmassage.errors import StorageBusyError
    from pedmassage.http.guard import audit_failure, audit_replay
    from pedmassage.http.idempotent import replayed
    from pedmassage.idempotency.service import ReplayedAnswerError
    from pedmassage.web import errors as web_errors

    def handler(request: Request, exc: Exception) -> Response:
        audit_failure(request, exc, request.app.state.clock())
        if request.url.path.startswith(API_PREFIX):
            return api_errors.error_response(request, exc)
        return web_errors.error_page(request, exc)

    for kind in dict.fromkeys((*api_errors.HANDLED, *web_errors.HANDLED)):
        app.add_exception_handler(kind, handler)

    async def http_error(request: Request, exc: Exception) -> Response:
        """An unknown path, a wrong method or a body too large: JSON in the API's error shape."""
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:  # the methods of every route on this path, not only the first
            exc.headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
        if request.url.path.startswith(API_PREFIX):
            return api_errors.error_response(request, exc)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(HTTPException, http_error)

    def replay(request: Request, exc: Exception) -> Response:
        """A retried creation: its first answer again, and an audit entry saying so."""
        assert isinstance(exc, ReplayedAnswerError)
        audit_replay(request, request.app.state.clock())
        return replayed(exc)

    app.add_exception_handler(ReplayedAnswerError, replay)

    def busy(request: Request, exc: Exception) -> Response:
        """The database's write lock was not granted in time: try again shortly, never a 500."""
        if not is_busy(exc):
            raise exc
        return handler(request, StorageBusyError())

    app.add_exception_handler(OperationalError, busy)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    """A body declared larger than the limit, refused unread in the edge's error shape."""
    from pedmassage.api import errors as api_errors
    from pedmassage.api.routes import API_PREFIX
    from pedmassage.http.limits import BodyTooLargeError

    request = Request(scope, receive)
    limit = request.app.state.settings.max_request_bytes
    refusal = BodyTooLargeError(limit)
    response: Response = (
        api_errors.error_response(request, refusal)
        if request.url.path.startswith(API_PREFIX)
        else PlainTextResponse(str(refusal.detail), status_code=refusal.status_code)
    )
    await response(scope, receive, send)


def allowed_methods(request: Request) -> str:
    """Every method some route serves on the request's path, for a 405's ``Allow`` header."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import compile_path

    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.path and compile_path(route.path)[0].fullmatch(request.url.path):
            methods |= set(route.methods or ())
    return ", ".join(sorted(methods))
