"""Running rules (``pedmassage.safety.runner``): every rule is evaluated for every child, in
rule-book order, nothing is carried from one child to the next, and an error in a rule reaches the
caller instead of being retried or taken for "did not fire"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pedmassage.errors import KnowledgeDataError
from pedmassage.safety import default_rulebook, evaluate, load_rulebook
from pedmassage.safety.compile import CompiledRule, compile_rule
from pedmassage.safety.context import Facts, build_facts
from pedmassage.safety.runner import run_rules
from pedmassage.safety.spec import RuleSpec
from pedmassage.vocabulary import site_map

INR_READING = {"code": "inr", "value": 2.0, "unit": "1", "taken_at": "2026-03-10T11:00:00Z"}
CLINIC_INR_RULE = """\
topic: test
rules:
  - id: test.clinic_inr
    version: 1
    title: INR in clinic
    source: test source
    evidence: secondary
    when: setting == 'clinic' && lab.inr > 1.5
    decision: hold
    message: INR is high.
"""


def rule(rule_id: str, when: str) -> CompiledRule:
    spec = RuleSpec(id=rule_id, version=1, title="t", source="s", evidence="secondary",
                    when=when, decision="hold", message=f"{rule_id} fired")  # fmt: skip
    return compile_rule(spec, default_rulebook().policy, site_map())


def rule_with(rule_id: str, **fields: Any) -> CompiledRule:
    spec = RuleSpec(id=rule_id, version=1, title="t", source="s", evidence="secondary", **fields)
    return compile_rule(spec, default_rulebook().policy, site_map())


def facts(child: Any, **fields: Any) -> Facts:
    return build_facts(child.input(**fields), default_rulebook().policy)


def fired(rules: list[CompiledRule], child_facts: Facts) -> list[str]:
    return [o.reason.rule_id for o in run_rules(rules, child_facts, site_map())]


def test_every_rule_is_evaluated_in_the_order_given(child):
    rules = [rule("test.a", "true"), rule("test.b", "age_days > 0"),
             rule("test.c", "setting == 'home'"), rule("test.d", "setting == 'picu'")]  # fmt: skip
    assert fired(rules, facts(child)) == ["test.a", "test.b", "test.c"]


def test_a_rule_without_a_condition_fires_only_when_its_site_expression_names_a_site(child):
    avoid_device_sites = {"avoid_sites_expr": "devices.map(d, d.site)"}
    sites_only = rule_with("test.sites", decision="modify", message="m",
                           modifications=avoid_device_sites)  # fmt: skip
    picc = {"kind": "picc", "site": "arm_left"}
    assert fired([sites_only], facts(child)) == []
    assert fired([sites_only], facts(child, devices=[{**picc, "site": None}])) == []
    assert fired([sites_only], facts(child, devices=[picc])) == ["test.sites"]


def test_a_rule_with_only_data_requirements_gives_only_its_unmet_requirements(child):
    needs_inr = rule_with("test.needs_inr", requires=[{"data": "inr", "message": "INR needed"}])
    outcomes = run_rules([needs_inr], facts(child), site_map())
    assert [o.reason.message for o in outcomes] == [
        "INR needed. No result is recorded: verify inr before the session."
    ]
    assert run_rules([needs_inr], facts(child, labs=[INR_READING]), site_map()) == []


def test_a_data_requirement_is_checked_whether_or_not_the_rules_condition_holds(child):
    requires = [{"data": "inr", "message": "INR needed", "decision": "hold"}]
    for when, rule_ids in [("true", ["test.inr", "test.inr"]), ("false", ["test.inr"])]:
        with_both = rule_with("test.inr", when=when, decision="modify", message="m",
                              requires=requires)  # fmt: skip
        outcomes = run_rules([with_both], facts(child), site_map())
        assert [o.reason.rule_id for o in outcomes] == rule_ids
        assert outcomes[-1].reason.decision == "hold"


def test_a_failing_rule_raises_a_data_error_naming_the_rule_and_the_expression(child):
    with pytest.raises(KnowledgeDataError, match=r"^rule test\.inr: when failed: "):
        run_rules([rule("test.inr", "lab.inr > 1.5")], facts(child), site_map())


def test_a_rule_that_worked_for_one_child_still_fails_for_the_next(child):
    rules = [rule("test.inr", "lab.inr > 1.5")]
    with_inr = facts(child, labs=[INR_READING])
    assert fired(rules, with_inr) == ["test.inr"]
    with pytest.raises(KnowledgeDataError, match=r"test\.inr"):
        run_rules(rules, facts(child), site_map())
    assert fired(rules, with_inr) == ["test.inr"]


def test_the_first_failing_rule_in_order_is_the_one_reported(child):
    rules = [rule("test.a_fine", "true"), rule("test.b_lab", "lab.inr > 1.0"),
             rule("test.c_vital", "vital.spo2 < 90.0")]  # fmt: skip
    with pytest.raises(KnowledgeDataError, match=r"^rule test\.b_lab: "):
        run_rules(rules, facts(child), site_map())


def test_a_rule_returning_something_other_than_true_or_false_is_a_data_error(child):
    with pytest.raises(KnowledgeDataError, match=r"returned 'home', not true/false"):
        run_rules([rule("test.text", "setting")], facts(child), site_map())


class Exploding:
    """A compiled expression whose evaluation fails in a way CEL never does."""

    def execute(self, context: Any = None) -> Any:
        raise ZeroDivisionError("not a CEL error")

    def variables(self) -> list[str]:
        return []


def test_an_unexpected_error_while_evaluating_a_rule_is_not_swallowed(child):
    broken = replace(rule("test.broken", "true"), when=Exploding())
    with pytest.raises(ZeroDivisionError, match="not a CEL error"):
        run_rules([rule("test.fine", "true"), broken], facts(child), site_map())


def test_an_error_in_a_rule_surfaces_from_evaluate_every_time(child, tmp_path: Path):
    # the sample children of the trial run are never in a clinic, so the rule loads
    (tmp_path / "test.yaml").write_text(CLINIC_INR_RULE, encoding="utf-8")
    book = load_rulebook(rules_dir=tmp_path)
    assert evaluate(child.input(setting="home"), book).decision == "proceed"
    for _ in range(2):
        with pytest.raises(KnowledgeDataError, match=r"^rule test\.clinic_inr: when failed: "):
            evaluate(child.input(setting="clinic"), book)
    assert evaluate(child.input(setting="clinic", labs=[INR_READING]), book).decision == "hold"
