"""GRADE arithmetic: randomized evidence starts high, observational low; each downgrade takes one
or two levels in one domain, with its reason; nothing goes below very low."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pedmassage.errors import ValidationError
from pedmassage.evidence.grade import (
    DOMAINS,
    LEVELS,
    Domain,
    Downgrade,
    Start,
    grade,
    starting_level,
)


def test_randomized_evidence_starts_high_and_observational_low() -> None:
    assert starting_level(randomized=True) == "high"
    assert starting_level(randomized=False) == "low"


def test_no_downgrade_keeps_the_starting_level() -> None:
    assert grade("high").level == "high"
    assert grade("low").level == "low"


def test_two_single_downgrades_from_high_give_low() -> None:
    result = grade(
        "high",
        [Downgrade("risk of bias", 1, "no concealment"), Downgrade("imprecision", 1, "n = 20")],
    )
    assert (result.level, result.steps) == ("low", 2)
    assert [d.reason for d in result.downgrades] == ["no concealment", "n = 20"]


def test_one_very_serious_downgrade_takes_two_levels() -> None:
    assert grade("high", [Downgrade("imprecision", 2, "CI spans harm and benefit")]).level == "low"
    assert grade("high", [Downgrade("inconsistency", 1, "reviews disagree")]).level == "moderate"


def test_the_level_stops_at_very_low() -> None:
    downgrades = [
        Downgrade("risk of bias", 2, "high risk"),
        Downgrade("indirectness", 1, "adults"),
        Downgrade("imprecision", 2, "25 patients"),
    ]
    assert grade("high", downgrades).level == "very low"
    assert grade("low", [Downgrade("imprecision", 1, "one study")]).level == "very low"
    assert grade("low", downgrades).steps == 5


def test_a_domain_is_rated_once_and_every_downgrade_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="at most once"):
        grade("high", [Downgrade("imprecision", 1, "a"), Downgrade("imprecision", 1, "b")])
    with pytest.raises(ValidationError, match="a reason"):
        Downgrade("imprecision", 1, "  ")
    with pytest.raises(ValidationError, match="1 \\(serious\\) or 2"):
        Downgrade("imprecision", 3, "tiny")
    with pytest.raises(ValidationError, match="one of"):
        Downgrade("vibes", 1, "no")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="high \\(randomized\\)"):
        grade("moderate")  # type: ignore[arg-type]


@given(
    start=st.sampled_from(["high", "low"]),
    picks=st.dictionaries(st.sampled_from(DOMAINS), st.sampled_from([1, 2])),
)
def test_the_level_is_the_start_minus_every_downgrade_floored_at_very_low(
    start: Start, picks: dict[Domain, int]
) -> None:
    downgrades = [Downgrade(d, n, f"{d} reason") for d, n in picks.items()]
    result = grade(start, downgrades)
    expected = max(LEVELS.index(start) - sum(picks.values()), 0)
    assert result.level == LEVELS[expected]
    assert result.as_json()["level"] == result.level
