"""One CDS hook call: the request read, the child's record gathered, screened, and answered.

The request is read as the spec shapes it, leniently: fields the spec adds later, an
``extension``, or context fields of a newer hook version are let through, while what the service
needs (``hook``, ``hookInstance``, ``context.patientId``, and for ``order-select`` the
``selections`` and ``draftOrders``) must be there and well formed.

The record comes from the prefetch first. A key the EHR left out is fetched from its FHIR server
with the bearer token it passed (``fhirAuthorization``), using the same template; a key given as
``null`` means the EHR has no such data. A key that can be neither read from the prefetch nor
fetched is :class:`DataUnavailableError` (the spec's 412): screening without, say, the child's
conditions would look like a child without any. Prefetched data must be about the patient in
context: a Patient other than the one in context is refused, and an entry about another patient
is reported as not read, never screened.

The entries are read into a screening input by ``pedmassage.fhir.inbound`` and screened with the
app's rule book less its consent and assent rules (:func:`clinical_rulebook`): what the EHR
cannot know about the bedside is asked there (see :mod:`pedmassage.cdshooks.cards`).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel

from pedmassage.cdshooks.auth import OPENER, secure_url
from pedmassage.cdshooks.cards import (
    BEDSIDE_RULE_PREFIXES,
    SOURCE_LABEL,
    Card,
    Source,
    cards_json,
    escape,
    new_card_id,
    screening_cards,
)
from pedmassage.cdshooks.discovery import Service, prefetch_templates
from pedmassage.errors import ValidationError
from pedmassage.safety import RuleBook, evaluate
from pedmassage.safety.contract import Setting

FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
"""A FHIR resource id (the spec's ``id`` type): what may stand in a fetch URL's path."""
MAX_PAGES = 10
"""Pages of one search followed through ``next`` links before the data counts as unavailable."""
MAX_FHIR_BYTES = 16 * 1_048_576
SCREENING_SETTING: Setting = "hospital"
"""The setting the EHR's child is screened in: hospital care (an EHR's patient), whose rules ask
for a current temperature, the more careful choice when the record does not say."""
FHIR_JSON = "application/fhir+json"


class DataUnavailableError(Exception):
    """The record could be neither read from the prefetch nor fetched: answered 412."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


# --- the request, as the spec shapes it ------------------------------------------------------


class _Lenient(BaseModel):
    """Spec JSON in camelCase; fields this service does not use are kept, not refused."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="allow")


class FhirAuthorization(_Lenient):
    access_token: str = Field(alias="access_token", min_length=1)
    token_type: str = Field(alias="token_type")
    expires_in: int = Field(alias="expires_in")
    scope: str
    subject: str
    patient: str | None = None

    @model_validator(mode="after")
    def _bearer(self) -> FhirAuthorization:
        if self.token_type.lower() != "bearer":
            raise ValueError("fhirAuthorization.token_type must be Bearer")
        return self


class HookRequest(_Lenient):
    hook: str = Field(min_length=1)
    hook_instance: str = Field(min_length=1)
    fhir_server: str | None = None
    fhir_authorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _server_with_token(self) -> HookRequest:
        """The spec: ``fhirServer`` is required whenever ``fhirAuthorization`` is given."""
        if self.fhir_authorization is not None and not self.fhir_server:
            raise ValueError("fhirServer is required when fhirAuthorization is given")
        return self


class PatientViewContext(_Lenient):
    user_id: str = Field(min_length=1)
    patient_id: str = Field(pattern=FHIR_ID)
    encounter_id: str | None = None


class OrderSelectContext(PatientViewContext):
    selections: list[str] = Field(min_length=1)
    draft_orders: dict[str, Any]


class Coding(_Lenient):
    code: str
    system: str
    display: str | None = None


class AcceptedSuggestion(_Lenient):
    id: str = Field(min_length=1)


class OverrideReason(_Lenient):
    reason: Coding | None = None
    user_comment: str | None = None


class FeedbackItem(_Lenient):
    card: str = Field(min_length=1)
    outcome: Literal["accepted", "overridden"]
    accepted_suggestions: list[AcceptedSuggestion] | None = None
    override_reason: OverrideReason | None = None
    outcome_timestamp: str = Field(min_length=1)

    @model_validator(mode="after")
    def _accepted_names_suggestions(self) -> FeedbackItem:
        if self.outcome == "accepted" and not self.accepted_suggestions:
            raise ValueError("an accepted outcome needs acceptedSuggestions")
        return self

    def audit_text(self, service_id: str) -> str:
        """What the audit log keeps of it: the card, the outcome and the suggestion or reason
        codes; never the clinician's free-text comment, which may name the child."""
        text = f"{service_id} card={self.card} {self.outcome}"
        if self.accepted_suggestions:
            text += " suggestions=" + ",".join(s.id for s in self.accepted_suggestions)
        if self.override_reason is not None and self.override_reason.reason is not None:
            reason = self.override_reason.reason
            text += f" reason={reason.system}|{reason.code}"
        return text


