"""Outcome use cases over stored records."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pedmassage.errors import NotFoundError
from pedmassage.outcomes.schemas import TrendPublic
from pedmassage.outcomes.trend import InstrumentTrend, SessionScores, build_trends
from pedmassage.sessions.service import list_sessions, session_public


def child_trends(*, db: Session, child_id: str) -> list[InstrumentTrend]:
    """Pre/post trends per instrument for one child (sessions with both measures)."""
    from pedmassage.measures import instrument

    rows: list[SessionScores] = []
    for record in list_sessions(db=db, child_id=child_id):
        session = session_public(record)
        pre, post = session.pre, session.post
        if session.started_at is not None and pre is not None and post is not None:
            rows.append(
                SessionScores(
                    session.id, session.started_at, pre.instrument_id, pre.total, post.total
                )
            )
    ranges = {}
    for ident in {r.instrument_id for r in rows}:
        lo, hi = instrument(ident).range
        ranges[ident] = (float(lo), float(hi))
    return build_trends(rows, ranges)


def child_trends_public(*, db: Session, child_id: str) -> list[TrendPublic]:
    """The child's trends as the API shows them."""
    return [TrendPublic.of(t) for t in child_trends(db=db, child_id=child_id)]


def trend_chart(*, db: Session, child_id: str, instrument: str | None = None) -> str:
    """The SVG chart of one instrument's trend (default: the most used); 404 when none."""
    from pedmassage.outcomes.chart import trend_svg

    trends = child_trends(db=db, child_id=child_id)
    chosen = [t for t in trends if instrument in (None, t.instrument_id)]
    if not chosen:
        raise NotFoundError("trend", instrument or child_id)
    return trend_svg(chosen[0])
