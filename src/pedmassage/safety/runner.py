"""Running compiled rules against one child's facts.

A rule yields at most one outcome for its condition plus one per unmet data requirement. Errors in
a rule are data errors (``KnowledgeDataError`` naming the rule), never a silent "did not fire".

Why rules are grouped and remembered: converting Python values into CEL values costs more than
evaluating most rules, and a rule's outcome is a pure function of the few context variables it
reads (thresholds are bound at compile time and nothing reads the clock) plus, for a data
requirement, whether the reading is fresh; only the message of an unmet requirement shows the
reading's age, and it is made apart from the CEL. So rules are grouped by what they read, and each
group remembers its outcomes under a key made of:

* each variable it reads, reduced to what the rule book's expressions can observe of it
  (``keys``: platelets of 212 and 213 share a key when every rule compares platelets only with
  20 and 50);
* for each requirement, whether its reading is fresh within the requirement's window.

A group whose key names are all read by a larger group joins it: the larger group's key already
decides its outcomes, so this costs no extra evaluations and saves a look-up per child. Most
children share keys (no devices, no fever), so only a new combination pays for conversion. Each
memo is bounded and cleared when full.

Should any rule fail, the rules are run again one by one in rule-group order without the memo
(``reference_outcomes``), so the error reported is the one rule-by-rule evaluation gives.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import cel

from pedmassage.errors import KnowledgeDataError
from pedmassage.safety.combine import Changes, reason_order
from pedmassage.safety.compile import CompiledRequirement, CompiledRule, Program
from pedmassage.safety.context import SCALAR_KEYS, Facts
from pedmassage.safety.contract import Reason
from pedmassage.safety.keys import KeyFn, collect_uses, key_functions, plain_key
from pedmassage.vocabulary import SiteMap

_CEL_ERRORS = (RuntimeError, TypeError, ValueError, KeyError, IndexError)
MEMO_LIMIT = 4096
CONTEXT_FROM_RULES = 3
FRESH, ABSENT = "fresh", "absent"

Keys = Mapping[str, Hashable]


@dataclass(frozen=True)
class Outcome:
    """What one fired rule (or unmet requirement) contributes to the result."""

    reason: Reason
    changes: Changes
    missing: tuple[str, ...] = ()
    order: tuple[int, str, str] = field(init=False, repr=False, compare=False)
    """Where the reason goes in the result (``combine.reason_order``), worked out once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "order", reason_order(self.reason))


@dataclass(frozen=True)
class Remembered:
    """A group's outcomes for one key: what fired, and which requirements are unmet."""

    outcomes: tuple[Outcome, ...]
    unmet: tuple[int, ...]
    """Indices into the group's requirements: reading not fresh and the requirement applies."""


@dataclass(frozen=True)
class RuleGroup:
    """Rules remembered together, keyed by the variables (and reading freshness) they read."""

    names: tuple[str, ...]
    """The context variables the rules read."""
    rules: tuple[CompiledRule, ...]
    requirements: tuple[CompiledRequirement, ...]
    owners: tuple[CompiledRule, ...]
    """The rule each requirement belongs to."""
    key_names: tuple[str, ...]
    """The variables, then the reading freshness names, the memo key is made of."""
    key: Callable[[Keys], Hashable]
    memo: dict[Hashable, Remembered] = field(default_factory=dict, compare=False, repr=False)
    messages: dict[tuple[int, str], Outcome] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Unmet-requirement outcomes by requirement index and reading state."""


@dataclass(frozen=True)
class Freshness:
    """Whether a requirement's reading is fresh: a key name of its own."""

    name: str
    kind: str
    data: str
    max_age_hours: float


@dataclass(frozen=True)
class RuleGroups:
    """A rule book's groups, how to key what they read, and the rule-by-rule order."""

    groups: tuple[RuleGroup, ...]
    keyed: tuple[tuple[str, KeyFn], ...]
    """Variables reduced to what the rules observe (``keys.key_functions``)."""
    plain: tuple[str, ...]
    """Lists and maps keyed by their whole value (``keys.plain_key``); scalars key as they are."""
    freshness: tuple[Freshness, ...]
    by_names: tuple[tuple[tuple[str, ...], tuple[CompiledRule, ...]], ...]
    """Rules by the variables they read, in order: how ``reference_outcomes`` runs them."""

    def keys(self, facts: Facts) -> dict[str, Hashable]:
        """The key of every variable and every reading freshness a group reads, for one child."""
        variables = facts.variables
        keys: dict[str, Hashable] = dict(variables)
        for name in self.plain:
            keys[name] = plain_key(variables[name])
        for name, key in self.keyed:
            keys[name] = key(variables[name])
        labs, vitals = facts.labs.age_hours, facts.vitals.age_hours
        for f in self.freshness:
            age = (labs if f.kind == "lab" else vitals).get(f.data)
            keys[f.name] = age is not None and age <= f.max_age_hours
        return keys


def reading_state(requirement: CompiledRequirement, facts: Facts) -> str:
    """``fresh``, ``absent``, or the age in whole hours as the message shows it."""
    readings = facts.labs if requirement.kind == "lab" else facts.vitals
    age = readings.age_hours.get(requirement.data)
    if age is None:
        return ABSENT
    return FRESH if age <= requirement.max_age_hours else f"{age:.0f}"


