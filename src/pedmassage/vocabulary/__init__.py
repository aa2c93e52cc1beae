"""Shared clinical vocabularies: body sites with their parent relation, coded labs, vitals,
conditions and devices with units; standard codes (SNOMED CT, ICD-10, LOINC, UCUM, ATC) and
synonyms for every coded list; unit conversion through pint. Pure data, loaded and validated
once."""

from pedmassage.vocabulary.codes import (
    CodeBook,
    MeasuredCode,
    code_book,
)
from pedmassage.vocabulary.sites import BodySite, SiteMap, site_map
from pedmassage.vocabulary.terms import (
    KINDS,
    SYSTEMS,
    Kind,
    find,
    label,
    medicine,
    medicine_class,
    resolve,
    standard_codes,
)
from pedmassage.vocabulary.units import Converted, accepted_units, to_stored_unit

__all__ = [
    "KINDS",
    "SYSTEMS",
    "BodySite",
    "CodeBook",
    "Converted",
    "Kind",
    "MeasuredCode",
    "SiteMap",
    "accepted_units",
    "code_book",
    "find",
    "label",
    "medicine",
    "medicine_class",
    "resolve",
    "site_map",
    "standard_codes",
    "to_stored_unit",
]
