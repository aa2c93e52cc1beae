"""Standard codes and synonyms for every coded list, and the one way to read an entry into a
local code.

Inputs come from many places: a clinician typing "PICC line", a hospital system sending a SNOMED CT
code, a form posting ``picc``. Every path ends in the same local code, so a rule written against
``picc`` sees all three. Exports go the other way through :func:`standard_codes`. The data is in
``terms/*.yaml``; a code no published source confirmed is null there, never guessed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field

from pedmassage.errors import KnowledgeDataError, ValidationError
from pedmassage.vocabulary.codes import code_book
from pedmassage.vocabulary.sites import site_map

Kind = Literal[
    "condition",
    "device",
    "procedure",
    "skin_finding",
    "body_site",
    "lab",
    "vital",
    "medication_class",
]
KINDS: tuple[str, ...] = get_args(Kind)

SYSTEMS: dict[str, str] = {
    "snomed": "http://snomed.info/sct",
    "icd10": "http://hl7.org/fhir/sid/icd-10",
    "loinc": "http://loinc.org",
    "atc": "http://www.whocc.no/atc",
    "ucum": "http://unitsofmeasure.org",
}
"""Short names of the code systems and their FHIR system URIs."""

_SYSTEM_ALIASES: dict[str, str] = {
    **{name: uri for name, uri in SYSTEMS.items()},
    **{uri: uri for uri in SYSTEMS.values()},
    "sct": SYSTEMS["snomed"],
    "snomed ct": SYSTEMS["snomed"],
    "snomedct": SYSTEMS["snomed"],
    "icd-10": SYSTEMS["icd10"],
    "icd 10": SYSTEMS["icd10"],
    "lnc": SYSTEMS["loinc"],
}

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalize(text: str) -> str:
    """The form synonyms are compared in: case-folded; spaces, hyphens, underscores alike."""
    return _SEPARATORS.sub(" ", text.casefold()).strip()


class StandardRef(BaseModel):
    """A code in a standard system, named by short name or FHIR URI."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str
    code: str


class Term(BaseModel):
    """One local code's standard codes and synonyms.

    ``also`` holds narrower standard codes accepted on input only (Seizure for ``epilepsy``):
    reading them into the broader local code loses nothing a rule needs, but exporting the local
    code as the narrower concept would claim what the record does not say.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str | None = None
    snomed: str | None = None
    icd10: str | None = None
    atc: str | None = None
    also: tuple[StandardRef, ...] = ()
    synonyms: tuple[str, ...] = ()
    note: str | None = None
    source: str | None = None


class Medicine(BaseModel):
    """A medicine name the program maps to a medication class, with its ATC code if confirmed."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    class_: str = Field(alias="class")
    atc: str | None = None
    synonyms: tuple[str, ...] = ()
    note: str | None = None


class TermList(BaseModel):
    """One ``terms/*.yaml`` file: the standard codes of one kind of coded list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    source: str
    entries: dict[str, Term]
    medicines: dict[str, Medicine] = {}


class MeasureTerm(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    synonyms: tuple[str, ...] = ()
    units: tuple[str, ...]


class MeasureTerms(BaseModel):
    """``terms/measures.yaml``: synonyms and accepted unit spellings of labs and vitals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["measure"]
    source: str
    labs: dict[str, MeasureTerm]
    vitals: dict[str, MeasureTerm]


_FILES: dict[str, str] = {
    "condition": "conditions.yaml",
    "device": "devices.yaml",
    "procedure": "procedures.yaml",
    "skin_finding": "skin_findings.yaml",
    "body_site": "body_sites.yaml",
    "medication_class": "medication_classes.yaml",
}


def _read(name: str) -> object:
    return yaml.safe_load(files("pedmassage.vocabulary").joinpath("terms", name).read_text())


@cache
def term_list(kind: str) -> TermList:
    """The standard codes of ``kind`` (every kind except lab and vital, which are measures)."""
    data = TermList.model_validate(_read(_FILES[kind]))
    if data.kind != kind:
        raise KnowledgeDataError(f"terms/{_FILES[kind]}: kind {data.kind!r}, expected {kind!r}")
    return data


