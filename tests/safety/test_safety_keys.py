"""Memo keys: a value is reduced only in ways no rule can tell apart (``pedmassage.safety.keys``).

The recognised forms are checked on their own and against the installed CEL: values with the same
key must give the same answer (or both fail) in every expression the key was planned from.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import cel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pedmassage.safety import default_rulebook
from pedmassage.safety.context import CONTEXT_KEYS, SCALAR_KEYS
from pedmassage.safety.keys import collect_uses, key_functions, plain_key, tokenize


def key_for(name: str, *expressions: str) -> Any:
    return key_functions(collect_uses(expressions, [name])).get(name)


@pytest.mark.parametrize(
    ("name", "expressions"),
    [
        ("x", ["x < 20.0"]),
        ("x", ["20.0 <= x && x < 50.0", "x != null && x == 7.5"]),
        ("x", ["x == null"]),
        ("age", ["age < 365 || (age >= 30 ? true : false)"]),
        ("m", ["has(m.a) && m.a < 0.5", "has(m.b)"]),
        ("s", ["s == 'picu' || s in ['nicu', 'hospital']", "'home' != s"]),
        ("xs", ["'a' in xs", "xs.exists(e, e in ['b', 'c'])"]),
        ("ms", ["ms.filter(m, m.code == 'a' && m.site != null).map(m, m.site)"]),
        (
            "ms",
            ["ms.exists(m, m.code in ['a', 'b'] && m.site == null)", "ms.all(m, 'c' == m.code)"],
        ),
    ],
)
def test_a_recognised_form_gets_a_reduced_key(name, expressions):
    assert key_for(name, *expressions) is not None


@pytest.mark.parametrize(
    "expression",
    [
        "x * 2.0 < 3.0",
        "-x < 3.0",
        "x < 3.0 + y",
        "x + 1.0 > 2.0",
        "!x == null",
        "x < -1.0",
        "x < y",
        "x < 0x10",
        "x < 10u",
        "x == '''a'''",
        "x == 'a\\'b'",
        "x == 'a' || x < 2.0",
        "x",
        "[x]",
        "size(x) > 0",
        "x[0] == 'a'",
        "x < 2.0 // a comment",
        "x.exists(e, e == 'a')",
        "x.filter(m, m.code == 'a')",
        "x.filter(m, m.code == 'a').size() > 0",
        "x.exists(m, m.code.startsWith('a'))",
        "x.exists(m, m == 'a' || m.code == 'b')",
        "x.exists(x, x.code == 'a')",
        "x.map(m, x.map(m, m))",
        "has(x.a.b)",
        "x.a + 1.0 > 2.0",
        "x['a'] < 3.0",
        "x in ['a', 'b'] + y",
        "x < 'b'",
        "r'x' == x",
    ],
)
def test_any_other_use_keeps_the_plain_key(expression):
    assert key_for("x", expression, "x < 5.0") is None
    assert key_for("x", expression, "x == 'a'") is None


def test_an_expression_the_tokenizer_cannot_read_keeps_every_name_in_it_plain():
    assert tokenize("x < 2.0 # y") is None
    assert key_for("x", "x < 2.0 # y") is None
    assert key_for("z", "x < 2.0 # y", "z < 1.0") is not None


def test_the_shipped_rules_reduce_the_values_that_vary_most():
    book = default_rulebook()
    keyed = {name for name, _ in book.groups.keyed}
    assert {"lab", "vital", "age_days", "age_years", "weight_g", "postmenstrual_weeks"} <= keyed
    assert {"condition_codes", "medication_classes", "conditions", "setting"} <= keyed
    assert set(book.groups.plain) <= CONTEXT_KEYS - SCALAR_KEYS


def test_numbers_share_a_key_only_between_the_same_literals():
    key = key_for("x", "x < 20.0", "x >= 50.0", "x == 30.0")
    assert key(5.0) == key(19.99) != key(20.0) != key(25.0) == key(29.9) != key(30.0)
    assert key(30.01) == key(49.9) != key(50.0) != key(50.1) == key(400.0)
    assert key(None) != key(5.0)
    assert key(5) != key(5.0)  # an int is never keyed with a double literal's places
    assert key(True) != key(1)
    assert key(float("nan")) != key(5.0)


def test_text_keeps_what_is_tested_and_nothing_else():
    key = key_for("ms", "ms.filter(m, m.code == 'a').map(m, m.site)")
    same = key([{"code": "b", "site": None}])
    assert same == key([{"code": "c", "site": None}]) != key([{"code": "a", "site": None}])
    assert key([{"code": "b", "site": "x"}]) != same != key([{"code": None, "site": None}])
    assert key([{"code": "b", "site": None}] * 2) != same
    assert key([{"site": None}]) != same


def test_plain_keys_are_equal_only_for_equal_values():
    values = [[], [1], [1, 2], [2, 1], {}, {"a": 1}, {"a": 2}, [{"a": 1}], [{"a": 1, "b": 2}], "a"]
    keys = [plain_key(v) for v in values]
    assert len(set(keys)) == len(values)


NUMBERS = st.one_of(
    st.sampled_from([0, 1, 5, 20, 365, 366, 0.0, 0.5, 1.5, 19.99, 20.0, 20.01, 38.0, 49.99, 50.0]),
    st.floats(-10, 500, allow_nan=False),
    st.integers(-10, 500),
    st.none(),
    st.booleans(),
    st.sampled_from(["a", "20"]),
)
TEXTS = st.one_of(
    st.sampled_from(["a", "b", "c", "picu", "nicu", "home", ""]), st.none(), st.just(1)
)
TEXT_LISTS = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=4)
MAPS = st.dictionaries(st.sampled_from(["a", "b", "c"]), NUMBERS, max_size=3)
ELEMENTS = st.fixed_dictionaries(
    {"code": st.sampled_from(["a", "b", "c", "d"]), "site": st.sampled_from([None, "s1", "s2"])}
)
ELEMENT_LISTS = st.lists(
    st.one_of(ELEMENTS, st.fixed_dictionaries({"code": TEXTS, "site": st.none()})), max_size=3
)
CASES = [
    ("x", NUMBERS, ["x < 20.0", "x >= 20.0 && x < 50.0", "x == 38.0 || 1.5 > x", "x == null"]),
    ("x", NUMBERS, ["x != null && x < 365", "x >= 5"]),
    ("x", NUMBERS, ["x == null || x < 20.0"]),
    ("x", NUMBERS, ["x < 365 || x >= 20.0"]),
    ("m", MAPS, ["has(m.a) && m.a < 20.0", "has(m.b) && m.b >= 0.5 && m.b < 50.0", "m.c == 5"]),
    ("s", TEXTS, ["s == 'picu'", "s in ['nicu', 'a']", "'home' != s ? 1 : 2"]),
    ("xs", TEXT_LISTS, ["'a' in xs", "xs.exists(e, e in ['b', 'c']) ? ['x'] : []"]),
    ("ms", ELEMENT_LISTS, ["ms.filter(m, m.code == 'a' && m.site != null).map(m, m.site)",
                           "ms.exists(m, m.code in ['b', 'c'] && m.site == null)",
                           "ms.map(m, m.code == 'b' ? m.site : 'z')"]),
]  # fmt: skip


def answer(program: Any, name: str, value: Any) -> Any:
    try:
        return ("value", program.execute({name: value}))
    except (RuntimeError, TypeError, ValueError, KeyError, IndexError):
        return ("error",)


@pytest.mark.parametrize(("name", "values", "expressions"), CASES)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_values_with_one_key_get_one_answer_from_every_expression(name, values, expressions, data):
    key = key_for(name, *expressions)
    assert key is not None
    programs = [cel.compile(e) for e in expressions]
    by_key: dict[Any, list[Any]] = defaultdict(list)
    for value in data.draw(st.lists(values, min_size=2, max_size=25)):
        by_key[key(value)].append(value)
    for same in by_key.values():
        for program in programs:
            answers = {repr(answer(program, name, v)) for v in same}
            assert len(answers) == 1, (program.source, same, answers)
