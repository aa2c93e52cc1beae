"""Screening results must not drift: thousands of varied children against recorded results.

``data/reference_results.json.xz`` holds, for the fixed-seed census built below, the exact JSON
result (or the exact validation error) the engine gave for each child when it was recorded, and a
hash of the census so a drifting generator is noticed. Any change to how rules are compiled,
evaluated or combined must leave every one of them byte for byte the same.

The census mixes the throughput benchmark's children with values placed exactly on and around
every threshold, readings at the edge of their freshness windows, every code, site and setting,
nulls, other time zones, a program policy with different thresholds, and inputs the engine must
refuse. Children are screened in order on one rule book, exactly as in service.

To record the file again (only when a change of outcome is intended and reviewed)::

    .venv/bin/python tests/safety/test_safety_equivalence.py --write
"""

from __future__ import annotations

import hashlib
import json
import lzma
import random
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pedmassage.errors import PedmassageError
from pedmassage.safety import RuleBook, ScreeningInput, evaluate, load_rulebook
from pedmassage.safety.rulebook import load_catalogue
from pedmassage.vocabulary import code_book, site_map

REFERENCE = Path(__file__).parent / "data" / "reference_results.json.xz"
SEED = 20260310
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PROGRAM_POLICY = """\
version: equivalence-program-1
signed_off_by: Dr A. Example
signed_off_at: 2026-02-01
thresholds:
  platelets_hold_below: 30
  platelets_gentle_below: 75
  fever_celsius: 37.5
  anc_neutropenia_below: 1.0
  inr_above: 1.2
  preterm_min_weight_g: 2000
  preterm_min_postmenstrual_weeks: 33.5
  assent_age_years: 6.5
  surgery_avoid_days: 30
  procedure_avoid_days: 3
  immunization_wait_hours: 24
  lab_max_age_hours: {platelets: 24, anc: 12}
  vital_max_age_hours: {temperature: 4}
"""

VOCAB = load_catalogue().vocabulary
CODES = code_book()
CONDITIONS = sorted({*CODES.conditions, *VOCAB.extra_conditions})
DEVICES = sorted(CODES.devices)
PROCEDURES = sorted(VOCAB.procedures)
SKIN = sorted(VOCAB.skin_findings)
MEDICATIONS = sorted(VOCAB.medication_classes)
SITES = sorted(site_map().sites)
SETTINGS = ["hospital", "picu", "nicu", "home", "clinic"]
SUPPORT = ["none", "oxygen", "high_flow", "cpap", "ventilator"]
ISOLATION = ["none", "contact", "droplet", "airborne", "protective"]
BENCH_CONDITIONS = ["asthma", "cancer", "cystic_fibrosis", "autism", "adhd", "prematurity",
                    "juvenile_idiopathic_arthritis", "post_surgical", "haemophilia"]  # fmt: skip
BENCH_DEVICES = [("picc", "arm_left"), ("implanted_port", "chest_right"),
                 ("peripheral_iv", "hand_left"), ("gastrostomy_tube", "abdomen"),
                 ("cast", "leg_right")]  # fmt: skip
EDGE_VALUES = {
    "platelets": [0.0, 5.0, 19.0, 19.999, 20.0, 20.001, 29.9, 30.0, 49.9, 50.0, 50.1, 74.9, 75.0,
                  150.0, 2000.0],
    "anc": [0.0, 0.1, 0.49, 0.5, 0.51, 0.99, 1.0, 1.01, 6.0, 100.0],
    "inr": [0.5, 1.0, 1.19, 1.2, 1.21, 1.49, 1.5, 1.51, 3.0, 15.0],
    "haemoglobin": [10.0, 70.0, 120.0, 250.0],
    "temperature": [25.0, 36.5, 37.4, 37.5, 37.6, 37.9, 37.99, 38.0, 38.01, 38.5, 41.0, 45.0],
    "heart_rate": [20.0, 120.0, 300.0],
    "respiratory_rate": [5.0, 30.0, 150.0],
    "spo2": [40.0, 92.0, 100.0],
    "weight": [300.0, 1499.0, 1500.0, 1500.5, 1999.0, 2000.0, 3500.0, 200000.0],
    "length": [20.0, 50.0, 220.0],
    "head_circumference": [15.0, 34.0, 70.0],
}  # fmt: skip
EDGE_HOURS = [0.0, 0.5, 1.0, 3.99, 4.0, 4.01, 11.5, 11.99, 12.0, 12.01, 12.5, 23.9, 24.0,
              24.5, 47.5, 48.0, 48.01, 48.5, 49.5, 71.9, 72.0, 72.5, 100.0, 167.0, 168.0,
              400.0]  # fmt: skip
