"""JSON request bodies read strictly, so that what is stored is what the client meant.

Every API route is a :class:`StrictJSONRoute`. Before the route runs, its JSON body is read once,
by :func:`pedmassage.inbound.parse_json`: a body that is not valid UTF-8, standard JSON, nested at
most a few levels, with each key once, is refused with a 422 naming the path of what is wrong.

After the caller is authenticated and allowed, the body is checked against its schema in
pydantic's strict mode: ``true`` is not a platelet count and ``"150"`` is not a number; a client
that sends them has a bug that a silent conversion would hide in a child's record. The route's own
(lax) validation then sees only input that strict validation accepted, so the two agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.inbound import parse_json

JSON_MEDIA_TYPES = ("application/json",)


class ParsedRequest(Request):
    """The request with its body already read and parsed, handed to the route."""

    def __init__(self, request: Request, raw: bytes, parsed: Any) -> None:
        super().__init__(request.scope, request.receive)
        self._raw = raw
        self._parsed = parsed

    async def body(self) -> bytes:
        return self._raw

    async def json(self) -> Any:
        return self._parsed


async def strictly_valid(request: Request) -> None:
    """The body against its schema in strict mode, after the caller is known and allowed."""
    route = request.scope.get("route")
    adapter = getattr(route, "strict_body", None)
    if adapter is None or not isinstance(request, ParsedRequest):
        return
    try:
        adapter.validate_json(json.dumps(await request.json()), strict=True)
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


class StrictJSONRoute(KeptAnswerRoute):
    """An API route whose JSON body is parsed strictly first and validated strictly after the
    route's own dependencies (authentication and the access policy) have run; a POST takes an
    ``Idempotency-Key`` (see :mod:`pedmassage.http.idempotent`)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        dependencies: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        checks = [*(dependencies or []), Depends(strictly_valid)]
        super().__init__(path, endpoint, dependencies=checks, **kwargs)
        shape = self.body_field.field_info.annotation if self.body_field is not None else None
        self.strict_body: TypeAdapter[Any] | None = (
            TypeAdapter(shape) if shape is not None else None
        )

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def parsed_first(request: Request) -> Response:
            raw = await request.body()
            if raw and _is_json(request):
                request = ParsedRequest(request, raw, parse_json(raw))
            return await handler(request)

        return parsed_first


def _is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type in JSON_MEDIA_TYPES or media_type.endswith("+json")
