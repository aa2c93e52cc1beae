"""Accounts on real databases: sites, users with their rights, tokens and web logins.

Passwords are argon2id hashes, at least 12 characters and not a common one; tokens and login keys
are stored as hashes only; a disabled account, a revoked or expired token and an idle login open
nothing; repeated failed logins are throttled per account and per address.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pedmassage.access import logins, tokens
from pedmassage.access.models import ApiToken, User
from pedmassage.access.schemas import UserCreate
from pedmassage.access.service import add_user, disable_user, set_password
from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.errors import ConflictError, ValidationError
from pedmassage.sites.service import add_site, site_for_new_child

PASSWORD = "violet-harbour-lantern"
IDLE = timedelta(minutes=15)


def user(db: Session, now: datetime, **overrides: Any) -> User:
    data: dict[str, Any] = {
        "username": "okafor",
        "display_name": "R. Okafor",
        "role": "therapist",
        "sites": ["Ward 4"],
        "password": PASSWORD,
    }
    data.update(overrides)
    return add_user(db=db, data=UserCreate.model_validate(data), now=now)


@pytest.fixture()
def ward(db: Session, now: datetime) -> str:
    return add_site(db=db, name="Ward 4", now=now).id


def test_a_therapist_belongs_to_their_sites(db: Session, now: datetime, ward: str) -> None:
    created = user(db, now)
    assert [s.site_id for s in created.sites] == [ward]
    assert created.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    "password", ["short-pass", "password1234", "okafor-is-me-123", "aaaaaaaaaaaa"]
)
def test_weak_passwords_are_refused(db: Session, now: datetime, ward: str, password: str) -> None:
    with pytest.raises(ValidationError) as refused:
        user(db, now, password=password)
    assert refused.value.field == "password"
    assert password not in str(refused.value)


def test_staff_need_a_site_and_guardians_a_child(db: Session, now: datetime, ward: str) -> None:
    with pytest.raises(ValidationError):
        user(db, now, sites=[])
    with pytest.raises(ValidationError):
        user(db, now, username="parent", role="guardian", sites=[])


def test_a_guardian_is_linked_to_the_child_and_their_guardian_record(
    db: Session, now: datetime, ward: str
) -> None:
    child = children.create_child(
        db=db,
        now=now,
        data=ChildCreate.model_validate(
            {
                "display_name": "Linked Child",
                "birth_date": "2019-02-01",
                "guardians": [{"name": "A. Parent", "relationship": "mother"}],
            }
        ),
    )
    parent = user(db, now, username="parent", role="guardian", sites=[], children=[child.id])
    assert [(link.child_id, link.guardian_id) for link in parent.children] == [
        (child.id, child.guardians[0].id)
    ]


def test_a_username_is_taken_once(db: Session, now: datetime, ward: str) -> None:
    user(db, now)
    with pytest.raises(ConflictError):
        user(db, now)


def test_a_token_is_stored_as_a_hash_and_carries_its_users_rights(
    db: Session, now: datetime, ward: str
) -> None:
    user(db, now)
    created = tokens.create_token(db=db, username="okafor", now=now, expires_days=30)
    stored = db.scalars(select(ApiToken.token_hash)).all()
    assert created.secret not in stored
    found = tokens.actor_for_token(db=db, secret=created.secret, now=now)
    assert found is not None and found.role == "therapist" and found.site_ids == {ward}


def test_a_revoked_expired_or_disabled_token_opens_nothing(
    db: Session, now: datetime, ward: str
) -> None:
    user(db, now)
    revoked = tokens.create_token(db=db, username="okafor", now=now)
    tokens.revoke_token(db=db, token_id=revoked.id, now=now)
    short = tokens.create_token(db=db, username="okafor", now=now, expires_days=1)
    assert tokens.actor_for_token(db=db, secret=revoked.secret, now=now) is None
    assert tokens.actor_for_token(db=db, secret=short.secret, now=now + timedelta(days=2)) is None
    fine = tokens.create_token(db=db, username="okafor", now=now)
    disable_user(db=db, username="okafor", now=now)
    assert tokens.actor_for_token(db=db, secret=fine.secret, now=now) is None


def test_a_login_opens_a_session_that_ends_when_idle(db: Session, now: datetime, ward: str) -> None:
    user(db, now)
    result = logins.log_in(db=db, username="okafor", password=PASSWORD, address="10.0.0.5", now=now)
    assert result.key is not None
    seen = logins.login_for_key(db=db, key=result.key, now=now + timedelta(minutes=14), idle=IDLE)
    assert seen is not None and seen[0].username == "okafor"
    later = now + timedelta(minutes=14) + IDLE + timedelta(seconds=1)
    assert logins.login_for_key(db=db, key=result.key, now=later, idle=IDLE) is None


def test_a_new_password_ends_every_open_login(db: Session, now: datetime, ward: str) -> None:
    user(db, now)
    result = logins.log_in(db=db, username="okafor", password=PASSWORD, address="a", now=now)
    assert result.key is not None
    set_password(db=db, username="okafor", password="another-long-secret-phrase", now=now)
    assert logins.login_for_key(db=db, key=result.key, now=now, idle=IDLE) is None


def test_failed_logins_are_throttled_per_account(db: Session, now: datetime, ward: str) -> None:
    user(db, now)
    for i in range(logins.MAX_FAILURES_PER_ACCOUNT):
        wrong = logins.log_in(db=db, username="okafor", password="nope", address=f"a{i}", now=now)
        assert wrong.user is None and not wrong.throttled
    right = logins.log_in(db=db, username="okafor", password=PASSWORD, address="b", now=now)
    assert right.user is None and right.throttled
    later = now + logins.THROTTLE_WINDOW + timedelta(seconds=1)
    after = logins.log_in(db=db, username="okafor", password=PASSWORD, address="b", now=later)
    assert after.user is not None


def test_failed_logins_are_throttled_per_address(db: Session, now: datetime, ward: str) -> None:
    user(db, now)
    for i in range(logins.MAX_FAILURES_PER_ADDRESS):
        logins.log_in(db=db, username=f"guess{i}", password="nope", address="203.0.113.9", now=now)
    blocked = logins.log_in(
        db=db, username="okafor", password=PASSWORD, address="203.0.113.9", now=now
    )
    assert blocked.throttled


def test_a_first_child_creates_the_only_site_and_later_ones_join_it(
    db: Session, now: datetime
) -> None:
    first = site_for_new_child(db=db, site=None, now=now)
    assert site_for_new_child(db=db, site=None, now=now).id == first.id
    add_site(db=db, name="Clinic", now=now)
    with pytest.raises(ValidationError) as refused:
        site_for_new_child(db=db, site=None, now=now)
    assert refused.value.field == "site_id"


def test_two_accounts_cannot_share_a_display_name(db: Session, now: datetime, ward: str) -> None:
    """Records, signatures and care teams carry the name: one name, one person."""
    user(db, now)
    with pytest.raises(ConflictError) as refused:
        user(db, now, username="okafor2")
    assert refused.value.field == "display_name"


def test_a_new_password_or_a_disabled_account_revokes_every_token(
    db: Session, now: datetime, ward: str
) -> None:
    user(db, now)
    token = tokens.create_token(db=db, username="okafor", now=now)
    set_password(db=db, username="okafor", password="another-long-secret-phrase", now=now)
    assert tokens.actor_for_token(db=db, secret=token.secret, now=now) is None


def test_attempts_while_locked_out_do_not_extend_the_lock(
    db: Session, now: datetime, ward: str
) -> None:
    user(db, now)
    for i in range(logins.MAX_FAILURES_PER_ACCOUNT):
        logins.log_in(db=db, username="okafor", password="nope", address=f"a{i}", now=now)
    almost_over = now + logins.THROTTLE_WINDOW - timedelta(seconds=1)
    logins.log_in(db=db, username="okafor", password="nope", address="b", now=almost_over)
    after = now + logins.THROTTLE_WINDOW + timedelta(seconds=1)
    opened = logins.log_in(db=db, username="okafor", password=PASSWORD, address="b", now=after)
    assert opened.user is not None


def test_a_guardian_has_no_sites_of_their_own(db: Session, now: datetime, ward: str) -> None:
    with pytest.raises(ValidationError) as refused:
        user(db, now, username="parent", role="guardian", sites=["Ward 4"], children=["x"])
    assert refused.value.field == "sites"


def test_a_second_parent_is_linked_as_their_own_guardian_record(
    db: Session, now: datetime, ward: str
) -> None:
    """A father's diary entries are his, not the mother's."""
    child = children.create_child(
        db=db,
        now=now,
        data=ChildCreate.model_validate(
            {
                "display_name": "Two Parents",
                "birth_date": "2019-02-01",
                "guardians": [
                    {"name": "A. Mother", "relationship": "mother"},
                    {"name": "B. Father", "relationship": "father"},
                ],
            }
        ),
    )
    father = next(g for g in child.guardians if g.relationship_to_child == "father")
    linked = user(
        db, now, username="dad", display_name="B. Father", role="guardian", sites=[],
        children=[child.id], guardians=[father.id],
    )  # fmt: skip
    assert [link.guardian_id for link in linked.children] == [father.id]
    with pytest.raises(ValidationError) as refused:
        user(
            db,
            now,
            username="xy",
            display_name="Someone",
            role="guardian",
            sites=[],
            children=[child.id],
            guardians=["nope"],
        )
    assert refused.value.field == "guardians"
