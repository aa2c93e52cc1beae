"""The database itself refuses to change the audit log and signed sessions, whatever program is
talking to it: raw SQL and the ORM are refused alike, on SQLite and on PostgreSQL.

Raw SQL goes around the ORM's own signed-session guard, so a refusal here is the database's.
Each refused statement runs in a savepoint, as PostgreSQL aborts a transaction on any error.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pedmassage.audit.models import AuditEntry
from pedmassage.audit.service import append

from .conftest import documented_session, event

AUDIT = "append-only"
SIGNED = "A signed session never changes"
ADDENDA = "An addendum is never changed"


def refused(db: Session, sql: str, message: str, **params: object) -> None:
    with pytest.raises(DBAPIError, match=message), db.begin_nested():
        db.execute(text(sql), params)


def changes(db: Session, sql: str, **params: object) -> int:
    with db.begin_nested():
        return db.execute(text(sql), params).rowcount


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET outcome = 'denied' WHERE seq = :seq",
        "UPDATE audit_log SET hash = hash WHERE seq = :seq",
        "DELETE FROM audit_log WHERE seq = :seq",
        "DELETE FROM audit_log",
    ],
)
def test_sql_cannot_change_or_remove_an_audit_entry(db: Session, now: datetime, sql: str) -> None:
    entry = append(db=db, event=event(), at=now)
    refused(db, sql, AUDIT, seq=entry.seq)


def test_the_orm_cannot_change_or_remove_an_audit_entry(db: Session, now: datetime) -> None:
    entry = append(db=db, event=event(), at=now)
    with pytest.raises(DBAPIError, match=AUDIT), db.begin_nested():
        entry.outcome = "denied"
        db.flush()
    db.expire_all()
    with pytest.raises(DBAPIError, match=AUDIT), db.begin_nested():
        db.delete(entry)
        db.flush()
    with pytest.raises(DBAPIError, match=AUDIT), db.begin_nested():
        db.execute(update(AuditEntry).where(AuditEntry.seq == entry.seq).values(actor="x"))
    with pytest.raises(DBAPIError, match=AUDIT), db.begin_nested():
        db.execute(delete(AuditEntry).where(AuditEntry.seq == entry.seq))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE massage_sessions SET pressure = 4 WHERE id = :id",
        "UPDATE massage_sessions SET signed_by = 'Dr Anyone' WHERE id = :id",
        "UPDATE massage_sessions SET status = 'draft' WHERE id = :id",
        "DELETE FROM massage_sessions WHERE id = :id",
    ],
)
def test_a_signed_session_row_cannot_be_changed_or_removed(
    db: Session, now: datetime, sql: str
) -> None:
    signed = documented_session(db, now, signed=True)
    refused(db, sql, SIGNED, id=signed.session_id)


def test_a_signed_sessions_measures_cannot_be_changed_removed_or_added(
    db: Session, now: datetime
) -> None:
    signed = documented_session(db, now, signed=True)
    refused(
        db, "UPDATE session_measures SET total = 0 WHERE id = :id", SIGNED, id=signed.measure_id
    )
    refused(db, "DELETE FROM session_measures WHERE id = :id", SIGNED, id=signed.measure_id)
    refused(
        db,
        "INSERT INTO session_measures (id, session_id, timepoint, instrument_id, "
        "instrument_version, items, total) VALUES ('01JNEWMEASURE0000000000000', :session, "
        "'post', 'nrs_11', '1', '{}', 0)",
        SIGNED,
        session=signed.session_id,
    )


def test_a_signed_sessions_adverse_events_cannot_be_changed_removed_or_added(
    db: Session, now: datetime
) -> None:
    signed = documented_session(db, now, signed=True)
    event_id = signed.adverse_event_id
    refused(db, "UPDATE adverse_events SET severity = 'severe' WHERE id = :id", SIGNED, id=event_id)
    refused(db, "DELETE FROM adverse_events WHERE id = :id", SIGNED, id=event_id)
    refused(
        db,
        "INSERT INTO adverse_events (id, session_id, occurred_at, description, severity, "
        "action_taken, recorded_by) SELECT '01JNEWEVENT000000000000000', session_id, "
        "occurred_at, 'added later', 'mild', 'none', 'someone' FROM adverse_events WHERE id = :id",
        SIGNED,
        id=event_id,
    )


def test_addenda_can_be_added_but_never_changed_or_removed(db: Session, now: datetime) -> None:
    signed = documented_session(db, now, signed=True)
    addendum = signed.addendum_id
    refused(
        db, "UPDATE session_addenda SET text = 'rewritten' WHERE id = :id", ADDENDA, id=addendum
    )
    refused(db, "DELETE FROM session_addenda WHERE id = :id", ADDENDA, id=addendum)
    added = changes(
        db,
        "INSERT INTO session_addenda (id, session_id, author, written_at, text) "
        "SELECT '01JNEWADDENDUM000000000000', session_id, 'J. Lindqvist', written_at, "
        "'A second note.' FROM session_addenda WHERE id = :id",
        id=addendum,
    )
    assert added == 1


def test_an_unsigned_sessions_rows_can_still_change(db: Session, now: datetime) -> None:
    draft = documented_session(db, now, signed=False)
    ids = {
        "session": draft.session_id,
        "measure": draft.measure_id,
        "event": draft.adverse_event_id,
    }
    statements = [
        "UPDATE massage_sessions SET note = 'corrected before signing' WHERE id = :session",
        "UPDATE session_measures SET total = 5 WHERE id = :measure",
        "UPDATE adverse_events SET severity = 'moderate' WHERE id = :event",
        "INSERT INTO adverse_events (id, session_id, occurred_at, description, severity, "
        "action_taken, recorded_by) SELECT '01JNEWEVENT000000000000000', session_id, "
        "occurred_at, 'noticed later', 'mild', 'none', 'P. Sharma' FROM adverse_events "
        "WHERE id = :event",
        "DELETE FROM session_measures WHERE id = :measure",
        "DELETE FROM massage_sessions WHERE id = :session",
    ]
    for sql in statements:
        assert changes(db, sql, **ids) == 1, sql


def test_a_row_cannot_be_moved_onto_a_signed_session(db: Session, now: datetime) -> None:
    signed = documented_session(db, now, signed=True)
    draft = documented_session(db, now, signed=False)
    refused(
        db,
        "UPDATE adverse_events SET session_id = :signed WHERE id = :id",
        SIGNED,
        signed=signed.session_id,
        id=draft.adverse_event_id,
    )
    refused(
        db,
        "UPDATE session_measures SET session_id = :signed WHERE id = :id",
        SIGNED,
        signed=signed.session_id,
        id=draft.measure_id,
    )


@pytest.mark.parametrize(
    "table", ["audit_log", "session_addenda", "session_measures", "adverse_events"]
)
def test_guarded_tables_cannot_be_truncated(db: Session, now: datetime, table: str) -> None:
    if db.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused row by row")
    append(db=db, event=event(), at=now)
    documented_session(db, now, signed=True)
    with pytest.raises(DBAPIError), db.begin_nested():
        db.execute(text(f"TRUNCATE {table} CASCADE"))
