"""Trend charts as SVG, drawn with matplotlib.

matplotlib is imported lazily: it costs a few hundred milliseconds and only chart requests need it.
The SVG carries no child name, only scores and dates.
"""

from __future__ import annotations

import io
import threading

from pedmassage.outcomes.trend import InstrumentTrend

_LOCK = threading.Lock()  # pyplot's state machine is not thread-safe; the object API plus a lock is


def trend_svg(trend: InstrumentTrend, title: str | None = None) -> str:
    """Pre (open circles) and post (filled) scores per session, joined by a line per session."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure

    with _LOCK:
        fig = Figure(figsize=(7.0, 3.0), dpi=100)
        ax = fig.add_subplot()
        dates = [float(date2num(p.started_at)) for p in trend.points]  # type: ignore[no-untyped-call]
        pre = [p.pre for p in trend.points]
        post = [p.post for p in trend.points]
        ax.vlines(dates, pre, post, colors="#9aa5b1", linewidth=1)
        ax.plot(dates, pre, "o", mfc="white", mec="#c2410c", label="before")
        ax.plot(dates, post, "o", color="#0f766e", label="after")
        lo, hi = trend.range
        ax.xaxis_date()
        if len(dates) == 1:  # one session: a few days either side, not matplotlib's default years
            ax.set_xlim(dates[0] - 3, dates[0] + 3)
        ax.set_ylim(lo - 0.5, hi + 0.5)
        ax.set_ylabel(trend.instrument_id.upper().replace("_", "-"))
        ax.set_title(title or f"{trend.instrument_id} before and after each session", fontsize=10)
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        ax.grid(axis="y", alpha=0.3)
        fig.autofmt_xdate()
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
