"""Choose one protocol for a child (the rule is documented in ``pedmassage.planning``)."""

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


def _best(
    candidates: Sequence[Protocol], conditions: Sequence[str], goals: Sequence[str], setting: str
) -> Protocol:
    def rank(p: Protocol) -> tuple[int, int, int, str]:
        served = len(_matched(goals, p.applies_to.goals))
        matched = len(_matched(conditions, p.applies_to.conditions))
        return (-served, -matched, 0 if suits_setting(p, setting) else 1, p.id)

    return min(candidates, key=rank)


def _describe(kind: str, p: Protocol, stage: str, keys: Sequence[str], goals: Sequence[str]) -> str:
    served = _matched(goals, p.applies_to.goals)
    text = f"{kind} {', '.join(keys)} at stage {stage}"
    return text + (f"; serves goal {', '.join(served)}." if served else ".")


def select_protocol(
    *,
    stage: str,
    conditions: Sequence[str],
    goals: Sequence[str],
    setting: str,
    protocols: Mapping[str, Protocol],
) -> Selection:
    eligible = [p for p in protocols.values() if stage in p.applies_to.stages]
    by_condition = [p for p in eligible if _matched(conditions, p.applies_to.conditions)]
    if by_condition:
        best = _best(by_condition, conditions, goals, setting)
        keys = _matched(conditions, best.applies_to.conditions)
        return Selection(best, _describe("Protocol for condition", best, stage, keys, goals))
    by_goal = [p for p in eligible if _matched(goals, p.chosen_for_goals)]
    if by_goal:
        best = _best(by_goal, conditions, goals, setting)
        keys = _matched(goals, best.chosen_for_goals)
        return Selection(best, f"Protocol chosen for goal {', '.join(keys)} at stage {stage}.")
    routine = next(p for p in eligible if p.routine)
    reason = f"General routine for stage {stage}; no condition- or goal-specific protocol applies."
    return Selection(routine, reason)
