"""The synthetic children of the demo program, read from ``roster.yaml``.

Every child there is invented; the mix follows the program's typical caseload.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml


@dataclass(frozen=True)
class DemoChild:
    """One synthetic child: age in days at the demo's 'today', and facts that shape screening."""

    name: str
    age_days: int
    sex: str
    conditions: tuple[tuple[str, str | None], ...]
    setting: str
    ward: str | None
    ga_weeks: int = 40
    ga_days: int = 0
    verbal: bool = True
    cognitive_impairment: bool = False
    devices: tuple[tuple[str, str | None], ...] = ()
    medications: tuple[str, ...] = ()
    touch_aversion: bool = False
    trauma_history: bool = False
    touch_notes: str = ""
    oncology: bool = False
    surgery: tuple[str, int] | None = None  # (site, days before the demo's first day)
    goals: tuple[str, ...] = ("relaxation",)
    baseline: float = 0.5  # pre-session score as a fraction of the scale's range
    sessions_per_week: float = 2.0


def _child(raw: dict[str, Any]) -> DemoChild:
    pairs = {"conditions", "devices"}
    fields: dict[str, Any] = {
        key: tuple(tuple(v) for v in value) if key in pairs
        else tuple(value) if isinstance(value, list) else value
        for key, value in raw.items()
    }  # fmt: skip
    return DemoChild(**fields)


@cache
def roster() -> tuple[DemoChild, ...]:
    raw = yaml.safe_load(files("pedmassage.demo").joinpath("roster.yaml").read_text())
    return tuple(_child(c) for c in raw["children"])
