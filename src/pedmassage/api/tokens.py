"""The caller's own API tokens: list, create (the secret is in the answer, once) and revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pedmassage.access import tokens
from pedmassage.access.schemas import TokenCreate, TokenCreatedPublic, TokenPublic
from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.errors import AccessDeniedError
from pedmassage.http import ActorDep, NowDep, SessionDep, allow

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1/tokens", tags=["tokens"])


@router.get("", dependencies=[allow("token.manage")])
def list_tokens(db: SessionDep, actor: ActorDep) -> list[TokenPublic]:
    """The caller's tokens (never their secrets)."""
    return tokens.list_tokens(db=db, username=actor.username)


@router.post("", status_code=201, dependencies=[allow("token.manage")])
def create_token(
    data: TokenCreate, db: SessionDep, now: NowDep, actor: ActorDep, request: Request
) -> TokenCreatedPublic:
    """A new token with the caller's rights; ``secret`` is shown this once. Made with a token,
    not from a web login: a borrowed browser session must not outlive its idle log-off."""
    if getattr(request.state, "via", None) != "token":
        raise AccessDeniedError("Tokens are made with a token or at the command line.")
    return tokens.create_token(
        db=db, username=actor.username, now=now, expires_days=data.expires_days
    )


@router.delete("/{token_id}", dependencies=[allow("token.manage")])
def revoke_token(token_id: str, db: SessionDep, now: NowDep) -> TokenPublic:
    """Revoke one of the caller's tokens at once."""
    return tokens.revoke_token(db=db, token_id=token_id, now=now)
