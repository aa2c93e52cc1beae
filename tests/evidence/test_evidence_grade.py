"""GRADE arithmetic: randomized evidence starts high, observational low; each downgrade takes one
or two levels in one domain, with its reason; nothing goes below very low. And what GRADE requires
of the studies whatever else is judged: risk of bias that no study assessed is a serious
limitation (Cochrane Handbook 5.1, Table 12.2.d), and a sample short of the optimal information
size is serious imprecision, far short of it very serious (GRADE guidelines 6; GRADE guidance 34).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from pedmassage.errors import ValidationError
from pedmassage.evidence.catalogue import catalogue
from pedmassage.evidence.grade import (
    DOMAINS,
    FAR_BELOW_OIS,
    LEVELS,
    OPTIMAL_INFORMATION_SIZE,
    Body,
    Domain,
    Downgrade,
    Start,
    grade,
    required_downgrades,
    starting_level,
)
from pedmassage.evidence.synthesis import claim_grade


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


# ----------------------------------------------------------------------------- what GRADE requires


def _trials(participants: int | None, *, assessed: bool = False, trials: int = 1) -> Body:
    return Body(
        primary=trials, reviews=0, participants=participants, risk_of_bias_assessed=assessed
    )


def _required(body: Body) -> dict[str, int]:
    return {d.domain: d.levels for d in required_downgrades(body)}


def test_triple_downgraded_randomized_evidence_is_very_low() -> None:
    # GRADE levels: high; downgraded once moderate; twice low; three times very low.
    for steps, level in ((1, "moderate"), (2, "low"), (3, "very low")):
        picks = [Downgrade(d, 1, "reason") for d in DOMAINS[:steps]]
        assert grade("high", picks).level == level


def test_the_optimal_information_size_is_what_one_adequately_powered_trial_needs() -> None:
    # A two-arm t test, standardized difference 0.5, two-sided alpha 0.05: power 0.80 needs
    # 63.77 per group, so 64 (R pwr.t.test; reference-values.md 3.2).
    def power(per_group: int) -> float:
        df, delta = 2 * per_group - 2, 0.5 * (per_group / 2) ** 0.5
        crit = scipy_stats.t.ppf(0.975, df)
        return float(scipy_stats.nct.sf(crit, df, delta) + scipy_stats.nct.cdf(-crit, df, delta))

    per_group = OPTIMAL_INFORMATION_SIZE // 2
    assert power(per_group) >= 0.80 > power(per_group - 1)
    assert FAR_BELOW_OIS * 2 == OPTIMAL_INFORMATION_SIZE


def test_risk_of_bias_that_no_study_assessed_is_a_serious_limitation() -> None:
    assert _required(_trials(500))["risk of bias"] == 1
    assert "risk of bias" not in _required(_trials(500, assessed=True))


def test_imprecision_is_serious_short_of_the_ois_and_very_serious_far_short_of_it() -> None:
    assert "imprecision" not in _required(_trials(OPTIMAL_INFORMATION_SIZE, assessed=True))
    assert _required(_trials(OPTIMAL_INFORMATION_SIZE - 1))["imprecision"] == 1
    assert _required(_trials(FAR_BELOW_OIS))["imprecision"] == 1
    assert _required(_trials(FAR_BELOW_OIS - 1))["imprecision"] == 2
    assert _required(_trials(None))["imprecision"] == 1  # sizes not reported: OIS not shown met


def test_a_review_s_sample_is_left_to_the_claim_s_own_judgement() -> None:
    body = Body(primary=1, reviews=1, participants=20, risk_of_bias_assessed=True)
    assert required_downgrades(body) == ()


def test_one_or_two_small_trials_without_a_risk_of_bias_assessment_are_very_low_certainty() -> None:
    for body in (_trials(20), _trials(22 + 20, trials=2)):
        assert grade("high", required_downgrades(body)).level == "very low"


def test_a_downgrade_weaker_than_grade_requires_is_refused_with_the_rule() -> None:
    lenient = [
        Downgrade("risk of bias", 1, "not assessed"),
        Downgrade("imprecision", 1, "one trial of 20"),
    ]
    with pytest.raises(ValidationError, match="at least 2 level") as caught:
        grade("high", lenient, _trials(20))
    assert caught.value.field == "downgrades.imprecision"
    with pytest.raises(ValidationError, match="unclear"):
        grade("high", [Downgrade("imprecision", 2, "one trial of 20")], _trials(20))
    assert grade("high", lenient).level == "low"  # without the studies nothing is required


@given(
    smaller=st.integers(min_value=1, max_value=400),
    extra=st.integers(min_value=0, max_value=400),
    assessed=st.booleans(),
)
def test_fewer_participants_never_make_the_evidence_more_certain(
    smaller: int, extra: int, assessed: bool
) -> None:
    def level(n: int) -> int:
        body = _trials(n, assessed=assessed)
        return LEVELS.index(grade("high", required_downgrades(body)).level)

    assert level(smaller) <= level(smaller + extra)


def test_shipped_claims_on_small_trials_without_risk_of_bias_assessment_are_very_low() -> None:
    library = catalogue()
    small = [
        c.id
        for c in library.claims.values()
        if (body := library.body(c)).reviews == 0
        and not body.risk_of_bias_assessed
        and body.participants is not None
        and body.participants < FAR_BELOW_OIS
    ]
    assert {"asthma.anxiety", "autism.sleep", "cystic_fibrosis.anxiety"} <= set(small)
    for claim_id in small:
        assert claim_grade(library.claim(claim_id)).level == "very low", claim_id
