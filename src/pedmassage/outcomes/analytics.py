"""The analytics snapshot: the registry's outcome facts as Parquet files, kept current.

A program report reads every session of a registry (millions of rows) to count, sum and rank
changes. A row store answers that slowly; a columnar engine over a column file answers it in a
fraction of the time (``bench/program_report.py`` measures both). So the report runs on DuckDB,
in process, over a snapshot of the facts it needs, and the snapshot is rebuilt whenever the records
it was made from have changed:

* ``sessions.parquet``: one row per session: child, site, status, how it ended and why, who gave
  it, the setting it was given in, when it started, the developmental stage on that day, the
  before and after totals of its pain or distress measure (after minus before is the change) and
  its number of adverse events;
* ``conditions.parquet``: each child's condition codes (a child counts under each of them);
* ``reasons.parquet``: one row per reason of every screening (rule, its decision), by site and
  time, for the holds and modifications by reason.

A snapshot is named by a fingerprint of the records (row counts, the latest change times and the
sum of record versions), so a report always reads facts as current as the database it was asked
of: a new session, a late adverse event or a new screening changes the fingerprint and the next
report rebuilds. A snapshot is written to a temporary folder and renamed into place, so a reader
never sees half of one, and two builders racing produce the same folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased

from pedmassage.children.models import Child, ChildCondition
from pedmassage.development import GestationalAge, age_profile, stage_for
from pedmassage.screenings.models import Screening
from pedmassage.sessions.models import AdverseEvent, SessionMeasure, SessionRecord

SNAPSHOT_FORMAT = 3
"""Bumped whenever the files' columns change, so an old snapshot is never read as a new one."""
KEEP_SNAPSHOTS = 2
BATCH = 50_000


@dataclass(frozen=True)
class Snapshot:
    """A complete set of fact files and what they were made from."""

    folder: Path
    fingerprint: str
    built_at: datetime
    sessions: int
    build_seconds: float = 0.0
    current: bool = True
    """False: the records have changed since; a newer snapshot is being built."""

    @property
    def sessions_file(self) -> Path:
        return self.folder / "sessions.parquet"

    @property
    def conditions_file(self) -> Path:
        return self.folder / "conditions.parquet"

    @property
    def reasons_file(self) -> Path:
        return self.folder / "reasons.parquet"


SYNC_BUILD_SECONDS = 10.0
"""A rebuild that took longer than this last time runs in the background while a report reads
the latest snapshot (marked not current, with its time): a dashboard must not hang for a minute
after every new session of a large registry."""

_BUILDING: set[Path] = set()
_BUILDING_LOCK = threading.Lock()


def ensure_current(*, db: Session, folder: Path, now: datetime) -> Snapshot:
    """The snapshot of the records as they are now, built first if the records have changed."""
    fingerprint = records_fingerprint(db)
    target = folder / fingerprint
    if (target / "manifest.json").exists():
        return _read_manifest(target)
    return _build(db, folder, fingerprint, now)


def current_or_latest(*, db: Session, folder: Path, now: datetime) -> Snapshot:
    """The current snapshot; or, when the records changed and the last build was slow, the
    latest snapshot (``current`` False) while the current one is built in the background."""
    fingerprint = records_fingerprint(db)
    target = folder / fingerprint
    if (target / "manifest.json").exists():
        return _read_manifest(target)
    latest = _latest(folder)
    if latest is None or latest.build_seconds <= SYNC_BUILD_SECONDS:
        return _build(db, folder, fingerprint, now)
    _build_in_background(db.get_bind(), folder, target, now)
    return replace(latest, current=False)


def _latest(folder: Path) -> Snapshot | None:
    if not folder.exists():
        return None
    found = [
        _read_manifest(p) for p in folder.iterdir() if p.is_dir() and (p / "manifest.json").exists()
    ]
    return max(found, key=lambda s: s.built_at, default=None)


def _build_in_background(bind: Any, folder: Path, target: Path, now: datetime) -> None:
    """One builder per snapshot folder at a time, on a connection of its own."""
    with _BUILDING_LOCK:
        if folder in _BUILDING:
            return
        _BUILDING.add(folder)

    def run() -> None:
        try:
            with Session(bind=bind) as db:
                ensure_current(db=db, folder=folder, now=now)
        finally:
            with _BUILDING_LOCK:
                _BUILDING.discard(folder)

    threading.Thread(target=run, name=f"analytics-{target.name}", daemon=True).start()


