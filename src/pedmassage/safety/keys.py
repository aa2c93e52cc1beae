"""Memo keys: what of a context value the rules can observe, read from the rules themselves.

A group's outcomes are remembered under a key made from the values it reads (see ``runner``). The
plain key is the value itself, so two children with platelets of 212 and 213 are screened twice
although no rule can tell them apart. When every use of a variable, in every expression of the rule
book, is of one of the kinds below, the key keeps only what those uses can observe:

* a number compared with number literals (``x < 1.5``, ``2 >= x``, ``x == 3``) or with null
  (``x != null``): null, or the value's type and its place among the literals (below, equal to, or
  between two of them);
* a map read field by field (``has(m.f)``, ``m.f < 1.5``, ``1.5 < m.f``): per field, absent or the
  key of its number as above;
* text tested against text literals (``s == 'a'``, ``'a' != s``, ``s in ['a', 'b']``): the text
  if it is one of them, else "other";
* a list of text tested for literals (``'a' in xs``, ``xs.exists(e, e in ['a', 'b'])``): which of
  those literals it holds;
* a list of maps run through comprehensions (``exists``, ``all``, ``exists_one``, ``map``,
  ``filter``, not ending in ``filter``) that read each element only as ``m.<field>``, such as
  ``ms.filter(m, m.f == 'a' && m.g != null).map(m, m.g)``: per element, in order, each field read,
  with the text of a field that is only ever tested against text literals kept only when it is
  one of them.

The uses are recognised on the bound expression text, token by token, and only where operator
precedence makes the comparison (or test) a whole operand: ``x * 2 < 3``, ``-x < 3`` or
``x < 3 + y`` are not recognised. A number is keyed by its place only when it has the type of every
literal it is compared with, and text collapses only when it is text, so the answer of each
comparison or test, and so of the whole expression (errors included), is the same for every value
with the same key. Anything else, a variable used any other way anywhere, or an expression the
tokenizer does not read (comments, escapes, raw or triple-quoted strings, hex or unsigned numbers),
keeps the plain key: the value itself.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

KeyFn = Callable[[Any], Hashable]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)(?![\w.]))
    | (?P<text>(?<!\w)(?:'[^'\\\n]*'|"[^"\\\n]*"))
    | (?P<name>[A-Za-z_]\w*)
    | (?P<op>&&|\|\||==|!=|<=|>=|[<>!?:.,()\[\]{}+\-*/%])
    )""",
    re.VERBOSE,
)
_COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!=", "in"})
_EQUALITIES = frozenset({"==", "!="})
_OPERAND_START = frozenset({"", "(", ",", "[", "{", "&&", "||", "?", ":"})
"""Tokens after which a comparison starts a whole operand (``""`` is the start of the text)."""
_OPERAND_END = frozenset({"", ")", ",", "]", "}", "&&", "||", "?", ":"})
"""Tokens before which a comparison ends a whole operand (``""`` is the end of the text)."""
_COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "filter", "map"})
_OPENING, _CLOSING = frozenset({"(", "[", "{"}), frozenset({")", "]", "}"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass
class Uses:
    """What one variable is used for across the rule book."""

    numbers: list[int | float] = field(default_factory=list)
    """Literals it is compared with (``x < 1.5``); none when only checked against null."""
    number_uses: int = 0
    fields: dict[str, list[int | float]] = field(default_factory=dict)
    """Map fields read (``has(m.f)``, ``m.f < 1.5``), with the literals each is compared with."""
    texts: set[str] = field(default_factory=set)
    """Text literals it is tested against (``s == 'a'``, ``s in ['a', 'b']``)."""
    text_uses: int = 0
    members: set[str] = field(default_factory=set)
    """Text literals tested for membership (``'a' in xs``)."""
    member_uses: int = 0
    element_fields: dict[str, set[str] | None] = field(default_factory=dict)
    """Fields of list elements read in comprehensions: the text literals a field is only tested
    against, or ``None`` for a field read any other way."""
    element_uses: int = 0
    other: bool = False
    """Used some other way: the variable keeps its plain key."""


def tokenize(source: str) -> list[Token] | None:
    """The tokens of a CEL expression, or ``None`` for anything this module does not read."""
    if "'''" in source or '"""' in source:
        return None
    tokens: list[Token] = []
    pos, end = 0, len(source.rstrip())
    while pos < end:
        match = _TOKEN.match(source, pos)
        if match is None or match.lastgroup is None:
            return None
        tokens.append(Token(match.lastgroup, match.group(match.lastgroup)))
        pos = match.end()
    return tokens


def collect_uses(sources: Iterable[str], names: Iterable[str]) -> dict[str, Uses]:
    """How each of ``names`` is used in ``sources`` (bound CEL expression texts)."""
    uses = {name: Uses() for name in names}
    for source in sources:
        tokens = tokenize(source)
        for name, use in uses.items():
            if tokens is None:
                use.other = use.other or re.search(rf"\b{name}\b", source) is not None
            else:
                _scan(tokens, name, use)
    return uses


def key_functions(uses: dict[str, Uses]) -> dict[str, KeyFn]:
    """A key function for each variable whose uses allow one (the others keep plain keys)."""
    keys: dict[str, KeyFn] = {}
    for name, use in uses.items():
        kinds = [use.number_uses, use.text_uses, use.fields, use.member_uses, use.element_uses]
        if use.other or sum(map(bool, kinds)) != 1:
            continue
        if use.number_uses:
            keys[name] = number_key(use.numbers)
        elif use.text_uses:
            keys[name] = text_key(use.texts)
        elif use.fields:
            keys[name] = fields_key(use.fields)
        elif use.member_uses:
            keys[name] = members_key(use.members)
        elif any(tested is not None for tested in use.element_fields.values()):
            keys[name] = elements_key(use.element_fields)
    return keys


def number_key(literals: Iterable[int | float]) -> KeyFn:
    """Null, or the value's type and place among ``literals``; any other value keys as itself."""
    values = sorted(set(literals))
    types = {type(v) for v in values}
    by_type = {t: tuple(values) for t in (types or {int, float}) if len(types) <= 1}

    def key(value: Any) -> Hashable:
        if value is None:
            return _NULL
        kind = type(value)
        bounds = by_type.get(kind)
        if bounds is None or value != value:  # another type, or NaN
            return _plain(value)
        i = bisect_left(bounds, value)
        return (kind, i, i < len(bounds) and bounds[i] == value)

    return key


def text_key(literals: Iterable[str]) -> KeyFn:
    """The text if it is one of ``literals``, else "other"; any other value keys as itself."""
    tested = frozenset(literals)

    def key(value: Any) -> Hashable:
        if type(value) is str:
            return value if value in tested else _OTHER
        return _plain(value)

    return key


def fields_key(fields: dict[str, list[int | float]]) -> KeyFn:
    """Per field read: absent, or its number's key; a value that is not a map keys as itself."""
    field_keys = tuple((name, number_key(literals)) for name, literals in sorted(fields.items()))

    def key(value: Any) -> Hashable:
        if type(value) is not dict:
            return _plain(value)
        return tuple([f(value[name]) if name in value else _ABSENT for name, f in field_keys])

    return key


def members_key(members: Iterable[str]) -> KeyFn:
    """Which of ``members`` a list of text holds; any other value keys as itself."""
    tested = frozenset(members)

    def key(value: Any) -> Hashable:
        if type(value) is not list:
            return _plain(value)
        for v in value:
            if type(v) is not str:
                return _plain(value)
        return tested.intersection(value)

    return key


def elements_key(fields: dict[str, set[str] | None]) -> KeyFn:
    """Per element of a list of maps, in order: each field read, a tested field's text kept only
    when it is one of the literals it is tested against; any other value keys as itself."""
    reads = tuple((name, None if t is None else frozenset(t)) for name, t in sorted(fields.items()))

    def key(value: Any) -> Hashable:
        if type(value) is not list:
            return _plain(value)
        elements = []
        for element in value:
            if type(element) is not dict:
                return _plain(value)
            kept = []
            for name, tested in reads:
                v = element.get(name, _ABSENT)
                if type(v) in (list, dict):
                    return _plain(value)
                kept.append(
                    _OTHER if tested is not None and type(v) is str and v not in tested else v
                )
            elements.append(tuple(kept))
        return tuple(elements)

    return key


def plain_key(value: Any) -> Hashable:
    """A hashable copy of a context value that is equal only when the value is.

    Context values are scalars, maps of scalars, or lists of scalars or of maps of scalars
    (see ``context``), so one level of nesting is all there is to freeze; a map is marked so that
    it never equals a list. Keeping the order of a map's items can only make keys differ more
    often, never less. A scalar keys as itself: each variable holds one type (or null), so
    Python's ``1 == 1.0 == True`` never meets two values of one variable.
    """
    kind = type(value)
    if kind is list:
        return tuple([(_MAP, *v.items()) if type(v) is dict else v for v in value])
    if kind is dict:
        return (_MAP, *value.items())
    return value  # type: ignore[no-any-return]


def _plain(value: Any) -> Hashable:
    """The key of a value outside the shape a reduced key expects: the whole value, marked."""
    return (_PLAIN, type(value), plain_key(value))


class _Tag:
    """A marker inside keys, equal only to itself."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_NULL, _ABSENT, _PLAIN, _OTHER, _MAP = (
    _Tag("null"), _Tag("absent"), _Tag("plain"), _Tag("other"), _Tag("map"),
)  # fmt: skip


def _scan(tokens: list[Token], name: str, use: Uses) -> None:
    for i, token in enumerate(tokens):
        if token.kind != "name" or token.text != name or _text(tokens, i - 1) == ".":
            continue
        if not (
            _number_use(tokens, i, use)
            or _text_use(tokens, i, use)
            or _field_use(tokens, i, use)
            or _member_use(tokens, i, use)
            or _element_use(tokens, i, use)
        ):
            use.other = True


def _number_use(tokens: list[Token], i: int, use: Uses) -> bool:
    """``x <op> literal`` or ``literal <op> x`` as a whole operand."""
    literal = _compared_literal(tokens, i, i)
    if literal is None:
        return False
    if not isinstance(literal, str):
        use.numbers.append(literal)
    use.number_uses += 1
    return True


def _text_use(tokens: list[Token], i: int, use: Uses) -> bool:
    """``s == 'a'``, ``'a' != s`` or ``s in ['a', 'b']`` as a whole operand."""
    literals = _text_test(tokens, i, i)
    if literals is None:
        return False
    use.texts.update(literals)
    use.text_uses += 1
    return True


def _field_use(tokens: list[Token], i: int, use: Uses) -> bool:
    """``has(m.f)``, ``m.f <op> number`` or ``number <op> m.f`` as a whole operand."""
    if _text(tokens, i + 1) != "." or _kind(tokens, i + 2) != "name":
        return False
    name = tokens[i + 2].text
    if (
        _text(tokens, i - 1) == "("
        and _text(tokens, i - 2) == "has"
        and _text(tokens, i - 3) != "."
        and _text(tokens, i + 3) == ")"
    ):
        use.fields.setdefault(name, [])
        return True
    literal = _compared_literal(tokens, i, i + 2)
    if literal is None or isinstance(literal, str):
        return False
    use.fields.setdefault(name, []).append(literal)
    return True


def _member_use(tokens: list[Token], i: int, use: Uses) -> bool:
    """``'a' in xs`` as a whole operand, or ``xs.exists(e, e in ['a', ...])``."""
    if (
        _text(tokens, i - 1) == "in"
        and _kind(tokens, i - 2) == "text"
        and _text(tokens, i - 3) in _OPERAND_START
        and _text(tokens, i + 1) in _OPERAND_END
    ):
        use.members.add(tokens[i - 2].text[1:-1])
        use.member_uses += 1
        return True
    if [_text(tokens, j) for j in range(i + 1, i + 4)] != [".", "exists", "("]:
        return False
    element = _text(tokens, i + 4)
    if _kind(tokens, i + 4) != "name" or _text(tokens, i + 5) != ",":
        return False
    literals = _text_literals(tokens, i + 6, i + 6, element)
    if literals is None:
        return False
    closing = i + 9 + 2 * len(literals)  # after `e in [` and the literals with their commas
    if _text(tokens, closing) != ")" or _text(tokens, closing + 1) not in _OPERAND_END:
        return False
    use.members.update(literals)
    use.member_uses += 1
    return True


def _element_use(tokens: list[Token], i: int, use: Uses) -> bool:
    """``ms.<comprehension>(m, ...)...`` whose bodies read ``m`` only as ``m.<field>``."""
    j, last = i + 1, ""
    reads: dict[str, set[str] | None] = {}
    while (
        _text(tokens, j) == "."
        and _text(tokens, j + 1) in _COMPREHENSIONS
        and _text(tokens, j + 2) == "("
        and _kind(tokens, j + 3) == "name"
        and _text(tokens, j + 4) == ","
    ):
        end = _closing(tokens, j + 2)
        if end is None or not _element_reads(tokens, tokens[j + 3].text, j + 5, end, reads):
            return False
        last, j = tokens[j + 1].text, end + 1
    if last in ("", "filter"):  # a filtered list would show the tested fields as they are
        return False
    for name, tested in reads.items():
        known = use.element_fields.get(name, set())
        use.element_fields[name] = None if known is None or tested is None else known | tested
    use.element_uses += 1
    return True


def _element_reads(
    tokens: list[Token], element: str, start: int, end: int, reads: dict[str, set[str] | None]
) -> bool:
    """Record each ``element.<field>`` in ``tokens[start:end]``; False for any other use."""
    for k in range(start, end):
        if tokens[k].text != element or tokens[k].kind != "name" or _text(tokens, k - 1) == ".":
            continue
        if _text(tokens, k + 1) != "." or _kind(tokens, k + 2) != "name":
            return False
        if _text(tokens, k + 3) == "(":  # a method call on the element
            return False
        name = tokens[k + 2].text
        literals = _text_test(tokens, k, k + 2)
        known = reads.get(name, set())
        reads[name] = None if known is None or literals is None else known | set(literals)
    return True


def _text_test(tokens: list[Token], first: int, last: int) -> list[str] | None:
    """The text literals ``tokens[first:last + 1]`` is tested against as a whole operand:
    ``== 'a'``, ``!= 'a'``, ``'a' ==``, ``'a' !=`` or ``in ['a', 'b']``."""
    op, before = _text(tokens, last + 1), _text(tokens, first - 1)
    if (
        op in _EQUALITIES
        and before in _OPERAND_START
        and _kind(tokens, last + 2) == "text"
        and _text(tokens, last + 3) in _OPERAND_END
    ):
        return [tokens[last + 2].text[1:-1]]
    if (
        before in _EQUALITIES
        and _kind(tokens, first - 2) == "text"
        and _text(tokens, first - 3) in _OPERAND_START
        and _text(tokens, last + 1) in _OPERAND_END
    ):
        return [tokens[first - 2].text[1:-1]]
    if before in _OPERAND_START and op == "in":
        literals = _text_literals(tokens, first, last + 1, "")
        if literals is not None and _text(tokens, last + 3 + 2 * len(literals)) in _OPERAND_END:
            return literals
    return None


def _text_literals(tokens: list[Token], first: int, op: int, subject: str) -> list[str] | None:
    """``in ['a', 'b']`` at ``tokens[op]`` (after ``subject`` at ``first`` when one is given):
    the literals, if the list holds text literals only."""
    if subject and (_text(tokens, first) != subject or _kind(tokens, first) != "name"):
        return None
    if subject:
        op = first + 1
    if _text(tokens, op) != "in" or _text(tokens, op + 1) != "[":
        return None
    literals: list[str] = []
    k = op + 2
    while _kind(tokens, k) == "text":
        literals.append(tokens[k].text[1:-1])
        if _text(tokens, k + 1) != ",":
            break
        k += 2
    if not literals or _text(tokens, k + 1) != "]":
        return None
    return literals


def _compared_literal(tokens: list[Token], first: int, last: int) -> int | float | str | None:
    """The literal that ``tokens[first:last + 1]`` is compared with, where the comparison is a
    whole operand: ``"null"`` for ``== null`` or ``!= null``, else a number literal."""
    op = _text(tokens, last + 1)
    if (
        op in _COMPARISONS
        and _text(tokens, first - 1) in _OPERAND_START
        and _text(tokens, last + 3) in _OPERAND_END
    ):
        return _literal(tokens, last + 2, op)
    op = _text(tokens, first - 1)
    if (
        op in _COMPARISONS
        and _text(tokens, first - 3) in _OPERAND_START
        and _text(tokens, last + 1) in _OPERAND_END
    ):
        return _literal(tokens, first - 2, op)
    return None


def _literal(tokens: list[Token], i: int, op: str) -> int | float | str | None:
    if op == "in" or not 0 <= i < len(tokens):
        return None
    token = tokens[i]
    if token.kind == "name" and token.text == "null":
        return "null" if op in _EQUALITIES else None
    if token.kind != "number":
        return None
    text = token.text
    return float(text) if any(c in text for c in ".eE") else int(text)


def _closing(tokens: list[Token], opening: int) -> int | None:
    """The index of the bracket closing the one at ``opening``."""
    depth = 0
    for k in range(opening, len(tokens)):
        if tokens[k].kind != "op":
            continue
        if tokens[k].text in _OPENING:
            depth += 1
        elif tokens[k].text in _CLOSING:
            depth -= 1
            if depth == 0:
                return k
    return None


def _text(tokens: list[Token], i: int) -> str:
    return tokens[i].text if 0 <= i < len(tokens) else ""


def _kind(tokens: list[Token], i: int) -> str:
    return tokens[i].kind if 0 <= i < len(tokens) else ""
