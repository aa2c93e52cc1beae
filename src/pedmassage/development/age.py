"""Chronological, corrected and postmenstrual age.

Why a module of its own: every age-dependent choice (stage, pain scale, protocol, preterm rules)
must use the same corrected age, or a 30-week baby would be screened as a 3-month-old and scored
with a scale validated for older infants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pedmassage.development.policy import policy
from pedmassage.errors import ValidationError

GA_MIN_WEEKS = 22
GA_MAX_WEEKS = 44


@dataclass(frozen=True)
class GestationalAge:
    """Gestational age at birth as completed weeks plus days (e.g. 31+4)."""

    weeks: int
    days: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.days <= 6:
            raise ValidationError("gestational_age_days", self.days, "0 to 6")
        if not GA_MIN_WEEKS <= self.weeks <= GA_MAX_WEEKS or (
            self.weeks == GA_MAX_WEEKS and self.days > 0
        ):
            raise ValidationError(
                "gestational_age_weeks", f"{self.weeks}+{self.days}", "22+0 to 44+0 weeks"
            )

    @classmethod
    def from_weeks(cls, weeks: float) -> GestationalAge:
        """Accept decimal weeks (39.0, 31.5) as used in the screening contract."""
        total_days = round(weeks * 7)
        return cls(total_days // 7, total_days % 7)

    @property
    def total_days(self) -> int:
        return self.weeks * 7 + self.days

    @property
    def decimal_weeks(self) -> float:
        return self.total_days / 7

    def __str__(self) -> str:
        return f"{self.weeks}+{self.days}"


@dataclass(frozen=True)
class AgeProfile:
    """Every age a clinical decision may need, computed once for a given day."""

    chronological_days: int
    corrected_days: int
    postmenstrual_days: int
    corrected: bool
    effective_months_completed: int

    @property
    def chronological_months(self) -> float:
        return self.chronological_days / 30.4375

    @property
    def effective_days(self) -> int:
        """The age to use for development: corrected where the correction rule applies."""
        return self.corrected_days if self.corrected else self.chronological_days

    @property
    def effective_months(self) -> float:
        return self.effective_days / 30.4375

    @property
    def postmenstrual_weeks(self) -> float:
        return self.postmenstrual_days / 7


def age_profile(birth_date: date, ga: GestationalAge, on: date) -> AgeProfile:
    """Ages of a child born on ``birth_date`` at ``ga``, as of ``on``.

    Corrected age applies when born before the policy's preterm limit (37+0 weeks) and while the
    chronological age is under the policy's limit (24 months).
    """
    if birth_date > on:
        raise ValidationError(
            "birth_date", birth_date.isoformat(), f"on or before {on.isoformat()}"
        )
    rule = policy().corrected_age
    chronological = (on - birth_date).days
    prematurity_days = rule.term_weeks * 7 - ga.total_days
    corrected = (
        ga.total_days < rule.preterm_below_weeks * 7
        and months_between(birth_date, on) < rule.correct_until_chronological_months
    )
    shift = max(prematurity_days, 0) if corrected else 0
    return AgeProfile(
        chronological_days=chronological,
        corrected_days=chronological - shift,
        postmenstrual_days=ga.total_days + chronological,
        corrected=corrected,
        effective_months_completed=months_between(birth_date + timedelta(days=shift), on)
        if chronological >= shift
        else 0,
    )


def months_between(start: date, end: date) -> int:
    """Completed calendar months from ``start`` to ``end`` (birthday arithmetic)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months
