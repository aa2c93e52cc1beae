"""Domain errors as readable pages: 404 for an unknown id, 409 for a state that forbids the action,
422 for a bad link, 403 for someone not linked to the child; never a stack trace.

Forms handle their own refusals and show them beside the field; these pages are the rest. The
handler runs after the unit of work has rolled back, so the page is drawn on a clean session.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import RedirectResponse, Response

from pedmassage.errors import (
    AccessDeniedError,
    AuthenticationRequiredError,
    ConflictError,
    NotFoundError,
    StorageBusyError,
    ValidationError,
)
from pedmassage.web.rendering import render

PAGES: dict[type[Exception], tuple[str, int]] = {
    NotFoundError: ("errors/not_found.html", 404),
    AccessDeniedError: ("homecare/denied.html", 403),
    ConflictError: ("errors/conflict.html", 409),
    ValidationError: ("errors/invalid.html", 422),
    RequestValidationError: ("errors/invalid.html", 422),
    StorageBusyError: ("errors/conflict.html", 503),
}
HANDLED: tuple[type[Exception], ...] = (AuthenticationRequiredError, *PAGES)
"""The errors this edge answers; anything else is a fault and stays a 500."""


def error_page(request: Request, exc: Exception) -> Response:
    """The web app's one answer to every error it handles; nobody logged in goes to log in."""
    if isinstance(exc, AuthenticationRequiredError):
        wanted = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?{urlencode({'next': wanted})}", status_code=303)
    for kind, (template, status_code) in PAGES.items():
        if isinstance(exc, kind):
            page = render(request, template, {"message": str(exc)}, status_code=status_code)
            if isinstance(exc, StorageBusyError):
                page.headers["Retry-After"] = str(exc.retry_after_seconds)
            return page
    raise exc