def group_rules(rules: Iterable[CompiledRule]) -> RuleGroups:
    """Group rules by what they read, in a stable order, and plan their keys."""
    rules = tuple(rules)
    by_names: dict[tuple[str, ...], list[CompiledRule]] = {}
    for rule in rules:
        by_names.setdefault(rule.names, []).append(rule)
    parts = sorted((names, tuple(members)) for names, members in by_names.items())
    freshness = {
        r: Freshness(f"{r.kind} {r.data} within {r.max_age_hours!r} h", r.kind, r.data,
                     r.max_age_hours)
        for rule in rules for r in rule.requirements
    }  # fmt: skip
    read = sorted({name for rule in rules for name in rule.names})
    keys = key_functions(collect_uses([p.source for r in rules for p in r.programs], read))
    return RuleGroups(
        groups=_merged(parts, freshness),
        keyed=tuple((name, keys[name]) for name in read if name in keys),
        plain=tuple(name for name in read if name not in keys and name not in SCALAR_KEYS),
        freshness=tuple(sorted(set(freshness.values()), key=lambda f: f.name)),
        by_names=tuple(parts),
    )


def run_groups(groups: RuleGroups, facts: Facts, sites: SiteMap) -> list[Outcome]:
    """All outcomes of all rules for the child with ``facts``, from the memo where it can."""
    try:
        return _remembered_outcomes(groups, facts, sites)
    except Exception:
        return reference_outcomes(groups, facts, sites)


def reference_outcomes(groups: RuleGroups, facts: Facts, sites: SiteMap) -> list[Outcome]:
    """All outcomes, every rule run on its own variables in rule-group order, without a memo."""
    outcomes: list[Outcome] = []
    for names, rules in groups.by_names:
        mapping = {name: facts.variables[name] for name in names}
        ctx = cel.Context(variables=mapping) if len(rules) >= CONTEXT_FROM_RULES else mapping
        for rule in rules:
            outcomes.extend(evaluate_rule(rule, ctx, facts, sites))
    return outcomes


def _remembered_outcomes(groups: RuleGroups, facts: Facts, sites: SiteMap) -> list[Outcome]:
    """The hot loop: one key and one look-up per group, kept flat."""
    keys = groups.keys(facts)
    outcomes: list[Outcome] = []
    for group in groups.groups:
        key = group.key(keys)
        found = group.memo.get(key)
        if found is None:
            found = _remember(group, key, facts, sites)
        outcomes += found.outcomes
        for i in found.unmet:
            outcomes.append(_unmet_outcome(group, i, facts))
    return outcomes


def _remember(group: RuleGroup, key: Hashable, facts: Facts, sites: SiteMap) -> Remembered:
    """Run the group's rules on one context and remember what they gave."""
    ctx = cel.Context(variables={name: facts.variables[name] for name in group.names})
    fired: list[Outcome] = []
    unmet: list[int] = []
    for rule in group.rules:
        outcome = _fired(rule, ctx, sites)
        if outcome is not None:
            fired.append(outcome)
    for i, (requirement, rule) in enumerate(zip(group.requirements, group.owners, strict=True)):
        if reading_state(requirement, facts) != FRESH and _applies(requirement, rule, ctx):
            unmet.append(i)
    found = Remembered(outcomes=tuple(fired), unmet=tuple(unmet))
    if len(group.memo) >= MEMO_LIMIT:
        group.memo.clear()
    group.memo[key] = found
    return found


def _unmet_outcome(group: RuleGroup, index: int, facts: Facts) -> Outcome:
    state = reading_state(group.requirements[index], facts)
    found = group.messages.get((index, state))
    if found is None:
        if len(group.messages) >= MEMO_LIMIT:
            group.messages.clear()
        found = unmet_outcome(group.requirements[index], group.owners[index], state)
        group.messages[(index, state)] = found
    return found


def _merged(
    parts: list[tuple[tuple[str, ...], tuple[CompiledRule, ...]]],
    freshness: Mapping[CompiledRequirement, Freshness],
) -> tuple[RuleGroup, ...]:
    """One group per largest set of key names; a smaller set joins the smallest that holds it."""

    def key_names(rules: Iterable[CompiledRule]) -> frozenset[str]:
        rules = tuple(rules)
        fresh = {freshness[r].name for rule in rules for r in rule.requirements}
        return frozenset({name for rule in rules for name in rule.names} | fresh)

    named = [(key_names(rules), rules) for _, rules in parts]
    largest = sorted({k for k, _ in named if not any(k < other for other, _ in named)},
                     key=lambda k: (len(k), sorted(k)))  # fmt: skip
    members: dict[frozenset[str], list[CompiledRule]] = {k: [] for k in largest}
    for names, rules in named:
        members[next(k for k in largest if names <= k)].extend(rules)
    return tuple(_group(members[k], freshness) for k in sorted(largest, key=sorted))


def _group(
    rules: list[CompiledRule], freshness: Mapping[CompiledRequirement, Freshness]
) -> RuleGroup:
    names = tuple(sorted({name for rule in rules for name in rule.names}))
    requirements = tuple(r for rule in rules for r in rule.requirements)
    key_names = (*names, *sorted({freshness[r].name for r in requirements}))
    return RuleGroup(
        names=names,
        rules=tuple(rules),
        requirements=requirements,
        owners=tuple(rule for rule in rules for _ in rule.requirements),
        key_names=key_names,
        key=itemgetter(*key_names) if key_names else lambda _: (),
    )


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
    changes = rule.changes.with_sites(avoid, gentle) if avoid or gentle else rule.changes
    return Outcome(rule.reason, changes, missing)


def _unmet(
    requirement: CompiledRequirement, rule: CompiledRule, ctx: Any, facts: Facts
) -> Outcome | None:
    state = reading_state(requirement, facts)
    if state == FRESH or not _applies(requirement, rule, ctx):
        return None
    return unmet_outcome(requirement, rule, state)


def _applies(requirement: CompiledRequirement, rule: CompiledRule, ctx: Any) -> bool:
    return _boolean(requirement.when, ctx, rule.id, f"requires {requirement.data} when")


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
