"""Reading HTML forms and turning every kind of refusal into a message beside its field.

A form post is read once into :class:`FormInput` (strings only). Pydantic's errors and the domain's
:class:`~pedmassage.errors.ValidationError` both become ``{field: message}``, keyed by the form
field the clinician has to change, so a page can show the message right where the mistake is.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated

import pydantic
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from pedmassage.errors import ValidationError

Errors = dict[str, str]
KeyFn = Callable[[str], str]

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
"""The format ``<input type="datetime-local">`` shows; the pages say it is read as UTC."""


class FormInput:
    """The fields of one form post, as strings, with the few conversions forms need."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def text(self, name: str) -> str:
        values = self._fields.get(name, [])
        return values[0].strip() if values else ""

    def values(self, name: str) -> list[str]:
        return [v.strip() for v in self._fields.get(name, []) if v.strip()]

    def flag(self, name: str) -> bool:
        """A checkbox: browsers send nothing at all when it is unticked."""
        return self.text(name) in ("on", "yes", "true", "1")

    def tristate(self, name: str) -> bool | None:
        """Yes / no / not recorded, where "not recorded" must stay distinct from "no"."""
        return {"yes": True, "no": False}.get(self.text(name))

    def chosen(self, name: str, value: str) -> bool:
        """Whether a checkbox, radio button or option with ``value`` was ticked or selected."""
        return value in self._fields.get(name, [])

    def present(self, names: Iterable[str]) -> dict[str, str]:
        """The non-empty fields among ``names``: an empty box means "use the default" (or, for a
        required field, "missing"), never an empty string that fails with a confusing message."""
        return {name: self.text(name) for name in names if self.text(name)}

    def version(self) -> int | None:
        """The record's version the page was drawn from (its hidden ``version`` field)."""
        from pedmassage.http.versions import parse_version

        given = self.text("version")
        return parse_version(given, "version") if given else None

    def as_dict(self) -> dict[str, list[str]]:
        return dict(self._fields)


async def _read_form(request: Request) -> AsyncIterator[FormInput]:
    async with request.form() as form:
        fields: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(key, []).append(value)
        yield FormInput(fields)


FormDep = Annotated[FormInput, Depends(_read_form)]


def field_key(path: str) -> str:
    """The form field a dotted/indexed error path belongs to: ``regions[0]`` → ``regions``."""
    return re.split(r"[.\[]", path, maxsplit=1)[0] or "form"


def pydantic_errors(exc: pydantic.ValidationError, key: KeyFn = field_key) -> Errors:
    """Pydantic's complaints, first one per field, in the words pydantic uses."""
    errors: Errors = {}
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"])
        errors.setdefault(key(path), _pydantic_message(error["msg"], error.get("input")))
    return errors


def _pydantic_message(message: str, given: object) -> str:
    if message == "Field required":
        return "Required."
    if isinstance(given, str) and given:
        return f"{message} (given: {given})."
    return f"{message}."


def domain_errors(exc: ValidationError, key: KeyFn = field_key) -> Errors:
    """The domain's refusal, naming what would have been accepted."""
    given = "" if exc.value in (None, "") else f" (given: {exc.value})"
    return {key(exc.field): f"Allowed: {exc.allowed}{given}."}


def parse_local_datetime(text: str, field: str) -> datetime:
    """A ``datetime-local`` value read as UTC (the page says so beside the input)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, text, "a date and time, e.g. 2026-11-25T09:30") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_input_value(moment: datetime) -> str:
    """The value a ``datetime-local`` input needs to show ``moment`` in UTC."""
    return moment.astimezone(UTC).strftime(DATETIME_LOCAL)


def discard_refused(request: Request, db: Session) -> None:
    """Nothing of a refused form may be stored: roll the request's work back, and record the
    refused attempt in the audit log again (the rollback took the request's entry with it)."""
    from pedmassage.http.guard import audit_after_rollback

    db.rollback()
    audit_after_rollback(request, db, "refused")
