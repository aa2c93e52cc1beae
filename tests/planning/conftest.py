"""Screening results built directly from the contract, as the screening engine would return them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from pedmassage.safety.contract import Decision, Modifications, Reason, ScreeningResult

ASSESSED_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

MakeScreening = Callable[..., ScreeningResult]
"""Builds a ScreeningResult: ``make(decision, reasons=[...], **modifications)``."""


def make_screening(
    decision: Decision = "proceed", reasons: list[Reason] | None = None, **modifications: Any
) -> ScreeningResult:
    return ScreeningResult(
        decision=decision,
        reasons=reasons or [],
        modifications=Modifications(**modifications),
        missing=[],
        rules_version="test",
        policy_version="test",
        assessed_at=ASSESSED_AT,
    )


@pytest.fixture(scope="session")
def screening() -> MakeScreening:
    return make_screening
