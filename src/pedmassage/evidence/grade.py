"""GRADE certainty of evidence: a starting level, downgrades with reasons, and the result.

Evidence from randomized trials starts at high, anything else at low. Each downgrade lowers the
level by one or two steps in one of the five GRADE domains and says why; the level never goes below
very low. Upgrading observational evidence (large effect, dose-response) is not modelled: none of
the catalogued evidence claims it.

    >>> grade("high", [Downgrade("risk of bias", 1, "no concealment"),
    ...                Downgrade("imprecision", 1, "one trial of 20")]).level
    'low'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from pedmassage.errors import ValidationError

Level = Literal["high", "moderate", "low", "very low"]
Start = Literal["high", "low"]
Domain = Literal["risk of bias", "inconsistency", "imprecision", "indirectness", "publication bias"]

LEVELS: tuple[Level, ...] = ("very low", "low", "moderate", "high")
"""Lowest to highest."""
DOMAINS: tuple[Domain, ...] = get_args(Domain)

MEANINGS: dict[Level, str] = {
    "high": "We are confident the real effect is close to what the studies found.",
    "moderate": "The real effect is probably close to what the studies found, but it may differ.",
    "low": "The real effect may be quite different from what the studies found.",
    "very low": "We are not sure: the real effect is likely to be quite different.",
}
"""What each level means, in the plain words of GRADE's own definitions."""

PLAIN_DOMAINS: dict[Domain, str] = {
    "risk of bias": "the studies had weaknesses in how they were run or reported",
    "inconsistency": "the studies disagree",
    "imprecision": "the studies were small or their results could be due to chance",
    "indirectness": "the studies looked at different children, treatments or outcomes",
    "publication bias": "studies with disappointing results may not have been published",
}


@dataclass(frozen=True)
class Downgrade:
    """One step (or two) down in one GRADE domain, with the reason."""

    domain: Domain
    levels: int
    reason: str

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ValidationError("domain", self.domain, "one of " + ", ".join(DOMAINS))
        if self.levels not in (1, 2):
            raise ValidationError("levels", self.levels, "1 (serious) or 2 (very serious)")
        if not self.reason.strip():
            raise ValidationError("reason", self.reason, "a reason for the downgrade")


@dataclass(frozen=True)
class Grade:
    """The certainty of one claim's evidence and how it was reached."""

    start: Start
    level: Level
    downgrades: tuple[Downgrade, ...]

    @property
    def steps(self) -> int:
        """Levels lost in total (may exceed what the floor at very low let them take)."""
        return sum(d.levels for d in self.downgrades)

    @property
    def meaning(self) -> str:
        return MEANINGS[self.level]

    def as_json(self) -> dict[str, object]:
        return {
            "start": self.start,
            "level": self.level,
            "downgrades": [
                {"domain": d.domain, "levels": d.levels, "reason": d.reason}
                for d in self.downgrades
            ],
        }


def starting_level(*, randomized: bool) -> Start:
    """Randomized evidence starts high; observational or non-randomized evidence starts low."""
    return "high" if randomized else "low"


def grade(start: Start, downgrades: Iterable[Downgrade] = ()) -> Grade:
    """Apply the downgrades to the starting level, stopping at very low."""
    if start not in ("high", "low"):
        raise ValidationError("start", start, "high (randomized) or low (observational)")
    applied = tuple(downgrades)
    _one_per_domain(applied)
    index = max(LEVELS.index(start) - sum(d.levels for d in applied), 0)
    return Grade(start=start, level=LEVELS[index], downgrades=applied)


def _one_per_domain(downgrades: Sequence[Downgrade]) -> None:
    """GRADE rates each domain once (by one or two levels), never twice."""
    seen: set[str] = set()
    for d in downgrades:
        if d.domain in seen:
            raise ValidationError("domain", d.domain, "each GRADE domain at most once")
        seen.add(d.domain)
