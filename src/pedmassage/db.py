"""Engine, sessions, the declarative base and the unit of work.

Every use case runs in one transaction (:func:`unit_of_work`): it commits when the use case returns
and rolls back on any error, so nothing partial is ever stored. Services only ``flush``; the edge
that called them owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event
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
        event.listen(engine, "begin", _sqlite_begin)
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


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_busy(exc: BaseException) -> bool:
    """True when a database error means "the database is busy, try again shortly" (SQLite's write
    lock not granted within the wait), not a fault."""
    from sqlalchemy.exc import OperationalError

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


def utcnow() -> datetime:
    return datetime.now(UTC)
