"""Running compiled rules against one child's facts.

A rule yields at most one outcome for its condition plus one per unmet data requirement. Errors in
a rule are data errors (``KnowledgeDataError`` naming the rule), never a silent "did not fire".

Why rules are grouped and remembered: converting Python values into CEL values costs more than
evaluating most rules, and a rule's outcome is a pure function of the few context variables it
reads (thresholds are bound at compile time and nothing reads the clock) plus the state of any
reading it requires (fresh, absent, or its age in whole hours). Rules reading the same variables
form a group; each group remembers its outcomes keyed by those values. Most children share them
(no devices, no fever), so only a new combination pays for conversion. Each memo is bounded and
cleared when full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import cel

from pedmassage.errors import KnowledgeDataError
from pedmassage.safety.combine import Changes
from pedmassage.safety.compile import CompiledRequirement, CompiledRule, Program
from pedmassage.safety.context import Facts
from pedmassage.safety.contract import Reason
from pedmassage.vocabulary import SiteMap

_CEL_ERRORS = (RuntimeError, TypeError, ValueError, KeyError, IndexError)
MEMO_LIMIT = 4096
CONTEXT_FROM_RULES = 3
FRESH, ABSENT = "fresh", "absent"


@dataclass(frozen=True)
class Outcome:
    """What one fired rule (or unmet requirement) contributes to the result."""

    reason: Reason
    changes: Changes
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleGroup:
    """Rules that read the same context variables, with their shared memo."""

    names: tuple[str, ...]
    rules: tuple[CompiledRule, ...]
    requirements: tuple[CompiledRequirement, ...]
    key: Callable[[dict[str, Any]], Any]
    memo: dict[Any, tuple[Outcome, ...]] = field(default_factory=dict, compare=False, repr=False)


class Scope:
    """One child's facts, with a hashable copy of each variable for the memo keys."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.frozen = {name: _freeze(value) for name, value in facts.variables.items()}

    def reading_states(self, requirements: tuple[CompiledRequirement, ...]) -> tuple[str, ...]:
        return tuple(reading_state(r, self.facts) for r in requirements)


def reading_state(requirement: CompiledRequirement, facts: Facts) -> str:
    """``fresh``, ``absent``, or the age in whole hours as the message shows it."""
    readings = facts.labs if requirement.kind == "lab" else facts.vitals
    age = readings.age_hours.get(requirement.data)
    if age is None:
        return ABSENT
    return FRESH if age <= requirement.max_age_hours else f"{age:.0f}"


def group_rules(rules: Iterable[CompiledRule]) -> tuple[RuleGroup, ...]:
    """Group rules by the variables they read, in a stable order."""
    by_names: dict[tuple[str, ...], list[CompiledRule]] = {}
    for rule in rules:
        by_names.setdefault(rule.names, []).append(rule)
    return tuple(_group(names, members) for names, members in sorted(by_names.items()))


def run_groups(groups: Iterable[RuleGroup], scope: Scope, sites: SiteMap) -> list[Outcome]:
    """All outcomes of all groups for the child in ``scope`` (the hot loop: kept flat)."""
    frozen = scope.frozen
    outcomes: list[Outcome] = []
    for group in groups:
        key = group.key(frozen)
        if group.requirements:
            key = (key, scope.reading_states(group.requirements))
        found = group.memo.get(key)
        if found is None:
            found = _remember(group, key, scope, sites)
        outcomes.extend(found)
    return outcomes


def _remember(group: RuleGroup, key: Any, scope: Scope, sites: SiteMap) -> tuple[Outcome, ...]:
    ctx = _context(group, scope.facts.variables)
    found = tuple(o for r in group.rules for o in evaluate_rule(r, ctx, scope.facts, sites))
    if len(group.memo) >= MEMO_LIMIT:
        group.memo.clear()
    group.memo[key] = found
    return found


def evaluate_rule(rule: CompiledRule, ctx: Any, facts: Facts, sites: SiteMap) -> list[Outcome]:
    """Run one rule's CEL on ``ctx`` (a mapping or ``cel.Context``), without any memo."""
    outcomes: list[Outcome] = []
    fired = _fired(rule, ctx, sites)
    if fired is not None:
        outcomes.append(fired)
    for requirement in rule.requirements:
        unmet = _unmet(requirement, rule, ctx, facts)
        if unmet is not None:
            outcomes.append(unmet)
    return outcomes


