"""The screening contract document stays in step with the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from pedmassage.safety import CONTEXT_KEYS
from pedmassage.safety import context as context_module
from pedmassage.safety.policy import default_policy

DOC = Path(__file__).resolve().parents[2] / "docs" / "screening-contract.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_cel_context_name_is_documented_in_the_contract(doc):
    for name in CONTEXT_KEYS:
        assert f"| `{name}` |" in doc, name


def test_every_cel_context_name_is_documented_in_the_module_docstring():
    for name in CONTEXT_KEYS:
        assert f"``{name}``" in (context_module.__doc__ or ""), name


def test_every_rule_is_listed_in_the_catalogue_table(doc, book):
    for rule in book.rules:
        assert f"| `{rule.id}` | {rule.spec.title} |" in doc, rule.id


def test_every_threshold_is_listed_with_its_default(doc):
    for name in default_policy().thresholds:
        assert f"| `{name}` |" in doc, name
