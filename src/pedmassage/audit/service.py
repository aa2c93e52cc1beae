"""Appending to the audit log, checking its chain, and reading who touched a child's record.

Like every service, :func:`append` only flushes: an entry about a request is kept or dropped with
the request. :func:`append_now` is the exception, on purpose: a refusal or a failed login rolls the
request back, and the record that it happened must stay.

Two transactions appending at once must never chain to the same previous entry, or the log would
fork. :func:`append` therefore holds the log before it reads the last entry, until its transaction
ends (see :func:`_hold_the_log`); the unique ``prev_hash`` and ``seq`` are the last line of defence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, String, select, text
from sqlalchemy.orm import Session

from pedmassage.audit.chain import GENESIS, AuditEvent, Entry, seal, walk
from pedmassage.audit.models import AuditEntry
from pedmassage.db import at_commit, unit_of_work

__all__ = [
    "AUDIT_LOCK_KEY",
    "AuditEvent",
    "AuditVerification",
    "append",
    "append_now",
    "chain_entry",
    "child_history",
    "verify",
]

AUDIT_LOCK_KEY = 0x7065646D61737361
"""The PostgreSQL advisory lock appenders queue on (the ASCII bytes of "pedmassa")."""
EVENT_FIELDS = [f.name for f in fields(AuditEvent)]


@dataclass(frozen=True)
class AuditVerification:
    """The answer of :func:`verify`. ``entries_checked`` counts up to and including the first
    broken entry; ``last_hash`` is the hash of the last intact entry (record it elsewhere to notice
    if the newest entries are ever removed)."""

    ok: bool
    entries_checked: int
    first_broken_seq: int | None
    reason: str | None
    last_hash: str


def append(*, db: Session, event: AuditEvent, at: datetime) -> AuditEntry:
    """Add the next entry, chained to the last one, and flush it."""
    _hold_the_log(db)
    last = db.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq, last.hash) if last is not None else (0, GENESIS)
    sealed = seal(Entry(seq=seq + 1, at=at, event=_fitted(event), prev_hash=prev_hash))
    entry = AuditEntry(
        seq=sealed.seq,
        at=sealed.at,
        **asdict(sealed.event),
        prev_hash=sealed.prev_hash,
        hash=sealed.hash,
    )
    db.add(entry)
    db.flush()
    return entry


def append_at_commit(*, db: Session, event: AuditEvent, at: datetime) -> None:
    """Add the entry as the caller's transaction commits, and only if it does.

    On PostgreSQL the log is held (its advisory lock) from the append to the commit; appending at
    the commit holds it for the commit alone, so requests audited at their start still run side
    by side instead of one after another.
    """
    at_commit(db, lambda session: _appended(session, event, at))


def _appended(db: Session, event: AuditEvent, at: datetime) -> None:
    append(db=db, event=event, at=at)


def append_now(*, engine: Engine, event: AuditEvent, at: datetime) -> AuditEntry:
    """Add the entry in a short transaction of its own, kept whatever the caller's does.

    Call it when the caller's transaction has ended, or before it has written: on SQLite a
    transaction that has written holds the one write lock, and on PostgreSQL one that has appended
    holds the log, so this would wait for a transaction that is waiting for it.
    """
    with unit_of_work(engine) as db:
        return append(db=db, event=event, at=at)


def verify(*, db: Session) -> AuditVerification:
    """Walk the whole log in order and report the first broken entry, if any."""
    # Plain rows, not ORM objects: an entry already in the session would be handed back as it
    # was loaded, hiding what the database holds now.
    columns = AuditEntry.__table__.columns
    rows = db.execute(select(*columns).order_by(columns.seq)).yield_per(1000)
    result = walk(chain_entry(row) for row in rows)
    broken = result.broken
    return AuditVerification(
        ok=broken is None,
        entries_checked=result.checked,
        first_broken_seq=None if broken is None else broken.seq,
        reason=None if broken is None else broken.reason,
        last_hash=result.last_hash,
    )


def chain_entry(row: AuditEntry | Row[Any]) -> Entry:
    """A stored entry (an object or a row) as the chain sees it."""
    event = AuditEvent(**{name: getattr(row, name) for name in EVENT_FIELDS})
    return Entry(seq=row.seq, at=row.at, event=event, prev_hash=row.prev_hash, hash=row.hash)


def child_history(*, db: Session, child_id: str) -> list[AuditEntry]:
    """Every entry about a child (who read or wrote their record, and how it went), oldest first."""
    query = select(AuditEntry).where(AuditEntry.child_id == child_id).order_by(AuditEntry.seq)
    return list(db.scalars(query))


def _hold_the_log(db: Session) -> None:
    """Make this transaction the only appender until it ends, before it reads the last entry.

    PostgreSQL: a transaction-scoped advisory lock on :data:`AUDIT_LOCK_KEY`. A second appender
    waits for it and then, under READ COMMITTED (the default), reads the entry the first one added.
    SQLite: a database has one writer at a time, and a transaction cannot write once another has
    committed since it started reading. Inserting no rows takes that write lock now, so a second
    appender waits (the busy timeout) before reading the last entry rather than reading it, being
    refused at its insert, and losing the entry.
    """
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    elif dialect == "sqlite":
        db.execute(text("INSERT INTO audit_log (seq) SELECT NULL WHERE 0"))


def _fitted(event: AuditEvent) -> AuditEvent:
    """The event with each field cut to its column and without NUL characters (PostgreSQL refuses
    them).

    Some fields come from outside (the username of a failed login): the entry must be written
    whatever was typed, and the hash covers exactly what is stored.
    """
    fitted: dict[str, Any] = {name: _fit(name, value) for name, value in asdict(event).items()}
    return replace(event, **fitted)


def _fit(column: str, value: str | None) -> str | None:
    if value is None:
        return None
    column_type = AuditEntry.__table__.c[column].type
    length = column_type.length if isinstance(column_type, String) else None
    return value.replace("\x00", "")[:length]
