"""Running compiled rules against one child's facts.

Every rule is evaluated for every child, one after another in rule-book order, each expression of
a rule at most once, against one CEL context built once per child. Nothing is remembered from one
child to the next, so what a rule gives for a child can be read straight off the rule and the
child's facts.

A rule yields at most one outcome for its condition plus one per unmet data requirement. An error
in a rule is a data error (``KnowledgeDataError`` naming the rule and the expression) that reaches
the caller: never a silent "did not fire", never retried another way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import cel

from pedmassage.errors import KnowledgeDataError
from pedmassage.safety.combine import Changes, reason_order
from pedmassage.safety.compile import CompiledRequirement, CompiledRule, Program
from pedmassage.safety.context import Facts
from pedmassage.safety.contract import Reason
from pedmassage.vocabulary import SiteMap

_CEL_ERRORS = (RuntimeError, TypeError, ValueError, KeyError, IndexError)
FRESH, ABSENT = "fresh", "absent"


@dataclass(frozen=True)
class Outcome:
    """What one fired rule (or unmet requirement) contributes to the result."""

    reason: Reason
    changes: Changes
    missing: tuple[str, ...] = ()
    verify: tuple[tuple[Literal["lab", "vital"], str], ...] = ()
    """Readings to take before the session: ``(kind, code)``."""
    order: tuple[int, str, str] = field(init=False, repr=False, compare=False)
    """Where the reason goes in the result (``combine.reason_order``), worked out once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "order", reason_order(self.reason))


def run_rules(rules: Iterable[CompiledRule], facts: Facts, sites: SiteMap) -> list[Outcome]:
    """All outcomes of all ``rules`` for the child with ``facts``, rule by rule in their order.

    The context is built once because converting Python values into CEL values costs more than
    evaluating most rules; the rules share it and cannot change it.
    """
    return outcomes_on(rules, cel.Context(variables=facts.variables), facts, sites)


def evaluate_rule(rule: CompiledRule, ctx: Any, facts: Facts, sites: SiteMap) -> list[Outcome]:
    """One rule's outcomes on ``ctx`` (a ``cel.Context`` or a mapping of the rule's variables)."""
    return outcomes_on((rule,), ctx, facts, sites)


def outcomes_on(
    rules: Iterable[CompiledRule], ctx: Any, facts: Facts, sites: SiteMap
) -> list[Outcome]:
    """The outcomes of ``rules`` on a context already built, in the rules' order.

    One loop, with each rule's condition checked in it, rather than a call per rule: most rules
    have a condition that does not hold, so evaluating it is all their work, and a function call
    and a list per rule would cost about as much again.
    """
    outcomes: list[Outcome] = []
    for rule in rules:
        if rule.when is None or _boolean(rule.when, ctx, rule, "when"):
            fired = _fired(rule, ctx, facts, sites)
            if fired is not None:
                outcomes.append(fired)
        for requirement in rule.requirements:
            state = reading_state(requirement, facts)
            if state != FRESH and _applies(requirement, rule, ctx):
                outcomes.append(unmet_outcome(requirement, rule, state))
    return outcomes


def reading_state(requirement: CompiledRequirement, facts: Facts) -> str:
    """``fresh``, ``absent``, or the age in whole hours as the message shows it."""
    readings = facts.labs if requirement.kind == "lab" else facts.vitals
    age = readings.age_hours.get(requirement.data)
    if age is None:
        return ABSENT
    return FRESH if age <= requirement.max_age_hours else f"{age:.0f}"


def unmet_outcome(requirement: CompiledRequirement, rule: CompiledRule, state: str) -> Outcome:
    """The outcome of a requirement that applies while its reading is ``state`` (not fresh)."""
    status = (
        "No result is recorded"
        if state == ABSENT
        else f"The latest result is {state} h old (limit {requirement.max_age_hours:g} h)"
    )
    message = f"{requirement.message}. {status}: {requirement.missing_text} before the session."
    reason = Reason(rule_id=rule.id, decision=requirement.decision, message=message,
                    source=rule.spec.source)  # fmt: skip
    verify = ((requirement.kind, requirement.data),)
    return Outcome(reason, requirement.changes, (requirement.missing_text,), verify)


def _fired(rule: CompiledRule, ctx: Any, facts: Facts, sites: SiteMap) -> Outcome | None:
    """The outcome of a rule whose condition holds, or of one without a condition if it names
    sites (so a rule with only data requirements never fires)."""
    avoid = _sites(rule.avoid_expr, ctx, rule, "avoid_sites_expr", sites)
    gentle = _sites(rule.gentle_expr, ctx, rule, "gentle_sites_expr", sites)
    if rule.when is None and not (avoid or gentle):
        return None
    missing = (*rule.spec.missing, *_strings(rule.missing_expr, ctx, rule, "missing_expr"))
    reason, changes = rule.reason, rule.changes
    if rule.facts_in_text:
        reason = reason.model_copy(update={"message": _with_facts(rule, facts)})
    if rule.comfort is not None and facts.variables["goals_of_care"] == "comfort":
        text, changes = rule.comfort
        reason = reason.model_copy(
            update={"decision": "modify", "message": f"{reason.message} {text}"}
        )
    if avoid or gentle:
        changes = changes.with_sites(avoid, gentle)
    return Outcome(reason, changes, missing, rule.verify)


def _with_facts(rule: CompiledRule, facts: Facts) -> str:
    """The message with the child's own values in place of ``{map.key}``."""
    message = rule.message
    for name, key in rule.facts_in_text:
        value = facts.variables[name].get(key)
        shown = "not recorded" if value is None else f"{value:g}"
        message = message.replace(f"{{{name}.{key}}}", shown)
    return message


def _applies(requirement: CompiledRequirement, rule: CompiledRule, ctx: Any) -> bool:
    return _boolean(requirement.when, ctx, rule, f"requires {requirement.data} when")


def _run(program: Program, ctx: Any, rule: CompiledRule, where: str) -> Any:
    """Execute one expression; a CEL error becomes a data error naming the rule and expression."""
    try:
        return program.execute(ctx)
    except _CEL_ERRORS as exc:
        raise KnowledgeDataError(f"rule {rule.id}: {where} failed: {exc!r}") from exc


def _boolean(program: Program, ctx: Any, rule: CompiledRule, where: str) -> bool:
    value = _run(program, ctx, rule, where)
    if not isinstance(value, bool):
        raise KnowledgeDataError(f"rule {rule.id}: {where} returned {value!r}, not true/false")
    return value


def _strings(program: Program | None, ctx: Any, rule: CompiledRule, where: str) -> list[str]:
    if program is None:
        return []
    value = _run(program, ctx, rule, where)
    if value == []:  # the usual answer, checked first because this runs for most rules
        return []
    if not isinstance(value, list) or not all(v is None or isinstance(v, str) for v in value):
        raise KnowledgeDataError(f"rule {rule.id}: {where} returned {value!r}, not a list of text")
    return [v for v in value if v is not None]


def _sites(
    program: Program | None, ctx: Any, rule: CompiledRule, where: str, sites: SiteMap
) -> list[str]:
    found = _strings(program, ctx, rule, where)
    for site in found:
        if site not in sites.sites:
            raise KnowledgeDataError(f"rule {rule.id}: {where} gave unknown body site {site!r}")
    return found
