"""A child's pre/post scores per instrument over time: pure data, no storage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrendPoint:
    session_id: str
    started_at: datetime
    pre: float
    post: float

    @property
    def change(self) -> float:
        """Post minus pre: negative means the score fell during the session."""
        return self.post - self.pre


@dataclass(frozen=True)
class InstrumentTrend:
    instrument_id: str
    range: tuple[float, float]
    points: tuple[TrendPoint, ...]

    @property
    def mean_change(self) -> float | None:
        if not self.points:
            return None
        return sum(p.change for p in self.points) / len(self.points)


@dataclass(frozen=True)
class SessionScores:
    """The slice of a stored session a trend needs."""

    session_id: str
    started_at: datetime
    instrument_id: str
    pre: float
    post: float


def build_trends(
    sessions: Iterable[SessionScores], ranges: dict[str, tuple[float, float]]
) -> list[InstrumentTrend]:
    """Group sessions by instrument, oldest first; instruments ordered by number of sessions."""
    grouped: dict[str, list[TrendPoint]] = {}
    for s in sorted(sessions, key=lambda s: (s.started_at, s.session_id)):
        grouped.setdefault(s.instrument_id, []).append(
            TrendPoint(s.session_id, s.started_at, s.pre, s.post)
        )
    ordered = sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [InstrumentTrend(i, ranges.get(i, (0.0, 10.0)), tuple(p)) for i, p in ordered]
