"""Who is asking: a bearer token (the API), a login cookie (the web app), or nobody.

The actor is found once per request and kept on ``request.state``; a token or cookie that is
unknown, expired, revoked or idle too long counts as no login at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request

from pedmassage.access.policy import Actor
from pedmassage.http.scope import NowDep, SessionDep
from pedmassage.sessions.service import Witness

SESSION_COOKIE = "pedmassage_session"


def current_actor(request: Request, db: SessionDep, now: NowDep) -> Actor:
    cached = getattr(request.state, "actor", None)
    if isinstance(cached, Actor):
        return cached
    actor = _from_token(request, db, now) or _from_cookie(request, db, now) or Actor.anonymous()
    request.state.actor = actor
    return actor


def _from_token(request: Request, db: SessionDep, now: datetime) -> Actor | None:
    from pedmassage.access.tokens import actor_for_token

    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    request.state.via = "token"
    return actor_for_token(db=db, secret=secret.strip(), now=now)


def _from_cookie(request: Request, db: SessionDep, now: datetime) -> Actor | None:
    from pedmassage.access.logins import login_for_key

    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        return None
    minutes = request.app.state.settings.idle_logout_minutes
    found = login_for_key(db=db, key=key, now=now, idle=timedelta(minutes=minutes))
    if found is None:
        return None
    actor, login = found
    request.state.via = "cookie"
    request.state.csrf_token = login.csrf_token
    return actor


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def witness(actor: Actor, request: Request) -> Witness:
    """Who is starting a session, from where: the audit entry of a reading gone without."""
    return Witness(
        name=actor.display_name or actor.username, role=actor.role, address=client_address(request)
    )


ActorDep = Annotated[Actor, Depends(current_actor)]
