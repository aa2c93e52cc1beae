"""Session length: choose the total, fit the steps into it, share minutes in tenths.

Minutes are shared in whole tenths of a minute by the largest-remainder method, so the regions add
up exactly to the total and never past it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MIN_STEP_MINUTES = 0.5
STILL_HOLD_MINUTES = 5.0
TENTHS = 10


def session_minutes(protocol: float, requested: int | None, cap: int | None) -> float:
    """The protocol's length, shortened to the requested length and to the screening's cap.

    A request longer than the protocol does not lengthen it: the studied dose is the most a plan
    gives.
    """
    limits = [float(x) for x in (requested, cap) if x is not None]
    return min([protocol, *limits])


def steps_that_fit(count: int, total: float) -> int:
    """How many steps fit when each needs at least ``MIN_STEP_MINUTES``."""
    return min(count, max(1, int(total / MIN_STEP_MINUTES)))


def share(weights: Sequence[float], total: float) -> list[float]:
    """Split ``total`` minutes in proportion to ``weights``, in tenths that add up exactly."""
    units = round(total * TENTHS)
    weight_sum = sum(weights)
    exact = [w * units / weight_sum for w in weights]
    whole = [math.floor(e) for e in exact]
    left = units - sum(whole)
    by_remainder = sorted(range(len(exact)), key=lambda i: (whole[i] - exact[i], i))
    for i in by_remainder[:left]:
        whole[i] += 1
    return [w / TENTHS for w in whole]


def total_of(minutes: Sequence[float]) -> float:
    """Sum of tenths without floating-point drift."""
    return sum(round(m * TENTHS) for m in minutes) / TENTHS
