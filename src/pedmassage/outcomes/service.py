"""Outcome use cases over stored records."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pedmassage.outcomes.trend import InstrumentTrend, SessionScores, build_trends
from pedmassage.sessions.service import list_sessions


def child_trends(*, db: Session, child_id: str) -> list[InstrumentTrend]:
    """Pre/post trends per instrument for one child (sessions with both measures)."""
    from pedmassage.measures import instrument

    rows: list[SessionScores] = []
    for record in list_sessions(db=db, child_id=child_id):
        by_time = {m.timepoint: m for m in record.measures}
        if record.started_at is not None and "pre" in by_time and "post" in by_time:
            rows.append(
                SessionScores(
                    record.id,
                    record.started_at,
                    by_time["pre"].instrument_id,
                    by_time["pre"].total,
                    by_time["post"].total,
                )
            )
    ranges = {}
    for ident in {r.instrument_id for r in rows}:
        lo, hi = instrument(ident).range
        ranges[ident] = (float(lo), float(hi))
    return build_trends(rows, ranges)
