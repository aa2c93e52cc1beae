"""CDS Hooks at ``/cds-services``: discovery, the two screening services, and their feedback.

Who may call. The EHR is not a person logged in to pedmassage, so every route carries
``allow("public.read")`` for the one policy, and the hook and feedback routes then authenticate
the EHR themselves, as the spec's "Trusting CDS Clients" defines: a JWT signed by a configured
issuer, for this endpoint's URL (:mod:`pedmassage.cdshooks.auth`). Discovery asks for no JWT: it
describes the services and holds no one's data, and the spec asks for authentication only where
a call could expose sensitive data.

Why a plain route class and not ``StrictJSONRoute``. The API's strict reading refuses unknown
fields, deep nesting and lax types, which suits records pedmassage keeps; a hook call is the
spec's JSON, where extra fields and ``extension`` are allowed and FHIR resources nest deeply. The
body is read here, after the JWT check, and validated by the spec-shaped models of
:mod:`pedmassage.cdshooks.service`. These paths are outside ``/api``, so every answer, errors
included, is made here as JSON in the API's error shape rather than left to the web app's pages.
They are not in the OpenAPI document: the discovery endpoint is how a CDS client learns them.

Every call is audited: the verified issuer as actor (``anonymous`` when the JWT was refused), in
the role ``ehr``, action ``cds.<hook>`` or ``cds.feedback``, the service id as resource, and no
child id (the EHR's patient is not a pedmassage child).
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.audit.service import AuditEvent, append_at_commit
from pedmassage.cdshooks.auth import (
    Caller,
    ClientVerifier,
    JwksCache,
    UntrustedCallError,
)
from pedmassage.cdshooks.discovery import SERVICES, discovery
from pedmassage.cdshooks.service import (
    CallSettings,
    DataUnavailableError,
    handle,
    read_feedback,
)
from pedmassage.errors import ValidationError
from pedmassage.http import allow
from pedmassage.http.actor import client_address

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"], include_in_schema=False)

ROLE = "ehr"
ANONYMOUS = "anonymous"
_VERIFIER_LOCK = threading.Lock()


async def raw_body(request: Request) -> bytes:
    """The body as sent; read in a dependency so the route itself may run in a worker thread
    (it may wait on the EHR's FHIR server)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


@router.get("", dependencies=[allow("public.read")])
def get_discovery() -> dict[str, Any]:
    """The CDS services, the hook each answers and the data each asks the EHR to prefetch."""
    return discovery()


@router.post("/{service_id}", dependencies=[allow("public.read")])
def call_service(
    service_id: str, request: Request, body: RawBody, db: SessionDep, now: NowDep
) -> JSONResponse:
    """A hook call: ``{"cards": [...]}``, 401 without a trusted JWT, 404 for an unknown service,
    412 when the record can be neither read from the prefetch nor fetched, 422 for a request the
    spec does not allow."""
    service = SERVICES.get(service_id)
    action = f"cds.{service.hook}" if service is not None else "cds.call"
    audit = _Audit(request, db, now, action, service_id)
    caller = _caller(request, now, [_endpoint(request, service_id)], audit)
    if isinstance(caller, JSONResponse):
        return caller
    if service is None:
        audit.write("failed")
        return _error(404, "service_id", service_id, "a service listed at /cds-services")
    settings = request.app.state.settings
    call = CallSettings(
        rulebook=request.app.state.rulebook,
        now=now,
        timeout=settings.cds_fetch_timeout_seconds,
        source_url=_base(request) + "/evidence",
    )
    try:
        answer = handle(service, body, call)
    except ValidationError as exc:
        audit.write("failed")
        return _error(422, exc.field, exc.value, exc.allowed, exc.message)
    except DataUnavailableError as exc:
        audit.write("failed")
        allowed = "prefetch, or a FHIR server and token to fetch it"
        return _error(412, "prefetch", None, allowed, exc.message)
    audit.write("allowed")
    return JSONResponse(answer)


@router.post("/{service_id}/feedback", dependencies=[allow("public.read")])
def feedback(
    service_id: str, request: Request, body: RawBody, db: SessionDep, now: NowDep
) -> JSONResponse:
    """What the clinician did with the cards (accepted a suggestion, overrode a card): each item
    is written to the audit log as ``cds.feedback``."""
    audit = _Audit(request, db, now, "cds.feedback", service_id)
    audiences = [_endpoint(request, service_id) + "/feedback", _endpoint(request, service_id)]
    caller = _caller(request, now, audiences, audit)
    if isinstance(caller, JSONResponse):
        return caller
    if service_id not in SERVICES:
        audit.write("failed")
        return _error(404, "service_id", service_id, "a service listed at /cds-services")
    try:
        items = read_feedback(body)
    except ValidationError as exc:
        audit.write("failed")
        return _error(422, exc.field, exc.value, exc.allowed, exc.message)
    for item in items:
        audit.write("allowed", resource=item.audit_text(service_id))
    return JSONResponse({})


class _Audit:
    """The audit entries of one call, written as the request's transaction commits."""

    def __init__(
        self, request: Request, db: Session, now: Any, action: str, service_id: str
    ) -> None:
        self.request, self.db, self.now = request, db, now
        self.action, self.service_id = action, service_id
        self.actor = ANONYMOUS

    def write(self, outcome: str, resource: str | None = None) -> None:
        event = AuditEvent(
            actor=self.actor,
            role=ROLE,
            action=self.action,
            resource=resource or self.service_id,
            child_id=None,
            address=client_address(self.request),
            outcome=outcome,
        )
        append_at_commit(db=self.db, event=event, at=self.now)


def _caller(
    request: Request, now: Any, audiences: list[str], audit: _Audit
) -> Caller | JSONResponse:
    """The EHR the call's JWT proves, or the 401 answer (audited) when it proves none."""
    try:
        caller = _verifier(request).verify(
            request.headers.get("authorization"), audiences=audiences, now=now
        )
    except UntrustedCallError as exc:
        audit.write("unauthenticated")
        answer = _error(
            401,
            "Authorization",
            None,
            "a JWT (ES384 or RS384) signed by a CDS client this site trusts, for this endpoint",
            exc.message,
        )
        answer.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return answer
    audit.actor = caller.issuer
    return caller


def _verifier(request: Request) -> ClientVerifier:
    """The app's verifier, made on first use from its settings; it keeps the issuers' JWK Sets
    and the ``jti`` already seen for the life of the app."""
    state = request.app.state
    with _VERIFIER_LOCK:
        verifier = getattr(state, "cds_verifier", None)
        if not isinstance(verifier, ClientVerifier):
            settings = state.settings
            cache = JwksCache(timeout=settings.cds_fetch_timeout_seconds)
            verifier = ClientVerifier(settings.cds_issuers, cache=cache)
            state.cds_verifier = verifier
    return verifier


def _base(request: Request) -> str:
    """The public base URL: the configured one, else the one the request came to."""
    configured: str | None = request.app.state.settings.cds_base_url
    return (configured or str(request.base_url)).rstrip("/")


def _endpoint(request: Request, service_id: str) -> str:
    """The URL of the service endpoint, which the JWT's ``aud`` must name."""
    return f"{_base(request)}/cds-services/{service_id}"


def _error(
    status: int, field: str, value: Any, allowed: str, message: str | None = None
) -> JSONResponse:
    """The API's error shape: ``{"detail": [{field, value, allowed, message}]}``."""
    entry = ValidationError(field, value, allowed, message).as_dict()
    return JSONResponse({"detail": [entry]}, status_code=status)
