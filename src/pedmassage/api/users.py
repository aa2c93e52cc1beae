"""Accounts managed over the API: administrators for every site, program leads for their own.

The policy decides both whether the caller manages accounts at all (the route's declaration) and
whether this account, with its role and sites, is theirs to manage (``decide_account``).
"""

from __future__ import annotations

from fastapi import APIRouter

from pedmassage.access.policy import decide_account
from pedmassage.access.schemas import UserCreate, UserPublic
from pedmassage.access.service import (
    account_sites,
    add_user,
    disable_user,
    get_user,
    user_public,
    username_of,
    users_of_sites,
)
from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.errors import AccessDeniedError
from pedmassage.http import ActorDep, NowDep, SessionDep, allow

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1/users", tags=["users"])


@router.get("", dependencies=[allow("user.manage")])
def list_users(db: SessionDep, actor: ActorDep) -> list[UserPublic]:
    """Every account (administrators) or the accounts of the caller's sites (leads)."""
    sites = None if actor.role == "administrator" else actor.site_ids
    return users_of_sites(db=db, site_ids=sites)


@router.post("", status_code=201, dependencies=[allow("user.manage")])
def create_user(data: UserCreate, db: SessionDep, now: NowDep, actor: ActorDep) -> UserPublic:
    """A new account; a lead adds staff and guardians of their own sites only."""
    decision = decide_account(actor, data.role, account_sites(db=db, data=data))
    if not decision.allowed:
        raise AccessDeniedError(f"Not allowed: {decision.reason}.")
    return user_public(db, add_user(db=db, data=data, now=now))


@router.post("/{user_id}/disable", dependencies=[allow("user.manage")])
def disable(user_id: str, db: SessionDep, now: NowDep, actor: ActorDep) -> UserPublic:
    """Disable an account: its logins end and its tokens stop working."""
    username = username_of(db=db, user_id=user_id)
    user = get_user(db=db, username=username)
    assert user is not None
    decision = decide_account(actor, user.role, account_sites(db=db, username=username))
    if not decision.allowed:
        raise AccessDeniedError(f"Not allowed: {decision.reason}.")
    return user_public(db, disable_user(db=db, username=username, now=now))