EDGE_AGE_DAYS = [0, 1, 27, 28, 29, 182, 364, 365, 366, 729, 730, 731, 1095, 2372, 2373, 2556,
                 2557, 2558, 4000, 6574, 6575]  # fmt: skip
EDGE_GA_WEEKS = [22.0, 24.0, 26.5, 28.0, 30.0, 31.857, 32.0, 32.5, 33.5, 34.0, 36.0, 36.86, 37.0,
                 39.0, 40.0, 42.0, 44.0]  # fmt: skip
EDGE_WEIGHTS = [None, None, 300.0, 900.0, 1499.0, 1499.99, 1500.0, 1500.01, 1999.0, 2000.0,
                2001.0, 3500.0, 25000.0, 200000.0]  # fmt: skip
EDGE_PROCEDURE_DAYS = [0, 1, 2, 3, 4, 6, 7, 8, 29, 30, 31, 41, 42, 43, 60]


def bench_child(rng: random.Random) -> dict[str, Any]:
    """A child as ``bench/screening.py`` makes them."""
    taken = (NOW - timedelta(hours=rng.randint(1, 96))).isoformat()
    return {
        "assessed_at": NOW.isoformat(),
        "setting": rng.choice(SETTINGS),
        "child": {"birth_date": (NOW.date() - timedelta(days=rng.randint(10, 6500))).isoformat(),
                  "gestational_age_at_birth_weeks": rng.choice([28.0, 32.5, 36.0, 39.0, 40.0]),
                  "weight_g": float(rng.randint(900, 60000))},
        "conditions": [{"code": c} for c in rng.sample(BENCH_CONDITIONS, rng.randint(0, 2))],
        "devices": [{"kind": k, "site": s}
                    for k, s in rng.sample(BENCH_DEVICES, rng.randint(0, 2))],
        "labs": [{"code": "platelets", "value": float(rng.randint(5, 400)), "unit": "10^9/L",
                  "taken_at": taken},
                 {"code": "anc", "value": round(rng.uniform(0.1, 6.0), 1), "unit": "10^9/L",
                  "taken_at": taken}],
        "vitals": [{"code": "temperature", "value": round(rng.uniform(36.0, 39.5), 1),
                    "unit": "Cel", "taken_at": taken}],
        "medications": [{"class": m} for m in rng.sample(["chemotherapy", "anticoagulant"],
                                                          rng.randint(0, 1))],
        "touch_aversion": rng.random() < 0.1, "trauma_history": rng.random() < 0.05,
        "guardian_consent": rng.random() > 0.05, "child_assent": rng.choice([True, None]),
    }  # fmt: skip


def _site(rng: random.Random) -> str | None:
    return None if rng.random() < 0.3 else rng.choice(SITES)


def _value(rng: random.Random, code: str) -> float:
    spec = {**CODES.labs, **CODES.vitals}[code]
    if rng.random() < 0.6:
        return rng.choice(EDGE_VALUES[code])
    return round(rng.uniform(spec.min, spec.max), rng.choice([0, 1, 3]))


def _readings(rng: random.Random, kind: str, now: datetime) -> list[dict[str, Any]]:
    table = CODES.labs if kind == "lab" else CODES.vitals
    readings: list[dict[str, Any]] = []
    for code in rng.sample(sorted(table), rng.randint(0, len(table))):
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            hours = rng.choice(EDGE_HOURS) if rng.random() < 0.6 else rng.uniform(0, 300)
            offset = timezone(timedelta(hours=rng.choice([0, 0, 2, -5])))
            taken = (now - timedelta(hours=hours)).astimezone(offset)
            readings.append({"code": code, "value": _value(rng, code),
                             "unit": table[code].unit, "taken_at": taken.isoformat()})  # fmt: skip
    rng.shuffle(readings)
    return _without_conflicts(readings)


def _without_conflicts(readings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, datetime]] = set()
    kept = []
    for r in readings:
        key = (r["code"], datetime.fromisoformat(r["taken_at"]))
        if key not in seen:
            seen.add(key)
            kept.append(r)
    return kept


