"""Properties of the screen over generated children (Hypothesis).

Adding a risk factor must never make the screen less careful, and the same child must always get
the same result whatever order their data was entered in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import cel
from hypothesis import given, settings
from hypothesis import strategies as st

from pedmassage.safety import (
    DECISION_ORDER,
    ScreeningInput,
    ScreeningResult,
    default_rulebook,
    evaluate,
)
from pedmassage.safety.context import build_facts
from pedmassage.safety.rulebook import load_catalogue
from pedmassage.safety.runner import evaluate_rule
from pedmassage.vocabulary import code_book, site_map

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
VOCAB = load_catalogue().vocabulary
CONDITIONS = sorted({*code_book().conditions, *VOCAB.extra_conditions})
DEVICES = sorted(code_book().devices)
SITES = st.one_of(st.none(), st.sampled_from(sorted(site_map().sites)))
UNITS = {code: spec.unit for code, spec in {**code_book().labs, **code_book().vitals}.items()}
VALUE_RANGES = {
    "platelets": (5.0, 400.0),
    "anc": (0.1, 8.0),
    "inr": (0.8, 3.0),
    "temperature": (35.5, 40.0),
}

conditions = st.builds(dict, code=st.sampled_from(CONDITIONS), site=SITES)
devices = st.builds(dict, kind=st.sampled_from(DEVICES), site=SITES)
skin = st.builds(dict, finding=st.sampled_from(sorted(VOCAB.skin_findings)), site=SITES)
medications = st.builds(dict, **{"class": st.sampled_from(sorted(VOCAB.medication_classes))})
procedures = st.builds(
    dict,
    kind=st.sampled_from(sorted(VOCAB.procedures)),
    site=SITES,
    date=st.integers(0, 60).map(lambda d: (NOW - timedelta(days=d)).date()),
)


@st.composite
def readings(draw: st.DrawFn, codes: tuple[str, ...]) -> dict[str, Any]:
    code = draw(st.sampled_from(codes))
    low, high = VALUE_RANGES[code]
    hours = draw(st.floats(0.5, 150.0))
    return {"code": code, "value": draw(st.floats(low, high)), "unit": UNITS[code],
            "taken_at": NOW - timedelta(hours=hours)}  # fmt: skip


def same_time(reading: dict[str, Any]) -> tuple[str, datetime]:
    return reading["code"], reading["taken_at"]


children = st.builds(
    dict,
    birth_date=st.integers(1, 18 * 365).map(lambda d: (NOW - timedelta(days=d)).date()),
    gestational_age_at_birth_weeks=st.sampled_from([24.0, 28.5, 31.0, 34.0, 38.0, 40.0]),
    verbal=st.booleans(),
    weight_g=st.one_of(st.none(), st.floats(600.0, 70000.0)),
)

inputs = st.builds(
    dict,
    assessed_at=st.just(NOW),
    setting=st.sampled_from(["hospital", "picu", "nicu", "home", "clinic"]),
    child=children,
    conditions=st.lists(conditions, max_size=3),
    labs=st.lists(readings(("platelets", "anc", "inr")), max_size=3, unique_by=same_time),
    vitals=st.lists(readings(("temperature",)), max_size=2, unique_by=same_time),
    devices=st.lists(devices, max_size=2),
    procedures=st.lists(procedures, max_size=2),
    skin=st.lists(skin, max_size=2),
    medications=st.lists(medications, max_size=2),
    respiratory_support=st.sampled_from(["none", "oxygen", "high_flow", "cpap", "ventilator"]),
    isolation=st.sampled_from(["none", "contact", "droplet", "airborne", "protective"]),
    touch_aversion=st.booleans(),
    trauma_history=st.booleans(),
    guardian_consent=st.sampled_from([True, True, False, None]),
    child_assent=st.sampled_from([True, False, None]),
)


def worst_reading(code: str, existing: list[dict[str, Any]], drawn: float) -> dict[str, Any]:
    """A new latest reading at least as bad as every earlier one of the same code."""
    values = [r["value"] for r in existing if r["code"] == code]
    worse = max if code in ("inr", "temperature") else min
    return {"code": code, "value": worse([drawn, *values]), "unit": UNITS[code], "taken_at": NOW}


@st.composite
def risk_factors(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with one more risk factor: a condition, device, finding, medicine or bad reading."""
    kind = draw(st.sampled_from(["condition", "device", "skin", "medication", "procedure", "lab",
                                 "fever"]))  # fmt: skip
    added = dict(base)
    if kind == "lab":
        code, bad = draw(st.sampled_from([("platelets", (1.0, 49.9)), ("anc", (0.0, 0.49)),
                                          ("inr", (1.51, 5.0))]))  # fmt: skip
        added["labs"] = [*base["labs"], worst_reading(code, base["labs"], draw(st.floats(*bad)))]
    elif kind == "fever":
        reading = worst_reading("temperature", base["vitals"], draw(st.floats(38.0, 41.0)))
        added["vitals"] = [*base["vitals"], reading]
    else:
        field, strategy = {"condition": ("conditions", conditions), "device": ("devices", devices),
                           "skin": ("skin", skin), "medication": ("medications", medications),
                           "procedure": ("procedures", procedures)}[kind]  # fmt: skip
        added[field] = [*base[field], draw(strategy)]
    return added


