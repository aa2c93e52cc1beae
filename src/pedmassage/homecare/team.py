"""What the child's care team sees of the home program: the roster with the parents' guardian
ids, the home program on the child's page, and the home program beside the hospital sessions.

A child's page shows to anyone who may open it; only its home-program part depends on who is
looking, so someone off the care team is told so in place rather than refused the whole page.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pedmassage.children.service import get_child
from pedmassage.errors import AccessDeniedError
from pedmassage.homecare import service
from pedmassage.homecare.access import Viewer
from pedmassage.homecare.public import diary_labels, parent_public
from pedmassage.homecare.schemas import (
    CareTeamMemberPublic,
    CareTeamRosterPublic,
    ChildHomePublic,
    HomeViewPublic,
)
from pedmassage.sessions.schemas import SessionPublic
from pedmassage.sessions.service import list_sessions, session_public


def care_team_roster(
    *, db: Session, child_id: str, viewer: Viewer | None = None
) -> CareTeamRosterPublic:
    """Who is on the child's care team and, when a member of it asks, the child's parents."""
    members = service.care_team(db=db, child_id=child_id)
    parents = service.parents(db=db, viewer=viewer, child_id=child_id) if viewer else []
    return CareTeamRosterPublic(
        care_team=[CareTeamMemberPublic.model_validate(m) for m in members],
        parents=[parent_public(g) for g in parents],
    )


def home_program_view(
    *, db: Session, viewer: Viewer | None, child_id: str, as_of: date
) -> HomeViewPublic:
    """The child's home program for the member of staff looking: asked for while no one is
    named, refused in place to staff off the care team, else the summary."""
    if viewer is None:
        return HomeViewPublic(child_id=child_id, staff="", state="ask", summary=None)
    staff = viewer.staff_name or ""
    try:
        summary = service.child_home_summary(db=db, viewer=viewer, child_id=child_id, as_of=as_of)
    except AccessDeniedError:
        return HomeViewPublic(child_id=child_id, staff=staff, state="denied", summary=None)
    return HomeViewPublic(child_id=child_id, staff=staff, state="shown", summary=summary)


def child_home(
    *, db: Session, viewer: Viewer | None, child_id: str, as_of: date
) -> ChildHomePublic:
    """The home routine, adherence and the parent's diary beside the hospital sessions; the
    sessions only for someone who may see the home program."""
    child = get_child(db=db, child_id=child_id)
    home = home_program_view(db=db, viewer=viewer, child_id=child_id, as_of=as_of)
    return ChildHomePublic(
        child_id=child.id,
        child_name=child.display_name,
        home=home,
        hospital_sessions=_hospital_sessions(db, child_id) if home.state == "shown" else [],
        labels=diary_labels(),
    )


def _hospital_sessions(db: Session, child_id: str) -> list[SessionPublic]:
    return [session_public(s) for s in reversed(list_sessions(db=db, child_id=child_id))]
