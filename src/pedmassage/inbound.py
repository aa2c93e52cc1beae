"""What every inbound shape shares: text that fits its column and carries no NUL, bounded lists.

A request, a form or a file names its values once; these types make each value either fit the
column it is stored in, on SQLite and PostgreSQL alike, or be refused at the edge with its field's
path. Without them SQLite stores an over-long name that PostgreSQL refuses with a fault, and a NUL
byte, which PostgreSQL cannot store in text, turns a typing slip into a server error.

``Text`` is a NUL-free string; each field adds its own ``max_length`` (the column's) where it is
declared, so the limit sits beside the field it protects. The JSON Schema carries the same rule as a
pattern, so clients and schema-driven tests know it too.

A time stated for something that already happened (a session's start and end, a measure, an
adverse event, a lab, a screening) is never in the future: :func:`not_future` is that one rule,
for every record and every edge.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from pedmassage.errors import ValidationError

NUL_FREE_PATTERN = "^[^\\u0000]*$"
"""The JSON Schema of every text field: anything but NUL (``\\u0000``)."""

MAX_DEPTH = 16
"""The deepest nesting any inbound shape needs is 4; anything far deeper is not a record."""

MAX_LIST_ITEMS = 200
"""The longest list any request may carry (a child's labs over a long admission fit)."""


def refuse_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text, nor half of a surrogate pair (which is no character at
    all); refuse both on every database alike."""
    if "\x00" in value:
        raise PydanticCustomError(
            "nul_character", "text without NUL characters (\\u0000); one was found"
        )
    if value.isascii():
        return value  # the common case: no surrogate can hide in ASCII
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "lone_surrogate", "text of whole Unicode characters; half a surrogate pair was found"
        ) from None
    return value


Text = Annotated[
    str, AfterValidator(refuse_nul), Field(json_schema_extra={"pattern": NUL_FREE_PATTERN})
]
"""A NUL-free string; give its ``max_length`` where the field is declared."""

Code = Annotated[Text, Field(min_length=1, max_length=60)]
"""A coded value from one of the vocabularies (condition, device, procedure, finding, class)."""

BodySiteName = Annotated[Text, Field(min_length=1, max_length=40)]
"""A body site's code, as the vocabulary of body sites names it."""

PersonName = Annotated[Text, Field(min_length=1, max_length=80)]
"""A staff member's or user's name as stored beside what they did."""

ItemKey = Annotated[str, AfterValidator(refuse_nul), Field(min_length=1, max_length=40)]
"""An item's key in a measure's answers; its JSON Schema is :data:`ITEM_KEYS`."""

ITEM_KEYS: dict[str, Any] = {
    "propertyNames": {"minLength": 1, "maxLength": 40, "pattern": NUL_FREE_PATTERN}
}
"""The JSON Schema of the keys of a measure's answers, for the dict field that holds them."""


class Inbound(BaseModel):
    """The base of every request shape: an unknown field is refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


def parse_day(value: str | None, field: str) -> date | None:
    """A day given as text (a query parameter, a form field, a command option): only the ISO
    form YYYY-MM-DD of a real calendar day; none given is None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else _not_a_day(value, field)
    except ValueError:
        return _not_a_day(value, field)


def _not_a_day(value: str, field: str) -> date:
    raise ValidationError(field, value[:40], "a real calendar day as YYYY-MM-DD")


CLOCK_SKEW_MINUTES = 5
CLOCK_SKEW = timedelta(minutes=CLOCK_SKEW_MINUTES)
"""How far a device's clock may run ahead of the server's: a time a tablet states may be this much
later than the server's now and still be now."""


def in_future(when: datetime, now: datetime) -> bool:
    """Whether ``when`` is later than ``now`` by more than a device's clock may run ahead of the
    server's (:data:`CLOCK_SKEW`): what already happened cannot be later, whoever's clock said
    when, but a tablet a few minutes fast must not make a clinician retype a true time."""
    return when > now + CLOCK_SKEW


def not_future(when: datetime, field: str, now: datetime) -> None:
    """Refuse a time stated for something that already happened when it is in the future
    (:func:`in_future`), naming ``field`` by its full path."""
    if in_future(when, now):
        raise ValidationError(field, when.isoformat(), f"not in the future (now is {utc(now)})")


def utc(moment: datetime) -> str:
    """A moment as a refusal says it: to the minute, in UTC, labelled, as the pages show times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def field_path(loc: object) -> str:
    """A location as a client writes it: ``pre.items.face``, ``adverse_events[2].occurred_at``.

    A leading ``body``, ``query`` or ``path`` is dropped: the field's name says where it is.
    """
    path = ""
    for part in loc if isinstance(loc, list | tuple) else ():
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (key)"
        elif not path and part in ("body", "query", "path", "header"):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def parse_json(raw: bytes) -> Any:
    """``raw`` as JSON, read strictly, or :class:`ValidationError` naming where and why not.

    Valid UTF-8 and standard JSON only (no ``NaN``); no key given twice in one object (parsers
    disagree on which copy wins, so neither is taken); nested at most :data:`MAX_DEPTH` deep.
    Values keep their JSON types, for a strict check against the shape afterwards; a number with
    no fraction (``24.0``) is an integer, as JSON Schema counts it.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refused((), f"valid UTF-8 text; byte {exc.start} is not") from None
    try:
        parsed = json.loads(text, object_pairs_hook=_Members, parse_constant=_NotANumber)
    except json.JSONDecodeError as exc:
        raise _refused(
            (), f"valid JSON; {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise _refused((), f"JSON nested at most {MAX_DEPTH} deep") from None
    return _checked(parsed, (), 0)


class _Members(list[tuple[str, Any]]):
    """An object's members in order, kept until the walk can name the path of a repeated key."""


class _NotANumber(str):
    """``NaN`` or ``Infinity``, which JSON does not have; kept until the walk can name its path."""


def _checked(value: Any, path: tuple[str | int, ...], depth: int) -> Any:
    """``value`` with objects as dicts, refusing repeated keys and deep nesting."""
    if depth > MAX_DEPTH:
        raise _refused(path, f"JSON nested at most {MAX_DEPTH} deep")
    if isinstance(value, _Members):
        seen: dict[str, Any] = {}
        for key, member in value:
            if key in seen:
                raise _refused((*path, key), "each key once per object")
            seen[key] = _checked(member, (*path, key), depth + 1)
        return seen
    if isinstance(value, _NotANumber):
        raise _refused(path, f"a finite JSON number; {value} is not JSON")
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON has one number type: 24.0 is the integer 24, as JSON Schema says
    if isinstance(value, list):
        return [_checked(item, (*path, i), depth + 1) for i, item in enumerate(value)]
    return value


def _refused(path: tuple[str | int, ...], allowed: str) -> ValidationError:
    field = field_path(path)
    return ValidationError(field, None, allowed, message=f"{field}: refused; allowed: {allowed}")