@cache
def measure_terms() -> MeasureTerms:
    return MeasureTerms.model_validate(_read("measures.yaml"))


@dataclass(frozen=True)
class _Index:
    """Everything resolution needs for one kind, built once."""

    codes: frozenset[str]
    synonyms: dict[str, str]
    standard: dict[tuple[str, str], str]
    exports: dict[str, dict[str, str]]


def _local_codes(kind: str) -> tuple[str, ...]:
    book = code_book()
    if kind == "condition":
        extra = [c for c in term_list("condition").entries if c not in book.conditions]
        return (*book.conditions, *extra)
    if kind == "device":
        return tuple(book.devices)
    if kind == "body_site":
        return tuple(site_map().sites)
    if kind == "lab":
        return tuple(book.labs)
    if kind == "vital":
        return tuple(book.vitals)
    return tuple(term_list(kind).entries)


def _term_table(kind: str) -> dict[str, Term]:
    if kind in ("lab", "vital"):
        book, measures = code_book(), measure_terms()
        specs = book.labs if kind == "lab" else book.vitals
        extra = measures.labs if kind == "lab" else measures.vitals
        return {
            code: Term(synonyms=extra[code].synonyms if code in extra else ()) for code in specs
        }
    return dict(term_list(kind).entries)


def _exports(kind: str, code: str, term: Term) -> dict[str, str]:
    if kind in ("lab", "vital"):
        spec = (code_book().labs if kind == "lab" else code_book().vitals)[code]
        return {SYSTEMS["loinc"]: spec.loinc} if spec.loinc else {}
    pairs = (("snomed", term.snomed), ("icd10", term.icd10), ("atc", term.atc))
    return {SYSTEMS[name]: value for name, value in pairs if value is not None}


def _claim(table: dict[object, str], key: object, code: str, kind: str) -> None:
    """Record ``key`` for ``code``, refusing a key that already names another code."""
    owner = table.setdefault(key, code)
    if owner != code:
        raise KnowledgeDataError(f"{kind}: {key!r} names both {owner} and {code}")


@cache
def _index(kind: str) -> _Index:
    codes = _local_codes(kind)
    terms = _term_table(kind)
    missing = sorted(set(codes) - set(terms))
    if missing:
        raise KnowledgeDataError(f"{kind}: no terms entry for {', '.join(missing)}")
    unknown = sorted(set(terms) - set(codes))
    if unknown:
        raise KnowledgeDataError(f"{kind}: terms for unknown codes {', '.join(unknown)}")
    synonyms: dict[object, str] = {}
    standard: dict[object, str] = {}
    exports: dict[str, dict[str, str]] = {}
    for code in codes:
        _claim(synonyms, normalize(code), code, kind)
    for code in codes:
        term = terms[code]
        for synonym in term.synonyms:
            _claim(synonyms, normalize(synonym), code, kind)
        exports[code] = _exports(kind, code, term)
        refs = [*exports[code].items(), *((_system(r.system), r.code) for r in term.also)]
        for ref in refs:
            _claim(standard, ref, code, kind)
    return _Index(
        codes=frozenset(codes),
        synonyms={str(k): v for k, v in synonyms.items()},
        standard={(str(k[0]), str(k[1])): v for k, v in standard.items() if isinstance(k, tuple)},
        exports=exports,
    )


def _system(name: str) -> str:
    uri = _SYSTEM_ALIASES.get(normalize(name)) or _SYSTEM_ALIASES.get(name.strip())
    if uri is None:
        raise KnowledgeDataError(f"unknown code system {name!r}")
    return uri


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError("kind", kind, "one of: " + ", ".join(KINDS))


def find(kind: str, entry: str) -> str | None:
    """The local code for a local code or synonym, or None: a look-up that never builds an
    error, for callers trying one list after another (a lab, else a vital)."""
    index = _index(kind)
    if entry in index.codes:
        return entry
    return index.synonyms.get(normalize(entry))


