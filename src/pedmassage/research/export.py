"""The de-identified export: what a researcher receives, and nothing more.

Each child becomes a keyed pseudonym (HMAC with the site secret), every date of the child moves by
the child's own offset (intervals kept), ages over 89 are grouped, and free text (notes, reasons in
words, names, ward names, record numbers) never leaves. Four files: ``children``, ``sessions``,
``measures`` (one row per scored item) and ``dictionary`` (every column, what it holds and how it
was transformed), as CSV or Parquet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pedmassage.children.models import Child
from pedmassage.research.deidentify import KeyedIds, age_years_grouped, date_offset_days, shift
from pedmassage.sessions.models import SessionRecord

Format = Literal["csv", "parquet"]

DICTIONARY: dict[str, list[tuple[str, str]]] = {
    "children": [
        ("child", "Keyed pseudonym of the child (HMAC-SHA256 with the site secret)."),
        ("site", "Keyed pseudonym of the site."),
        ("sex", "female, male, intersex or unknown."),
        ("gestational_age_weeks", "Completed weeks of gestation at birth."),
        ("birth_date_shifted", "Birth date moved by the child's offset (intervals kept)."),
        ("age_years_at_export", "Completed years on the export day; 90 and over as 90+."),
        ("setting", "hospital, picu, nicu, home or clinic."),
        ("verbal", "The child speaks (true/false)."),
        ("cognitive_impairment", "true/false."),
        ("goals_of_care", "curative or comfort."),
        ("conditions", "Condition codes, separated by ';'."),
    ],
    "sessions": [
        ("session", "Keyed pseudonym of the session."),
        ("child", "Keyed pseudonym of the child."),
        ("site", "Keyed pseudonym of the site."),
        ("status", "draft, in_progress, completed, ended_early or signed."),
        ("ended_early", "true/false (the reason, free text, is not exported)."),
        ("deliverer", "therapist or parent."),
        ("started_at_shifted", "Start moved by the child's offset (UTC)."),
        ("age_years_at_session", "Completed years on the session day; 90 and over as 90+."),
        ("minutes", "Minutes delivered."),
        ("pressure", "Highest Walton pressure level delivered (0-5)."),
        ("adverse_events", "Number of adverse events recorded."),
    ],
    "measures": [
        ("session", "Keyed pseudonym of the session."),
        ("timepoint", "pre or post."),
        ("instrument", "Instrument id (see the instrument catalogue)."),
        ("instrument_version", "Version the score was made with."),
        ("item", "Item key, or 'total'."),
        ("value", "Item score, or the total."),
    ],
}


@dataclass(frozen=True)
class ExportCounts:
    children: int
    sessions: int
    measures: int


def _age(born: date, on: date) -> str | int:
    return age_years_grouped(age_years=(on - born).days / 365.25)


def _children(db: Session, site_ids: frozenset[str]) -> Iterator[Child]:
    query = (
        select(Child)
        .where(Child.site_id.in_(sorted(site_ids)))
        .order_by(Child.id)
        .options(selectinload(Child.conditions))
    )
    yield from db.scalars(query)


def export_rows(
    *, db: Session, site_ids: frozenset[str], secret: bytes, today: date
) -> dict[str, list[dict[str, Any]]]:
    """The four tables of the export for the children of ``site_ids``."""
    ids = KeyedIds(secret=secret)
    tables: dict[str, list[dict[str, Any]]] = {"children": [], "sessions": [], "measures": []}
    offsets: dict[str, int] = {}
    born: dict[str, date] = {}
    for child in _children(db, site_ids):
        offset = offsets[child.id] = date_offset_days(secret=secret, child_id=child.id)
        born[child.id] = child.birth_date
        tables["children"].append(
            {
                "child": ids.pseudonym(kind="child", value=child.id),
                "site": ids.pseudonym(kind="site", value=child.site_id),
                "sex": child.sex,
                "gestational_age_weeks": child.ga_weeks,
                "birth_date_shifted": shift(value=child.birth_date, offset_days=offset).isoformat(),
                "age_years_at_export": _age(child.birth_date, today),
                "setting": child.setting,
                "verbal": child.verbal,
                "cognitive_impairment": child.cognitive_impairment,
                "goals_of_care": child.goals_of_care,
                "conditions": ";".join(sorted({c.code for c in child.conditions})),
            }
        )
    sessions = db.scalars(
        select(SessionRecord)
        .where(SessionRecord.site_id.in_(sorted(site_ids)))
        .order_by(SessionRecord.id)
        .options(selectinload(SessionRecord.measures), selectinload(SessionRecord.adverse_events))
    )
    for record in sessions:
        if record.child_id not in offsets:
            continue
        offset = offsets[record.child_id]
        session = ids.pseudonym(kind="session", value=record.id)
        started: datetime | None = record.started_at
        tables["sessions"].append(
            {
                "session": session,
                "child": ids.pseudonym(kind="child", value=record.child_id),
                "site": ids.pseudonym(kind="site", value=record.site_id),
                "status": record.status,
                "ended_early": record.ended_early,
                "deliverer": record.deliverer,
                "started_at_shifted": ""
                if started is None
                else shift(value=started, offset_days=offset).isoformat(),
                "age_years_at_session": ""
                if started is None
                else _age(born[record.child_id], started.date()),
                "minutes": record.minutes,
                "pressure": record.pressure,
                "adverse_events": len(record.adverse_events),
            }
        )
        for measure in record.measures:
            values = {**{k: v for k, v in measure.items.items()}, "total": measure.total}
            for item, value in values.items():
                tables["measures"].append(
                    {
                        "session": session,
                        "timepoint": measure.timepoint,
                        "instrument": measure.instrument_id,
                        "instrument_version": measure.instrument_version,
                        "item": item,
                        "value": value,
                    }
                )
    return tables


def dictionary_rows() -> list[dict[str, str]]:
    return [
        {"file": name, "column": column, "description": text}
        for name, columns in DICTIONARY.items()
        for column, text in columns
    ]


def write_export(
    *,
    db: Session,
    site_ids: frozenset[str],
    secret: bytes,
    today: date,
    folder: Path,
    fmt: Format = "csv",
) -> ExportCounts:
    """Write ``children``, ``sessions``, ``measures`` and ``dictionary`` into ``folder``."""
    files, counts = export_files(db=db, site_ids=site_ids, secret=secret, today=today, fmt=fmt)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return counts


def export_files(
    *, db: Session, site_ids: frozenset[str], secret: bytes, today: date, fmt: Format = "csv"
) -> tuple[dict[str, bytes], ExportCounts]:
    """Each file of the export by its name, encoded once, for a folder or an archive."""
    tables = export_rows(db=db, site_ids=site_ids, secret=secret, today=today)
    columns = {name: [c for c, _ in cols] for name, cols in DICTIONARY.items()}
    files = {f"{name}.{fmt}": _encoded(columns[name], rows, fmt) for name, rows in tables.items()}
    files[f"dictionary.{fmt}"] = _encoded(["file", "column", "description"], dictionary_rows(), fmt)
    counts = ExportCounts(
        children=len(tables["children"]),
        sessions=len(tables["sessions"]),
        measures=len(tables["measures"]),
    )
    return files, counts


def _encoded(columns: list[str], rows: list[dict[str, Any]], fmt: Format) -> bytes:
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        sink = io.BytesIO()
        pq.write_table(pa.table({c: _column(pa, [r[c] for r in rows]) for c in columns}), sink)
        return sink.getvalue()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _column(pa: Any, values: list[Any]) -> Any:
    """A typed column where the values share a type (numbers, booleans), else text (an age of
    "90+" among whole years stays text)."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(["" if v is None else str(v) for v in values], pa.string())


def export_zip(
    *, db: Session, site_ids: frozenset[str], secret: bytes, today: date, fmt: Format = "csv"
) -> bytes:
    """The same four files, zipped in memory for a download: nothing touches the server's disk."""
    import zipfile

    files, _ = export_files(db=db, site_ids=site_ids, secret=secret, today=today, fmt=fmt)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
    return out.getvalue()


def site_secret(secret_file: Path | None) -> bytes:
    """The site secret from its file; without one there is no export, and the error says how
    to make one."""
    from pedmassage.errors import ValidationError

    if secret_file is None or not secret_file.exists():
        raise ValidationError(
            "PEDMASSAGE_RESEARCH_SECRET_FILE",
            str(secret_file),
            "a file holding the site secret (32 or more random bytes), e.g. made with "
            "`head -c 32 /dev/urandom > research.key`",
        )
    return secret_file.read_bytes()
