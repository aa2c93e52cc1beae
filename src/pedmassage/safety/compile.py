"""Turning rule data into runnable rules: CEL compiled once, thresholds bound, sites checked.

Everything that can be checked without a child is checked here, so a malformed rule stops the
program at start-up with the rule id in the message instead of surfacing in a screening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

import cel

from pedmassage.errors import KnowledgeDataError
from pedmassage.safety.combine import Changes
from pedmassage.safety.context import CONTEXT_KEYS
from pedmassage.safety.contract import Decision, Reason
from pedmassage.safety.policy import Policy
from pedmassage.safety.spec import POLICY_REF_PATTERN, ModificationSpec, RequirementSpec, RuleSpec
from pedmassage.vocabulary import SiteMap, code_book

_POLICY_IN_EXPR = re.compile(r"\bpolicy\.([A-Za-z_][A-Za-z0-9_]*)")
_POLICY_IN_TEXT = re.compile(r"\{policy\.([A-Za-z_][A-Za-z0-9_]*)\}")
_FACT_IN_TEXT = re.compile(r"\{([a-z_]+)\.([a-z0-9_]+)\}")
"""``{lab_previous.platelets}``: a child's own value, filled in when the rule fires."""
_ITERATION_VAR = re.compile(r"\.\s*(?:all|exists|exists_one|filter|map)\s*\(\s*([A-Za-z_]\w*)\s*,")


class Program(Protocol):
    """A compiled CEL expression (``cel.Program``)."""

    def execute(self, context: Any = ...) -> Any: ...

    def variables(self) -> list[str]: ...


@dataclass(frozen=True)
class CompiledRequirement:
    """A data requirement ready to check: which reading, how fresh, and what to do without it."""

    data: str
    kind: Literal["lab", "vital"]
    when: Program
    max_age_hours: float
    decision: Decision
    message: str
    missing_text: str
    changes: Changes


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its CEL compiled and its thresholds bound to one policy."""

    spec: RuleSpec
    decision: Decision
    when: Program | None
    avoid_expr: Program | None
    gentle_expr: Program | None
    missing_expr: Program | None
    message: str
    changes: Changes
    requirements: tuple[CompiledRequirement, ...]
    reason: Reason
    """The reason the rule gives when it fires (the same every time unless ``facts_in_text``)."""
    facts_in_text: tuple[tuple[str, str], ...] = ()
    """``(map, key)`` of each child's value the message shows, e.g. the last platelet count."""
    verify: tuple[tuple[Literal["lab", "vital"], str], ...] = ()
    """Readings to take again before the session when the rule fires."""
    comfort: tuple[str, Changes] | None = None
    """Under comfort care: the text added to the message, and the gentler changes."""

    @property
    def id(self) -> str:
        return self.spec.id


def compile_rule(
    spec: RuleSpec, policy: Policy, sites: SiteMap, comfort_text: str = ""
) -> CompiledRule:
    """Compile one rule; any problem raises ``KnowledgeDataError`` naming the rule.

    ``comfort_text`` is what a hold that comfort care softens adds to its message.
    """
    mods = spec.modifications
    when = _maybe(spec.when, spec.id, "when", policy)
    avoid = _maybe(mods.avoid_sites_expr, spec.id, "avoid_sites_expr", policy)
    gentle = _maybe(mods.gentle_sites_expr, spec.id, "gentle_sites_expr", policy)
    missing = _maybe(spec.missing_expr, spec.id, "missing_expr", policy)
    requirements = tuple(_requirement(r, spec.id, policy, sites) for r in spec.requires)
    decision = spec.decision or "proceed"  # only requires-only rules lack one; never used
    message = bind_text(spec.message or "", spec.id, policy)
    changes = static_changes(mods, spec.id, policy, sites)
    return CompiledRule(
        spec=spec,
        decision=decision,
        when=when,
        avoid_expr=avoid,
        gentle_expr=gentle,
        missing_expr=missing,
        message=message,
        changes=changes,
        requirements=requirements,
        reason=Reason(rule_id=spec.id, decision=decision, message=message, source=spec.source),
        facts_in_text=_facts_in_text(message, spec.id),
        verify=tuple((_data_kind(code, spec.id), code) for code in spec.verify),
        comfort=_comfort(spec, changes, comfort_text, policy),
    )


def _facts_in_text(message: str, rule_id: str) -> tuple[tuple[str, str], ...]:
    found = tuple(_FACT_IN_TEXT.findall(message))
    unknown = sorted({name for name, _ in found} - CONTEXT_KEYS)
    if unknown:
        raise KnowledgeDataError(f"rule {rule_id}: message shows unknown names: {unknown}")
    return found


def _comfort(
    spec: RuleSpec, changes: Changes, text: str, policy: Policy
) -> tuple[str, Changes] | None:
    """What a hold becomes under comfort care: still touch and holding, never deeper."""
    if spec.under_comfort_care != "still_touch":
        return None
    cap = int(_threshold("comfort_care_max_pressure", spec.id, policy))
    own = changes.max_pressure
    gentler = replace(changes, max_pressure=cap if own is None else min(own, cap))
    return text, gentler


