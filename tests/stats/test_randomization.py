"""Allocation lists and minimization, read as the trial protocol's promises.

Permuted blocks: every complete block is balanced exactly; between block ends the arms never differ
by more than half the largest block; block sizes come from the allowed set; the list is a pure
function of (seed, stratum). Minimization (Pocock & Simon 1975): marginal imbalance stays far
smaller than under simple randomization; ties and the biased coin are random yet reproducible.
Statistical checks use fixed seeds and compare against exact binomial or rank tests, never
against numbers picked to pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest
from scipy import stats

from pedmassage.errors import ValidationError
from pedmassage.stats.randomization import (
    Assignment,
    allocation_sequence,
    minimization_assignment,
)

ARMS = ("massage", "usual care")
SIZES = (2, 4, 6)


def _sequence(**overrides: object) -> list[Assignment]:
    kwargs: dict[str, object] = {
        "arms": ARMS,
        "block_sizes": SIZES,
        "length": 300,
        "seed": b"protocol-v1-secret",
        "stratum": "site-1/preterm",
    }
    kwargs.update(overrides)
    return allocation_sequence(**kwargs)  # type: ignore[arg-type]


def _block_ends(sequence: Sequence[Assignment]) -> list[int]:
    """Positions (1-based) where a block is complete."""
    ends, seen = [], Counter[int]()
    for entry in sequence:
        seen[entry.block_number] += 1
        if seen[entry.block_number] == entry.block_size:
            ends.append(entry.sequence_number)
    return ends


# --- permuted blocks -------------------------------------------------------------------------


@pytest.mark.parametrize("stratum", ["site-1/preterm", "site-1/term", "site-2/preterm"])
def test_arms_are_exactly_balanced_at_the_end_of_every_complete_block(stratum: str) -> None:
    sequence = _sequence(stratum=stratum)
    ends = _block_ends(sequence)
    assert len(ends) > 50
    for end in ends:
        counts = Counter(entry.arm for entry in sequence[:end])
        assert counts["massage"] == counts["usual care"] == end // 2


@pytest.mark.parametrize("seed", range(20))
def test_arms_never_differ_by_more_than_half_the_largest_block(seed: int) -> None:
    difference = 0
    for entry in _sequence(seed=seed):
        difference += 1 if entry.arm == "massage" else -1
        assert abs(difference) <= max(SIZES) // 2


def test_each_block_size_is_drawn_from_the_allowed_set_and_all_of_them_occur() -> None:
    sequence = _sequence(length=3000)
    sizes = {entry.block_number: entry.block_size for entry in sequence}
    assert set(sizes.values()) == set(SIZES)
    complete = [sizes[number] for number in sizes if number < max(sizes)]
    observed = [Counter(complete)[size] for size in SIZES]
    assert stats.chisquare(observed).pvalue > 0.001  # sizes equally likely


def test_every_block_holds_the_arms_in_the_ratio() -> None:
    sequence = _sequence(length=600, arms=("a", "b", "c"), ratio=(2, 1, 1), block_sizes=(4, 8))
    blocks: dict[int, list[str]] = {}
    for entry in sequence:
        blocks.setdefault(entry.block_number, []).append(entry.arm)
    for number, arms in blocks.items():
        if number == sequence[-1].block_number:
            continue  # the last block may be cut short by the requested length
        counts = Counter(arms)
        assert counts["a"] == 2 * counts["b"] == 2 * counts["c"]


def test_a_two_to_one_ratio_is_honoured_at_every_block_end() -> None:
    sequence = _sequence(length=300, ratio=(2, 1), block_sizes=(3, 6, 9))
    for end in _block_ends(sequence):
        counts = Counter(entry.arm for entry in sequence[:end])
        assert counts["massage"] == 2 * counts["usual care"]


def test_the_order_within_blocks_is_random() -> None:
    # Who comes first in a block of 2 is a fair coin: an exact binomial test.
    sequence = _sequence(length=2000, block_sizes=(2,))
    firsts = [entry.arm for entry in sequence if entry.sequence_number % 2 == 1]
    massage = sum(arm == "massage" for arm in firsts)
    assert stats.binomtest(massage, len(firsts), 0.5).pvalue > 0.001


def test_the_same_seed_gives_the_same_list_and_a_different_seed_a_different_one() -> None:
    assert _sequence(seed=b"key-1") == _sequence(seed=b"key-1")
    assert _sequence(seed=2024) == _sequence(seed=2024)
    assert [e.arm for e in _sequence(seed=b"key-1")] != [e.arm for e in _sequence(seed=b"key-2")]


def test_asking_for_a_longer_list_never_changes_assignments_already_issued() -> None:
    assert _sequence(length=500)[:137] == _sequence(length=137)


def test_strata_get_independent_lists() -> None:
    preterm = [e.arm for e in _sequence(length=2000, stratum="site-1/preterm")]
    term = [e.arm for e in _sequence(length=2000, stratum="site-1/term")]
    assert preterm != term
    agreements = sum(a == b for a, b in zip(preterm, term, strict=True))
    # Independent balanced lists agree at each position with probability 1/2.
    assert stats.binomtest(agreements, len(preterm), 0.5).pvalue > 0.001
    again = [e.arm for e in _sequence(length=2000, stratum="site-1/preterm")]
    assert again == preterm  # and generating another stratum in between changed nothing


def test_every_entry_names_its_stratum_and_position() -> None:
    sequence = _sequence(length=10, stratum="site-3/term")
    assert [e.sequence_number for e in sequence] == list(range(1, 11))
    assert {e.stratum for e in sequence} == {"site-3/term"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"arms": ("massage",)}, "arms"),
        ({"arms": ("massage", "massage")}, "arms"),
        ({"arms": ("massage", "")}, "arms[1]"),
        ({"ratio": (1,)}, "ratio"),
        ({"ratio": (1, 0)}, "ratio[1]"),
        ({"block_sizes": ()}, "block_sizes"),
        ({"block_sizes": (2, 3)}, "block_sizes[1]"),
        ({"ratio": (2, 1), "block_sizes": (3, 4)}, "block_sizes[1]"),
        ({"block_sizes": (4, 4)}, "block_sizes"),
        ({"length": 0}, "length"),
        ({"length": 2.5}, "length"),
        ({"seed": b""}, "seed"),
        ({"seed": -1}, "seed"),
        ({"seed": "text"}, "seed"),
        ({"stratum": ""}, "stratum"),
    ],
)
def test_invalid_allocation_settings_are_refused_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _sequence(**overrides)
    assert refused.value.field == field


# --- minimization ----------------------------------------------------------------------------

FACTORS = {"sex": ("female", "male"), "age": ("0-1", "1-5", "6-12"), "site": ("a", "b", "c", "d")}

Counts = dict[str, dict[str, dict[str, int]]]


def _empty_counts(arms: Sequence[str]) -> Counts:
    return {
        arm: {factor: dict.fromkeys(levels, 0) for factor, levels in FACTORS.items()}
        for arm in arms
    }


def _max_marginal_imbalance(counts: Counts, arms: Sequence[str]) -> int:
    return max(
        max(counts[arm][factor][level] for arm in arms)
        - min(counts[arm][factor][level] for arm in arms)
        for factor, levels in FACTORS.items()
        for level in levels
    )


def _simulate_trial(
    *, trial: int, minimize: bool, arms: Sequence[str] = ARMS, participants: int = 200
) -> int:
    """Enrol participants with random characteristics; return the worst marginal imbalance."""
    people = np.random.default_rng([trial, 1975])
    coin = np.random.default_rng([trial, 1, 1975])
    counts = _empty_counts(arms)
    for index in range(participants):
        levels = {factor: str(people.choice(options)) for factor, options in FACTORS.items()}
        if minimize:
            arm = minimization_assignment(
                arms=arms, factors=levels, counts=counts, seed=trial, index=index
            )
        else:
            arm = arms[int(coin.integers(len(arms)))]
        for factor, level in levels.items():
            counts[arm][factor][level] += 1
    return _max_marginal_imbalance(counts, arms)


def test_minimization_keeps_marginal_imbalance_far_below_simple_randomization() -> None:
    # 30 simulated 200-child trials with three factors (sex, age band, site), each run both ways.
    minimized = [_simulate_trial(trial=t, minimize=True) for t in range(30)]
    simple = [_simulate_trial(trial=t, minimize=False) for t in range(30)]
    assert stats.mannwhitneyu(minimized, simple, alternative="less").pvalue < 1e-6
    assert np.median(minimized) < np.median(simple)


def test_minimization_works_for_three_arms() -> None:
    arms = ("massage", "attention control", "usual care")
    minimized = [_simulate_trial(trial=t, minimize=True, arms=arms) for t in range(15)]
    simple = [_simulate_trial(trial=t, minimize=False, arms=arms) for t in range(15)]
    assert stats.mannwhitneyu(minimized, simple, alternative="less").pvalue < 1e-3


def test_deterministic_minimization_on_one_factor_never_lets_a_level_drift_by_more_than_one() -> (
    None
):
    counts: Counts = {arm: {"sex": {"female": 0, "male": 0}} for arm in ARMS}
    people = np.random.default_rng(7)
    for index in range(200):
        sex = str(people.choice(["female", "male"]))
        arm = minimization_assignment(
            arms=ARMS, factors={"sex": sex}, counts=counts, probability=1.0, seed=7, index=index
        )
        counts[arm]["sex"][sex] += 1
        assert abs(counts["massage"]["sex"][sex] - counts["usual care"]["sex"][sex]) <= 1


def test_the_arm_that_minimizes_imbalance_is_chosen_with_the_stated_probability() -> None:
    counts: Counts = {"massage": {"sex": {"female": 3}}, "usual care": {"sex": {"female": 0}}}
    choices = [
        minimization_assignment(
            arms=ARMS, factors={"sex": "female"}, counts=counts, seed=b"k", index=i
        )
        for i in range(2000)
    ]
    favoured = choices.count("usual care")
    assert stats.binomtest(favoured, len(choices), 0.8).pvalue > 0.001


def test_ties_are_broken_at_random_but_reproducibly() -> None:
    arms = ("a", "b", "c")
    empty: Counts = {}
    choices = [
        minimization_assignment(arms=arms, factors={"sex": "male"}, counts=empty, seed=5, index=i)
        for i in range(3000)
    ]
    observed = [choices.count(arm) for arm in arms]
    assert stats.chisquare(observed).pvalue > 0.001  # every tied arm equally likely
    again = [
        minimization_assignment(arms=arms, factors={"sex": "male"}, counts=empty, seed=5, index=i)
        for i in range(3000)
    ]
    assert again == choices
    other_seed = [
        minimization_assignment(arms=arms, factors={"sex": "male"}, counts=empty, seed=6, index=i)
        for i in range(3000)
    ]
    assert other_seed != choices


def test_factor_weights_decide_which_imbalance_matters_more() -> None:
    # Arm a is behind on site, arm b is behind on sex: the heavier factor wins when p = 1.
    counts: Counts = {
        "a": {"site": {"north": 0}, "sex": {"female": 2}},
        "b": {"site": {"north": 2}, "sex": {"female": 0}},
    }
    factors = {"site": "north", "sex": "female"}

    def choose(weights: dict[str, float]) -> str:
        return minimization_assignment(
            arms=("a", "b"),
            factors=factors,
            counts=counts,
            weights=weights,
            probability=1.0,
            seed=1,
            index=0,
        )

    assert choose({"site": 2.0, "sex": 1.0}) == "a"
    assert choose({"site": 1.0, "sex": 2.0}) == "b"


def test_the_variance_measure_agrees_with_the_range_for_two_arms() -> None:
    # With two arms both measures are monotone in |difference|, so they rank arms alike.
    counts: Counts = {"massage": {"sex": {"male": 4}}, "usual care": {"sex": {"male": 1}}}
    for measure in ("range", "variance"):
        arm = minimization_assignment(
            arms=ARMS,
            factors={"sex": "male"},
            counts=counts,
            probability=1.0,
            seed=3,
            index=0,
            imbalance=measure,
        )
        assert arm == "usual care"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"arms": ("a",)}, "arms"),
        ({"factors": {}}, "factors"),
        ({"factors": {"sex": ""}}, "factors.sex"),
        ({"counts": {"placebo": {}}}, "counts"),
        ({"counts": {"massage": {"sex": {"male": -1}}}}, "counts.massage.sex.male"),
        ({"weights": {"age": 1.0}}, "weights"),
        ({"weights": {"sex": 0.0}}, "weights.sex"),
        ({"probability": 0.3}, "probability"),
        ({"probability": 1.2}, "probability"),
        ({"index": -1}, "index"),
        ({"seed": b""}, "seed"),
        ({"imbalance": "sd"}, "imbalance"),
    ],
)
def test_invalid_minimization_inputs_are_refused_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    kwargs: dict[str, object] = {
        "arms": ARMS,
        "factors": {"sex": "male"},
        "counts": {},
        "seed": 1,
        "index": 0,
    }
    kwargs.update(overrides)
    with pytest.raises(ValidationError) as refused:
        minimization_assignment(**kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field
