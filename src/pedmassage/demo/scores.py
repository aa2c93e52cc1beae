"""Plausible synthetic item scores for a target level on any instrument's scale."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pedmassage.measures.model import Instrument, Item


def items_for(instrument: Instrument, level: float, rng: random.Random) -> dict[str, float]:
    """Item scores whose total sits near ``level`` (0 = lowest, 1 = highest) of the range.

    Items in an "exactly one" group (COMFORT-B's crying vs respiratory response) get only the
    group's first item; items outside the total are skipped.
    """
    chosen: dict[str, float] = {}
    seen_groups: set[str] = set()
    for item in instrument.items:
        if not item.in_total or (item.group is not None and item.group in seen_groups):
            continue
        if item.group is not None:
            seen_groups.add(item.group)
        chosen[item.key] = _value(item, level + rng.uniform(-0.12, 0.12))
    return chosen


def _value(item: Item, level: float) -> float:
    level = min(max(level, 0.0), 1.0)
    target = item.min + level * (item.max - item.min)
    if item.reverse:
        target = item.max - (target - item.min)
    values = item.values
    if values is None:
        return round(target, 1)
    return float(min(values, key=lambda v: abs(v - target)))
