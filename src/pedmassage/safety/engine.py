"""``evaluate``: one screening input in, one screening result out.

Pure and deterministic: the same input and rule book always give the same result, whatever the
order of the input's lists. "Now" is the input's ``assessed_at``; nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from pedmassage.safety.combine import combined
from pedmassage.safety.context import Facts, build_facts
from pedmassage.safety.contract import ScreeningInput, ScreeningResult, VerifyItem
from pedmassage.safety.rulebook import RuleBook, default_rulebook
from pedmassage.safety.runner import Outcome, run_rules
from pedmassage.safety.validate import validate_input
from pedmassage.vocabulary import code_book, site_map

_READING_ORDER = attrgetter("order")
WHOLE_BODY = "whole_body"


def evaluate(inp: ScreeningInput, rulebook: RuleBook | None = None) -> ScreeningResult:
    """Screen one child before a session: proceed, modify (with the changes) or hold, and why.

    Raises ``pedmassage.errors.ValidationError`` naming the field when the input uses an unknown
    site or code, a wrong unit, or a measurement taken after the assessment.
    """
    book = rulebook or default_rulebook()
    validate_input(inp, book.catalogue)
    facts = build_facts(inp, book.policy)
    outcomes = run_rules(book.rules, facts, site_map())
    return _result(inp, book, outcomes, facts)


def _result(
    inp: ScreeningInput, book: RuleBook, outcomes: Sequence[Outcome], facts: Facts
) -> ScreeningResult:
    """Reasons in reading order (``combine.reason_order``): holds first, then by rule id.

    A result whose changes avoid the whole body is a hold, whatever the rules said one by one:
    "modify, no contact anywhere" would read as permission to start.
    """
    reasons = [o.reason for o in sorted(outcomes, key=_READING_ORDER)]
    changes = [book.default_changes, *(o.changes for o in outcomes)]
    modifications = combined(changes, site_map(), book.site_memo)  # a dict, validated below
    if WHOLE_BODY in modifications["avoid_sites"] and reasons[0].decision != "hold":
        reasons.insert(0, book.whole_body_avoided)
    return ScreeningResult(
        # the first reason is the most restrictive one (``combine.most_restrictive``)
        decision=reasons[0].decision if reasons else "proceed",
        reasons=reasons,
        modifications=modifications,
        missing=sorted({m for o in outcomes for m in o.missing}),
        verify=verify_items(outcomes, facts) if any(o.verify for o in outcomes) else [],
        rules_version=book.rules_version,
        policy_version=book.policy_version,
        assessed_at=inp.assessed_at,
    )


def verify_items(outcomes: Iterable[Outcome], facts: Facts) -> list[VerifyItem]:
    """One item per reading asked for, with the last result given and the rules that ask."""
    asked: dict[tuple[str, str], set[str]] = {}
    for o in outcomes:
        for key in o.verify:
            asked.setdefault(key, set()).add(o.reason.rule_id)
    book = code_book()
    items = []
    for (kind, code), rules in sorted(asked.items()):
        spec = (book.labs if kind == "lab" else book.vitals)[code]
        last = (facts.labs if kind == "lab" else facts.vitals).latest.get(code)
        items.append(
            VerifyItem(
                kind="lab" if kind == "lab" else "vital",
                code=code,
                label=spec.label,
                unit=spec.unit,
                last_value=None if last is None else last.value,
                last_taken_at=None if last is None else last.taken_at,
                rules=sorted(rules),
            )
        )
    return items
