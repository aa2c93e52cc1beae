"""Site use cases: add, list, find, and the site a new child joins.

Each runs inside the caller's unit of work and only flushes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.sites.models import Site

DEFAULT_SITE = "Main site"
"""The site a child joins when a database has no site yet (a single-program installation)."""


def add_site(*, db: Session, name: str, now: datetime) -> Site:
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= 120:
        raise ValidationError("name", name, "a site name of 1 to 120 characters")
    if db.scalar(select(Site.id).where(Site.name == cleaned)) is not None:
        raise ConflictError(f"A site named {cleaned} already exists.", field="name")
    site = Site(name=cleaned, created_at=now)
    db.add(site)
    db.flush()
    return site


def list_sites(*, db: Session) -> list[Site]:
    return list(db.scalars(select(Site).order_by(Site.name)))


def find_site(*, db: Session, site: str) -> Site:
    """A site by its id or its exact name."""
    found = db.scalar(select(Site).where(or_(Site.id == site, Site.name == site)))
    if found is None:
        raise NotFoundError("site", site)
    return found


def site_for_new_child(*, db: Session, site: str | None, now: datetime) -> Site:
    """The site a new child joins: the one named, else the only one (made on first use)."""
    if site is not None:
        return find_site(db=db, site=site)
    sites = list_sites(db=db)
    if len(sites) > 1:
        names = ", ".join(s.name for s in sites)
        raise ValidationError("site_id", None, f"the child's site, one of: {names}")
    return sites[0] if sites else add_site(db=db, name=DEFAULT_SITE, now=now)
