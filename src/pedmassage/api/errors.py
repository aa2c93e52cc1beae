"""Domain errors to HTTP for the API: the one JSON error shape, ``{"detail": [{field, value,
allowed, message}]}``.

422 names the field, the value and what is allowed; 404 an unknown id; 409 a state that forbids
the action; 403 a viewer not linked to the child. Request-shape errors use the same shape.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from pedmassage.errors import (
    AccessDeniedError,
    AuthenticationRequiredError,
    ConflictError,
    NotFoundError,
    StorageBusyError,
    ValidationError,
    jsonable,
)

HANDLED: tuple[type[Exception], ...] = (
    ValidationError,
    RequestValidationError,
    NotFoundError,
    ConflictError,
    AccessDeniedError,
    AuthenticationRequiredError,
    StorageBusyError,
)
"""The errors this edge answers; anything else is a fault and stays a 500."""


def error_response(_: Request, exc: Exception) -> JSONResponse:
    """The API's one answer to every error it handles."""
    if isinstance(exc, RequestValidationError):
        return _detail([request_error(e) for e in exc.errors()], 422)
    if isinstance(exc, ValidationError):
        return _detail([exc.as_dict()], 422)
    if isinstance(exc, NotFoundError):
        allowed = f"an existing {exc.kind} id"
        return _detail([_entry("id", exc.ident, allowed, str(exc))], 404)
    if isinstance(exc, StorageBusyError):
        answer = _detail([_entry(exc.field, None, "a retry shortly", str(exc))], 503)
        answer.headers["Retry-After"] = str(exc.retry_after_seconds)
        return answer
    if isinstance(exc, AuthenticationRequiredError):
        entry = _entry(exc.field, None, "a valid bearer token", str(exc))
        answer = _detail([entry], 401)
        answer.headers["WWW-Authenticate"] = "Bearer"
        return answer
    if isinstance(exc, AccessDeniedError):
        return _detail([_entry(exc.field, None, "a linked viewer", str(exc))], 403)
    if isinstance(exc, ConflictError):
        return _detail([_entry(exc.field, None, None, str(exc))], 409)
    raise exc


def request_error(error: object) -> dict[str, object]:
    """Pydantic's error in the same shape as the domain's: field, value, allowed, message."""
    assert isinstance(error, dict)
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(loc) or "body"
    value = error.get("input")
    shown = jsonable(value) if isinstance(value, str | int | float | bool) else None
    message = f"{field}: {error.get('msg', '')}"
    return _entry(field, shown, str(error.get("msg", "")), message)


def _entry(
    field: str | None, value: object, allowed: str | None, message: str
) -> dict[str, object]:
    return {"field": field, "value": value, "allowed": allowed, "message": message}


def _detail(entries: list[dict[str, object]], status_code: int) -> JSONResponse:
    return JSONResponse({"detail": entries}, status_code=status_code)
