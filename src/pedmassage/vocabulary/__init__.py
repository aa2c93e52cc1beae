"""Shared clinical vocabularies: body sites with their parent relation, coded labs, vitals,
conditions and devices with units. Pure data, loaded and validated once."""

from pedmassage.vocabulary.codes import (
    CodeBook,
    MeasuredCode,
    code_book,
)
from pedmassage.vocabulary.sites import BodySite, SiteMap, site_map

__all__ = ["BodySite", "CodeBook", "MeasuredCode", "SiteMap", "code_book", "site_map"]
