"""Domain errors to HTTP: 422 names the field, the value and what is allowed."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from pedmassage.errors import ConflictError, NotFoundError, ValidationError, jsonable


def install(app: FastAPI) -> None:
    app.add_exception_handler(ValidationError, _domain_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _request_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(NotFoundError, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(ConflictError, _conflict)  # type: ignore[arg-type]


async def _domain_invalid(_: Request, exc: ValidationError) -> JSONResponse:
    return JSONResponse({"detail": [exc.as_dict()]}, status_code=422)


async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": [request_error(e) for e in exc.errors()]}, status_code=422)


def request_error(error: object) -> dict[str, object]:
    """Pydantic's error in the same shape as the domain's: field, value, allowed, message."""
    assert isinstance(error, dict)
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(loc) or "body"
    value = error.get("input")
    shown = jsonable(value) if isinstance(value, str | int | float | bool) else None
    return {
        "field": field,
        "value": shown,
        "allowed": str(error.get("msg", "")),
        "message": f"{field}: {error.get('msg', '')}",
    }


async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
    return JSONResponse(
        {
            "detail": [
                {
                    "field": "id",
                    "value": exc.ident,
                    "allowed": f"an existing {exc.kind} id",
                    "message": str(exc),
                }
            ]
        },
        status_code=404,
    )


async def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
    return JSONResponse(
        {"detail": [{"field": exc.field, "value": None, "allowed": None, "message": str(exc)}]},
        status_code=409,
    )
