"""The domain exception tree.

Domain code raises these; each edge translates them once, in one handler: the API into a 422
(or 403/404/409) naming the field, the CLI into a message with exit code 2, the web app into a form
error beside the field or an error page.
"""

from __future__ import annotations

import math


class PedmassageError(Exception):
    """Base of every error the domain raises on purpose."""


class ValidationError(PedmassageError):
    """An input value is outside what the domain allows.

    ``field`` names the input (dotted path), ``value`` is what was given and ``allowed`` says, in
    words a clinician can act on, what would have been accepted.
    """

    def __init__(self, field: str, value: object, allowed: str, message: str | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.message = message or f"{field}: {value!r} is not allowed; allowed: {allowed}"
        super().__init__(self.message)

    def within(self, parent: str) -> ValidationError:
        """The same refusal for a field nested in ``parent`` (``items.face`` in ``pre``)."""
        field = f"{parent}.{self.field}"
        message = self.message.replace(self.field, field, 1)
        return ValidationError(field, self.value, self.allowed, message=message)

    def as_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "value": jsonable(self.value),
            "allowed": self.allowed,
            "message": self.message,
        }


class NotFoundError(PedmassageError):
    """A record asked for by id does not exist (ids are opaque; no name is ever echoed)."""

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident} not found")


class ConflictError(PedmassageError):
    """The request is well formed but the record's state forbids it (e.g. a session on a hold)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class StaleVersionError(ConflictError):
    """A change rested on an older version of the record than the stored one.

    Someone else changed it in between (another tablet, a colleague): the change is refused, never
    merged, and the message says what the record is now, so the person can read it and decide.
    """

    def __init__(self, kind: str, seen: int, current: int, now: str) -> None:
        super().__init__(
            f"this {kind} was changed since you read it (you had version {seen}, it is now "
            f"version {current}: {now}); read it again and redo your change if it still applies",
            field="If-Match",
        )
        self.seen = seen
        self.current = current

    @classmethod
    def check(cls, kind: str, current: int, seen: int | None, now: str) -> None:
        """Refuse when ``seen`` (the version the change rests on) is not ``current``; a change
        that names no version rests on whatever is stored, as before versions existed."""
        if seen is not None and seen != current:
            raise cls(kind, seen, current, now)


class IllegalTransitionError(ConflictError):
    """A session's state does not allow this action (the lifecycle names the states that do)."""

    def __init__(self, action: str, state: str, allowed_from: list[str]) -> None:
        hint = "; ".join(allowed_from) or "no state"
        super().__init__(
            f"cannot {action.replace('_', ' ')} a session that is {state.replace('_', ' ')} "
            f"(allowed from: {hint})",
            field="status",
        )
        self.action = action
        self.state = state


class AccessDeniedError(PedmassageError):
    """The person asking may not do this to this child's record (not their guardian, not on
    their care team).

    The message never says whether the child exists or who is linked to them.
    """

    field = "viewer"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class AuthenticationRequiredError(PedmassageError):
    """The request carries no valid login or token: who is asking must be known first (the API
    answers 401, the web app sends the person to the login page)."""

    field = "authorization"

    def __init__(self, message: str = "Log in first: this needs to know who is asking.") -> None:
        self.message = message
        super().__init__(message)


class StorageBusyError(PedmassageError):
    """The database is busy with other writes and did not take this one in time; nothing was
    stored, and the same request may be sent again shortly (503 with ``Retry-After``)."""

    field = "database"
    retry_after_seconds = 2

    def __init__(self) -> None:
        super().__init__("The database is busy: nothing was stored; try again in a moment.")


class DatabaseNotReadyError(PedmassageError):
    """The database schema is missing or behind the code; the message names the fixing command."""


class KnowledgeDataError(PedmassageError):
    """A shipped clinical data file (rules, instruments, protocols) is malformed."""


def jsonable(value: object) -> object:
    """A value safe to put in a JSON error body (NaN and infinities are not JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
