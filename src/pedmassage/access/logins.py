"""Web logins: password checks with throttling, server-side login sessions, idle log-off.

The cookie carries a random key; the database keeps only its hash, the user and a CSRF token for
the session's forms. A login that has been idle longer than the setting ends. Failed logins are
kept so guessing is slowed per account and per address; an unknown username costs as much time
as a known one, so the answer does not reveal which usernames exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from pedmassage.access.models import LoginFailure, LoginSession, User
from pedmassage.access.passwords import dummy_verify, verify_password
from pedmassage.access.policy import Actor
from pedmassage.access.service import actor_for
from pedmassage.access.tokens import digest

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
SEEN_REFRESH = timedelta(minutes=1)


@dataclass(frozen=True)
class LoginResult:
    """A login's answer: the user and a new session key on success, else why not (the reason
    is for the audit; the person is told only that the login failed, or to wait)."""

    user: User | None
    key: str | None
    reason: str
    throttled: bool = False


def log_in(
    *, db: Session, username: str, password: str, address: str, now: datetime
) -> LoginResult:
    if _throttled(db, username, address, now):
        # Not counted as another failure: an attempt made while locked out must not extend the
        # lock, or anyone could keep an account locked by trying every few minutes.
        return LoginResult(None, None, "too many failed logins", throttled=True)
    user = db.scalar(_user_query().where(User.username == username))
    if user is None:
        dummy_verify(password)
    if user is None or not verify_password(user.password_hash, password) or not user.active:
        _fail(db, username, address, now)
        return LoginResult(None, None, "wrong username or password, or account disabled")
    key = secrets.token_urlsafe(32)
    db.add(
        LoginSession(
            user_id=user.id,
            key_hash=digest(key),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    db.flush()
    return LoginResult(user, key, "password accepted")


def login_for_key(
    *, db: Session, key: str, now: datetime, idle: timedelta
) -> tuple[Actor, LoginSession] | None:
    """The actor behind a session cookie, or None when it is unknown, ended, idle too long, or
    its user disabled. Seeing it refreshes its idle clock, at most once a minute: a write on
    every page would cost more than the minute of idle time it could ever add."""
    query = select(LoginSession).where(LoginSession.key_hash == digest(key))
    login = db.scalar(
        query.options(
            selectinload(LoginSession.user).selectinload(User.sites),
            selectinload(LoginSession.user).selectinload(User.children),
        )
    )
    if login is None or login.ended_at is not None or not login.user.active:
        return None
    if now - login.last_seen_at > idle:
        login.ended_at = now
        return None
    if now - login.last_seen_at >= SEEN_REFRESH:
        login.last_seen_at = now
    return actor_for(login.user), login


def log_out(*, db: Session, key: str, now: datetime) -> None:
    query = select(LoginSession).where(LoginSession.key_hash == digest(key))
    login = db.scalar(query)
    if login is not None and login.ended_at is None:
        login.ended_at = now
        db.flush()


def _user_query() -> Select[User]:
    return select(User).options(selectinload(User.sites), selectinload(User.children))


def _throttled(db: Session, username: str, address: str, now: datetime) -> bool:
    since = now - THROTTLE_WINDOW
    count = select(func.count()).select_from(LoginFailure).where(LoginFailure.at > since)
    by_account = db.scalar(count.where(LoginFailure.username == username)) or 0
    by_address = db.scalar(count.where(LoginFailure.address == address)) or 0
    return by_account >= MAX_FAILURES_PER_ACCOUNT or by_address >= MAX_FAILURES_PER_ADDRESS


def _fail(db: Session, username: str, address: str, now: datetime) -> None:
    db.add(LoginFailure(username=username[:80], address=address[:64], at=now))
    db.flush()
