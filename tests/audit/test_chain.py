"""The hash chain on its own: what an entry's hash covers, and that any change, removal, insertion
or reordering is found at the entry where it happened."""

from __future__ import annotations

import hashlib
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pedmassage.audit.chain import (
    GENESIS,
    AuditEvent,
    Entry,
    canonical,
    entry_hash,
    seal,
    walk,
)

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
EVENT_FIELDS = [f.name for f in fields(AuditEvent)]
HASHED = ["seq", "at", *EVENT_FIELDS, "prev_hash"]


def chain(length: int) -> list[Entry]:
    entries: list[Entry] = []
    for seq in range(1, length + 1):
        entries.append(
            seal(
                Entry(
                    seq=seq,
                    at=AT + timedelta(seconds=seq),
                    event=AuditEvent(
                        actor=f"user{seq % 3}",
                        role="therapist",
                        action="child.read",
                        resource=f"children/{seq}",
                        child_id=None if seq % 2 else f"child{seq}",
                        address="10.0.0.7",
                        outcome="allowed",
                    ),
                    prev_hash=entries[-1].hash if entries else GENESIS,
                )
            )
        )
    return entries


def changed(entry: Entry, name: str) -> Entry:
    if name in EVENT_FIELDS:
        value = getattr(entry.event, name)
        return replace(entry, event=replace(entry.event, **{name: (value or "") + "x"}))
    value = getattr(entry, name)
    if isinstance(value, datetime):
        return replace(entry, **{name: value + timedelta(microseconds=1)})
    if isinstance(value, int):
        return replace(entry, **{name: value + 100})
    return replace(entry, **{name: value + "x"})


def test_the_hash_is_sha256_of_sorted_compact_json_with_the_time_in_utc_microseconds() -> None:
    entry = chain(1)[0]
    expected = (
        '{"action":"child.read","actor":"user1","address":"10.0.0.7",'
        '"at":"2026-11-25T09:00:01.000000+00:00","child_id":null,"outcome":"allowed",'
        f'"prev_hash":"{GENESIS}","resource":"children/1","role":"therapist","seq":1}}'
    )
    assert canonical(entry) == expected.encode()
    assert entry.hash == hashlib.sha256(expected.encode()).hexdigest()


def test_the_same_instant_in_another_time_zone_gives_the_same_hash() -> None:
    entry = chain(1)[0]
    elsewhere = replace(entry, at=entry.at.astimezone(timezone(timedelta(hours=-5))))
    assert entry_hash(elsewhere) == entry.hash


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        entry_hash(replace(chain(1)[0], at=AT.replace(tzinfo=None)))


def test_an_intact_chain_is_walked_to_its_end() -> None:
    entries = chain(5)
    result = walk(entries)
    assert (result.checked, result.broken, result.last_hash) == (5, None, entries[-1].hash)
    assert walk([]).broken is None and walk([]).last_hash == GENESIS


@pytest.mark.parametrize("name", HASHED)
def test_changing_any_field_breaks_the_chain_at_that_entry(name: str) -> None:
    entries = chain(6)
    entries[2] = changed(entries[2], name)
    broken = walk(entries).broken
    assert broken is not None
    assert broken.seq == 3
    assert broken.reason.startswith("removed" if name == "seq" else "changed")


def test_a_changed_hash_breaks_the_chain_at_that_entry() -> None:
    entries = chain(4)
    entries[1] = replace(entries[1], hash="f" * 64)
    broken = walk(entries).broken
    assert broken is not None and (broken.seq, broken.reason[:7]) == (2, "changed")


def test_a_removed_entry_is_named_by_its_number() -> None:
    entries = chain(6)
    del entries[3]
    broken = walk(entries).broken
    assert broken is not None
    assert (broken.seq, broken.reason) == (4, "removed: entry 4 is missing")


def test_removed_entries_are_named_from_the_first() -> None:
    entries = chain(8)
    del entries[2:5]
    broken = walk(entries).broken
    assert broken is not None
    assert (broken.seq, broken.reason) == (3, "removed: entries 3 to 5 are missing")


def test_a_removed_first_entry_is_found() -> None:
    broken = walk(chain(3)[1:]).broken
    assert broken is not None and broken.seq == 1


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_link_to_the_next() -> None:
    entries = chain(5)
    entries[1] = seal(replace(entries[1], event=replace(entries[1].event, actor="someone else")))
    broken = walk(entries).broken
    assert broken is not None
    assert broken.seq == 3 and broken.reason.startswith("unlinked: it does not point at entry 2")


def test_swapped_entries_renumbered_and_resealed_break_the_chain() -> None:
    entries = chain(5)
    second, third = entries[1], entries[2]
    entries[1] = seal(replace(third, seq=2))
    entries[2] = seal(replace(second, seq=3))
    broken = walk(entries).broken
    assert broken is not None and broken.seq == 2 and broken.reason.startswith("unlinked")


@given(
    length=st.integers(min_value=1, max_value=12),
    data=st.data(),
)
def test_a_single_change_anywhere_is_found_exactly_there(length: int, data: st.DataObject) -> None:
    entries = chain(length)
    at = data.draw(st.integers(min_value=0, max_value=length - 1))
    name = data.draw(st.sampled_from([n for n in HASHED if n != "seq"]))
    entries[at] = changed(entries[at], name)
    result = walk(entries)
    assert result.broken is not None
    assert result.broken.seq == at + 1 and result.checked == at + 1
