"""Outcome use cases over stored records."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from pedmassage.errors import NotFoundError, ValidationError
from pedmassage.outcomes.schemas import (
    ChildInstrumentOutcome,
    ChildOutcomes,
    McidPublic,
    ProgramFilter,
    ProgramReport,
    ReasonCount,
    SessionChange,
    TrendPublic,
)
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


def program_report(
    *,
    db: Session,
    folder: Path,
    site_ids: frozenset[str],
    site: str | None,
    since: date | None,
    until: date | None,
    now: datetime,
    wait: bool = False,
) -> ProgramReport:
    """The program report over the asker's sites (or one of them) and a period, from the
    analytics snapshot: rebuilt first when the records have changed, unless the last rebuild was
    slow and ``wait`` is false, when the latest snapshot answers (``snapshot_current`` false)
    while the new one is built in the background."""
    from pedmassage.outcomes.analytics import current_or_latest, ensure_current
    from pedmassage.outcomes.program import program_report as report

    if since is not None and until is not None and until < since:
        raise ValidationError("until", until.isoformat(), f"on or after since ({since})")
    chosen = sorted(site_ids)
    if site is not None:
        from pedmassage.sites.service import find_site

        found = find_site(db=db, site=site).id
        if found not in site_ids:
            raise ValidationError("site", site, "one of your own sites")
        chosen = [found]
    pick = ensure_current if wait else current_or_latest
    snapshot = pick(db=db, folder=folder, now=now)
    flt = ProgramFilter(site_ids=chosen, since=since, until=until)
    return report(snapshot=snapshot, flt=flt, generated_at=now)


def child_outcomes(*, db: Session, child_id: str) -> ChildOutcomes:
    """One child's sessions: attempted, completed, ended early and why; and for each instrument
    the change per session, marked against the published MCID for the child's age then."""
    from collections import Counter

    from pedmassage.children.service import get_child
    from pedmassage.measures import instrument
    from pedmassage.measures.mcid import mcid_for

    child = get_child(db=db, child_id=child_id)
    started = [session_public(r) for r in list_sessions(db=db, child_id=child_id) if r.started_at]
    early = [s for s in started if s.ended_early]
    why = Counter((s.end_reason or "").strip() or "no reason recorded" for s in early)
    by_instrument: dict[str, list[SessionChange]] = {}
    mcid_of: dict[str, McidPublic | None] = {}
    for s in started:  # list_sessions gives them oldest first
        pre, post = s.pre, s.post
        if pre is None or post is None or s.started_at is None:
            continue
        age_years = (s.started_at.date() - child.birth_date).days / 365.25
        mcid = mcid_for(pre.instrument_id, age_years)
        change = post.total - pre.total
        by_instrument.setdefault(pre.instrument_id, []).append(
            SessionChange(
                session_id=s.id,
                started_at=s.started_at,
                pre=pre.total,
                post=post.total,
                change=change,
                reached_mcid=None if mcid is None else mcid.reached(change),
            )
        )
        if mcid is not None:
            mcid_of[pre.instrument_id] = McidPublic(
                decrease=mcid.decrease, population=mcid.population, source=mcid.source
            )
        else:
            mcid_of.setdefault(pre.instrument_id, None)
    instruments = []
    for ident, changes in sorted(by_instrument.items()):
        marked = [c.reached_mcid for c in changes if c.reached_mcid is not None]
        instruments.append(
            ChildInstrumentOutcome(
                instrument=ident,
                label=instrument(ident).name,
                sessions=len(changes),
                mean_change=sum(c.change for c in changes) / len(changes),
                mcid=mcid_of[ident],
                sessions_reaching_mcid=sum(marked) if marked else None,
                changes=changes,
            )
        )
    return ChildOutcomes(
        child_id=child_id,
        attempted=len(started),
        completed=sum(1 for s in started if not s.ended_early and s.ended_at is not None),
        ended_early=len(early),
        ended_early_reasons=[
            ReasonCount(reason=r, sessions=n) for r, n in sorted(why.items(), key=lambda x: -x[1])
        ],
        instruments=instruments,
    )
