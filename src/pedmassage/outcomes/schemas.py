"""Pydantic shapes for outcomes (``XPublic`` out)."""

from __future__ import annotations

from pydantic import BaseModel

from pedmassage.outcomes.trend import InstrumentTrend


class TrendPointPublic(BaseModel):
    session_id: str
    started_at: str
    pre: float
    post: float


class TrendPublic(BaseModel):
    """One instrument's pre/post scores for a child, oldest first, with the mean change."""

    instrument_id: str
    range: tuple[float, float]
    mean_change: float | None
    points: list[TrendPointPublic]

    @classmethod
    def of(cls, trend: InstrumentTrend) -> TrendPublic:
        return cls(
            instrument_id=trend.instrument_id,
            range=trend.range,
            mean_change=trend.mean_change,
            points=[
                TrendPointPublic(
                    session_id=p.session_id,
                    started_at=p.started_at.isoformat(),
                    pre=p.pre,
                    post=p.post,
                )
                for p in trend.points
            ],
        )
