"""Checks on a screening input that Pydantic cannot make alone.

The contract types say a site is a string; only the vocabulary knows which strings are body sites.
A misspelt site, code or unit must be refused, naming the field, because a rule that never sees
"leg_lft" would let the session proceed over a clot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pedmassage.errors import ValidationError
from pedmassage.safety.contract import Measurement, ScreeningInput
from pedmassage.safety.spec import Catalogue
from pedmassage.vocabulary import (
    CodeBook,
    Kind,
    SiteMap,
    accepted_units,
    code_book,
    resolve,
    site_map,
)

TAKEN_AT_TOLERANCE = timedelta(minutes=5)
"""Clock skew allowed between the device that took a measurement and the one screening."""


def validate_input(inp: ScreeningInput, catalogue: Catalogue) -> None:
    """Raise ``ValidationError`` for the first field outside the vocabularies or the timeline.

    Most inputs are valid: one quick pass over precomputed sets says so. Only an input it doubts
    goes through the field-by-field checks below, which name the first offending field.
    """
    if _plainly_valid(inp, _allowed(catalogue)):
        return
    _check_child(inp)
    _check_sites(inp)
    _check_codes(inp, catalogue)
    _check_measurements(inp.labs, "lab", "labs", inp.assessed_at)
    _check_measurements(inp.vitals, "vital", "vitals", inp.assessed_at)
    _check_procedure_dates(inp)


def _check_child(inp: ScreeningInput) -> None:
    today = inp.assessed_at.date()
    if inp.child.birth_date > today:
        raise ValidationError(
            "child.birth_date", inp.child.birth_date.isoformat(), f"on or before {today}"
        )


def _check_sites(inp: ScreeningInput) -> None:
    sites = site_map()
    for name, items in (
        ("conditions", inp.conditions),
        ("devices", inp.devices),
        ("procedures", inp.procedures),
        ("skin", inp.skin),
    ):
        for i, item in enumerate(items):
            site = getattr(item, "site", None)
            if site is not None and site not in sites.sites:
                resolve("body_site", site, f"{name}[{i}].site")  # raises, naming the nearest
                sites.check(site, f"{name}[{i}].site")


def _check_codes(inp: ScreeningInput, catalogue: Catalogue) -> None:
    vocab = catalogue.vocabulary
    conditions = {**code_book().conditions, **vocab.extra_conditions}
    _check_in((c.code for c in inp.conditions), conditions, "conditions[{}].code", "condition")
    _check_in((d.kind for d in inp.devices), code_book().devices, "devices[{}].kind", "device")
    _check_in(
        (p.kind for p in inp.procedures), vocab.procedures, "procedures[{}].kind", "procedure"
    )
    _check_in(
        (s.finding for s in inp.skin), vocab.skin_findings, "skin[{}].finding", "skin_finding"
    )
    _check_in(
        (m.class_ for m in inp.medications),
        vocab.medication_classes,
        "medications[{}].class",
        "medication_class",
    )


def _check_in(values: Iterable[str], allowed: Mapping[str, str], field: str, kind: Kind) -> None:
    """Refuse a code the rules do not know, naming the nearest entries of its list."""
    for i, value in enumerate(values):
        if value not in allowed:
            resolve(kind, value, field.format(i))  # raises, naming the nearest known entries
            raise ValidationError(field.format(i), value, "one of: " + ", ".join(sorted(allowed)))


def _check_measurements(
    items: Sequence[Measurement], kind: Literal["lab", "vital"], name: str, assessed_at: datetime
) -> None:
    book = code_book()
    for i, m in enumerate(items):
        field = f"{name}[{i}]"
        table = book.labs if kind == "lab" else book.vitals
        if m.code in table and m.unit != table[m.code].unit:
            allowed = ", ".join(accepted_units(kind, m.code))
            raise ValidationError(f"{field}.unit", m.unit, f"one of {allowed} for {m.code}")
        book.check_measure(kind, m.code, m.value, m.unit, field)
        if m.taken_at > assessed_at + TAKEN_AT_TOLERANCE:
            raise ValidationError(
                f"{field}.taken_at",
                m.taken_at.isoformat(),
                f"at or before assessed_at ({assessed_at.isoformat()}), within 5 minutes",
            )
    _check_no_conflicts(items, name)


def _check_no_conflicts(items: Sequence[Measurement], name: str) -> None:
    """Two different values for one code at one instant leave "the latest" undefined."""
    seen: dict[tuple[str, datetime], int] = {}
    for i, m in enumerate(items):
        j = seen.setdefault((m.code, m.taken_at), i)
        if items[j].value != m.value:
            raise ValidationError(
                f"{name}[{i}].value",
                m.value,
                f"{items[j].value:g} as in {name}[{j}], the {m.code} result taken at the same time",
            )


def _check_procedure_dates(inp: ScreeningInput) -> None:
    today = inp.assessed_at.date()
    for i, p in enumerate(inp.procedures):
        if p.date > today:
            raise ValidationError(
                f"procedures[{i}].date", p.date.isoformat(), f"on or before {today.isoformat()}"
            )


@dataclass(frozen=True)
class _Allowed:
    """The vocabularies as sets, and each measured code's unit and range, for the quick pass."""

    catalogue: Catalogue
    codes: CodeBook
    sites: SiteMap
    site_ids: frozenset[str]
    conditions: frozenset[str]
    devices: frozenset[str]
    procedures: frozenset[str]
    skin_findings: frozenset[str]
    medication_classes: frozenset[str]
    labs: dict[str, tuple[str, float, float]]
    vitals: dict[str, tuple[str, float, float]]

    @classmethod
    def of(cls, catalogue: Catalogue, codes: CodeBook, sites: SiteMap) -> _Allowed:
        vocab = catalogue.vocabulary
        return cls(
            catalogue=catalogue,
            codes=codes,
            sites=sites,
            site_ids=frozenset(sites.sites),
            conditions=frozenset({**codes.conditions, **vocab.extra_conditions}),
            devices=frozenset(codes.devices),
            procedures=frozenset(vocab.procedures),
            skin_findings=frozenset(vocab.skin_findings),
            medication_classes=frozenset(vocab.medication_classes),
            labs={code: (m.unit, m.min, m.max) for code, m in codes.labs.items()},
            vitals={code: (m.unit, m.min, m.max) for code, m in codes.vitals.items()},
        )


