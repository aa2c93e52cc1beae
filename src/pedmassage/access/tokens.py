"""Personal access tokens for the API: created, listed, revoked, and expiring.

A token is a random secret shown once; only its SHA-256 hash is stored, so a copy of the database
opens nothing. A token carries its user's rights, and stops working when it expires, is revoked,
or its user is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from pedmassage.access.models import ApiToken, User
from pedmassage.access.policy import Actor
from pedmassage.access.schemas import TokenCreatedPublic, TokenPublic
from pedmassage.access.service import actor_for, get_user
from pedmassage.db import at_commit
from pedmassage.errors import ConflictError, NotFoundError, ValidationError

PREFIX = "pmt_"
DEFAULT_DAYS = 90
MAX_DAYS = 365

LAST_USED_PRECISION = timedelta(minutes=1)
"""How exactly a token's last use is kept: to the minute, which is what revoking one needs."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *, db: Session, username: str, now: datetime, expires_days: int = DEFAULT_DAYS
) -> TokenCreatedPublic:
    """A new token for ``username``; its secret is in the answer and nowhere else."""
    if not 1 <= expires_days <= MAX_DAYS:
        raise ValidationError("expires_days", expires_days, f"1 to {MAX_DAYS} days")
    user = get_user(db=db, username=username)
    assert user is not None
    if not user.active:
        raise ConflictError(f"{username} is disabled.", field="username")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_days),
    )
    db.add(token)
    db.flush()
    return TokenCreatedPublic(**TokenPublic.model_validate(token).model_dump(), secret=secret)


def list_tokens(*, db: Session, username: str | None = None) -> list[TokenPublic]:
    query = select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)
    if username is not None:
        user = get_user(db=db, username=username)
        assert user is not None
        query = query.where(ApiToken.user_id == user.id)
    return [TokenPublic.model_validate(t) for t in db.scalars(query)]


def token_owner(*, db: Session, token_id: str) -> str:
    """The user a token belongs to (what the policy needs to know about it)."""
    token = db.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError("token", token_id)
    return token.user_id


def revoke_token(*, db: Session, token_id: str, now: datetime) -> TokenPublic:
    token = db.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError("token", token_id)
    token.revoked_at = token.revoked_at or now
    db.flush()
    return TokenPublic.model_validate(token)


def _used(token: ApiToken, now: datetime) -> None:
    token.last_used_at = now


def actor_for_token(*, db: Session, secret: str, now: datetime) -> Actor | None:
    """The user a bearer token stands for, or None when it is unknown, expired, revoked or its
    user disabled (the caller answers 401 without saying which)."""
    query = select(ApiToken).where(ApiToken.token_hash == digest(secret))
    token = db.scalar(
        query.options(
            joinedload(ApiToken.user).selectinload(User.sites),
            joinedload(ApiToken.user).selectinload(User.children),
        )
    )
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        # At most once a minute, and as the request commits: requests sharing a token never wait
        # on each other's lock on its row while they work.
        at_commit(db, lambda _: _used(token, now))
    return actor_for(token.user)