def resolve(kind: str, entry: str | Mapping[str, object], field: str) -> str:
    """The local code for ``entry``: a local code, a synonym, or ``{"system", "code"}``.

    Raises ``ValidationError(field, entry, allowed)``; ``allowed`` names the nearest known entries
    so the person can correct a misspelling. An exact local code costs one set look-up, so callers
    that already hold local codes pay nothing measurable.
    """
    _check_kind(kind)
    index = _index(kind)
    if isinstance(entry, str):
        if entry in index.codes:
            return entry
        found = index.synonyms.get(normalize(entry))
        if found is not None:
            return found
        raise ValidationError(field, entry, _nearest(kind, index, entry))
    return _resolve_standard(kind, index, entry, field)


def _resolve_standard(kind: str, index: _Index, entry: Mapping[str, object], field: str) -> str:
    system, code = entry.get("system"), entry.get("code")
    if not isinstance(system, str) or not isinstance(code, str | int):
        raise ValidationError(field, dict(entry), 'a local code, a synonym or {"system", "code"}')
    uri = _SYSTEM_ALIASES.get(normalize(system)) or _SYSTEM_ALIASES.get(system.strip())
    if uri is None:
        allowed = "one of the systems: " + ", ".join(sorted(SYSTEMS))
        raise ValidationError(f"{field}.system", system, allowed)
    found = index.standard.get((uri, str(code).strip()))
    if found is None:
        known = sorted(f"{c}" for (u, c) in index.standard if u == uri)
        allowed = f"one of the {kind} codes of {uri} this program maps: " + (
            ", ".join(known) or "none"
        )
        raise ValidationError(f"{field}.code", code, allowed)
    return found


def _nearest(kind: str, index: _Index, entry: str) -> str:
    close = difflib.get_close_matches(normalize(entry), list(index.synonyms), n=5, cutoff=0.6)
    names = list(dict.fromkeys(f"{index.synonyms[c]}" for c in close))
    if names:
        return f"one of the known {kind.replace('_', ' ')} entries; nearest: " + ", ".join(names)
    return "one of: " + ", ".join(sorted(index.codes))


def standard_codes(kind: str, local_code: str) -> dict[str, str]:
    """The confirmed standard codes of ``local_code`` as ``{system URI: code}``, for export.

    Empty when no published source confirmed a code. Raises ``ValidationError`` for an unknown
    local code (field ``code``).
    """
    _check_kind(kind)
    index = _index(kind)
    if local_code not in index.codes:
        raise ValidationError("code", local_code, _nearest(kind, index, local_code))
    return dict(index.exports[local_code])


def label(kind: str, local_code: str) -> str:
    """The human label of a local code, wherever that list keeps its labels."""
    book = code_book()
    tables: dict[str, Mapping[str, str]] = {
        "condition": book.conditions,
        "device": book.devices,
    }
    if kind in tables and local_code in tables[kind]:
        return tables[kind][local_code]
    if kind == "body_site":
        return site_map().label(local_code)
    if kind in ("lab", "vital"):
        return (book.labs if kind == "lab" else book.vitals)[local_code].label
    return term_list(kind).entries[local_code].label or local_code


@cache
def _medicine_index() -> dict[str, str]:
    table: dict[object, str] = {}
    for name, medicine in term_list("medication_class").medicines.items():
        for alias in (name, *medicine.synonyms):
            _claim(table, normalize(alias), name, "medicine")
    return {str(k): v for k, v in table.items()}


def medicine(name: str, field: str = "medication.name") -> tuple[str, Medicine]:
    """The maintained entry for a medicine name or brand: ``(canonical name, Medicine)``."""
    index = _medicine_index()
    key = normalize(name)
    canonical = index.get(key)
    if canonical is None:
        close = difflib.get_close_matches(key, list(index), n=5, cutoff=0.6)
        names = list(dict.fromkeys(index[c] for c in close))
        allowed = (
            "one of the medicines in the maintained list; nearest: " + ", ".join(names)
            if names
            else "one of the medicines in the maintained list, or give its class"
        )
        raise ValidationError(field, name, allowed)
    return canonical, term_list("medication_class").medicines[canonical]


def medicine_class(name: str, field: str = "medication.name") -> str:
    """The medication class (local code) of a medicine name or brand, e.g. enoxaparin →
    ``anticoagulant``. Raises ``ValidationError`` naming the nearest known medicines."""
    return medicine(name, field)[1].class_
