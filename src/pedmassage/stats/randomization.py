"""Treatment allocation for the program's trials: stratified permuted blocks and minimization.

Both methods draw their random numbers from one keyed stream, HMAC-SHA256(seed, label ‖ counter),
rather than from a general-purpose generator such as numpy's PCG64. Two properties matter for a
trial and this stream has both:

- **Reproducible for audit.** The allocation list is a pure function of the seed and the stratum
  (or, for minimization, the seed and the participant's index), so a monitor holding the seed can
  regenerate every assignment and check that none was changed. The stream is defined by the
  standard HMAC-SHA256 construction and the small amount of code below, so it does not change when
  numpy changes how ``Generator.integers`` or ``permutation`` consume bits (numpy promises stable
  bit streams, not stable methods).
- **Unpredictable without the seed.** HMAC-SHA256 is a pseudorandom function: someone who has seen
  every earlier assignment (a recruiter at a site, say) learns nothing about the next one unless
  they know the key. A non-cryptographic generator's state can in principle be recovered from its
  outputs, which would let allocation be foreseen and recruitment steered (selection bias).

The seed must therefore be secret and of high entropy (``secrets.token_bytes(32)``); small integers
are accepted so that examples and tests can be read, not because they are safe in a real trial.

Each stratum's stream is keyed by the seed and labelled with the stratum name, so strata get
independent sequences and adding a site never alters the list of another.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pedmassage.errors import ValidationError
from pedmassage.stats import _checks

Seed = bytes | int
Imbalance = Literal["range", "variance"]

_BLOCKS_LABEL = b"pedmassage/permuted-blocks/v1\x00"
_MINIMIZATION_LABEL = b"pedmassage/minimization/v1\x00"
_WORD = 2**64


@dataclass(frozen=True)
class Assignment:
    """One entry of a stratum's allocation list.

    ``sequence_number`` counts participants within the stratum from 1; ``block_number`` and
    ``block_size`` say which permuted block the entry belongs to, so an auditor can check that every
    complete block is balanced. The block size is kept out of what recruiters see: knowing it would
    make the last assignment of each block predictable.
    """

    stratum: str
    sequence_number: int
    arm: str
    block_number: int
    block_size: int


class _KeyedStream:
    """Uniform random integers from HMAC-SHA256(key, label ‖ counter), 64 bits at a time."""

    def __init__(self, *, key: bytes, label: bytes) -> None:
        self._key = key
        self._label = label
        self._counter = 0
        self._words: list[int] = []

    def _word(self) -> int:
        if not self._words:
            message = self._label + self._counter.to_bytes(8, "big")
            digest = hmac.new(self._key, message, hashlib.sha256).digest()
            self._words = [int.from_bytes(digest[i : i + 8], "big") for i in (24, 16, 8, 0)]
            self._counter += 1
        return self._words.pop()

    def below(self, n: int) -> int:
        """A uniform integer in [0, n), by rejection so that no value is favoured by the modulo."""
        limit = _WORD - _WORD % n
        while True:
            word = self._word()
            if word < limit:
                return word % n

    def shuffle(self, items: list[str]) -> list[str]:
        """A uniformly random permutation of ``items`` (Fisher–Yates, Durstenfeld's version)."""
        shuffled = list(items)
        for i in range(len(shuffled) - 1, 0, -1):
            j = self.below(i + 1)
            shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
        return shuffled


def allocation_sequence(
    *,
    arms: Sequence[str],
    ratio: Sequence[int] | None = None,
    block_sizes: Sequence[int],
    length: int,
    seed: Seed,
    stratum: str,
) -> list[Assignment]:
    """The first ``length`` assignments of ``stratum``'s permuted-block list.

    Each block holds every arm ``ratio`` times over (``block_size / sum(ratio)`` repetitions) in a
    random order, and each block's size is drawn at random from ``block_sizes``: fixed blocks let
    staff who know the size guess the last assignments of a block, varied sizes hide block ends
    while still keeping the arms balanced at the end of every block (Schulz & Grimes 2002, Lancet
    359:515–519). ``ratio`` defaults to equal allocation.

    The list is a pure function of (seed, stratum) and of nothing else: asking for a longer list
    returns the shorter one followed by more entries, so issued assignments never change.
    """
    arm_names = _arms(arms)
    weights = _ratio(ratio, len(arm_names))
    sizes = _block_sizes(block_sizes, sum(weights))
    count = _checks.whole("length", length, minimum=1)
    name = _stratum(stratum)
    stream = _KeyedStream(key=_seed(seed), label=_BLOCKS_LABEL + name.encode("utf-8"))
    assignments: list[Assignment] = []
    block_number = 0
    while len(assignments) < count:
        block_number += 1
        size = sizes[stream.below(len(sizes))]
        block = stream.shuffle(_block_contents(arm_names, weights, size))
        for arm in block[: count - len(assignments)]:
            assignments.append(
                Assignment(name, len(assignments) + 1, arm, block_number, size),
            )
    return assignments


def _block_contents(arms: Sequence[str], ratio: Sequence[int], size: int) -> list[str]:
    """Each arm repeated ``ratio × size / sum(ratio)`` times, in arm order (shuffled afterwards)."""
    repeats = size // sum(ratio)
    return [arm for arm, share in zip(arms, ratio, strict=True) for _ in range(share * repeats)]


def minimization_assignment(
    *,
    arms: Sequence[str],
    factors: Mapping[str, str],
    counts: Mapping[str, Mapping[str, Mapping[str, int]]],
    weights: Mapping[str, float] | None = None,
    probability: float = 0.8,
    seed: Seed,
    index: int,
    imbalance: Imbalance = "range",
) -> str:
    """The arm for a new participant by Pocock–Simon minimization.

    Definition (Pocock & Simon 1975, Biometrics 31:103–115, section 3): the new participant has
    level r_i of each factor i. For each candidate arm k, let x_ijk be the number of participants
    at level r_i of factor i in arm j *if the new one were put in arm k*. The imbalance of factor i
    is d_ik = D(x_i1k, …, x_iNk), where D is the range (max − min, their main proposal) or the
    variance; the total is G_k = Σ_i w_i d_ik. Arms are ranked by G_k, ties in random order, and
    the best-ranked arm is chosen with ``probability`` p, each other arm with (1 − p)/(N − 1): the
    "biased coin" assignment probabilities of their section 3.3. p = 1 is deterministic
    minimization (Taves 1974); p < 1 keeps the next assignment from being certain to anyone who
    knows the counts.

    ``counts[arm][factor][level]`` are the participants allocated so far; missing entries count as
    zero. ``weights`` default to 1 for every factor. The random draws are a pure function of
    (seed, index), so each participant's assignment can be recomputed in an audit; ``index`` must be
    unique within a trial (the participant's enrolment number).
    """
    arm_names = _arms(arms)
    levels = _factors(factors)
    factor_weights = _weights(weights, levels)
    p = _probability(probability, len(arm_names))
    tally = _counts(counts, arm_names)
    measure = _imbalance(imbalance)
    number = _checks.whole("index", index, minimum=0)
    stream = _KeyedStream(key=_seed(seed), label=_MINIMIZATION_LABEL + str(number).encode())
    totals = {
        arm: _total_imbalance(arm, arm_names, levels, factor_weights, tally, measure)
        for arm in arm_names
    }
    ranked = sorted(stream.shuffle(list(arm_names)), key=lambda arm: totals[arm])
    return _biased_coin(ranked, p, stream)


def _total_imbalance(
    candidate: str,
    arms: Sequence[str],
    levels: Mapping[str, str],
    weights: Mapping[str, float],
    tally: Mapping[str, Mapping[str, Mapping[str, int]]],
    measure: Imbalance,
) -> float:
    """G_k: the weighted sum over factors of the imbalance after a hypothetical assignment."""
    total = 0.0
    for factor, level in levels.items():
        row = [
            tally.get(arm, {}).get(factor, {}).get(level, 0) + (arm == candidate) for arm in arms
        ]
        spread = max(row) - min(row) if measure == "range" else statistics.pvariance(row)
        total += weights[factor] * spread
    return total


def _biased_coin(ranked: Sequence[str], p: float, stream: _KeyedStream) -> str:
    """The best-ranked arm with probability p, otherwise one of the others with equal chance.

    The uniform draw has 53 bits, the resolution of a float, so p is honoured to within 2^-53.
    """
    u = stream.below(2**53) / 2**53
    if u < p or len(ranked) == 1:
        return ranked[0]
    others = ranked[1:]
    return others[min(int((u - p) / (1.0 - p) * len(others)), len(others) - 1)]


# --- input checks: each names the field so the edge can say what to fix ---------------------


def _arms(arms: Sequence[str]) -> tuple[str, ...]:
    names = tuple(arms) if not isinstance(arms, str) else (arms,)
    if len(names) < 2:
        raise ValidationError("arms", list(names), "at least two arm names")
    for position, arm in enumerate(names):
        if not isinstance(arm, str) or not arm.strip():
            raise ValidationError(f"arms[{position}]", arm, "a non-empty arm name")
    if len(set(names)) != len(names):
        raise ValidationError("arms", list(names), "arm names that are all different")
    return names


def _ratio(ratio: Sequence[int] | None, n_arms: int) -> tuple[int, ...]:
    if ratio is None:
        return (1,) * n_arms
    shares = tuple(ratio)
    if len(shares) != n_arms:
        raise ValidationError("ratio", list(shares), f"{n_arms} whole numbers, one per arm")
    return tuple(_checks.whole(f"ratio[{i}]", share, minimum=1) for i, share in enumerate(shares))


def _block_sizes(block_sizes: Sequence[int], unit: int) -> tuple[int, ...]:
    sizes = tuple(block_sizes)
    allowed = f"multiples of {unit} (the sum of the ratio)"
    if not sizes:
        raise ValidationError("block_sizes", [], f"at least one block size, {allowed}")
    for i, size in enumerate(sizes):
        if _checks.whole(f"block_sizes[{i}]", size, minimum=1) % unit:
            raise ValidationError(f"block_sizes[{i}]", size, allowed)
    if len(set(sizes)) != len(sizes):
        raise ValidationError("block_sizes", list(sizes), "block sizes that are all different")
    return tuple(sorted(sizes))


def _stratum(stratum: str) -> str:
    if not isinstance(stratum, str) or not stratum.strip():
        raise ValidationError("stratum", stratum, "a non-empty stratum name, e.g. 'site-1/preterm'")
    return stratum


def _seed(seed: Seed) -> bytes:
    """The HMAC key: bytes as given, a non-negative integer as its big-endian bytes."""
    if isinstance(seed, bytes) and seed:
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0:
        return seed.to_bytes(max(1, (seed.bit_length() + 7) // 8), "big")
    raise ValidationError(
        "seed", seed, "non-empty bytes (e.g. secrets.token_bytes(32)) or an int ≥ 0"
    )


def _factors(factors: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(factors, Mapping) or not factors:
        raise ValidationError("factors", factors, "the new participant's level of each factor")
    for factor, level in factors.items():
        if not isinstance(level, str) or not level:
            raise ValidationError(f"factors.{factor}", level, "a level name")
    return dict(factors)


def _weights(weights: Mapping[str, float] | None, levels: Mapping[str, str]) -> dict[str, float]:
    if weights is None:
        return dict.fromkeys(levels, 1.0)
    if set(weights) != set(levels):
        raise ValidationError(
            "weights", sorted(weights), "one weight per factor: " + ", ".join(levels)
        )
    for factor, weight in weights.items():
        if not isinstance(weight, int | float) or not math.isfinite(weight) or weight <= 0:
            raise ValidationError(f"weights.{factor}", weight, "a positive number")
    return {factor: float(weight) for factor, weight in weights.items()}


def _probability(probability: float, n_arms: int) -> float:
    floor = 1.0 / n_arms
    if not isinstance(probability, int | float) or not floor <= probability <= 1:
        raise ValidationError(
            "probability",
            probability,
            f"between {floor:.3g} (no preference, 1/number of arms) and 1 (always minimize)",
        )
    return float(probability)


def _counts(
    counts: Mapping[str, Mapping[str, Mapping[str, int]]], arms: Sequence[str]
) -> Mapping[str, Mapping[str, Mapping[str, int]]]:
    for arm, by_factor in counts.items():
        if arm not in arms:
            raise ValidationError("counts", arm, "counts only for the arms: " + ", ".join(arms))
        for factor, by_level in by_factor.items():
            for level, n in by_level.items():
                _checks.whole(f"counts.{arm}.{factor}.{level}", n, minimum=0)
    return counts


def _imbalance(imbalance: str) -> Imbalance:
    if imbalance == "range":
        return "range"
    if imbalance == "variance":
        return "variance"
    raise ValidationError("imbalance", imbalance, "range or variance (Pocock & Simon 1975)")
