"""The audit log on real databases: appended entries chain, and tampering with a stored entry
behind the database's back (with its guards switched off) is found at that entry.

On PostgreSQL the test database is shared by the whole run, so entries that other tests kept are
in the chain too; each test names entries by the numbers its own appends returned.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import Session

from pedmassage.audit.chain import seal
from pedmassage.audit.models import AuditEntry
from pedmassage.audit.service import (
    append,
    append_now,
    chain_entry,
    child_history,
    verify,
)
from pedmassage.db import new_id, unit_of_work

from .conftest import event, triggers_off

TAMPERED: dict[str, Any] = {
    "actor": "someone else",
    "role": "administrator",
    "action": "child.write",
    "resource": "children/other",
    "child_id": "01JOTHER000000000000000000",
    "address": "203.0.113.9",
    "outcome": "denied",
    "prev_hash": "e" * 64,
    "hash": "f" * 64,
}


def append_many(db: Session, now: datetime, count: int) -> list[AuditEntry]:
    return [
        append(db=db, event=event(resource=f"children/{n}"), at=now + timedelta(seconds=n))
        for n in range(count)
    ]


def tamper(db: Session, at_seq: int, /, **values: Any) -> None:
    """Change a stored entry behind the session's back: the entries it holds stay as they were
    loaded, and verification must read what the database holds now."""
    table = AuditEntry.__table__
    with triggers_off(db):
        db.execute(update(table).where(table.c.seq == at_seq).values(**values))


def test_the_chain_verifies_after_many_appends(db: Session, now: datetime) -> None:
    before = verify(db=db)
    entries = append_many(db, now, 40)
    result = verify(db=db)
    assert result.ok and result.first_broken_seq is None and result.reason is None
    assert result.entries_checked == before.entries_checked + 40
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 40))
    assert entries[0].prev_hash == before.last_hash
    assert result.last_hash == entries[-1].hash


@pytest.mark.parametrize("field", [*TAMPERED, "at"])
def test_a_changed_field_of_a_stored_entry_is_named(db: Session, now: datetime, field: str) -> None:
    middle = append_many(db, now, 7)[3]
    value = middle.at + timedelta(seconds=1) if field == "at" else TAMPERED[field]
    tamper(db, middle.seq, **{field: value})
    result = verify(db=db)
    assert not result.ok
    assert result.first_broken_seq == middle.seq
    assert result.reason is not None and result.reason.startswith("changed")


def test_a_renumbered_entry_is_found_where_it_was(db: Session, now: datetime) -> None:
    seq = append_many(db, now, 5)[2].seq
    tamper(db, seq, seq=seq + 1000)
    result = verify(db=db)
    assert (result.first_broken_seq, result.reason) == (seq, f"removed: entry {seq} is missing")


def test_a_deleted_middle_entry_is_named(db: Session, now: datetime) -> None:
    middle = append_many(db, now, 7)[3]
    with triggers_off(db):
        db.execute(delete(AuditEntry).where(AuditEntry.seq == middle.seq))
    result = verify(db=db)
    assert not result.ok
    assert (result.first_broken_seq, result.reason) == (
        middle.seq,
        f"removed: entry {middle.seq} is missing",
    )


def test_a_changed_last_entry_is_named(db: Session, now: datetime) -> None:
    last = append_many(db, now, 5)[-1]
    tamper(db, last.seq, outcome="denied")
    result = verify(db=db)
    assert (result.ok, result.first_broken_seq) == (False, last.seq)


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_link_from_the_next(
    db: Session, now: datetime
) -> None:
    entries = append_many(db, now, 5)
    target = entries[1]
    stored = chain_entry(target)
    forged = seal(replace(stored, event=replace(stored.event, actor="someone else")))
    tamper(db, target.seq, actor=forged.event.actor, hash=forged.hash)
    result = verify(db=db)
    assert result.first_broken_seq == entries[2].seq
    assert result.reason is not None and result.reason.startswith("unlinked")


def test_a_childs_history_lists_only_that_child_oldest_first(db: Session, now: datetime) -> None:
    child, other = new_id(), new_id()
    first = append(db=db, event=event(child_id=child), at=now)
    append(db=db, event=event(child_id=other), at=now)
    append(db=db, event=event(child_id=None, action="login"), at=now)
    second = append(db=db, event=event(child_id=child, outcome="denied"), at=now)
    history = child_history(db=db, child_id=child)
    assert [(e.seq, e.outcome) for e in history] == [(first.seq, "allowed"), (second.seq, "denied")]


def test_an_entry_is_written_whatever_was_typed(db: Session, now: datetime) -> None:
    typed = "x\x00" * 300
    entry = append(db=db, event=event(actor=typed, address=typed), at=now)
    db.expire_all()
    stored = db.get(AuditEntry, entry.seq)
    assert stored is not None
    assert stored.actor == "x" * 80 and stored.address == "x" * 64
    assert verify(db=db).ok


def test_an_entry_appended_now_is_kept_when_the_callers_transaction_rolls_back(
    engine: Engine, now: datetime
) -> None:
    child = new_id()
    with pytest.raises(RuntimeError), unit_of_work(engine) as db:
        kept = append_now(engine=engine, event=event(child_id=child, outcome="denied"), at=now)
        append(db=db, event=event(child_id=child, action="child.write"), at=now)
        raise RuntimeError("the request failed")
    with unit_of_work(engine) as db:
        assert [e.seq for e in child_history(db=db, child_id=child)] == [kept.seq]
        assert verify(db=db).ok


def test_appenders_racing_each_other_never_fork_the_chain(engine: Engine, now: datetime) -> None:
    child, errors = new_id(), []

    def appender() -> None:
        try:
            for _ in range(10):
                append_now(engine=engine, event=event(child_id=child), at=now)
        except Exception as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=appender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with unit_of_work(engine) as db:
        assert len(child_history(db=db, child_id=child)) == 40
        assert verify(db=db).ok
