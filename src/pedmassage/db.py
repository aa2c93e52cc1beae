"""Engine, sessions, the declarative base and the unit of work.

Every use case runs in one transaction (:func:`unit_of_work`): it commits when the use case returns
and rolls back on any error, so nothing partial is ever stored. Services only ``flush``; the edge
that called them owns the transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend.

    SQLite has no time zone type; without this a value read back would be naive and comparisons with
    "now" would silently mix local and UTC time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every timestamp must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> str:
    """Opaque, sortable identifier (ULID). Never derived from anything about the child."""
    from ulid import ULID

    return str(ULID())


def id_column_type() -> String:
    return String(26)


SQLITE_BUSY_TIMEOUT_SECONDS = 10.0
"""How long a SQLite transaction waits for the write lock before the request is answered 503."""


def make_engine(url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine for ``url``. SQLite is set up for a server with several users: foreign keys on,
    WAL (readers never wait for the writer), and every transaction takes the write lock when it
    begins (``BEGIN IMMEDIATE``), waiting at most ``busy_timeout`` seconds for it: two transactions
    that read and then write can then never deadlock on upgrading their locks, which is where
    "database is locked" came from. Past the wait the edge answers 503 with ``Retry-After``."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        writers = _WriterQueue(busy_timeout)
        event.listen(engine, "begin", writers.begin)
        event.listen(engine, "commit", writers.end)
        event.listen(engine, "rollback", writers.end)
        event.listen(engine.pool, "checkin", writers.checked_in)
        return engine
    # hide_parameters: a database error never carries a child's data into a log line.
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin: without this,
    # savepoints and transactional DDL do not work and a failed use case could leave rows behind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class _WriterQueue:
    """The threads of one process take turns for SQLite's one write lock in a queue of their own.

    SQLite's busy handler lets a waiting transaction poll, sleeping up to 100 ms between tries, so
    under many writers some wait far longer than others and past the busy timeout get a 503. A
    lock in the process wakes the next writer as soon as the last one ends; SQLite's own busy
    timeout still covers writers in other processes (the command line, a backup).
    """

    HELD = "pedmassage.sqlite.writer"

    def __init__(self, timeout: float) -> None:
        self.lock = threading.Lock()
        self.timeout = timeout

    def begin(self, connection: Any) -> None:
        if not self.lock.acquire(timeout=self.timeout):
            busy = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", {}, busy)
        connection.info[self.HELD] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end(connection)
            raise

    def end(self, connection: Any) -> None:
        if connection.info.pop(self.HELD, False):
            self.lock.release()

    def checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        """A connection back in the pool never keeps its turn, however its transaction ended."""
        self.end(record)


def is_busy(exc: BaseException) -> bool:
    """True when a database error means "the database is busy, try again shortly" (SQLite's write
    lock not granted within the wait), not a fault."""
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and (
        "database is locked" in text or "database is busy" in text
    )


@cache
def engine_for(url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS) -> Engine:
    return make_engine(url, busy_timeout)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One use case, one transaction: commit on success, roll back on any exception."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


AT_COMMIT = "pedmassage.at_commit"


def at_commit(db: Session, action: Callable[[Session], None]) -> None:
    """Run ``action`` as ``db``'s transaction commits, and only if it does.

    For writes that every request makes to a shared row (the audit log's last entry, a token's
    last use): made at the commit, their locks are held for the commit alone, so requests do not
    queue behind each other for the whole of their work, nor wait on each other in a cycle.
    """
    db.info.setdefault(AT_COMMIT, []).append(action)


@event.listens_for(Session, "before_commit")
def _run_at_commit(db: Session) -> None:
    for action in db.info.pop(AT_COMMIT, ()):
        action(db)


@event.listens_for(Session, "after_rollback")
def _drop_at_commit(db: Session) -> None:
    db.info.pop(AT_COMMIT, None)


def utcnow() -> datetime:
    return datetime.now(UTC)
