"""Screening throughput on a synthetic census of 1,000 children.

End to end through the library: JSON text -> validated ``ScreeningInput`` -> ``evaluate`` -> JSON
result, with the rule book compiled once. Every rule is evaluated for every child; nothing is
remembered between children. Baseline, measured in the same run: ``evaluate`` on the same children
already parsed (the compiled rules with no parsing or serialising). Each pass starts with a freshly
loaded rule book, so nothing a book keeps (its site normalisations) carries over from an earlier
pass. The two kinds of pass alternate, so a machine busy with other work slows both alike, and
medians are reported. Target: >= 5,000 children/s end to end.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pedmassage.safety import ScreeningInput, evaluate, load_rulebook

CHILDREN = 1_000
PASSES = 7
TARGET = 5_000
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CONDITIONS = [
    "asthma",
    "cancer",
    "cystic_fibrosis",
    "autism",
    "adhd",
    "prematurity",
    "juvenile_idiopathic_arthritis",
    "post_surgical",
    "haemophilia",
]
DEVICES = [
    ("picc", "arm_left"),
    ("implanted_port", "chest_right"),
    ("peripheral_iv", "hand_left"),
    ("gastrostomy_tube", "abdomen"),
    ("cast", "leg_right"),
]


def synthetic_child(rng: random.Random) -> dict[str, Any]:
    """One plausible screening input; values vary so children rarely share all facts."""
    taken = (NOW - timedelta(hours=rng.randint(1, 96))).isoformat()
    child: dict[str, Any] = {
        "assessed_at": NOW.isoformat(),
        "setting": rng.choice(["hospital", "home", "clinic", "picu", "nicu"]),
        "child": {
            "birth_date": (NOW.date() - timedelta(days=rng.randint(10, 6500))).isoformat(),
            "gestational_age_at_birth_weeks": rng.choice([28.0, 32.5, 36.0, 39.0, 40.0]),
            "weight_g": float(rng.randint(900, 60000)),
        },
        "conditions": [{"code": c} for c in rng.sample(CONDITIONS, rng.randint(0, 2))],
        "devices": [{"kind": k, "site": s} for k, s in rng.sample(DEVICES, rng.randint(0, 2))],
        "labs": [
            {
                "code": "platelets",
                "value": float(rng.randint(5, 400)),
                "unit": "10^9/L",
                "taken_at": taken,
            },
            {
                "code": "anc",
                "value": round(rng.uniform(0.1, 6.0), 1),
                "unit": "10^9/L",
                "taken_at": taken,
            },
        ],
        "vitals": [
            {
                "code": "temperature",
                "value": round(rng.uniform(36.0, 39.5), 1),
                "unit": "Cel",
                "taken_at": taken,
            }
        ],
        "medications": [
            {"class": m} for m in rng.sample(["chemotherapy", "anticoagulant"], rng.randint(0, 1))
        ],
        "touch_aversion": rng.random() < 0.1,
        "trauma_history": rng.random() < 0.05,
        "guardian_consent": rng.random() > 0.05,
        "child_assent": rng.choice([True, None]),
    }
    return child


def run_end_to_end(texts: list[str]) -> float:
    book = load_rulebook()
    start = time.perf_counter()
    for text in texts:
        evaluate(ScreeningInput.model_validate_json(text), book).model_dump_json()
    return time.perf_counter() - start


def run_rules_only(inputs: list[ScreeningInput]) -> float:
    book = load_rulebook()
    start = time.perf_counter()
    for inp in inputs:
        evaluate(inp, book)
    return time.perf_counter() - start


def main() -> int:
    rng = random.Random(20261125)
    census = [synthetic_child(rng) for _ in range(CHILDREN)]
    texts = [json.dumps(c) for c in census]
    inputs = [ScreeningInput.model_validate(c) for c in census]
    timings = [(run_end_to_end(texts), run_rules_only(inputs)) for _ in range(PASSES)]
    end_to_end = statistics.median(e for e, _ in timings)
    rules_only = statistics.median(r for _, r in timings)
    rate = CHILDREN / end_to_end
    print(f"census of {CHILDREN} synthetic children, median of {PASSES} cold passes")
    print(f"end to end (JSON in, JSON out)  {rate:8.0f} children/s")
    print(f"compiled rules only             {CHILDREN / rules_only:8.0f} children/s")
    print(f"ratio end-to-end / rules-only   {end_to_end / rules_only:8.2f}x the time")
    print(f"target >= {TARGET} children/s: {'meets' if rate >= TARGET else 'MISSES'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