def _build(db: Session, folder: Path, fingerprint: str, now: datetime) -> Snapshot:
    target = folder / fingerprint
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    building = folder / f".building-{uuid.uuid4().hex}"
    building.mkdir()
    try:
        numbers: dict[str, int] = {}
        count = _write_sessions(db, building / "sessions.parquet", numbers)
        _write_conditions(db, building / "conditions.parquet", numbers)
        _write_reasons(db, building / "reasons.parquet")
        (building / "manifest.json").write_text(
            json.dumps(
                {
                    "format": SNAPSHOT_FORMAT,
                    "fingerprint": fingerprint,
                    "built_at": now.isoformat(),
                    "sessions": count,
                    "build_seconds": time.perf_counter() - started,
                }
            ),
            encoding="utf-8",
        )
        try:
            os.rename(building, target)
        except OSError:  # another builder won the race with the same facts
            shutil.rmtree(building, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _prune(folder, keep=target)
    return _read_manifest(target)


def records_fingerprint(db: Session) -> str:
    """A digest that changes whenever a fact in the snapshot could have changed.

    Each aggregate is its own query so the database answers it from one index (a count, a
    maximum, the sum of the session versions every change bumps) rather than scanning the
    tables: at two million sessions the check takes a fraction of a second, not seconds.
    """
    parts: list[Any] = [
        select(func.count()).select_from(SessionRecord),
        select(func.max(SessionRecord.created_at)),
        select(func.sum(SessionRecord.version)),
        select(func.count()).select_from(SessionMeasure),
        select(func.max(SessionMeasure.taken_at)),
        select(func.count()).select_from(AdverseEvent),
        select(func.max(AdverseEvent.occurred_at)),
        select(func.count()).select_from(Screening),
        select(func.max(Screening.assessed_at)),
        select(func.count(), func.sum(Child.version)).select_from(Child),
        select(func.count()).select_from(ChildCondition),
    ]
    values: list[Any] = [SNAPSHOT_FORMAT]
    for part in parts:
        values.extend(db.execute(part).one())
    text_form = json.dumps([str(v) for v in values])
    return hashlib.sha256(text_form.encode()).hexdigest()[:24]


def _read_manifest(folder: Path) -> Snapshot:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return Snapshot(
        folder=folder,
        fingerprint=str(data["fingerprint"]),
        built_at=datetime.fromisoformat(data["built_at"]),
        sessions=int(data["sessions"]),
        build_seconds=float(data.get("build_seconds", 0.0)),
    )


def _prune(folder: Path, *, keep: Path) -> None:
    """Drop older snapshots, keeping the newest few a report may still be reading."""
    snapshots = sorted(
        (p for p in folder.iterdir() if p.is_dir() and (p / "manifest.json").exists()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in snapshots[KEEP_SNAPSHOTS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


SESSION_SCHEMA = pa.schema(
    [
        ("child_id", pa.int32()),
        ("site_id", pa.string()),
        ("status", pa.string()),
        ("ended_early", pa.bool_()),
        ("end_reason", pa.string()),
        ("deliverer", pa.string()),
        ("setting", pa.string()),
        ("started_at", pa.timestamp("us")),  # UTC, naive: week arithmetic without time zones
        ("stage", pa.string()),
        ("instrument_id", pa.string()),
        ("pre", pa.float64()),
        ("post", pa.float64()),
        ("adverse_events", pa.int32()),
    ]
)


def _write_sessions(db: Session, path: Path, numbers: dict[str, int]) -> int:
    """Every started session with its measure, stage, setting and adverse events.

    Children are numbered in the snapshot (``numbers``: id → number): the report counts and groups
    by child millions of times, and a small integer costs a fraction of a 26-character id. The
    numbers mean nothing outside one snapshot and are never shown.
    """
    pre = aliased(SessionMeasure)
    post = aliased(SessionMeasure)
    events = (
        select(AdverseEvent.session_id, func.count().label("n"))
        .group_by(AdverseEvent.session_id)
        .subquery()
    )
    query = (
        select(
            SessionRecord.child_id,
            SessionRecord.site_id,
            SessionRecord.status,
            SessionRecord.ended_early,
            SessionRecord.end_reason,
            SessionRecord.deliverer,
            Screening.input["setting"].as_string(),
            SessionRecord.started_at,
            Child.birth_date,
            Child.ga_weeks,
            Child.ga_days,
            pre.instrument_id,
            pre.total,
            post.total,
            func.coalesce(events.c.n, 0),
        )
        .join(Child, Child.id == SessionRecord.child_id)
        .join(Screening, Screening.id == SessionRecord.screening_id)
        .outerjoin(pre, (pre.session_id == SessionRecord.id) & (pre.timepoint == "pre"))
        .outerjoin(post, (post.session_id == SessionRecord.id) & (post.timepoint == "post"))
        .outerjoin(events, events.c.session_id == SessionRecord.id)
        .where(SessionRecord.started_at.is_not(None))
        .order_by(SessionRecord.site_id, SessionRecord.started_at, SessionRecord.id)
    )
    count = 0
    with pq.ParquetWriter(path, SESSION_SCHEMA, compression="zstd") as writer:
        for rows in _batches(db, query):
            writer.write_table(_session_table(rows, numbers))
            count += len(rows)
        if count == 0:
            writer.write_table(SESSION_SCHEMA.empty_table())
    return count


def _session_table(rows: list[Any], numbers: dict[str, int]) -> pa.Table:
    columns: list[list[Any]] = [[] for _ in SESSION_SCHEMA]
    for row in rows:
        (child, site, status, early, reason, deliverer, setting, started,
         born, ga_weeks, ga_days, instrument, pre, post, events) = row  # fmt: skip
        number = numbers.setdefault(child, len(numbers))
        values = (
            number, site, status, bool(early), reason or "", deliverer, setting, _naive(started),
            stage_on(born, ga_weeks * 7 + ga_days, started.date()), instrument, pre, post,
            int(events),
        )  # fmt: skip
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, SESSION_SCHEMA, strict=True)],
        schema=SESSION_SCHEMA,
    )


@lru_cache(maxsize=65_536)
def stage_on(birth_date: date, ga_days: int, on: date) -> str:
    """The child's developmental stage on the day of a session (``development.stage_for``)."""
    ga = GestationalAge(ga_days // 7, ga_days % 7)
    return stage_for(age_profile(birth_date, ga, max(on, birth_date))).id


def _write_conditions(db: Session, path: Path, numbers: dict[str, int]) -> None:
    """Each numbered child's condition codes (children without a session are not reported)."""
    schema = pa.schema([("child_id", pa.int32()), ("code", pa.string())])
    query = select(ChildCondition.child_id, ChildCondition.code).distinct()
    rows = [(numbers[child], code) for child, code in db.execute(query) if child in numbers]
    table = pa.Table.from_arrays(
        [pa.array([r[0] for r in rows], pa.int32()), pa.array([r[1] for r in rows], pa.string())],
        schema=schema,
    )
    pq.write_table(table, path, compression="zstd")


REASON_SCHEMA = pa.schema(
    [
        ("site_id", pa.string()),
        ("assessed_at", pa.timestamp("us")),  # UTC, naive
        ("decision", pa.string()),
        ("rule_id", pa.string()),
        ("reason_decision", pa.string()),
    ]
)


def _reasons_sql(dialect: str) -> str:
    """Each distinct reason (rule and its decision) of each screening, unnested by the database
    itself (JSON arrays); a rule that both fired and asked for data counts once per screening."""
    if dialect == "postgresql":
        return (
            "SELECT DISTINCT s.id, s.site_id, s.assessed_at, s.decision, r->>'rule_id', "
            "r->>'decision' FROM screenings s, json_array_elements(s.result->'reasons') AS r"
        )
    return (
        "SELECT DISTINCT s.id, s.site_id, s.assessed_at, s.decision, "
        "json_extract(r.value, '$.rule_id'), json_extract(r.value, '$.decision') "
        "FROM screenings s, json_each(s.result, '$.reasons') AS r"
    )


def _write_reasons(db: Session, path: Path) -> None:
    query = text(_reasons_sql(db.get_bind().dialect.name))
    with pq.ParquetWriter(path, REASON_SCHEMA, compression="zstd") as writer:
        written = False
        for rows in _batches(db, query):
            columns = list(zip(*rows, strict=True))[1:]  # the screening id only made rows distinct
            columns[1] = tuple(_naive(_aware(v)) for v in columns[1])
            writer.write_table(
                pa.Table.from_arrays(
                    [pa.array(c, type=f.type) for c, f in zip(columns, REASON_SCHEMA, strict=True)],
                    schema=REASON_SCHEMA,
                )
            )
            written = True
        if not written:
            writer.write_table(REASON_SCHEMA.empty_table())


def _aware(value: object) -> datetime:
    """A timestamp read by raw SQL: SQLite gives text, PostgreSQL an aware datetime."""
    from datetime import UTC

    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _naive(moment: datetime) -> datetime:
    """The same instant in UTC without its zone: DuckDB truncates naive timestamps to weeks
    several times faster than zoned ones, and every time in the snapshot is UTC."""
    from datetime import UTC

    return moment.astimezone(UTC).replace(tzinfo=None)


def _batches(db: Session, query: Any) -> Iterator[list[Any]]:
    """Rows in batches, streamed from the server rather than held at once."""
    result = db.execute(query, execution_options={"yield_per": BATCH})
    while rows := result.fetchmany(BATCH):
        yield list(rows)
