"""Read a table of studies from CSV text, for ``pedmassage evidence pool --input FILE.csv``.

Accepted columns (header names are case-insensitive; ``study`` is optional and labels the rows):

- any measure: ``yi,vi`` (effect sizes already computed);
- ``SMD``/``MD``: ``m1i,sd1i,n1i,m2i,sd2i,n2i`` (group 1 is the massage group);
- ``RR``/``OR``/``RD``: metafor's 2×2 cells ``ai,bi,ci,di``, the aliases ``tpos,tneg,cpos,cneg``, or
  events with totals ``ai,n1i,ci,n2i``.

For a measure other than ``GEN`` the raw columns win when both they and ``yi,vi`` are present, so
the effect sizes are always computed the same way. Rows are numbered from 0 in errors (``vi[3]``
is the fourth study), matching the arrays the rest of the package uses; messages add the line.
"""

from __future__ import annotations

import csv
import io
from typing import NamedTuple

import numpy as np

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks
from pedmassage.stats._checks import FloatArray
from pedmassage.stats.effect_sizes import EffectSizes, compute_effect_sizes

GIVEN = ("yi", "vi")
MEANS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
CELLS = ("ai", "bi", "ci", "di")
ALIASES = ("tpos", "tneg", "cpos", "cneg")
TOTALS = ("ai", "n1i", "ci", "n2i")
COLUMN_SETS: dict[str, tuple[tuple[str, ...], ...]] = {
    "GEN": (GIVEN,),
    "MD": (MEANS, GIVEN),
    "SMD": (MEANS, GIVEN),
    "RR": (CELLS, ALIASES, TOTALS, GIVEN),
    "OR": (CELLS, ALIASES, TOTALS, GIVEN),
    "RD": (CELLS, ALIASES, TOTALS, GIVEN),
}


class StudyTable(NamedTuple):
    """Study labels with their effect sizes and sampling variances, ready for ``pool``."""

    studies: tuple[str, ...]
    yi: FloatArray
    vi: FloatArray


def read_study_csv(text: str, measure: str = "GEN") -> StudyTable:
    """Parse CSV text and compute (or take) the effect sizes of ``measure``."""
    name = _checks.choice("measure", measure, tuple(COLUMN_SETS))
    header, rows = _parse(text)
    chosen = _choose_columns(name, header)
    data = {column: _numbers(column, rows) for column in chosen}
    studies = _labels(rows)
    if chosen == GIVEN:
        effects = compute_effect_sizes("GEN", data)
    else:
        effects = _computed(name, chosen, data)
    return StudyTable(studies, np.array(effects.yi), np.array(effects.vi))


def accepted_column_sets(measure: str) -> tuple[tuple[str, ...], ...]:
    """The column sets a CSV may use for ``measure``, in order of preference."""
    return COLUMN_SETS[_checks.choice("measure", measure, tuple(COLUMN_SETS))]


def _parse(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-cased) and the non-blank rows, each with its line number in the file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        if not reader.fieldnames:
            raise ValidationError("input", "", "CSV text with a header row naming the columns")
        reader.fieldnames = [field.strip().lower() for field in reader.fieldnames]
        rows = [
            (reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None})
            for row in reader
            if any((v or "").strip() for k, v in row.items() if k is not None)
        ]
    except csv.Error as exc:  # e.g. a stray carriage return inside an unquoted field
        raise ValidationError(
            "input", f"line {reader.line_num}", f"well-formed CSV text ({exc})"
        ) from None
    if not rows:
        raise ValidationError("input", "no rows", "at least one study row below the header")
    return list(reader.fieldnames), rows


def _choose_columns(measure: str, header: list[str]) -> tuple[str, ...]:
    """The first accepted set fully present; otherwise name what the closest set is missing."""
    present = set(header)
    sets = COLUMN_SETS[measure]
    for columns in sets:
        if present.issuperset(columns):
            return columns
    closest = min(sets, key=lambda columns: len(set(columns) - present))
    missing = [column for column in closest if column not in present]
    accepted = " | ".join(",".join(("study", *columns)) for columns in sets)
    raise ValidationError(
        "columns",
        ",".join(missing),
        f"for measure {measure}, one of these column sets (study optional): {accepted}",
        f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} for measure "
        f"{measure}; accepted column sets (study optional): {accepted}",
    )


def _numbers(column: str, rows: list[tuple[int, dict[str, str]]]) -> FloatArray:
    """One float per row, naming the cell (and its line) that is not a number."""
    values = np.empty(len(rows), dtype=np.float64)
    for index, (line, row) in enumerate(rows):
        cell = row.get(column, "")
        try:
            values[index] = float(cell)
        except ValueError:
            field = f"{column}[{index}]"
            message = f"{field} (line {line}): {cell!r} is not a number"
            raise ValidationError(field, cell, "a number", message) from None
    return values


def _labels(rows: list[tuple[int, dict[str, str]]]) -> tuple[str, ...]:
    """The ``study`` column, or 1, 2, 3… when the file has none (or a cell is blank)."""
    return tuple(row.get("study") or str(index + 1) for index, (_, row) in enumerate(rows))


def _computed(measure: str, chosen: tuple[str, ...], data: dict[str, FloatArray]) -> EffectSizes:
    """Compute effect sizes from raw columns, reporting errors under the file's own column names."""
    canonical = dict(zip(ALIASES, CELLS, strict=True)) if chosen == ALIASES else {}
    mapped = {canonical.get(column, column): values for column, values in data.items()}
    try:
        return compute_effect_sizes(measure, mapped)
    except ValidationError as error:
        raise _renamed(error, {v: k for k, v in canonical.items()}) from None


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """Rewrite ``ai[3]`` as ``tpos[3]`` when the file used the aliases."""
    column, bracket, rest = error.field.partition("[")
    if column not in names:
        return error
    field = names[column] + bracket + rest
    return ValidationError(field, error.value, error.allowed)
