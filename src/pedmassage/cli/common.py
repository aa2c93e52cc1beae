"""What every command shares: a unit of work on the configured database, the clock, error exits."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.orm import Session

    from pedmassage.audit.service import AuditEvent

P = ParamSpec("P")
R = TypeVar("R")
Shape = TypeVar("Shape")


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


OPERATOR_AUDITED = "operator_audited"
"""Set in a session's ``info`` by a command that records its own, more precise audit entry."""


@contextmanager
def database() -> Iterator[Session]:
    """One use case, one transaction, on a database that must be migrated to head.

    The machine's operator is audited as such: unless the command recorded its own entry, the
    command itself (its name and, where it names one, the child) is recorded with its work.
    """
    from pedmassage.config import get_settings
    from pedmassage.db import engine_for, unit_of_work
    from pedmassage.migrations import ensure_current

    engine = engine_for(get_settings().database_url)
    ensure_current(engine)
    with unit_of_work(engine) as session:
        yield session
        if not session.info.get(OPERATOR_AUDITED):
            _audit_command(session)


_COMMAND: ContextVar[tuple[str, dict[str, Any]]] = ContextVar(
    "pedmassage_command", default=("command", {})
)
"""The command running now and its arguments, set by :func:`handles_errors`."""


def _audit_command(session: Session) -> None:
    from pedmassage.audit.service import append

    action, params = _COMMAND.get()
    child = params.get("child_id") or params.get("child")
    child_id = child if isinstance(child, str) else None
    event = operator_event(action, f"cli {action}", child_id)
    append(db=session, event=event, at=now())


def now() -> datetime:
    return datetime.now(UTC)


def read_input(path: Path, shape: type[Shape]) -> Shape:
    """A file (or standard input when the path is ``-``) read as ``shape``, as strictly as the
    API reads a request: JSON types are kept (``"150"`` is not a number), a repeated key is
    refused, and every refusal names the field's full path."""
    from pydantic import TypeAdapter

    from pedmassage.inbound import parse_json

    raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    parse_json(raw)
    return TypeAdapter(shape).validate_json(raw, strict=True)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(field: str, message: str) -> None:
    from rich.markup import escape

    console(stderr=True).print(
        f"[bold red]error[/]: {escape(field)}: {escape(message)}", soft_wrap=True
    )
    raise typer.Exit(code=2)


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn domain and input errors into a clear message and exit code 2."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from pydantic import ValidationError as PydanticError
        from sqlalchemy.exc import OperationalError

        from pedmassage.db import is_busy

        group = fn.__module__.rsplit(".", 1)[-1]
        _COMMAND.set((f"{group}.{fn.__name__}"[:60], dict(kwargs)))

        from pedmassage.errors import (
            AccessDeniedError,
            ConflictError,
            DatabaseNotReadyError,
            NotFoundError,
            ValidationError,
        )
        from pedmassage.inbound import field_path

        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            fail(exc.field, f"{exc.value!r} is not allowed; allowed: {exc.allowed}")
        except PydanticError as exc:
            first = exc.errors()[0]
            where = field_path(first["loc"])
            fail(
                where,
                f"{first['msg']} (and {exc.error_count() - 1} more)"
                if exc.error_count() > 1
                else first["msg"],
            )
        except DatabaseNotReadyError as exc:
            fail("database", str(exc))
        except NotFoundError as exc:
            fail("id", str(exc))
        except ConflictError as exc:
            fail(exc.field or "state", str(exc))
        except AccessDeniedError as exc:
            fail(exc.field, str(exc))
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            fail("database", "busy with other writes: nothing was stored; try again in a moment")
        raise AssertionError("unreachable")

    return wrapper


def operator_event(action: str, resource: str, child_id: str | None = None) -> AuditEvent:
    """The audit entry of something the machine's operator did at the command line."""
    import getpass

    from pedmassage.access.roles import OPERATOR
    from pedmassage.audit.service import AuditEvent

    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # an account without a name
        user = "unknown"
    return AuditEvent(
        actor=f"{OPERATOR}:{user}",
        role=OPERATOR,
        action=action,
        resource=resource,
        child_id=child_id,
        address="cli",
        outcome="done",
    )
