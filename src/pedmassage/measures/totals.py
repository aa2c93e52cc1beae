"""How validated item values become a total, and the exact range that rule can produce.

Kept apart from :mod:`pedmassage.measures.scoring` so the catalogue can check, when it loads, that
each file's declared ``range`` is the range its own scoring rule yields.
"""

from __future__ import annotations

from collections.abc import Mapping

from pedmassage.measures.model import Instrument, Item

Number = int | float


def contribution(item: Item, value: Number) -> Number:
    """What one answer adds: reverse-scored items count from the other end (1..6 → 6..1)."""
    if item.reverse:
        return int(item.min + item.max) - value
    return value


def total_of(inst: Instrument, values: Mapping[str, Number]) -> Number:
    """The instrument's total from checked item values, by its published rule.

    ``sum``: the item contributions added up. ``weighted_percent`` (mYPAS): each item divided by
    its number of answers, summed, times 100, divided by the number of items.
    ``primary_item``: a profile measure whose reported number is one named item.
    """
    counted = [(item, values[item.key]) for item in inst.items if _counts(item, values)]
    method = inst.scoring.method
    if method == "weighted_percent":
        return 100 * sum(value / item.categories for item, value in counted) / len(counted)
    if method == "primary_item":
        return values[str(inst.scoring.primary_item)]
    return sum((contribution(item, value) for item, value in counted), start=0)


def raw_range(inst: Instrument) -> tuple[Number, Number]:
    """Lowest and highest total the rule can give, before any prematurity points."""
    return total_of(inst, _extreme(inst, high=False)), total_of(inst, _extreme(inst, high=True))


def _counts(item: Item, values: Mapping[str, Number]) -> bool:
    return item.in_total and item.key in values


def _extreme(inst: Instrument, *, high: bool) -> dict[str, Number]:
    """Item values that push every contribution to one end (one item per exactly-one group)."""
    chosen: dict[str, Number] = {}
    groups_seen: set[str] = set()
    for item in inst.items:
        if not item.in_total or item.group in groups_seen:
            continue
        if item.group is not None:
            groups_seen.add(item.group)
        end = item.max if high != item.reverse else item.min
        chosen[item.key] = int(end) if item.step is not None else end
    return chosen
