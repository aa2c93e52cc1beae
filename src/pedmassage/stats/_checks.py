"""Input checks shared by every statistic.

Each check names the column and the row that failed (``vi[3]`` is the fourth study), so the edge can
tell a researcher exactly which cell of their table to fix instead of returning NaN further down.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pedmassage.errors import ValidationError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def as_column(name: str, values: ArrayLike) -> FloatArray:
    """Coerce one input column to a 1-D float array of finite numbers.

    NaN and infinities are refused here because metafor would silently drop such studies, and a
    dropped study changes the result without anyone noticing.
    """
    try:
        column = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise _non_number_error(name, values) from None
    if column.ndim != 1:
        raise ValidationError(name, f"{column.ndim}-dimensional input", "one value per study")
    require(name, column, np.isfinite(column), "a finite number")
    return column


def _non_number_error(name: str, values: ArrayLike) -> ValidationError:
    """Name the first cell that is not a number (or the whole input if no single cell is)."""
    cells: Sequence[object] = list(values) if isinstance(values, Sequence) else [values]
    for index, cell in enumerate(cells):
        try:
            float(cell)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return ValidationError(f"{name}[{index}]", cell, "a number")
    return ValidationError(name, str(values), "a list of numbers, one per study")


def require(name: str, column: FloatArray, ok: BoolArray, allowed: str) -> None:
    """Raise for the first row where ``ok`` is false, naming ``name[row]``."""
    bad = np.flatnonzero(~ok)
    if bad.size:
        row = int(bad[0])
        raise ValidationError(f"{name}[{row}]", float(column[row]), allowed)


def columns(
    specs: Mapping[str, ArrayLike], check: Callable[[str, FloatArray], None] | None = None
) -> dict[str, FloatArray]:
    """Coerce several columns, run ``check`` on each and insist they have one row per study."""
    arrays = {name: as_column(name, values) for name, values in specs.items()}
    lengths = {name: column.size for name, column in arrays.items()}
    expected = next(iter(lengths.values()), 0)
    for name, length in lengths.items():
        if length != expected:
            raise ValidationError(name, f"{length} values", f"{expected} values, one per study")
    if check is not None:
        for name, column in arrays.items():
            check(name, column)
    return arrays


def positive(name: str, column: FloatArray) -> None:
    """Sampling variances and SDs must be strictly positive: zero would mean infinite weight."""
    require(name, column, column > 0, "a number greater than 0")


def non_negative(name: str, column: FloatArray) -> None:
    """Cell counts cannot be negative."""
    require(name, column, column >= 0, "a count of 0 or more")


def at_least_two(name: str, column: FloatArray) -> None:
    """A group needs two participants for its SD (and the pooled SD) to exist."""
    require(name, column, column >= 2, "a group size of at least 2")


def minimum_studies(k: int, minimum: int, why: str) -> None:
    """Refuse analyses that are undefined for so few studies (e.g. tau^2 from one study)."""
    if k < minimum:
        raise ValidationError("k", k, f"at least {minimum} studies {why}")


def level(value: float) -> float:
    """Confidence levels are fractions such as 0.95."""
    if not 0 < value < 1:
        raise ValidationError("level", value, "a confidence level between 0 and 1, e.g. 0.95")
    return float(value)


def choice(name: str, value: str, allowed: Sequence[str]) -> str:
    """Check a method or test name, which arrives as free text from the CLI."""
    if value not in allowed:
        raise ValidationError(name, value, "one of " + ", ".join(allowed))
    return value


def whole(name: str, value: int, *, minimum: int) -> int:
    """A whole number (not a bool, not a float) of at least ``minimum``: counts, indexes."""
    try:
        number = operator.index(value)
    except TypeError:
        raise ValidationError(name, value, f"a whole number ≥ {minimum}") from None
    if isinstance(value, bool) or number < minimum:
        raise ValidationError(name, value, f"a whole number ≥ {minimum}")
    return number
