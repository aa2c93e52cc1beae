"""Which protocols may serve a child, best first (the rule is in ``pedmassage.planning``).

The planner takes the first candidate that applies under the screening; the candidates it passes
over are reported with the reason they do not apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pedmassage.planning.models import Protocol

HOME_SETTINGS = frozenset({"home"})


@dataclass(frozen=True)
class Selection:
    protocol: Protocol
    reason: str


def suits_setting(protocol: Protocol, setting: str) -> bool:
    """Parent-given protocols suit home; therapist-given ones suit hospital and clinic."""
    if protocol.deliverer == "either":
        return True
    return (protocol.deliverer == "parent") == (setting in HOME_SETTINGS)


def _matched(wanted: Iterable[str], offered: Iterable[str]) -> list[str]:
    offered_set = set(offered)
    return [w for w in dict.fromkeys(wanted) if w in offered_set]


def _ranked(
    candidates: Sequence[Protocol], conditions: Sequence[str], goals: Sequence[str], setting: str
) -> list[Protocol]:
    def rank(p: Protocol) -> tuple[int, int, int, str]:
        served = len(_matched(goals, p.applies_to.goals))
        matched = len(_matched(conditions, p.applies_to.conditions))
        return (-served, -matched, 0 if suits_setting(p, setting) else 1, p.id)

    return sorted(candidates, key=rank)


def _describe(kind: str, p: Protocol, stage: str, keys: Sequence[str], goals: Sequence[str]) -> str:
    served = _matched(goals, p.applies_to.goals)
    text = f"{kind} {', '.join(keys)} at stage {stage}"
    return text + (f"; serves goal {', '.join(served)}." if served else ".")


def candidates(
    *,
    stage: str,
    conditions: Sequence[str],
    goals: Sequence[str],
    setting: str,
    protocols: Mapping[str, Protocol],
) -> list[Selection]:
    """Condition protocols, then goal protocols, then the stage's routine, then its still-touch
    protocols; each protocol once, at its first place."""
    eligible = [p for p in protocols.values() if stage in p.applies_to.stages]
    moving = [p for p in eligible if not p.still_touch]
    found: dict[str, Selection] = {}
    by_condition = [p for p in moving if _matched(conditions, p.applies_to.conditions)]
    for p in _ranked(by_condition, conditions, goals, setting):
        keys = _matched(conditions, p.applies_to.conditions)
        found.setdefault(
            p.id, Selection(p, _describe("Protocol for condition", p, stage, keys, goals))
        )
    by_goal = [p for p in moving if _matched(goals, p.chosen_for_goals)]
    for p in _ranked(by_goal, conditions, goals, setting):
        keys = _matched(goals, p.chosen_for_goals)
        found.setdefault(
            p.id, Selection(p, _describe("Protocol chosen for goal", p, stage, keys, []))
        )
    routine = next(p for p in eligible if p.routine)
    general = f"General routine for stage {stage}; no condition- or goal-specific protocol applies."
    found.setdefault(routine.id, Selection(routine, general))
    for p in sorted((p for p in eligible if p.still_touch), key=lambda p: p.id):
        why = (
            f"Still-touch protocol for stage {stage}, used because the ones before it do not apply."
        )
        found.setdefault(p.id, Selection(p, why))
    return list(found.values())
