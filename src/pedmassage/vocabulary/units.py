"""Measurements converted to the unit their code is stored in, through pint.

A platelet count arrives as 150000 /uL from one laboratory and 150 10*9/L from another; the rules
compare against 10^9/L. Each lab and vital accepts a short list of unit spellings
(``terms/measures.yaml``); pint does the arithmetic, and the original value and unit stay with the
result so the record shows what was measured. Any unit outside the list is refused, even one pint
could convert, because a plausible-looking wrong unit (haemoglobin in mmol/L without a cited
factor) is worse than a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import pint

from pedmassage.errors import ValidationError
from pedmassage.vocabulary.codes import code_book
from pedmassage.vocabulary.terms import measure_terms

_ANNOTATION = re.compile(r"\{[^}]*\}")
_POWER_OF_TEN = re.compile(r"^10[*^](-?\d+)")
_SPELLINGS = {
    "Cel": "degC",
    "°C": "degC",
    "[degF]": "degF",
    "°F": "degF",
    "[lb_av]": "lb",
    "[in_i]": "inch",
    "in": "inch",
    "%": "percent",
}


@cache
def registry() -> pint.UnitRegistry[float]:
    """The one pint registry; UCUM spellings are mapped onto its units by ``_pint_unit``."""
    return pint.UnitRegistry[float]()


@dataclass(frozen=True)
class Converted:
    """A measurement in its stored unit, with what was actually entered."""

    value: float
    unit: str
    original_value: float
    original_unit: str


def _pint_unit(spelling: str) -> tuple[float, Any]:
    """A UCUM-style spelling as (scale, pint unit): ``10*9/L`` is (1e9, 1/L)."""
    text = _SPELLINGS.get(spelling, spelling).replace("µ", "u").replace("μ", "u")
    text = _ANNOTATION.sub("1", text)
    scale = 1.0
    power = _POWER_OF_TEN.match(text)
    if power:
        scale = 10.0 ** int(power.group(1))
        text = "1" + text[power.end() :]
    if text.startswith("/"):
        text = "1" + text
    if text in ("1", ""):
        return scale, registry().dimensionless
    quantity = registry().parse_expression(text)
    if isinstance(quantity, pint.Quantity):
        return scale * float(quantity.magnitude), quantity.units
    return scale, registry().dimensionless


def convert(value: float, unit: str, target: str) -> float:
    """``value`` in ``unit`` expressed in ``target``; pint refuses incompatible dimensions."""
    from_scale, from_unit = _pint_unit(unit)
    to_scale, to_unit = _pint_unit(target)
    quantity = registry().Quantity(value * from_scale, from_unit)
    # 12 significant digits: drops binary noise (149.99999999999997) far below any assay's precision
    return float(f"{float(quantity.to(to_unit).magnitude) / to_scale:.12g}")


def accepted_units(kind: str, code: str) -> tuple[str, ...]:
    """The unit spellings accepted for a lab or vital, the stored unit first."""
    book, terms = code_book(), measure_terms()
    stored = (book.labs if kind == "lab" else book.vitals)[code].unit
    table = terms.labs if kind == "lab" else terms.vitals
    listed = table[code].units if code in table else ()
    return tuple(dict.fromkeys((stored, *listed)))


def to_stored_unit(kind: str, code: str, value: float, unit: str, field: str) -> Converted:
    """Convert a measurement to the unit ``code`` is stored in, keeping the original.

    ``kind`` is ``lab`` or ``vital`` and ``code`` a local code (resolve synonyms first). Raises
    ``ValidationError`` on ``{field}.code`` for an unknown code and on ``{field}.unit`` for a unit
    that is not accepted for this code, naming the accepted units. The range check stays with
    ``CodeBook.check_measure``, applied to the converted value.
    """
    book = code_book()
    table = book.labs if kind == "lab" else book.vitals
    if code not in table:
        raise ValidationError(f"{field}.code", code, "one of: " + ", ".join(sorted(table)))
    stored = table[code].unit
    if unit == stored:
        return Converted(value, stored, value, unit)
    accepted = accepted_units(kind, code)
    if unit not in accepted:
        raise ValidationError(f"{field}.unit", unit, f"one of {', '.join(accepted)} for {code}")
    return Converted(convert(value, unit, stored), stored, value, unit)