class Feedback(_Lenient):
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=100)


_LenientT = TypeVar("_LenientT", bound=_Lenient)


def parse(model: type[_LenientT], body: bytes | Mapping[str, Any], where: str = "") -> _LenientT:
    """``body`` (JSON text or already parsed) as ``model``; refusals name the field."""
    try:
        data = json.loads(body) if isinstance(body, bytes | bytearray) else body
    except ValueError:
        raise ValidationError("body", None, "a JSON object", "the body is not JSON") from None
    if not isinstance(data, Mapping):
        raise ValidationError(where or "body", None, "a JSON object")
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        error = exc.errors(include_url=False)[0]
        path = ".".join(str(p) for p in (*([where] if where else []), *error["loc"])) or "body"
        said = str(error["msg"]).removeprefix("Value error, ")
        raise ValidationError(path, None, said, f"{path}: {said}") from None


def read_feedback(body: bytes) -> list[FeedbackItem]:
    return parse(Feedback, body).feedback


# --- the FHIR server -------------------------------------------------------------------------


@dataclass(frozen=True)
class FhirServer:
    """The EHR's FHIR server, reached with the bearer token the EHR passed for this call."""

    base: str
    token: str
    timeout: float

    def get(self, url: str) -> Any:
        """GET ``url`` (on this server) as FHIR JSON; any failure is :class:`DataUnavailable`."""
        if not self.owns(url):
            raise DataUnavailableError(f"a link leaves the FHIR server {self.base}")
        if not secure_url(url):
            # the token and the child's data travel on it: https, or this machine (a test EHR)
            raise DataUnavailableError(f"the FHIR server {self.base} is not https")
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.token}", "Accept": FHIR_JSON}
        )
        try:
            with OPENER.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_FHIR_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise DataUnavailableError(f"the FHIR server answered {exc.code} to {url}") from None
        except OSError as exc:
            raise DataUnavailableError(f"the FHIR server could not be read: {exc}") from None
        if len(body) > MAX_FHIR_BYTES:
            raise DataUnavailableError(f"the FHIR server's answer to {url} is too large")
        try:
            return json.loads(body)
        except ValueError:
            raise DataUnavailableError(f"the FHIR server's answer to {url} is not JSON") from None

    def owns(self, url: str) -> bool:
        return url.startswith(self.base.rstrip("/") + "/")

    def url(self, relative: str) -> str:
        """The template's relative URL on this server, its query values encoded."""
        path, _, query = relative.partition("?")
        pairs = parse_qsl(query, keep_blank_values=True)
        encoded = f"?{urlencode(pairs, safe=',:/')}" if pairs else ""
        return f"{self.base.rstrip('/')}/{path}{encoded}"


def fhir_server(request: HookRequest, timeout: float) -> FhirServer | None:
    """The FHIR server this call may fetch from: only one the EHR passed a token for."""
    if request.fhir_server is None or request.fhir_authorization is None:
        return None
    token = request.fhir_authorization.access_token
    return FhirServer(base=request.fhir_server, token=token, timeout=timeout)


# --- gathering the record --------------------------------------------------------------------

_TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")


def resolve(template: str, context: Mapping[str, Any]) -> str:
    """The template with each ``{{context.x}}`` replaced by the context's primitive value."""

    def value(match: re.Match[str]) -> str:
        found = context.get(match.group(1))
        if not isinstance(found, str | int | float) or isinstance(found, bool):
            raise ValidationError(f"context.{match.group(1)}", found, "a string")
        return str(found)

    return _TOKEN.sub(value, template)


def newest_first(template: str) -> bool:
    """A search sorted newest first: its first page holds the latest of everything."""
    return "_sort=-date" in template


