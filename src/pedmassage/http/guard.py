"""The policy declaration every route carries: ``dependencies=[allow("child.read")]``.

Before the route runs, the guard finds who is asking and what the request is about, asks the one
policy (:func:`pedmassage.access.policy.decide`) and records the answer in the audit log: an
allowed request inside the request's own transaction (so it is kept exactly when the work is), a
refused one in a transaction of its own (so the refusal is kept although the request fails).
Nobody logged in gets :class:`~pedmassage.errors.AuthenticationRequiredError` (401, or the login
page); someone logged in but not allowed gets :class:`~pedmassage.errors.AccessDeniedError` (403).

A state-changing request made with a login cookie must carry that login's CSRF token (a hidden
form field or the ``X-CSRF-Token`` header), and a cross-origin one is refused whatever it carries.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, Request

from pedmassage.access.policy import Actor, Decision, Target, decide
from pedmassage.errors import AccessDeniedError, AuthenticationRequiredError
from pedmassage.http.actor import ActorDep, client_address
from pedmassage.http.scope import NowDep, SessionDep
from pedmassage.http.targets import family_target, target_of

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"


class PolicyDeclaration:
    """The marker a route's guard carries, so the route table can be checked against the policy."""

    def __init__(self, action: str) -> None:
        self.action = action


def allow(action: str) -> Any:
    """The dependency that lets a request through only when the policy allows ``action``."""

    def guard(
        request: Request, db: SessionDep, now: NowDep, actor: ActorDep, _: None = Depends(_csrf)
    ) -> Actor:
        request.state.policy = (action, Target())  # an unknown id below is still audited
        target = target_of(db, request.path_params) if actor.authenticated else Target()
        if target == Target() and actor.role == "guardian":
            target = family_target(db, actor, request.query_params.get("guardian"))
        request.state.policy = (action, target)  # for a refusal raised past the guard
        decision = decide(actor, action, target)
        if not decision.allowed:
            _refused(request, db, actor, action, target, decision, now)
        if action != "public.read":  # no child's data: nothing to account for
            _audit(request, db, actor, action, target, "allowed", now)
        return actor

    guard.__policy__ = PolicyDeclaration(action)  # type: ignore[attr-defined]
    return Depends(guard)


async def _csrf(request: Request, actor: ActorDep) -> None:
    if request.method not in UNSAFE:
        return
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        raise AccessDeniedError("A form from another site cannot change anything here.")
    if getattr(request.state, "via", None) != "cookie":
        return
    sent = request.headers.get("x-csrf-token") or await _form_token(request)
    expected = getattr(request.state, "csrf_token", "")
    if not sent or not hmac.compare_digest(sent, expected):
        raise AccessDeniedError("The form has expired or did not come from this app: try again.")


async def _form_token(request: Request) -> str:
    if not request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return ""
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


def _refused(
    request: Request,
    db: Any,
    actor: Actor,
    action: str,
    target: Target,
    decision: Decision,
    now: Any,
) -> None:
    from pedmassage.audit.service import append_now

    db.rollback()  # the request writes nothing more, and its lock is free for the audit entry
    outcome = "denied" if actor.authenticated else "unauthenticated"
    request.state.refusal_audited = True
    append_now(
        engine=request.app.state.engine,
        event=_event(request, actor, action, target, outcome),
        at=now,
    )
    if not actor.authenticated:
        raise AuthenticationRequiredError()
    raise AccessDeniedError(f"Not allowed: {decision.reason}.")


def _audit(
    request: Request, db: Any, actor: Actor, action: str, target: Target, outcome: str, now: Any
) -> None:
    from pedmassage.audit.service import append_at_commit

    append_at_commit(db=db, event=_event(request, actor, action, target, outcome), at=now)


def _event(request: Request, actor: Actor, action: str, target: Target, outcome: str) -> Any:
    from pedmassage.audit.service import AuditEvent

    return AuditEvent(
        actor=actor.username,
        role=actor.role,
        action=action,
        resource=f"{request.method} {request.url.path}",
        child_id=target.child_id,
        address=client_address(request),
        outcome=outcome,
    )


def audit_refusal(request: Request, exc: Exception, now: Any) -> None:
    """A refusal raised past the guard (a record-level check: the care team, a name that is not
    the person's own, an account outside a lead's sites) is audited too, once, after the request's
    transaction has rolled back."""
    from pedmassage.audit.service import append_now

    actor = getattr(request.state, "actor", None)
    if getattr(request.state, "refusal_audited", False) or not isinstance(actor, Actor):
        return
    request.state.refusal_audited = True
    action, target = getattr(request.state, "policy", ("refused", Target()))
    event = _event(request, actor, action, target, "denied")
    append_now(engine=request.app.state.engine, event=event, at=now)


def site_for_new_record(actor: Actor, requested: str | None) -> str | None:
    """The site a new child joins: the one asked for, which must be one of the person's own, or
    their only site. ``None`` when the person belongs to several sites and named none (the service
    then refuses, naming the field)."""
    if requested is not None:
        if requested not in actor.site_ids:
            raise AccessDeniedError("A child can be added only to one of your own sites.")
        return requested
    return next(iter(actor.site_ids)) if len(actor.site_ids) == 1 else None


def own_name(actor: Actor, given: str | None, field: str) -> str:
    """The name a record carries is the logged-in person's own: a therapist records, signs and
    amends under their own name, never another's. A name given in the request must be theirs."""
    if given is not None and given.strip() and " ".join(given.split()) != actor.display_name:
        raise AccessDeniedError(f"{field}: you record under your own name, {actor.display_name}.")
    return actor.display_name


def audit_after_rollback(request: Request, db: Any, outcome: str) -> None:
    """A request allowed by the policy whose work was then refused (a form with a mistake, a
    record in the wrong state) rolled its audit entry back with its work; it is written again with
    the outcome, since the attempt, and the page shown again, are still a use of the record."""
    actor = getattr(request.state, "actor", None)
    policy = getattr(request.state, "policy", None)
    if not isinstance(actor, Actor) or policy is None or policy[0] == "public.read":
        return
    action, target = policy
    _audit(request, db, actor, action, target, outcome, request.app.state.clock())


def audit_replay(request: Request, now: Any) -> None:
    """A retried request answered with its first answer: the access is accounted for, the work
    is not done again. Written in its own transaction, after the request's has rolled back."""
    _audit_after_rollback(request, "replayed", now)


def audit_failure(request: Request, exc: Exception, now: Any) -> None:
    """The audit entry of a request that ended in an error page or answer: a refusal past the
    guard, or the work refused (404, 409, 422) after the policy allowed it. Written in its own
    transaction, after the request's has rolled back."""
    from pedmassage.errors import StorageBusyError

    if isinstance(exc, StorageBusyError):
        return  # nothing was done, and the database would not take an entry now either
    if isinstance(exc, AccessDeniedError):
        audit_refusal(request, exc, now)
        return
    if getattr(request.state, "refusal_audited", False):
        return
    if _audit_after_rollback(request, "failed", now):
        request.state.refusal_audited = True


def _audit_after_rollback(request: Request, outcome: str, now: Any) -> bool:
    """The entry of a request past the guard whose own transaction rolled back, in a short
    transaction of its own; False when there is no allowed, audited action to account for."""
    from pedmassage.audit.service import append_now

    actor = getattr(request.state, "actor", None)
    policy = getattr(request.state, "policy", None)
    if not isinstance(actor, Actor) or policy is None or policy[0] == "public.read":
        return False
    event = _event(request, actor, policy[0], policy[1], outcome)
    append_now(engine=request.app.state.engine, event=event, at=now)
    return True
