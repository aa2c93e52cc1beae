"""Rule groups and their memo (``pedmassage.safety.runner``): the same outcomes and the same errors
as running every rule on its own."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pedmassage.errors import KnowledgeDataError
from pedmassage.safety import ScreeningInput, default_rulebook
from pedmassage.safety.compile import CompiledRule, compile_rule
from pedmassage.safety.context import build_facts
from pedmassage.safety.runner import group_rules, reference_outcomes, run_groups
from pedmassage.safety.samples import sample_inputs
from pedmassage.safety.spec import RuleSpec
from pedmassage.vocabulary import site_map


def rule(rule_id: str, when: str) -> CompiledRule:
    spec = RuleSpec(id=rule_id, version=1, title="t", source="s", evidence="secondary",
                    when=when, decision="hold", message=f"{rule_id} fired")  # fmt: skip
    return compile_rule(spec, default_rulebook().policy, site_map())


def child(**fields: Any) -> ScreeningInput:
    base = {"assessed_at": "2026-03-10T12:00:00Z", "setting": "home",
            "child": {"birth_date": date(2017, 1, 5)}}  # fmt: skip
    return ScreeningInput.model_validate({**base, **fields})


def test_every_rule_is_in_exactly_one_group_and_no_group_could_join_another():
    groups = default_rulebook().groups
    rules = [r.id for g in groups.groups for r in g.rules]
    assert sorted(rules) == sorted(default_rulebook().rule_ids)
    key_names = [set(g.key_names) for g in groups.groups]
    for i, names in enumerate(key_names):
        assert not any(names <= other for j, other in enumerate(key_names) if j != i)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_remembered_outcomes_are_the_rule_by_rule_outcomes(index):
    book = default_rulebook()
    facts = build_facts(sample_inputs(book.catalogue)[index], book.policy)
    for _ in range(2):  # cold, then from the memo
        remembered = run_groups(book.groups, facts, site_map())
        reference = reference_outcomes(book.groups, facts, site_map())
        assert sorted(o.order for o in remembered) == sorted(o.order for o in reference)


def test_a_failing_rule_fails_as_rule_by_rule_evaluation_would():
    # ("lab",) joins ("age_days", "lab"), so the memo runs it before ("age_days", "vital"),
    # while rule by rule the ("age_days", "vital") rule comes first and its error is reported
    rules = [
        rule("test.first_in_book", "age_days > 100000 && has(lab.inr)"),
        rule("test.lab_only", "lab.inr > 1.0"),
        rule("test.age_and_vital", "age_days > 0 && vital.spo2 < 90.0"),
    ]
    groups = group_rules(rules)
    assert [r.id for r in groups.groups[0].rules] == ["test.first_in_book", "test.lab_only"]
    facts = build_facts(child(), default_rulebook().policy)
    with pytest.raises(KnowledgeDataError, match=r"test\.age_and_vital") as remembered:
        run_groups(groups, facts, site_map())
    with pytest.raises(KnowledgeDataError) as reference:
        reference_outcomes(groups, facts, site_map())
    assert str(remembered.value) == str(reference.value)


def test_a_rule_that_fails_for_one_child_is_not_remembered_as_passing():
    groups = group_rules([rule("test.inr", "lab.inr > 1.5")])
    policy = default_rulebook().policy
    reading = {"code": "inr", "value": 2.0, "unit": "1", "taken_at": "2026-03-10T11:00:00Z"}
    with_inr = build_facts(child(labs=[reading]), policy)
    assert [o.reason.rule_id for o in run_groups(groups, with_inr, site_map())] == ["test.inr"]
    with pytest.raises(KnowledgeDataError, match=r"test\.inr"):
        run_groups(groups, build_facts(child(), policy), site_map())
