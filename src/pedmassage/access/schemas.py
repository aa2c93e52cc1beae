"""Pydantic shapes for sites, users and tokens (``XCreate`` in, ``XPublic`` out).

No shape ever carries a password or a token hash out; a new token's secret is shown once, in
:class:`TokenCreatedPublic`, and never again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pedmassage.access.roles import Role
from pedmassage.inbound import MAX_LIST_ITEMS, Inbound, Text

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,79}$"


Reference = Annotated[Text, Field(min_length=1, max_length=120)]
"""A site, child or guardian named by its id (or a site by its name)."""


class UserCreate(Inbound):
    username: str = Field(pattern=USERNAME_PATTERN, description="Lower case, digits, . _ -")
    display_name: Text | None = Field(
        None, min_length=1, max_length=80, description="The name on records (default: username)."
    )
    role: Role
    sites: list[Reference] = Field(
        default=[],
        max_length=MAX_LIST_ITEMS,
        description="Site names or ids (staff: at least one).",
    )
    children: list[Reference] = Field(
        default=[], max_length=MAX_LIST_ITEMS, description="A guardian's children (ids)."
    )
    guardians: list[Reference] = Field(
        default=[],
        max_length=MAX_LIST_ITEMS,
        description="Which of each child's guardian records this person is (ids); a child with "
        "none named links to its guardian with legal authority.",
    )
    password: Text = Field(min_length=1, max_length=256, repr=False)


class SitePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    created_at: datetime


class UserPublic(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    active: bool
    sites: list[str]
    children: list[str]
    created_at: datetime


class TokenCreate(Inbound):
    """A new token for oneself; it expires after 1 to 365 days (90 unless said)."""

    expires_days: int = Field(90, ge=1, le=365)


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedPublic(TokenPublic):
    """A token just created: ``secret`` is shown this once and stored only as a hash."""

    secret: str
