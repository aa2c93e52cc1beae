"""Domain errors to HTTP for the API: the one JSON error shape, ``{"detail": [{field, value,
allowed, message}]}``.

422 names the field, the value and what is allowed; 404 an unknown id; 409 a state that forbids
the action; 403 a viewer not linked to the child. Request-shape errors use the same shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from pedmassage.errors import (
    AccessDeniedError,
    AuthenticationRequiredError,
    ConflictError,
    NotFoundError,
    StorageBusyError,
    ValidationError,
    jsonable,
)
from pedmassage.inbound import field_path


class ErrorEntry(BaseModel):
    """One thing wrong with a request, in words a clinician or a client developer can act on."""

    field: str | None = Field(description="The full path of the field: pre.items.score, …")
    value: Any = Field(description="What was given, when it is safe to echo; otherwise null.")
    allowed: str | None = Field(description="What would have been accepted.")
    message: str


class ErrorBody(BaseModel):
    """The one error shape of every API answer that is not a success."""

    detail: list[ErrorEntry]


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def documented_errors(route: APIRoute) -> dict[int | str, dict[str, Any]]:
    """The error answers ``route`` can give, each with the error body's schema, for OpenAPI.

    Every route may meet a missing or bad login (401), the access policy (403) and a database
    that is busy for too long (503); a path with an id may name no record (404); a write may find
    the record's state forbids it (409); a body may be too large (413) or refused (422).
    """

    def answer(description: str, **extra: Any) -> dict[str, Any]:
        return {"model": ErrorBody, "description": description, **extra}

    codes: dict[int | str, dict[str, Any]] = {
        401: answer("No valid login or bearer token"),
        403: answer("The access policy does not allow this to this person"),
        503: answer("The database was busy for too long; nothing was stored", headers=RETRY_AFTER),
    }
    params = get_flat_params(route.dependant)
    if route.param_convertors or params:
        codes[404] = answer("No record has this id (in the path or the query)")
    if (route.methods or set()) & UNSAFE_METHODS:
        codes[409] = answer("The record's state, or a newer version of it, forbids this")
    if route.body_field is not None:
        codes[413] = answer("The request body is larger than the limit")
    if route.body_field is not None or params:
        codes[422] = answer("A field is refused; the entry names its full path")
    return codes


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
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    raise exc


HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    404: ("path", "a path listed in /api/openapi.json", "no such API path"),
    405: ("method", "a method this path allows (see the Allow header)", "method not allowed"),
    413: ("body", "a smaller request body", "the request body is too large"),
}
"""Errors of the protocol rather than the record: field, what is allowed, and the message."""


def _http_error(exc: HTTPException) -> JSONResponse:
    field, allowed, message = HTTP_ERRORS.get(
        exc.status_code, ("request", "a well-formed request", str(exc.detail))
    )
    answer = _detail([_entry(field, None, allowed, message)], exc.status_code)
    answer.headers.update(exc.headers or {})
    return answer


def request_error(error: object) -> dict[str, object]:
    """Pydantic's error in the same shape as the domain's: field, value, allowed, message."""
    assert isinstance(error, dict)
    field = field_path(error.get("loc", ()))
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
