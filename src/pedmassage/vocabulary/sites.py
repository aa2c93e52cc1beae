"""Body sites and their hierarchy.

A restriction names a region; the hierarchy makes "avoid chest" also cover ``chest_left`` and
``chest_right`` without every rule having to list the parts.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict

from pedmassage.errors import KnowledgeDataError, ValidationError


class BodySite(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    parent: str | None


class SiteMap:
    """The site vocabulary with ancestor and descendant look-ups."""

    def __init__(self, sites: list[BodySite], version: str) -> None:
        self.version = version
        self.sites = {s.id: s for s in sites}
        for site in sites:
            if site.parent is not None and site.parent not in self.sites:
                raise KnowledgeDataError(f"body site {site.id}: unknown parent {site.parent}")

    def check(self, site: str, field: str = "site") -> str:
        """Return ``site`` if it is in the vocabulary, else raise naming the field."""
        if site not in self.sites:
            raise ValidationError(field, site, "one of: " + ", ".join(sorted(self.sites)))
        return site

    def ancestors(self, site: str) -> list[str]:
        """The site itself and every region containing it, nearest first."""
        chain: list[str] = []
        current: str | None = site
        while current is not None:
            chain.append(current)
            current = self.sites[current].parent
        return chain

    def descendants(self, site: str) -> set[str]:
        """The site and every part of it."""
        return {s for s in self.sites if site in self.ancestors(s)}

    def covers(self, region: str, site: str) -> bool:
        """True when a restriction on ``region`` applies to ``site`` (a part of it, or itself)."""
        return region in self.ancestors(site)

    def overlaps(self, a: str, b: str) -> bool:
        """True when two regions share any tissue: one contains the other."""
        return self.covers(a, b) or self.covers(b, a)

    def label(self, site: str) -> str:
        return self.sites[site].label


@cache
def site_map() -> SiteMap:
    raw = yaml.safe_load(files("pedmassage.vocabulary").joinpath("body_sites.yaml").read_text())
    return SiteMap([BodySite(**s) for s in raw["sites"]], version=str(raw["version"]))
