"""The instrument catalogue: one YAML file per instrument, validated once and cached."""

from __future__ import annotations

import math
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType

import pydantic
import yaml

from pedmassage.errors import KnowledgeDataError, ValidationError
from pedmassage.measures.model import Instrument
from pedmassage.measures.totals import raw_range

RANGE_TOLERANCE = 0.005  # declared ranges may be rounded to two decimals (mYPAS 23.33)


def instruments() -> dict[str, Instrument]:
    """Every instrument by id (a fresh dict; the instruments themselves are immutable)."""
    return dict(_catalogue())


def instrument(instrument_id: str) -> Instrument:
    """One instrument; an unknown id is a validation error listing the known ones."""
    found = _catalogue().get(instrument_id)
    if found is None:
        raise ValidationError("instrument", instrument_id, "one of: " + ", ".join(_catalogue()))
    return found


@cache
def _catalogue() -> MappingProxyType[str, Instrument]:
    folder = files("pedmassage.measures").joinpath("instruments")
    paths = sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    loaded = {inst.id: inst for inst in map(_load, paths)}
    return MappingProxyType(dict(sorted(loaded.items())))


def _load(path: Traversable) -> Instrument:
    try:
        inst = Instrument.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except pydantic.ValidationError as exc:
        raise KnowledgeDataError(f"instruments/{path.name}: {exc}") from exc
    if path.name != f"{inst.id}.yaml":
        raise KnowledgeDataError(f"instruments/{path.name}: file name must be {inst.id}.yaml")
    _check_declared_range(inst, path.name)
    return inst


def _check_declared_range(inst: Instrument, name: str) -> None:
    """The declared range must be what the scoring rule (and default prematurity rule) yields."""
    lo, hi = raw_range(inst)
    prematurity = inst.scoring.prematurity
    if prematurity is not None:
        hi += max(step.points for step in prematurity.rules[prematurity.default].points)
    declared_lo, declared_hi = inst.range
    if not (_near(lo, declared_lo) and _near(hi, declared_hi)):
        raise KnowledgeDataError(
            f"instruments/{name}: declared range {list(inst.range)} but the items give "
            f"[{lo:g}, {hi:g}]"
        )


def _near(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=RANGE_TOLERANCE)
