"""``evaluate``: one screening input in, one screening result out.

Pure and deterministic: the same input and rule book always give the same result, whatever the
order of the input's lists. "Now" is the input's ``assessed_at``; nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Sequence

from pedmassage.safety.combine import combine, most_restrictive
from pedmassage.safety.context import build_facts
from pedmassage.safety.contract import DECISION_ORDER, Reason, ScreeningInput, ScreeningResult
from pedmassage.safety.rulebook import RuleBook, default_rulebook
from pedmassage.safety.runner import Outcome, Scope, run_groups
from pedmassage.safety.validate import validate_input
from pedmassage.vocabulary import site_map


def evaluate(inp: ScreeningInput, rulebook: RuleBook | None = None) -> ScreeningResult:
    """Screen one child before a session: proceed, modify (with the changes) or hold, and why.

    Raises ``pedmassage.errors.ValidationError`` naming the field when the input uses an unknown
    site or code, a wrong unit, or a measurement taken after the assessment.
    """
    book = rulebook or default_rulebook()
    validate_input(inp, book.catalogue)
    outcomes = run_groups(book.groups, Scope(build_facts(inp, book.policy)), site_map())
    return _result(inp, book, outcomes)


def _result(inp: ScreeningInput, book: RuleBook, outcomes: Sequence[Outcome]) -> ScreeningResult:
    reasons = sorted((o.reason for o in outcomes), key=_reason_order)
    changes = [book.default_changes, *(o.changes for o in outcomes)]
    return ScreeningResult(
        decision=most_restrictive(r.decision for r in reasons),
        reasons=reasons,
        modifications=combine(changes, site_map()),
        missing=sorted({m for o in outcomes for m in o.missing}),
        rules_version=book.rules_version,
        policy_version=book.policy_version,
        assessed_at=inp.assessed_at,
    )


def _reason_order(reason: Reason) -> tuple[int, str, str]:
    """Holds first, then modifies, then by rule id: the order a therapist should read them."""
    return (-DECISION_ORDER[reason.decision], reason.rule_id, reason.message)
