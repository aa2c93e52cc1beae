"""Precaution screening: data-driven rules (CEL conditions) over the screening contract.

The public API is small on purpose::

    book = load_rulebook(Path("program-policy.yaml"))   # or default_rulebook()
    result = evaluate(screening_input, book)             # proceed / modify / hold + why

Rules live in ``rules/*.yaml`` and thresholds in ``policy.yaml`` (overridable per program); the
names a rule condition may use are documented in ``pedmassage.safety.context`` and in
``docs/screening-contract.md``.
"""

from pedmassage.safety.context import CONTEXT_KEYS
from pedmassage.safety.contract import (
    CONTRACT_VERSION,
    DECISION_ORDER,
    Modifications,
    Reason,
    ScreeningInput,
    ScreeningResult,
)
from pedmassage.safety.engine import evaluate
from pedmassage.safety.policy import Policy, Threshold, load_policy
from pedmassage.safety.rulebook import RuleBook, default_rulebook, load_rulebook

__all__ = [
    "CONTEXT_KEYS",
    "CONTRACT_VERSION",
    "DECISION_ORDER",
    "Modifications",
    "Policy",
    "Reason",
    "RuleBook",
    "ScreeningInput",
    "ScreeningResult",
    "Threshold",
    "default_rulebook",
    "evaluate",
    "load_policy",
    "load_rulebook",
]