def _context(group: RuleGroup, variables: dict[str, Any]) -> Any:
    """A plain mapping converts on every execute; a ``cel.Context`` converts once, at a cost."""
    mapping = {name: variables[name] for name in group.names}
    return cel.Context(variables=mapping) if len(group.rules) >= CONTEXT_FROM_RULES else mapping


def _group(names: tuple[str, ...], members: list[CompiledRule]) -> RuleGroup:
    return RuleGroup(
        names=names,
        rules=tuple(members),
        requirements=tuple(r for rule in members for r in rule.requirements),
        key=itemgetter(*names) if names else lambda _: (),
    )


def _fired(rule: CompiledRule, ctx: Any, sites: SiteMap) -> Outcome | None:
    if not rule.spec.can_fire:
        return None
    if rule.when is not None and not _boolean(rule.when, ctx, rule.id, "when"):
        return None
    avoid = _sites(rule.avoid_expr, ctx, rule.id, "avoid_sites_expr", sites)
    gentle = _sites(rule.gentle_expr, ctx, rule.id, "gentle_sites_expr", sites)
    if rule.when is None and not (avoid or gentle):
        return None
    missing = (*rule.spec.missing, *_strings(rule.missing_expr, ctx, rule.id, "missing_expr"))
    reason = Reason(rule_id=rule.id, decision=rule.decision, message=rule.message,
                    source=rule.spec.source)  # fmt: skip
    return Outcome(reason, rule.changes.with_sites(avoid, gentle), missing)


def _unmet(
    requirement: CompiledRequirement, rule: CompiledRule, ctx: Any, facts: Facts
) -> Outcome | None:
    state = reading_state(requirement, facts)
    if state == FRESH:
        return None
    if not _boolean(requirement.when, ctx, rule.id, f"requires {requirement.data} when"):
        return None
    status = (
        "No result is recorded"
        if state == ABSENT
        else f"The latest result is {state} h old (limit {requirement.max_age_hours:g} h)"
    )
    message = f"{requirement.message}. {status}: {requirement.missing_text} before the session."
    reason = Reason(rule_id=rule.id, decision=requirement.decision, message=message,
                    source=rule.spec.source)  # fmt: skip
    return Outcome(reason, requirement.changes, (requirement.missing_text,))


def _run(program: Program, ctx: Any, rule_id: str, where: str) -> Any:
    try:
        return program.execute(ctx)
    except _CEL_ERRORS as exc:
        raise KnowledgeDataError(f"rule {rule_id}: {where} failed: {exc!r}") from exc


def _boolean(program: Program, ctx: Any, rule_id: str, where: str) -> bool:
    value = _run(program, ctx, rule_id, where)
    if not isinstance(value, bool):
        raise KnowledgeDataError(f"rule {rule_id}: {where} returned {value!r}, not true/false")
    return value


def _strings(program: Program | None, ctx: Any, rule_id: str, where: str) -> list[str]:
    if program is None:
        return []
    value = _run(program, ctx, rule_id, where)
    if not isinstance(value, list) or not all(v is None or isinstance(v, str) for v in value):
        raise KnowledgeDataError(f"rule {rule_id}: {where} returned {value!r}, not a list of text")
    return [v for v in value if v is not None]


def _sites(
    program: Program | None, ctx: Any, rule_id: str, where: str, sites: SiteMap
) -> list[str]:
    found = _strings(program, ctx, rule_id, where)
    for site in found:
        if site not in sites.sites:
            raise KnowledgeDataError(f"rule {rule_id}: {where} gave unknown body site {site!r}")
    return found


def _freeze(value: Any) -> Any:
    """A hashable copy of a context value that is equal exactly when the value is.

    Context values are scalars, maps of scalars, or lists of scalars or of maps of scalars
    (see ``context``), so one level of nesting is all there is to freeze.
    """
    kind = type(value)
    if kind is list:
        return tuple([_freeze_map(v) if type(v) is dict else v for v in value])
    if kind is dict:
        return _freeze_map(value)
    return value


def _freeze_map(value: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(value.items()))
