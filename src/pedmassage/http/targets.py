"""What a request is about, read from its path: the child (and the child's site) behind a child,
screening, session, home program or flag id; for a session, who gave it.

The most specific id in the path decides: a session's page is about that session's child even
when the path also names a child. An unknown id is a 404, as it would be without the policy.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from pedmassage.access.policy import Actor, Target


def family_target(db: Session, actor: Actor, guardian: str | None) -> Target:
    """A parent's own pages name no record: they are about the child of the guardian record the
    link names (which must be the parent's own), or else of the parent's first one, as the pages
    themselves choose. Knowing the child puts it in the audit entry, and in the policy's check."""
    chosen = guardian if guardian in actor.guardian_ids else min(actor.guardian_ids, default=None)
    if chosen is None:
        return Target()
    return _child(db, guardian_child_of(db, chosen))


def guardian_child_of(db: Session, guardian_id: str) -> str:
    from pedmassage.children.service import guardian_child

    return guardian_child(db=db, guardian_id=guardian_id)


def target_of(db: Session, path: Mapping[str, str]) -> Target:
    if "session_id" in path:
        return _session(db, path["session_id"])
    if "screening_id" in path:
        return _screening(db, path["screening_id"])
    if "program_id" in path:
        return _program(db, path["program_id"])
    if "flag_id" in path:
        return _flag(db, path["flag_id"])
    if "child_id" in path:
        return _child(db, path["child_id"])
    if "token_id" in path:
        return Target(user_id=_token_owner(db, path["token_id"]))
    return Target()


def _child(db: Session, child_id: str) -> Target:
    from pedmassage.children.service import child_site

    return Target(child_id=child_id, site_id=child_site(db=db, child_id=child_id))


def _screening(db: Session, screening_id: str) -> Target:
    from pedmassage.screenings.service import get_screening

    screening = get_screening(db=db, screening_id=screening_id)
    return Target(child_id=screening.child_id, site_id=screening.site_id)


def _session(db: Session, session_id: str) -> Target:
    from pedmassage.sessions.service import get_session

    record = get_session(db=db, session_id=session_id)
    return Target(child_id=record.child_id, site_id=record.site_id, given_by=record.therapist)


def _program(db: Session, program_id: str) -> Target:
    from pedmassage.homecare.service import program_site

    child_id, site_id = program_site(db=db, program_id=program_id)
    return Target(child_id=child_id, site_id=site_id)


def _token_owner(db: Session, token_id: str) -> str:
    from pedmassage.access.tokens import token_owner

    return token_owner(db=db, token_id=token_id)


def _flag(db: Session, flag_id: str) -> Target:
    from pedmassage.homecare.service import flag_child

    child_id = flag_child(db=db, flag_id=flag_id)
    return _child(db, child_id)