def compile_expr(expr: str, rule_id: str, where: str, policy: Policy) -> Program:
    """Bind ``policy.<name>`` to its value, compile, and refuse names outside the context."""
    bound = _POLICY_IN_EXPR.sub(lambda m: _threshold_literal(m.group(1), rule_id, policy), expr)
    try:
        program: Program = cel.compile(bound)
    except (ValueError, RuntimeError, TypeError) as exc:
        raise KnowledgeDataError(f"rule {rule_id}: {where} does not compile: {exc}") from exc
    unknown = set(program.variables()) - CONTEXT_KEYS - set(_ITERATION_VAR.findall(bound))
    if unknown:
        names = ", ".join(sorted(unknown))
        raise KnowledgeDataError(f"rule {rule_id}: {where} uses unknown names: {names}")
    return program


def bind_text(text: str, rule_id: str, policy: Policy) -> str:
    """Fill ``{policy.<name>}`` placeholders in a message with the threshold value."""
    return _POLICY_IN_TEXT.sub(lambda m: f"{_threshold(m.group(1), rule_id, policy):g}", text)


def static_changes(mods: ModificationSpec, rule_id: str, policy: Policy, sites: SiteMap) -> Changes:
    """The parts of a rule's modifications that do not depend on the child."""
    for site in (*mods.avoid_sites, *mods.gentle_sites):
        if site not in sites.sites:
            raise KnowledgeDataError(f"rule {rule_id}: unknown body site {site!r}")
    return Changes(
        max_pressure=_level(mods.max_pressure, rule_id, "max_pressure", policy, maximum=5),
        max_minutes=_level(mods.max_minutes, rule_id, "max_minutes", policy, maximum=None),
        avoid_sites=frozenset(mods.avoid_sites),
        gentle_sites=frozenset(mods.gentle_sites),
        positions=frozenset(mods.positions),
        precautions=frozenset(bind_text(p, rule_id, policy) for p in mods.precautions),
        forbidden_techniques=frozenset(mods.forbidden_techniques),
    )


def _maybe(expr: str | None, rule_id: str, where: str, policy: Policy) -> Program | None:
    return None if expr is None else compile_expr(expr, rule_id, where, policy)


def _requirement(
    spec: RequirementSpec, rule_id: str, policy: Policy, sites: SiteMap
) -> CompiledRequirement:
    kind = _data_kind(spec.data, rule_id)
    if spec.modifications.site_exprs:
        raise KnowledgeDataError(f"rule {rule_id}: requires may not use site expressions")
    return CompiledRequirement(
        data=spec.data,
        kind=kind,
        when=compile_expr(spec.when, rule_id, f"requires {spec.data} when", policy),
        max_age_hours=_hours(spec.max_age_hours, spec.data, kind, rule_id, policy),
        decision=spec.decision,
        message=bind_text(spec.message.rstrip(". "), rule_id, policy),  # a status follows
        missing_text=spec.missing_text or f"verify {spec.data.replace('_', ' ')}",
        changes=static_changes(spec.modifications, rule_id, policy, sites),
    )


def _data_kind(code: str, rule_id: str) -> Literal["lab", "vital"]:
    book = code_book()
    if code in book.labs:
        return "lab"
    if code in book.vitals:
        return "vital"
    raise KnowledgeDataError(f"rule {rule_id}: requires unknown lab or vital {code!r}")


def _hours(
    given: float | str | None,
    code: str,
    kind: Literal["lab", "vital"],
    rule_id: str,
    policy: Policy,
) -> float:
    if given is None:
        return policy.window_hours(kind, code)
    if isinstance(given, str):
        return _threshold(_policy_name(given, rule_id), rule_id, policy)
    return float(given)


def _level(
    given: int | str | None, rule_id: str, where: str, policy: Policy, *, maximum: int | None
) -> int | None:
    if given is None:
        return None
    value = (
        _threshold(_policy_name(given, rule_id), rule_id, policy)
        if isinstance(given, str)
        else given
    )
    if value != int(value) or value < 0 or (maximum is not None and value > maximum):
        limit = "" if maximum is None else f" up to {maximum}"
        raise KnowledgeDataError(f"rule {rule_id}: {where} must be a whole number{limit}")
    return int(value)


def _policy_name(ref: str, rule_id: str) -> str:
    if not re.fullmatch(POLICY_REF_PATTERN, ref):
        raise KnowledgeDataError(f"rule {rule_id}: {ref!r} is not a number or policy.<name>")
    return ref.removeprefix("policy.")


def _threshold(name: str, rule_id: str, policy: Policy) -> float:
    try:
        return policy.scalar(name)
    except KnowledgeDataError as exc:
        raise KnowledgeDataError(f"rule {rule_id}: unknown threshold policy.{name}") from exc


def _threshold_literal(name: str, rule_id: str, policy: Policy) -> str:
    """A CEL double literal: thresholds are always doubles, so rule authors know the type."""
    return repr(float(_threshold(name, rule_id, policy)))
