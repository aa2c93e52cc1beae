"""Sites, users, their site memberships and guardian links, API tokens and login sessions.

Secrets are never stored: tokens and login-session keys are kept as SHA-256 hashes of random
values, passwords as argon2id hashes. A guardian user is linked to the children they may see by
staff with that right, never by self-service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pedmassage.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), unique=True)
    """The name written on what the user records and signs (as on a care team); unique, since
    two accounts with one name could act as each other."""
    role: Mapped[str] = mapped_column(String(20))  # see access.roles.ROLES
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sites: Mapped[list[UserSite]] = relationship(cascade="all, delete-orphan")
    children: Mapped[list[GuardianLink]] = relationship(cascade="all, delete-orphan")


class UserSite(Base):
    """A user's membership of a site (staff may belong to several)."""

    __tablename__ = "user_sites"
    __table_args__ = (UniqueConstraint("user_id", "site_id"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)


class GuardianLink(Base):
    """A guardian user's link to a child they may see (what families see, nothing more)."""

    __tablename__ = "guardian_links"
    __table_args__ = (UniqueConstraint("user_id", "child_id"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    guardian_id: Mapped[str | None] = mapped_column(
        ForeignKey("guardians.id", ondelete="SET NULL"), nullable=True
    )
    """The child's guardian record this user is (for the diary and the confidence measure)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(Base):
    """A personal access token for the API: stored as a hash, with its user's rights."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    user: Mapped[User] = relationship()


class LoginSession(Base):
    """A web login: the cookie carries a random key, stored here only as its hash."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A failed login, kept to throttle guessing per account and per address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