def varied_child(rng: random.Random) -> dict[str, Any]:
    """A child drawn from every vocabulary, with values on and around the thresholds."""
    zone = timezone(timedelta(hours=rng.choice([0, 0, 0, 14, -12, 5.5])))
    now = (NOW + timedelta(hours=rng.randint(-30, 30))).astimezone(zone)
    today = now.date()
    age = rng.choice(EDGE_AGE_DAYS) if rng.random() < 0.5 else rng.randint(0, 6600)
    child: dict[str, Any] = {"birth_date": (today - timedelta(days=age)).isoformat()}
    if rng.random() < 0.8:
        child["gestational_age_at_birth_weeks"] = rng.choice(EDGE_GA_WEEKS)
    if rng.random() < 0.8:
        child["weight_g"] = rng.choice(EDGE_WEIGHTS)
    for name in ("verbal", "cognitive_impairment"):
        if rng.random() < 0.5:
            child[name] = rng.random() < 0.5
    if rng.random() < 0.3:
        child["sex"] = rng.choice(["female", "male", "intersex", "unknown"])
    data: dict[str, Any] = {
        "assessed_at": now.isoformat(),
        "setting": rng.choice(SETTINGS),
        "child": child,
        "conditions": [{"code": rng.choice(CONDITIONS), "site": _site(rng)}
                       for _ in range(rng.choice([0, 0, 1, 2, 3, 5]))],
        "devices": [{"kind": rng.choice(DEVICES), "site": _site(rng)}
                    for _ in range(rng.choice([0, 0, 1, 2, 4]))],
        "procedures": [{"kind": rng.choice(PROCEDURES), "site": _site(rng),
                        "date": (today - timedelta(days=rng.choice(EDGE_PROCEDURE_DAYS)))
                        .isoformat()}
                       for _ in range(rng.choice([0, 0, 1, 2, 3]))],
        "skin": [{"finding": rng.choice(SKIN), "site": _site(rng)}
                 for _ in range(rng.choice([0, 0, 1, 2, 3]))],
        "medications": [{"class": rng.choice(MEDICATIONS)}
                        for _ in range(rng.choice([0, 0, 1, 2, 3]))],
        "labs": _readings(rng, "lab", now),
        "vitals": _readings(rng, "vital", now),
        "respiratory_support": rng.choice(SUPPORT),
        "isolation": rng.choice(ISOLATION),
        "touch_aversion": rng.random() < 0.2,
        "trauma_history": rng.random() < 0.2,
        "guardian_consent": rng.choice([True, True, False, None]),
        "child_assent": rng.choice([True, False, None]),
    }  # fmt: skip
    for optional in ("conditions", "devices", "procedures", "skin", "medications", "labs",
                     "vitals", "respiratory_support", "isolation", "touch_aversion",
                     "trauma_history", "guardian_consent", "child_assent"):  # fmt: skip
        if rng.random() < 0.1:
            del data[optional]
    return data


def refused_child(rng: random.Random) -> dict[str, Any]:
    """A varied child with one fact the engine must refuse, naming the field."""
    data = varied_child(rng)
    now = datetime.fromisoformat(data["assessed_at"])
    flaw = rng.choice(["site", "condition", "device", "procedure", "skin", "medication", "unit",
                       "range", "future", "conflict", "procedure_date", "birth_date"])  # fmt: skip
    reading = {"code": "platelets", "value": 80.0, "unit": "10^9/L",
               "taken_at": (now - timedelta(hours=1)).isoformat()}  # fmt: skip
    if flaw == "site":
        data["conditions"] = [*data.get("conditions", []), {"code": "fracture", "site": "leg_lft"}]
    elif flaw == "condition":
        data["conditions"] = [*data.get("conditions", []), {"code": "fractured"}]
    elif flaw == "device":
        data["devices"] = [*data.get("devices", []), {"kind": "pump", "site": None}]
    elif flaw == "procedure":
        data["procedures"] = [{"kind": "tonsillectomy", "date": now.date().isoformat()}]
    elif flaw == "skin":
        data["skin"] = [*data.get("skin", []), {"finding": "freckles"}]
    elif flaw == "medication":
        data["medications"] = [{"class": "homeopathy"}]
    elif flaw == "unit":
        data["labs"] = [*data.get("labs", []), {**reading, "unit": "/uL"}]
    elif flaw == "range":
        data["vitals"] = [*data.get("vitals", []), {**reading, "code": "temperature",
                                                     "unit": "Cel", "value": 52.0}]  # fmt: skip
    elif flaw == "future":
        late = (now + timedelta(minutes=rng.choice([6, 60]))).isoformat()
        data["labs"] = [*data.get("labs", []), {**reading, "taken_at": late}]
    elif flaw == "conflict":
        data["labs"] = [reading, {**reading, "value": 81.0}]
    elif flaw == "procedure_date":
        data["procedures"] = [{"kind": "surgery", "date": (now.date() + timedelta(days=1))
                               .isoformat()}]  # fmt: skip
    else:
        data["child"] = {**data["child"], "birth_date": (now.date() + timedelta(days=2))
                         .isoformat()}  # fmt: skip
    return data