_ALLOWED: list[_Allowed] = []


def _allowed(catalogue: Catalogue) -> _Allowed:
    """The quick-pass tables for ``catalogue`` and the current vocabularies (built once)."""
    codes, sites = code_book(), site_map()
    for allowed in _ALLOWED:
        if allowed.catalogue is catalogue and allowed.codes is codes and allowed.sites is sites:
            return allowed
    allowed = _Allowed.of(catalogue, codes, sites)
    _ALLOWED[:] = [allowed, *_ALLOWED[:3]]
    return allowed


def _plainly_valid(inp: ScreeningInput, allowed: _Allowed) -> bool:
    """True only when none of the checks above could fail (a quick pass, no messages)."""
    today = inp.assessed_at.date()
    if inp.child.birth_date > today:
        return False
    sites = allowed.site_ids
    for c in inp.conditions:
        if c.code not in allowed.conditions or (c.site is not None and c.site not in sites):
            return False
    for d in inp.devices:
        if d.kind not in allowed.devices or (d.site is not None and d.site not in sites):
            return False
    for p in inp.procedures:
        if p.kind not in allowed.procedures or (p.site is not None and p.site not in sites):
            return False
        if p.date > today:
            return False
    for s in inp.skin:
        if s.finding not in allowed.skin_findings or (s.site is not None and s.site not in sites):
            return False
    for m in inp.medications:
        if m.class_ not in allowed.medication_classes:
            return False
    return _plainly_valid_measurements(
        inp.labs, allowed.labs, inp.assessed_at
    ) and _plainly_valid_measurements(inp.vitals, allowed.vitals, inp.assessed_at)


def _plainly_valid_measurements(
    items: Sequence[Measurement], specs: dict[str, tuple[str, float, float]], assessed_at: datetime
) -> bool:
    if not items:
        return True
    latest = assessed_at + TAKEN_AT_TOLERANCE
    codes: set[str] = set()
    for m in items:
        spec = specs.get(m.code)
        if spec is None or m.unit != spec[0] or not spec[1] <= m.value <= spec[2]:
            return False
        if m.taken_at > latest:
            return False
        codes.add(m.code)
    # two results for one code at one instant must agree; only a repeated code can clash
    return len(codes) == len(items) or _no_conflicts(items)


def _no_conflicts(items: Sequence[Measurement]) -> bool:
    values: dict[tuple[str, datetime], float] = {}
    return all(values.setdefault((m.code, m.taken_at), m.value) == m.value for m in items)