def gather(
    request: HookRequest,
    patient_id: str,
    server: FhirServer | None,
    templates: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every resource of the record: the prefetch where it answers, the FHIR server elsewhere."""
    templates = templates or prefetch_templates()
    prefetch = request.prefetch or {}
    found: list[dict[str, Any]] = []
    missing: dict[str, str] = {}
    for key, template in templates.items():
        value = prefetch.get(key, _ABSENT)
        if value is None:
            continue  # the spec: the EHR has no data for this key
        if value is not _ABSENT and _usable(value):
            found.extend(_prefetched(key, value, template, server))
        else:
            missing[key] = resolve(template, request.context)
    if missing:
        if server is None:
            keys = ", ".join(sorted(missing))
            raise DataUnavailableError(
                f"no prefetch for {keys} and no FHIR server with a token to fetch them from"
            )
        found.extend(_fetch_all(server, missing))
    return _about(found, patient_id)


_ABSENT = object()


def _usable(value: object) -> bool:
    """Not an error the EHR passed instead of data (the spec: an OperationOutcome)."""
    if not isinstance(value, Mapping) or value.get("resourceType") == "OperationOutcome":
        return False
    return not any(_failed(r) for r in _entries(value))


def _failed(resource: Mapping[str, Any]) -> bool:
    issues = resource.get("issue") if resource.get("resourceType") == "OperationOutcome" else []
    return any(
        isinstance(i, Mapping) and i.get("severity") in ("error", "fatal") for i in issues or []
    )


def _entries(bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    if bundle.get("resourceType") != "Bundle":
        return [dict(bundle)]
    resources = []
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(resource, Mapping):
            resources.append(dict(resource))
    return resources


def _next(bundle: Mapping[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, Mapping) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else None
    return None


def _prefetched(
    key: str, value: Mapping[str, Any], template: str, server: FhirServer | None
) -> list[dict[str, Any]]:
    """A prefetched value's resources; a paged search's further pages fetched (a search sorted
    newest first needs only its first page)."""
    following = None if newest_first(template) else _next(value)
    if following is None:
        return _clinical(_entries(value))
    if server is None:
        raise DataUnavailableError(
            f"prefetch {key} is paged and there is no FHIR server to read on"
        )
    return _clinical(_entries(value)) + _pages(server, following, key)


def _pages(server: FhirServer, url: str, key: str, first: bool = False) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    following: str | None = url
    for _ in range(MAX_PAGES):
        if following is None:
            return found
        answer = server.get(following)
        if not isinstance(answer, Mapping) or not _usable(answer):
            raise DataUnavailableError(f"the FHIR server gave no usable {key}")
        found.extend(_clinical(_entries(answer)))
        if first:
            return found
        following = _next(answer)
    if following is not None:
        raise DataUnavailableError(f"{key}: more than {MAX_PAGES} pages")
    return found


def _fetch_all(server: FhirServer, missing: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each missing key fetched, side by side: the call waits for the slowest, not the sum."""

    def one(item: tuple[str, str]) -> list[dict[str, Any]]:
        key, relative = item
        return _pages(server, server.url(relative), key, first=newest_first(relative))

    with ThreadPoolExecutor(max_workers=len(missing)) as pool:
        return [r for found in pool.map(one, missing.items()) for r in found]


def _clinical(resources: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record's own resources; a search's OperationOutcome (warnings) is not one."""
    return [r for r in resources if r.get("resourceType") != "OperationOutcome"]


def _about(resources: list[dict[str, Any]], patient_id: str) -> list[dict[str, Any]]:
    """The resources, refused if the Patient among them is not the one in context. (Each other
    resource about another patient than the Patient is reported, not read, by the FHIR reading.)"""
    for resource in resources:
        if resource.get("resourceType") == "Patient" and resource.get("id") not in (
            None,
            patient_id,
        ):
            raise ValidationError("prefetch.patient.id", None, "context.patientId")
    return resources


# --- the massage order -----------------------------------------------------------------------


def is_massage(order: Mapping[str, Any]) -> bool:
    """A ServiceRequest for massage, read from its words: ``code.text`` or a coding's display
    containing "massage". The project has no confirmed standard code for massage therapy (the
    clinical reference marks its SNOMED CT candidate UNVERIFIED), so no code is matched."""
    code = order.get("code")
    if not isinstance(code, Mapping):
        return False
    texts = [code.get("text")]
    texts += [c.get("display") for c in code.get("coding") or [] if isinstance(c, Mapping)]
    return any(isinstance(t, str) and "massage" in t.casefold() for t in texts)


def selected_massage_order(context: OrderSelectContext) -> dict[str, Any] | None:
    """The first selected draft ServiceRequest that is a massage order, if any."""
    selected = set(context.selections)
    for resource in _entries(context.draft_orders):
        if resource.get("resourceType") != "ServiceRequest":
            continue
        if f"ServiceRequest/{resource.get('id')}" in selected and is_massage(resource):
            return resource
    return None


# --- the screening ---------------------------------------------------------------------------

_CLINICAL_BOOKS: list[tuple[RuleBook, RuleBook]] = []


def clinical_rulebook(book: RuleBook) -> RuleBook:
    """``book`` without its consent and assent rules (ids ``consent.*`` and ``assent.*``).

    The EHR's record cannot say whether the guardian agrees today or whether the child does; run
    on it, those rules would hold every child for consent "not recorded". Left out, the screening
    covers the clinical precautions only, and the cards say consent and assent are asked at the
    bedside. Every other rule runs unchanged, on the same policy. Kept per book (a few at most).
    """
    for kept, clinical in _CLINICAL_BOOKS:
        if kept is book:
            return clinical
    rules = tuple(r for r in book.rules if not r.id.startswith(BEDSIDE_RULE_PREFIXES))
    clinical = replace(book, rules=rules)
    _CLINICAL_BOOKS[:] = [*_CLINICAL_BOOKS[-7:], (book, clinical)]
    return clinical


@dataclass(frozen=True)
class CallSettings:
    """What one call needs from the app: its rule book, clock reading and limits."""

    rulebook: RuleBook
    now: datetime
    timeout: float
    source_url: str | None = None


def handle(
    service: Service,
    body: bytes | Mapping[str, Any],
    call: CallSettings,
    new_id: Callable[[], str] | None = None,
) -> dict[str, Any]:
    """The response body for one hook call: ``{"cards": [...]}``.

    Raises ``pedmassage.errors.ValidationError`` for a request the spec does not allow (422) and
    :class:`DataUnavailableError` when the record cannot be had (412).
    """
    request = parse(HookRequest, body)
    if request.hook != service.hook:
        raise ValidationError("hook", request.hook, f"{service.hook} (the hook of {service.id})")
    order: dict[str, Any] | None = None
    context: PatientViewContext
    if service.hook == "order-select":
        context = parse(OrderSelectContext, request.context, "context")
        order = selected_massage_order(context)
        if order is None:
            return cards_json([])  # no massage order selected: nothing to say
    else:
        context = parse(PatientViewContext, request.context, "context")
    resources = gather(request, context.patient_id, fhir_server(request, call.timeout))
    return cards_json(screen(resources, order, call, new_id))


def screen(
    resources: Sequence[Mapping[str, Any]],
    order: Mapping[str, Any] | None,
    call: CallSettings,
    new_id: Callable[[], str] | None = None,
) -> list[Card]:
    """The cards for the record's resources; a record that cannot be screened gets one
    ``warning`` card saying why, so the clinician sees that nothing was screened."""
    from pedmassage.fhir.inbound import screening_input_from_resources

    try:
        inp, unmapped = screening_input_from_resources(
            resources, now=call.now, setting=SCREENING_SETTING
        )
        result = evaluate(inp, clinical_rulebook(call.rulebook))
    except ValidationError as exc:
        return [unscreenable_card(exc, call.source_url, new_id)]
    return screening_cards(
        result, unmapped=unmapped, order=order, source_url=call.source_url, new_id=new_id
    )


def unscreenable_card(
    exc: ValidationError, source_url: str | None, new_id: Callable[[], str] | None
) -> Card:
    return Card(
        uuid=(new_id or new_card_id)(),
        summary="Massage screening not possible: the record lacks what the rules need.",
        indicator="warning",
        source=Source(label=SOURCE_LABEL, url=source_url),
        detail=(
            "pedmassage could not screen this child from the record, so nothing was checked: "
            f"{escape(exc.message)}\n\nThe therapist screens the child at the bedside before "
            "any massage."
        ),
    )