def census() -> list[tuple[str, str]]:
    """``(policy, input JSON)`` pairs: ``default`` or ``program`` policy, in screening order."""
    rng = random.Random(SEED)
    cases = [("default", json.dumps(bench_child(rng))) for _ in range(800)]
    cases += [("default", json.dumps(varied_child(rng))) for _ in range(2400)]
    cases += [("default", json.dumps(refused_child(rng))) for _ in range(150)]
    cases += [("program", json.dumps(bench_child(rng))) for _ in range(300)]
    cases += [("program", json.dumps(varied_child(rng))) for _ in range(700)]
    cases += [("program", json.dumps(refused_child(rng))) for _ in range(50)]
    return cases


def screen(text: str, book: RuleBook) -> str:
    """The exact result JSON, or the exact message of the error the engine raised."""
    inp = ScreeningInput.model_validate_json(text)
    try:
        return evaluate(inp, book).model_dump_json()
    except PedmassageError as exc:
        return f"{type(exc).__name__}: {exc}"


def books(policy_dir: Path) -> dict[str, RuleBook]:
    policy_file = policy_dir / "program-policy.yaml"
    policy_file.write_text(PROGRAM_POLICY, encoding="utf-8")
    return {"default": load_rulebook(), "program": load_rulebook(policy_file)}


def screen_all(cases: list[tuple[str, str]], by_policy: dict[str, RuleBook]) -> list[str]:
    return [screen(text, by_policy[policy]) for policy, text in cases]


def census_digest(cases: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(cases).encode()).hexdigest()


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    with lzma.open(REFERENCE, "rt", encoding="utf-8") as f:
        recorded: dict[str, Any] = json.load(f)
    return recorded


@pytest.fixture(scope="module")
def cases() -> list[tuple[str, str]]:
    return census()


def test_the_census_is_the_one_recorded(reference, cases):
    assert census_digest(cases) == reference["census_sha256"]
    assert len(reference["outputs"]) == len(cases)


def test_every_result_is_byte_for_byte_the_recorded_one(reference, cases, tmp_path):
    got = screen_all(cases, books(tmp_path))
    differing = [(text, want, have) for (_, text), want, have
                 in zip(cases, reference["outputs"], got, strict=True) if want != have]  # fmt: skip
    assert not differing, f"{len(differing)} results differ; first: {differing[0]}"


def test_results_do_not_depend_on_what_was_screened_before(reference, cases, tmp_path):
    """Nothing carries over between children: the same results in another order on fresh books."""
    order = list(range(len(cases)))
    random.Random(SEED + 1).shuffle(order)
    got = screen_all([cases[i] for i in order], books(tmp_path))
    assert all(reference["outputs"][i] == have for i, have in zip(order, got, strict=True))


def test_the_census_covers_every_decision_and_refusals(reference):
    outputs = reference["outputs"]
    decisions = {json.loads(o)["decision"] for o in outputs if o.startswith("{")}
    assert decisions == {"proceed", "modify", "hold"}
    assert sum(o.startswith("ValidationError") for o in outputs) >= 150


def write_reference(policy_dir: Path) -> None:
    cases = census()
    recorded = {
        "census_sha256": census_digest(cases),
        "outputs": screen_all(cases, books(policy_dir)),
    }
    REFERENCE.parent.mkdir(exist_ok=True)
    with lzma.open(REFERENCE, "wb", preset=9 | lzma.PRESET_EXTREME) as f:
        f.write(json.dumps(recorded, separators=(",", ":")).encode())


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        write_reference(Path(tmp))
