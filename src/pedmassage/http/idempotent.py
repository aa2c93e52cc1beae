"""``Idempotency-Key`` on every request that creates a record, for the API and the web forms.

The key is claimed in the request's own transaction, after the caller is known and allowed, and
the answer is kept beside it in the same transaction once the route has answered (:func:`keep`):
the record, its key and its answer commit together or not at all. A retry with the same key gets
that answer back, marked ``Idempotent-Replayed: true``, and nothing is stored again. A web form
carries its key in a hidden ``idempotency_key`` field, new each time the form is drawn.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Sequence
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from pedmassage.http.actor import ActorDep
from pedmassage.http.scope import NowDep, SessionDep
from pedmassage.idempotency.service import (
    KEY_PATTERN,
    Answer,
    ReplayedAnswerError,
    claim,
    fingerprint,
    keep_answer,
    kept_headers,
    release,
)

KEY_HELP = (
    "Optional, recommended: a key of your own (e.g. a UUID) for this request; a retry with the "
    "same key gets the first answer back and stores nothing twice."
)
FORM_FIELD = "idempotency_key"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REPLAYED = "Idempotent-Replayed"


async def claim_key(
    request: Request,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
    key: Annotated[
        str, Header(alias="Idempotency-Key", description=KEY_HELP, pattern=KEY_PATTERN.pattern)
    ] = "",
) -> None:
    """Claim the request's key with the record it creates (no key: nothing to claim)."""
    content, form_key = await _content(request)
    given = key or form_key
    if not given:
        return
    same = fingerprint(request.method, request.url.path, request.url.query, content)
    # In a worker thread: a twin's claim waits in the database for the first request to commit,
    # and must not hold up the event loop the first request needs to get there.
    request.state.idempotency_claim = await run_in_threadpool(
        lambda: claim(db, actor=actor.username, key=given, fingerprint=same, now=now)
    )


async def _content(request: Request) -> tuple[bytes, str | None]:
    """What the request says, and a form's own key. A form is read as fields (it may have been
    read already, by the CSRF check), in order, so the same form sent twice reads the same."""
    media_type = request.headers.get("content-type", "")
    if not media_type.startswith(FORM_TYPES):
        return await request.body(), None
    form = await request.form()
    fields = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    key = form.get(FORM_FIELD)
    return json.dumps(fields).encode(), key if isinstance(key, str) else None


def keep(request: Request, response: Response) -> None:
    """Once the route has answered, keep the answer beside its key, in the request's own
    transaction: the record, its key and its answer commit together or not at all."""
    claim_id = getattr(request.state, "idempotency_claim", None)
    if claim_id is None:
        return
    db = request.state.unit_of_work
    if response.status_code >= 400:
        release(db, claim_id)
    else:
        answer = Answer(response.status_code, bytes(response.body), kept_headers(response.headers))
        keep_answer(db, claim_id, answer)
    db.flush()


def replayed(exc: ReplayedAnswerError) -> Response:
    """The first answer again, said to be a replay."""
    answer = exc.answer
    headers = {**answer.headers, REPLAYED: "true"}
    return Response(answer.body, status_code=answer.status, headers=headers)


class KeptAnswerRoute(APIRoute):
    """A route whose POSTs take an ``Idempotency-Key``: claimed after the route's own
    dependencies (so after the access policy), its answer kept once the route has answered."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        dependencies: Sequence[Any] | None = None,
        methods: set[str] | list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        checks = list(dependencies or [])
        if methods is not None and "POST" in {m.upper() for m in methods}:
            checks.append(Depends(claim_key))
        super().__init__(path, endpoint, dependencies=checks, methods=methods, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if "POST" not in (self.methods or set()):
            return handler

        async def answered_then_kept(request: Request) -> Response:
            response = await handler(request)
            await run_in_threadpool(keep, request, response)
            return response

        return answered_then_kept
