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
from typing import TYPE_CHECKING, Any, Literal, NoReturn, ParamSpec, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy.orm import Session

    from pedmassage.audit.service import AuditEvent
    from pedmassage.sessions.service import Witness

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


def read_input(path: Path, shape: type[Shape], option: str = "--file") -> Shape:
    """A file (or standard input when the path is ``-``) read as ``shape``, as strictly as the
    API reads a request: JSON types are kept (``"150"`` is not a number), a repeated key is
    refused, and every refusal names the field's full path.

    ``option`` is how the command names the file (``--file``, ``--input``, ``FILE``), so a file
    that cannot be read is refused in the words the person typed, with exit code 2."""
    from pydantic import TypeAdapter

    from pedmassage.inbound import parse_json

    raw = sys.stdin.buffer.read() if str(path) == "-" else read_bytes(path, option)
    parse_json(raw)
    return TypeAdapter(shape).validate_json(raw, strict=True)


def read_bytes(path: Path, option: str) -> bytes:
    """The file's bytes, or exit 2 naming the option and the path: a mistyped path is the most
    common slip at a terminal and deserves one line, not a traceback."""
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(option, f"cannot read {path}: {exc.strerror or exc}")
    raise AssertionError("unreachable")


def read_text(path: Path, option: str) -> str:
    """The file as UTF-8 text, or exit 2 naming the option, the path and why."""
    data = read_bytes(path, option)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(option, f"cannot read {path}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    raise AssertionError("unreachable")


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(field: str, message: str) -> NoReturn:
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


IdKind = Literal["child", "session", "screening"]
MIN_PREFIX = 4
"""The shortest prefix of an id looked up: fewer characters match too much to be worth reading."""
SHOWN_MATCHES = 10


def resolve_id(
    db: Session, kind: IdKind, given: str, option: str, *, unknown_ok: bool = False
) -> str:
    """The whole id of a child, session or screening given whole or as an unambiguous prefix.

    Ids are 26 characters, too long to type at the bedside, so a command takes the first few
    (at least :data:`MIN_PREFIX`, in any case). A whole id is looked up first and costs one read;
    only a miss is matched as a prefix. An ambiguous prefix exits 2 listing the ids it matches,
    an unknown one exits 2 naming ``option``. A resolved child becomes the child the command's
    audit entry names, so the log always holds whole ids.

    ``unknown_ok`` keeps an id that matches nothing as given, for a command whose contract
    answers an unknown id with an empty result (the audit log outlives what it names).
    """
    from pedmassage.errors import NotFoundError

    text = given.strip()
    try:
        _exact(db, kind, text)
        found = text
    except NotFoundError:
        found = _by_prefix(db, kind, text, option, unknown_ok=unknown_ok)
    if kind == "child":
        action, params = _COMMAND.get()
        _COMMAND.set((action, {**params, "child_id": found}))
    return found


def _exact(db: Session, kind: IdKind, ident: str) -> None:
    """Raise :class:`~pedmassage.errors.NotFoundError` unless ``ident`` is a stored whole id."""
    if kind == "child":
        from pedmassage.children.service import child_site

        child_site(db=db, child_id=ident)
    elif kind == "session":
        from pedmassage.sessions.service import get_session

        get_session(db=db, session_id=ident)
    else:
        from pedmassage.screenings.service import get_screening

        get_screening(db=db, screening_id=ident)


def _by_prefix(db: Session, kind: IdKind, prefix: str, option: str, *, unknown_ok: bool) -> str:
    if unknown_ok and len(prefix) < MIN_PREFIX:
        return prefix
    if len(prefix) < MIN_PREFIX:
        fail(option, f"no {kind} has the id {prefix!r} (give the whole id or at least "
             f"{MIN_PREFIX} of its first characters)")  # fmt: skip
    matches = _ids_starting(db, kind, prefix)
    if not matches:
        if unknown_ok:
            return prefix
        fail(option, f"no {kind} has an id starting {prefix!r}")
    if len(matches) > 1:
        shown = ", ".join(matches[:SHOWN_MATCHES])
        more = " and more" if len(matches) > SHOWN_MATCHES else ""
        fail(option, f"{prefix!r} starts {len(matches)} {kind} ids: {shown}{more}; give more "
             "characters")  # fmt: skip
    return matches[0]


def _ids_starting(db: Session, kind: IdKind, prefix: str) -> list[str]:
    """The stored ids of ``kind`` starting with ``prefix``, one more than are shown at most."""
    limit = SHOWN_MATCHES + 1
    if kind == "child":
        from pedmassage.children.service import child_ids_starting

        return child_ids_starting(db=db, prefix=prefix, limit=limit)
    if kind == "session":
        from pedmassage.sessions.service import session_ids_starting

        return session_ids_starting(db=db, prefix=prefix, limit=limit)
    from pedmassage.screenings.service import screening_ids_starting

    return screening_ids_starting(db=db, prefix=prefix, limit=limit)


def resolve_ward(db: Session, given: str) -> str:
    """The stored name of a ward given in any case (``nicu`` is ``NICU``).

    A name that is no ward exits 2 listing the wards there are, instead of printing an empty
    table that looks like a ward with nobody on it.
    """
    from pedmassage.children.service import wards
    from pedmassage.sites.service import list_sites

    known = wards(db=db, site_ids=frozenset(s.id for s in list_sites(db=db)))
    if given in known:
        return given
    same = [w for w in known if w.casefold() == given.strip().casefold()]
    if len(same) == 1:
        return same[0]
    allowed = ", ".join(same or known) or "none yet (no child has a ward)"
    fail("--ward", f"{given!r} is not a ward; wards: {allowed}")


ID_WIDTH = 26
"""Every id is a 26-character ULID."""


def fitted_table(
    *columns: str,
    ids: tuple[str, ...] = ("id",),
    id_width: int = ID_WIDTH,
    whole: tuple[str, ...] = (),
    title: str | None = None,
    ruled: bool = False,
) -> Table:
    """A Rich table that fits the terminal's width (Rich reads ``COLUMNS``).

    The id columns are printed whole, never wrapped or cut, because the next command needs the
    id (``id_width`` reserves their width: a shrinking table never takes it back); ``whole``
    columns are short values best kept on one line. Every other column folds onto more lines
    instead of being cut short with an ellipsis. A ``ruled`` table keeps Rich's cell borders,
    for output that scripts already split on ``│``; the others spend no width on borders.
    """
    from rich import box
    from rich.table import Table

    table = (
        Table(title=title)
        if ruled
        else Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, title=title)
    )
    for column in columns:
        if column in ids:
            table.add_column(column, no_wrap=True, min_width=id_width)
        elif column in whole:
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, overflow="fold")
    return table


CHILD_ID_HELP = "Child id, or its first characters (at least 4)."
SESSION_ID_HELP = "Session id, or its first characters (at least 4)."
SCREENING_ID_HELP = "Screening id (whole)."


def operator_witness() -> Witness:
    """The machine's operator as the witness of a session started at the command line (the
    audit entry of a reading gone without)."""
    from pedmassage.sessions.service import Witness

    event = operator_event("session.start", "cli")
    return Witness(name=event.actor, role=event.role, address=event.address)
