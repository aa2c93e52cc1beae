"""``evaluate``: one screening input in, one screening result out.

Pure and deterministic: the same input and rule book always give the same result, whatever the
order of the input's lists. "Now" is the input's ``assessed_at``; nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from pedmassage.safety.combine import combined
from pedmassage.safety.context import build_facts
from pedmassage.safety.contract import ScreeningInput, ScreeningResult
from pedmassage.safety.rulebook import RuleBook, default_rulebook
from pedmassage.safety.runner import Outcome, run_rules
from pedmassage.safety.validate import validate_input
from pedmassage.vocabulary import site_map

_READING_ORDER = attrgetter("order")


def evaluate(inp: ScreeningInput, rulebook: RuleBook | None = None) -> ScreeningResult:
    """Screen one child before a session: proceed, modify (with the changes) or hold, and why.

    Raises ``pedmassage.errors.ValidationError`` naming the field when the input uses an unknown
    site or code, a wrong unit, or a measurement taken after the assessment.
    """
    book = rulebook or default_rulebook()
    validate_input(inp, book.catalogue)
    outcomes = run_rules(book.rules, build_facts(inp, book.policy), site_map())
    return _result(inp, book, outcomes)


def _result(inp: ScreeningInput, book: RuleBook, outcomes: Sequence[Outcome]) -> ScreeningResult:
    """Reasons in reading order (``combine.reason_order``): holds first, then by rule id."""
    reasons = [o.reason for o in sorted(outcomes, key=_READING_ORDER)]
    changes = [book.default_changes, *(o.changes for o in outcomes)]
    return ScreeningResult(
        # the first reason is the most restrictive one (``combine.most_restrictive``)
        decision=reasons[0].decision if reasons else "proceed",
        reasons=reasons,
        modifications=combined(changes, site_map(), book.site_memo),  # a dict, validated here
        missing=sorted({m for o in outcomes for m in o.missing}),
        rules_version=book.rules_version,
        policy_version=book.policy_version,
        assessed_at=inp.assessed_at,
    )
