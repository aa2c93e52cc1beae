"""The hash chain, as pure functions: what an entry's hash covers, and where a chain breaks.

Each entry's hash is the SHA-256 (lower-case hex) of its canonical form: the UTF-8 bytes of a JSON
object with sorted keys, no whitespace and non-ASCII characters as they are::

    {"action": …, "actor": …, "address": …, "at": "2026-11-25T09:00:00.000000+00:00",
     "child_id": … or null, "outcome": …, "prev_hash": …, "resource": …, "role": …, "seq": 1}

``at`` is written in UTC with microseconds, so the same instant always gives the same text whatever
zone it was given in and however the database hands it back. ``prev_hash`` is the previous entry's
hash (:data:`GENESIS` for the first), so an entry vouches for everything before it.

``seq`` is covered too. Entries are numbered 1, 2, 3, … with no gaps (the service numbers them
itself rather than leaving it to a database sequence, which skips numbers on rollback), so a gap
means an entry was removed, and because the number is in the hash, closing the gap by renumbering
the later entries changes them. An entry's position is therefore part of what it says.

The chain cannot tell that its newest entries were removed: what is left is a shorter, intact
chain. Recording the last hash somewhere else (``audit verify`` prints it) closes that gap.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry: there is nothing before it."""


@dataclass(frozen=True)
class AuditEvent:
    """What happened: who (``actor``, ``role``), did what (``action``, e.g. ``child.read``) to
    what (``resource``, and the child it concerns, if any), from where (``address``: an IP
    address, or ``cli``) and with what ``outcome`` (``allowed``, ``denied``, ``failed``, …)."""

    actor: str
    role: str
    action: str
    resource: str
    child_id: str | None
    address: str
    outcome: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One audit entry as the chain sees it: the event at its place in the chain, and ``hash``,
    the stored hash ("" before sealing)."""

    seq: int
    at: datetime
    event: AuditEvent
    prev_hash: str
    hash: str = ""


@dataclass(frozen=True, slots=True)
class Break:
    """Where a chain first breaks: the entry's number and, in words, what happened there."""

    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class Walk:
    """The result of walking a chain: how many entries were checked (up to and including the
    first broken one), the first break if any, and the hash of the last entry checked."""

    checked: int
    broken: Break | None
    last_hash: str


def canonical(entry: Entry) -> bytes:
    """The bytes an entry's hash is taken over: every field but the hash itself."""
    if entry.at.tzinfo is None:
        raise ValueError("naive datetime: an audit entry's time must carry a time zone")
    fields = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        **asdict(entry.event),
        "prev_hash": entry.prev_hash,
    }
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def entry_hash(entry: Entry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def seal(entry: Entry) -> Entry:
    """The entry with its hash filled in."""
    return replace(entry, hash=entry_hash(entry))


def walk(entries: Iterable[Entry]) -> Walk:
    """Check entries given in ``seq`` order and stop at the first broken one.

    Each entry must carry the next number (a gap: removed), match its own hash (otherwise it was
    changed after it was written) and point at the previous entry's hash (otherwise the previous
    entry was rewritten with a fresh hash, or entries were inserted or reordered).
    """
    checked, seq, prev = 0, 0, GENESIS
    for entry in entries:
        checked += 1
        broken = _first_fault(entry, expected_seq=seq + 1, expected_prev=prev)
        if broken is not None:
            return Walk(checked=checked, broken=broken, last_hash=prev)
        seq, prev = entry.seq, entry.hash
    return Walk(checked=checked, broken=None, last_hash=prev)


def _first_fault(entry: Entry, *, expected_seq: int, expected_prev: str) -> Break | None:
    if entry.seq > expected_seq:
        missing = (
            f"entry {expected_seq} is missing"
            if entry.seq == expected_seq + 1
            else f"entries {expected_seq} to {entry.seq - 1} are missing"
        )
        return Break(expected_seq, f"removed: {missing}")
    if entry.seq < expected_seq:
        return Break(entry.seq, f"misnumbered: entry {expected_seq} was expected here")
    if entry_hash(entry) != entry.hash:
        return Break(entry.seq, "changed: its contents no longer match its hash")
    if entry.prev_hash != expected_prev:
        before = "the start of the log" if expected_seq == 1 else f"entry {expected_seq - 1}"
        return Break(
            entry.seq,
            f"unlinked: it does not point at {before} "
            "(that entry was rewritten, or entries were inserted, removed or reordered)",
        )
    return None
