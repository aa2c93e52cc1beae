"""Who the test clients are: real accounts with real tokens, made through the services.

Every HTTP test acts as a logged-in person, as every real request must. :class:`ActingClient`
sends a bearer token with each request for the person the request itself names: a parent named by
``guardian=<guardian id>`` acts as that guardian's own account (linked to that child); a signer
(``signer``, ``author``, ``recorded_by`` or ``therapist`` in the body) or a member of staff
named by ``staff=<name>`` acts as a therapist of that name, since records carry their author's
own name; anything else acts as the default therapist. Each account is real (argon2id password,
a token stored as a hash) and belongs to every site of the database, so the policy, the audit and
the homecare checks all run exactly as in service. Tests that need someone else say so with
:meth:`ActingClient.acting_as`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from pedmassage.access.schemas import UserCreate
from pedmassage.access.service import add_user, get_user
from pedmassage.access.tokens import create_token
from pedmassage.db import unit_of_work
from pedmassage.models import ApiToken, Guardian, Site, UserSite
from pedmassage.sites.service import DEFAULT_SITE, add_site

DEFAULT_THERAPIST = "Test Therapist"
PASSWORD = "violet-harbour-lantern-42"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def ensure_site(engine: Engine) -> None:
    """The one site a test database's children join (made before any child, so staff can join)."""
    with unit_of_work(engine) as db:
        if db.scalar(select(Site.id)) is None:
            add_site(db=db, name=DEFAULT_SITE, now=EPOCH)


def token_for(engine: Engine, identity: tuple[str, str]) -> str:
    """A token for the account behind ``identity`` (kind, key), made on first use."""
    kind, key = identity
    username = username_of(kind, key)
    with unit_of_work(engine) as db:
        if get_user(db=db, username=username, missing_ok=True) is None:
            add_user(db=db, data=_account(db, kind, key, username), now=EPOCH)
        user = get_user(db=db, username=username)
        assert user is not None
        _join_every_site(db, user.id, kind)
        for link in user.children if kind == "guardian" else []:
            link.guardian_id = key  # this very guardian of the child, not another one
        token = create_token(db=db, username=username, now=EPOCH, expires_days=365)
        # Test clocks run anywhere from 2020 on; the token outlives them all.
        db.get(ApiToken, token.id).expires_at = datetime(2100, 1, 1, tzinfo=UTC)  # type: ignore[union-attr]
        return token.secret


def _account(db: Any, kind: str, key: str, username: str) -> UserCreate:
    if kind == "guardian":
        guardian = db.get(Guardian, key)
        return UserCreate(
            username=username, display_name="A parent", role="guardian",
            children=[guardian.child_id], password=PASSWORD,
        )  # fmt: skip
    return UserCreate(
        username=username, display_name=key, role=kind, sites=[DEFAULT_SITE], password=PASSWORD
    )


def _join_every_site(db: Any, user_id: str, kind: str) -> None:
    if kind == "guardian":
        return
    mine = set(db.scalars(select(UserSite.site_id).where(UserSite.user_id == user_id)))
    for site_id in db.scalars(select(Site.id)):
        if site_id not in mine:
            db.add(UserSite(user_id=user_id, site_id=site_id))


def username_of(kind: str, key: str) -> str:
    import hashlib

    return f"{kind[:10]}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def guardian_exists(engine: Engine, guardian_id: str) -> bool:
    with unit_of_work(engine) as db:
        return db.get(Guardian, guardian_id) is not None


class ActingClient(TestClient):
    """A test client whose every request carries the token of the person it names."""

    engine: Engine
    default: tuple[str, str] = ("therapist", DEFAULT_THERAPIST)
    forced: tuple[str, str] | None = None
    anonymous: bool = False

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        headers = dict(kwargs.pop("headers", None) or {})
        if not self.anonymous and "authorization" not in {k.lower() for k in headers}:
            identity = self.forced or self._named(url, kwargs) or self.default
            headers["Authorization"] = f"Bearer {self._token(identity)}"
        return super().request(method, url, headers=headers, **kwargs)

    @contextmanager
    def acting_as(self, display_name: str, role: str = "therapist") -> Iterator[None]:
        before = self.forced
        self.forced = (role, display_name)
        try:
            yield
        finally:
            self.forced = before

    @contextmanager
    def logged_out(self) -> Iterator[None]:
        before = self.anonymous
        self.anonymous = True
        try:
            yield
        finally:
            self.anonymous = before

    def _token(self, identity: tuple[str, str]) -> str:
        tokens: dict[tuple[str, str], str] = self.__dict__.setdefault("_tokens", {})
        if identity not in tokens:
            tokens[identity] = token_for(self.engine, identity)
        return tokens[identity]

    def _named(self, url: Any, kwargs: dict[str, Any]) -> tuple[str, str] | None:
        named = _fields(url, kwargs)
        guardian = named.get("guardian")
        if guardian and guardian_exists(self.engine, guardian):
            return ("guardian", guardian)
        for field in ("signer", "author", "recorded_by", "therapist", "staff"):
            if named.get(field):
                return ("therapist", " ".join(named[field].split()))
        return None


def _fields(url: Any, kwargs: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, values in parse_qs(urlsplit(str(url)).query).items():
        found[key] = values[0]
    for source in (kwargs.get("params"), kwargs.get("data"), _json(kwargs.get("json"))):
        if isinstance(source, dict):
            found.update({k: v for k, v in source.items() if isinstance(v, str)})
    return found


def _json(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


@contextmanager
def acting_client(app: Any, engine: Engine, **kwargs: Any) -> Iterator[ActingClient]:
    ensure_site(engine)
    client_class = kwargs.pop("client_class", ActingClient)
    with client_class(app, **kwargs) as client:
        client.engine = engine
        client._token(client.default)  # the default account exists before the test counts rows
        yield client
