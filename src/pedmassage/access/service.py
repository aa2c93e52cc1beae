"""Sites and users: adding, listing, disabling, passwords, and who a user is to the policy.

Each use case runs inside the caller's unit of work and only flushes. Care teams and guardian links
are set here by staff with that right (or the machine's operator), never by self-service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pedmassage.access.models import ApiToken, GuardianLink, LoginSession, User, UserSite
from pedmassage.access.passwords import check_password, hash_password
from pedmassage.access.policy import Actor
from pedmassage.access.roles import STAFF_ROLES
from pedmassage.access.schemas import UserCreate, UserPublic
from pedmassage.children.models import Child, Guardian
from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.sites.service import find_site, list_sites


def add_user(*, db: Session, data: UserCreate, now: datetime) -> User:
    """A new account; staff belong to at least one site, a guardian to at least one child."""
    check_password(data.password, data.username)
    if get_user(db=db, username=data.username, missing_ok=True) is not None:
        raise ConflictError(f"The username {data.username} is taken.", field="username")
    display_name = data.display_name or data.username
    if db.scalar(select(User.id).where(User.display_name == display_name)) is not None:
        raise ConflictError(
            "Another account has this display name: records and care teams carry it, so it "
            "must name one person.",
            field="display_name",
        )
    if data.role == "guardian" and data.sites:
        raise ValidationError("sites", data.sites, "none for a guardian (their children's sites)")
    sites = [find_site(db=db, site=s) for s in dict.fromkeys(data.sites)]
    if data.role in STAFF_ROLES and not sites:
        raise ValidationError("sites", [], "at least one site for a member of staff")
    if data.role == "guardian" and not data.children:
        raise ValidationError("children", [], "at least one child for a guardian")
    if data.role != "guardian" and data.children:
        raise ValidationError("children", data.children, "children only for a guardian")
    user = User(
        username=data.username,
        display_name=display_name,
        role=data.role,
        password_hash=hash_password(data.password),
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    user.sites = [UserSite(site_id=s.id) for s in sites]
    _check_named_guardians(db, data)
    user.children = [
        _guardian_link(db, child_id, data.guardians, now)
        for child_id in dict.fromkeys(data.children)
    ]
    db.add(user)
    db.flush()
    return user


def _guardian_link(db: Session, child_id: str, named: list[str], now: datetime) -> GuardianLink:
    """A link to the child, as the guardian record named for that child, else as the child's
    guardian with legal authority where one is recorded (a mother's diary is not a father's)."""
    if db.get(Child, child_id) is None:
        raise NotFoundError("child", child_id)
    query = select(Guardian).where(Guardian.child_id == child_id)
    guardians = list(db.scalars(query.order_by(Guardian.legal_authority.desc(), Guardian.id)))
    chosen = [g for g in guardians if g.id in named] or guardians
    guardian_id = chosen[0].id if chosen else None
    return GuardianLink(child_id=child_id, guardian_id=guardian_id, created_at=now)


def _check_named_guardians(db: Session, data: UserCreate) -> None:
    """Each guardian record named must be one of the named children's."""
    if not data.guardians:
        return
    query = select(Guardian.id).where(Guardian.child_id.in_(data.children))
    known = set(db.scalars(query))
    unknown = [g for g in data.guardians if g not in known]
    if unknown:
        raise ValidationError("guardians", unknown, "guardian records of the children named")


def get_user(*, db: Session, username: str, missing_ok: bool = False) -> User | None:
    query = select(User).where(User.username == username)
    user = db.scalar(query.options(selectinload(User.sites), selectinload(User.children)))
    if user is None and not missing_ok:
        raise NotFoundError("user", username)
    return user


def username_of(*, db: Session, user_id: str) -> str:
    """The username of an account by its opaque id (ids, not names, go in URLs)."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFoundError("user", user_id)
    return user.username


def list_users(*, db: Session) -> list[UserPublic]:
    query = select(User).options(selectinload(User.sites), selectinload(User.children))
    names = _site_names(db)
    return [user_public(db, u, names) for u in db.scalars(query.order_by(User.username))]


def disable_user(*, db: Session, username: str, now: datetime) -> User:
    """No more logins or token use; the account and what it recorded stay."""
    user = _existing(db, username)
    user.active = False
    _end_logins(db, user, now)
    _revoke_tokens(db, user, now)
    db.flush()
    return user


def set_password(*, db: Session, username: str, password: str, now: datetime) -> User:
    """A new password; every open login of the account ends."""
    user = _existing(db, username)
    check_password(password, username)
    user.password_hash, user.password_changed_at = hash_password(password), now
    _end_logins(db, user, now)
    _revoke_tokens(db, user, now)
    db.flush()
    return user


def actor_for(user: User) -> Actor:
    """The user as the policy sees them: role, sites, linked children, the name they record."""
    return Actor(
        username=user.username,
        role=user.role,
        display_name=user.display_name,
        user_id=user.id,
        site_ids=frozenset(s.site_id for s in user.sites),
        child_ids=frozenset(c.child_id for c in user.children),
        guardian_ids=frozenset(c.guardian_id for c in user.children if c.guardian_id),
    )


def user_public(db: Session, user: User, names: dict[str, str] | None = None) -> UserPublic:
    """The account as shown; ``names`` (site id → name) saves reading the sites per account."""
    names = names if names is not None else _site_names(db)
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        active=user.active,
        sites=[names.get(s.site_id, s.site_id) for s in user.sites],
        children=[c.child_id for c in user.children],
        created_at=user.created_at,
    )


def _site_names(db: Session) -> dict[str, str]:
    return {s.id: s.name for s in list_sites(db=db)}


def _existing(db: Session, username: str) -> User:
    user = get_user(db=db, username=username)
    assert user is not None  # get_user raises when missing
    return user


def _revoke_tokens(db: Session, user: User, now: datetime) -> None:
    """A new password or a disabled account revokes every token: one may have leaked with it."""
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    for token in db.scalars(query):
        token.revoked_at = now


def _end_logins(db: Session, user: User, now: datetime) -> None:
    query = select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
    )
    for login in db.scalars(query):
        login.ended_at = now


def account_sites(
    *, db: Session, username: str | None = None, data: UserCreate | None = None
) -> frozenset[str]:
    """The sites an account belongs to: a member of staff's own, a guardian's children's."""
    if data is not None:
        if data.role == "guardian":
            return _children_sites(db, data.children)
        return frozenset(find_site(db=db, site=s).id for s in data.sites)
    user = _existing(db, username or "")
    if user.role == "guardian":
        return _children_sites(db, [c.child_id for c in user.children])
    return frozenset(s.site_id for s in user.sites)


def _children_sites(db: Session, child_ids: list[str]) -> frozenset[str]:
    rows = db.scalars(select(Child.site_id).where(Child.id.in_(child_ids)))
    return frozenset(rows)


def users_of_sites(*, db: Session, site_ids: frozenset[str] | None) -> list[UserPublic]:
    """Users, or those of the given sites only (a guardian by their children's sites)."""
    users = list_users(db=db)
    if site_ids is None:
        return users
    found = []
    for public in users:
        sites = account_sites(db=db, username=public.username)
        if sites & site_ids:
            found.append(public)
    return found
