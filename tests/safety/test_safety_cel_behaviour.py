"""The CEL behaviours the rules rely on, checked against the installed package.

If an upgrade of ``common-expression-language`` changes any of these, the rules (and the notes
for rule authors in docs/screening-contract.md) must change with it.
"""

from __future__ import annotations

import cel
import pytest

CONTEXT = {
    "lab": {"platelets": 30.0},
    "weight_g": None,
    "age_days": 400,
    "condition_codes": ["cancer"],
    "conditions": [{"code": "fracture", "site": "arm_left"}, {"code": "cancer", "site": None}],
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("has(lab.platelets)", True),
        ("has(lab.anc)", False),
        ("has(lab.anc) && lab.anc < 0.5", False),
        ("'cancer' in condition_codes", True),
        ("weight_g == null", True),
        ("weight_g != null && weight_g < 1500.0", False),
        ("age_days < 365.0", False),
        ("conditions.exists(c, c.site == null)", True),
        ("conditions.filter(c, c.site != null).map(c, c.site)", ["arm_left"]),
        ("conditions.map(c, c.site != null ? c.site : 'back_lower')", ["arm_left", "back_lower"]),
        ("{'gastrostomy_tube': 'abdomen'}['gastrostomy_tube']", "abdomen"),
        ("('cancer' in condition_codes ? ['face'] : []) + ['neck']", ["face", "neck"]),
        ("[].filter(c, c > 1)", []),
    ],
)
def test_a_rule_idiom_evaluates_as_expected(expression, expected):
    assert cel.compile(expression).execute(CONTEXT) == expected


@pytest.mark.parametrize(
    "expression",
    ["lab.anc < 0.5", "weight_g < 1500.0", "age_days * 1.5 > 3.0"],
)
def test_an_unguarded_idiom_raises_rather_than_answering_false(expression):
    with pytest.raises((RuntimeError, TypeError, KeyError, ValueError)):
        cel.compile(expression).execute(CONTEXT)
