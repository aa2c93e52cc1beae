"""Who may see a child's home program: the viewer is explicit in every use case.

There is no login yet. Every service takes a :class:`Viewer` (a parent by guardian id, or staff
by name) and refuses with :class:`AccessDeniedError` when that person is not linked to the child:
a parent through the ``guardians`` row, staff through ``care_team_members``. When login arrives,
only where the viewer comes from changes; these checks stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pedmassage.access.policy import Actor
from pedmassage.access.roles import STAFF_ROLES
from pedmassage.children.models import Guardian
from pedmassage.errors import AccessDeniedError, ValidationError
from pedmassage.homecare.models import CareTeamMember

MAX_STAFF_NAME = 80


@dataclass(frozen=True)
class Viewer:
    """The person asking: a parent (``guardian_id``) or a member of staff (``staff_name``)."""

    kind: Literal["guardian", "staff"]
    guardian_id: str | None = None
    staff_name: str | None = None

    def __post_init__(self) -> None:
        ident = self.guardian_id if self.kind == "guardian" else self.staff_name
        other = self.staff_name if self.kind == "guardian" else self.guardian_id
        if not ident or other is not None:
            raise ValidationError(
                "viewer", ident, "a guardian id for a parent, or a staff name for staff"
            )

    @classmethod
    def guardian(cls, guardian_id: str) -> Viewer:
        return cls("guardian", guardian_id=guardian_id.strip())

    @classmethod
    def staff(cls, name: str) -> Viewer:
        cleaned = " ".join(name.split())
        if len(cleaned) > MAX_STAFF_NAME:
            raise ValidationError(
                "staff", cleaned, f"a name of at most {MAX_STAFF_NAME} characters"
            )
        return cls("staff", staff_name=cleaned)

    @classmethod
    def from_parts(cls, *, guardian: str | None, staff: str | None) -> Viewer:
        """Exactly one of a guardian id or a staff name, as the edges receive them."""
        given = [v for v in (guardian, staff) if v is not None and v.strip()]
        if len(given) != 1:
            raise ValidationError(
                "viewer",
                None,
                "exactly one of guardian (a guardian id) or staff (a name on the care team)",
            )
        return cls.guardian(guardian) if guardian and guardian.strip() else cls.staff(staff or "")

    def describe(self) -> str:
        return "parent" if self.kind == "guardian" else f"staff {self.staff_name}"


def on_care_team(db: Session, child_id: str, staff_name: str) -> bool:
    query = select(CareTeamMember.id).where(
        CareTeamMember.child_id == child_id, CareTeamMember.staff_name == staff_name
    )
    return db.scalar(query) is not None


def guardian_of(db: Session, guardian_id: str) -> Guardian:
    """The guardian row behind a parent viewer; an unknown id is refused like a stranger."""
    guardian = db.get(Guardian, guardian_id)
    if guardian is None:
        raise AccessDeniedError("This parent is not linked to this child.")
    return guardian


def require_access(db: Session, viewer: Viewer, child_id: str) -> None:
    """Refuse unless the viewer is the child's guardian or on the child's care team."""
    if viewer.kind == "guardian":
        require_guardian(db, viewer, child_id)
    else:
        require_staff(db, viewer, child_id)


def require_guardian(db: Session, viewer: Viewer, child_id: str) -> Guardian:
    if viewer.kind != "guardian" or viewer.guardian_id is None:
        raise AccessDeniedError("Only a parent linked to this child can do this.")
    guardian = guardian_of(db, viewer.guardian_id)
    if guardian.child_id != child_id:
        raise AccessDeniedError("This parent is not linked to this child.")
    return guardian


def require_staff(db: Session, viewer: Viewer, child_id: str) -> str:
    if viewer.kind != "staff" or viewer.staff_name is None:
        raise AccessDeniedError("Only staff on this child's care team can do this.")
    if not on_care_team(db, child_id, viewer.staff_name):
        raise AccessDeniedError(f"{viewer.staff_name} is not on this child's care team.")
    return viewer.staff_name


def viewer_for(actor: Actor, *, guardian: str | None = None, staff: str | None = None) -> Viewer:
    """The home-program viewer a logged-in person is. A guardian or staff name given in a link
    only chooses among what the login already allows: it must be the person's own, so no id in a
    URL opens anything by itself."""
    if actor.role == "guardian":
        own = sorted(actor.guardian_ids)
        if guardian:
            if guardian not in actor.guardian_ids:
                raise AccessDeniedError("This parent is not linked to this child.")
            return Viewer.guardian(guardian)
        if not own:
            raise AccessDeniedError("No guardian record of a child is linked to this account.")
        return Viewer.guardian(own[0])
    if actor.role in STAFF_ROLES:
        name = " ".join((staff or "").split())
        if name and name != actor.display_name:
            raise AccessDeniedError("Staff act under their own name only.")
        return Viewer.staff(actor.display_name)
    raise AccessDeniedError(f"A {actor.role} has no home-program view.")
