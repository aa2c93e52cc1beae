"""Builders for screening inputs: a consenting, assenting 9-year-old at home unless told otherwise.

A test names only what matters to it; everything else is a child for whom no rule should fire.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from pedmassage.safety import RuleBook, ScreeningInput, ScreeningResult, default_rulebook, evaluate

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
UNITS = {
    "platelets": "10^9/L",
    "anc": "10^9/L",
    "inr": "1",
    "haemoglobin": "g/L",
    "temperature": "Cel",
    "heart_rate": "/min",
    "respiratory_rate": "/min",
    "spo2": "%",
    "weight": "g",
}


class Child:
    """Makes screening inputs and screens them with the default rule book."""

    now = NOW

    def input(self, **fields: Any) -> ScreeningInput:
        child = {"birth_date": date(2017, 1, 5), **fields.pop("child", {})}
        base: dict[str, Any] = {
            "assessed_at": NOW,
            "setting": "home",
            "guardian_consent": True,
            "child_assent": True,
        }
        return ScreeningInput.model_validate({**base, **fields, "child": child})

    def screen(self, rulebook: RuleBook | None = None, **fields: Any) -> ScreeningResult:
        return evaluate(self.input(**fields), rulebook)

    def lab(self, code: str, value: float, *, hours_ago: float = 1.0) -> dict[str, Any]:
        return self._reading(code, value, hours_ago)

    def vital(self, code: str, value: float, *, hours_ago: float = 1.0) -> dict[str, Any]:
        return self._reading(code, value, hours_ago)

    def days_ago(self, days: int) -> date:
        return (NOW - timedelta(days=days)).date()

    def born(self, *, days_ago: int, ga_weeks: float = 40.0, **more: Any) -> dict[str, Any]:
        """The ``child`` part for a child born ``days_ago`` days before the assessment."""
        return {"birth_date": self.days_ago(days_ago), "gestational_age_at_birth_weeks": ga_weeks,
                **more}  # fmt: skip

    def _reading(self, code: str, value: float, hours_ago: float) -> dict[str, Any]:
        taken = NOW - timedelta(hours=hours_ago)
        return {"code": code, "value": value, "unit": UNITS[code], "taken_at": taken}


@pytest.fixture
def child() -> Child:
    return Child()


@pytest.fixture(scope="session")
def book() -> RuleBook:
    return default_rulebook()


def rule_ids(result: ScreeningResult) -> set[str]:
    return {r.rule_id for r in result.reasons}


@pytest.fixture
def ids() -> Any:
    """``ids(result)``: the rule ids that fired."""
    return rule_ids