def screen(data: dict[str, Any]) -> ScreeningResult:
    return evaluate(ScreeningInput.model_validate(data))


def pressure(result: ScreeningResult) -> int:
    cap = result.modifications.max_pressure
    return 5 if cap is None else cap


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_adding_a_risk_factor_never_makes_the_screen_less_careful(data):
    base = data.draw(inputs)
    riskier = data.draw(risk_factors(base))
    before, after = screen(base), screen(riskier)
    assert DECISION_ORDER[after.decision] >= DECISION_ORDER[before.decision]
    assert pressure(after) <= pressure(before)
    assert (after.modifications.max_minutes or 10**6) <= (before.modifications.max_minutes or 10**6)
    for site in before.modifications.avoid_sites:
        assert any(site_map().covers(a, site) for a in after.modifications.avoid_sites)


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_the_same_child_always_gets_the_same_result(data):
    assert screen(data) == screen(data)


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_the_order_data_was_entered_in_never_changes_the_result(data):
    reordered = {k: list(reversed(v)) if isinstance(v, list) else v for k, v in data.items()}
    assert screen(reordered) == screen(data)


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_every_result_avoids_the_genital_area_and_explains_any_change(data):
    result = screen(data)
    assert any(site_map().covers(a, "genital") for a in result.modifications.avoid_sites)
    assert (result.decision == "proceed") is (all(r.decision == "proceed" for r in result.reasons))


def rule_by_rule_reasons(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every rule run on its own on the full context, outside ``evaluate``."""
    inp = ScreeningInput.model_validate(data)
    book = default_rulebook()
    facts = build_facts(inp, book.policy)
    ctx = cel.Context(variables=facts.variables)
    outcomes = [o for r in book.rules for o in evaluate_rule(r, ctx, facts, site_map())]
    return sorted((o.reason.rule_id, o.reason.decision, o.reason.message) for o in outcomes)


@settings(max_examples=200, deadline=None)
@given(inputs)
def test_screening_again_gives_the_reasons_of_every_rule_run_on_its_own(data):
    screen(data)  # a child screened before must not change what the next screen gives
    result = screen(data)
    engine_reason = default_rulebook().whole_body_avoided
    again = sorted((r.rule_id, r.decision, r.message) for r in result.reasons if r != engine_reason)
    assert again == rule_by_rule_reasons(data)
    # the engine adds its own hold exactly when nothing is left to touch and no rule held
    rules_held = any(r.decision == "hold" for r in result.reasons if r != engine_reason)
    nothing_left = "whole_body" in result.modifications.avoid_sites
    assert (engine_reason in result.reasons) is (nothing_left and not rules_held)
