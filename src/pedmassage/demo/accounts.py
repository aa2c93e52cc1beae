"""The demo accounts: one per role, made only in demo mode, with passwords printed for trying the
app. The therapists' names are the ones the demo's sessions and care teams carry, and the parent
is linked to a demo child with an active home program, as that child's guardian."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pedmassage.access.schemas import UserCreate
from pedmassage.access.service import add_user, get_user
from pedmassage.demo.seed import THERAPISTS, a_demo_parent
from pedmassage.sites.service import list_sites


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount("demo-admin", "administrator", "Demo Administrator", "lighthouse-keeper-42"),
    DemoAccount("demo-lead", "program_lead", "Demo Program Lead", "orchard-path-lead-42"),
    DemoAccount("demo-therapist", "therapist", THERAPISTS[0], "calm-hands-ward-42"),
    DemoAccount("demo-physician", "physician", "Dr Demo Physician", "stethoscope-round-42"),
    DemoAccount("demo-parent", "guardian", "Demo Parent", "bedtime-story-home-42"),
    DemoAccount("demo-researcher", "researcher", "Demo Researcher", "hypothesis-trial-42"),
)


def ensure_demo_accounts(*, db: Session, now: datetime) -> list[DemoAccount]:
    """Make the demo accounts that do not exist yet; the demo's children must exist first."""
    sites = [s.id for s in list_sites(db=db)]
    parent_guardian = a_demo_parent(db)
    for account in DEMO_ACCOUNTS:
        if get_user(db=db, username=account.username, missing_ok=True) is not None:
            continue
        children = _parent_child(db, parent_guardian) if account.role == "guardian" else []
        if account.role == "guardian" and not children:
            continue
        data = UserCreate(
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            sites=[] if account.role == "guardian" else sites,
            children=children,
            password=account.password,
        )
        user = add_user(db=db, data=data, now=now)
        for link in user.children:
            link.guardian_id = parent_guardian
    db.flush()
    return list(DEMO_ACCOUNTS)


def _parent_child(db: Session, guardian_id: str | None) -> list[str]:
    from pedmassage.children.models import Guardian

    if guardian_id is None:
        return []
    child_id = db.scalar(select(Guardian.child_id).where(Guardian.id == guardian_id))
    return [child_id] if child_id else []
