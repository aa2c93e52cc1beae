"""The program report as files: the CSV behind every table and chart, charts, and a PDF.

Every chart is drawn from one of the report's tables and every table has its CSV, so a reader can
check a bar against its row. Charts are SVG in pages and PNG inside the PDF; both come from the same
figure code. Nothing here names a child: the report holds counts and statistics only.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from typing import Any, Literal

from pedmassage.outcomes.schemas import ProgramReport

Table = Literal[
    "instruments", "breakdowns", "sessions", "adverse_events", "reasons", "weeks", "completeness"
]
"""The report's tables, by the name each CSV is downloaded under."""
Chart = Literal["change", "weeks", "reasons"]

_LOCK = threading.Lock()  # matplotlib's object API plus a lock: pyplot state is not thread-safe


def _instruments(report: ProgramReport) -> list[dict[str, Any]]:
    rows = []
    for i in report.instruments:
        mixed = i.mixed_model
        rows.append(
            {
                "instrument": i.instrument,
                "label": i.label,
                "n_children": i.n_children,
                "n_sessions": i.n_sessions,
                "mean_change": i.mean_change,
                "sd": i.sd,
                "ci_low": i.ci_low,
                "ci_high": i.ci_high,
                "p_value": i.p_value,
                "wilcoxon_p": i.wilcoxon_p,
                "bootstrap_ci_low": i.bootstrap_ci_low,
                "bootstrap_ci_high": i.bootstrap_ci_high,
                "effect_size": i.effect_size,
                "mixed_estimate": None if mixed is None else mixed.estimate,
                "mixed_ci_low": None if mixed is None else mixed.ci_low,
                "mixed_ci_high": None if mixed is None else mixed.ci_high,
            }
        )
    return rows


def _sessions(report: ProgramReport) -> list[dict[str, Any]]:
    counts = report.sessions
    rows: list[dict[str, Any]] = [
        {"measure": "children served", "count": report.children_served},
        {"measure": "sessions attempted", "count": counts.attempted},
        {"measure": "sessions completed", "count": counts.completed},
        {"measure": "sessions ended early", "count": counts.ended_early},
    ]
    rows += [
        {"measure": f"ended early: {r.reason}", "count": r.sessions}
        for r in counts.ended_early_reasons
    ]
    return rows


def _adverse(report: ProgramReport) -> list[dict[str, Any]]:
    return [report.adverse_events_per_1000.model_dump()]


def _completeness(report: ProgramReport) -> list[dict[str, Any]]:
    return [report.completeness.model_dump()]


TABLES: dict[str, Callable[[ProgramReport], list[dict[str, Any]]]] = {
    "instruments": _instruments,
    "breakdowns": lambda r: [b.model_dump() for b in r.breakdowns],
    "sessions": _sessions,
    "adverse_events": _adverse,
    "reasons": lambda r: [x.model_dump(exclude={"sessions"}) for x in r.reasons],
    "weeks": lambda r: [w.model_dump(mode="json") for w in r.sessions_per_week],
    "completeness": _completeness,
}
"""Each table of the report, by the name its CSV is downloaded under."""


def table_rows(report: ProgramReport, table: str) -> list[dict[str, Any]]:
    return TABLES[table](report)


def table_csv(report: ProgramReport, table: str) -> str:
    """One table as CSV, with a header row even when it has no rows."""
    rows = table_rows(report, table)
    fields = list(rows[0]) if rows else _empty_header(table)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def _empty_header(table: str) -> list[str]:
    return {
        "instruments": ["instrument", "n_sessions", "mean_change"],
        "breakdowns": ["dimension", "group", "instrument", "n_sessions", "mean_change"],
        "reasons": ["reason", "decision", "screenings"],
        "weeks": ["week", "sessions", "children"],
    }.get(table, ["measure", "count"])


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _save(fig: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def change_chart(report: ProgramReport, fmt: str = "svg") -> bytes:
    """Mean change per instrument with its 95 % CI (per session) and the mixed-model estimate
    (per child); the table behind it is ``instruments``."""
    rows = [i for i in report.instruments if i.mean_change is not None]
    with _LOCK:
        fig = _figure(7.0, 0.6 + 0.55 * max(len(rows), 1))
        ax = fig.add_subplot()
        for y, i in enumerate(rows):
            assert i.mean_change is not None
            if i.ci_low is not None and i.ci_high is not None:
                ax.hlines(y + 0.12, i.ci_low, i.ci_high, color="#0f766e", linewidth=2)
            ax.plot(
                i.mean_change,
                y + 0.12,
                "o",
                color="#0f766e",
                label="per session" if y == 0 else None,
            )
            m = i.mixed_model
            if m is not None:
                ax.hlines(y - 0.12, m.ci_low, m.ci_high, color="#c2410c", linewidth=2)
                ax.plot(
                    m.estimate,
                    y - 0.12,
                    "s",
                    color="#c2410c",
                    label="per child (mixed model)" if y == 0 else None,
                )
        ax.axvline(0, color="#52606d", linewidth=1)
        ax.set_yticks(range(len(rows)), [f"{i.label} (n={i.n_sessions})" for i in rows], fontsize=8)
        ax.set_xlabel("Change, after minus before (negative = less pain or distress)")
        ax.set_title("Mean change per instrument with 95 % CI", fontsize=10)
        if rows:
            ax.legend(fontsize=8, frameon=False, loc="best")
        fig.tight_layout()
        return _save(fig, fmt)


def weekly_chart(report: ProgramReport, fmt: str = "svg") -> bytes:
    """Sessions per week; the table behind it is ``weeks``."""
    weeks = report.sessions_per_week
    with _LOCK:
        fig = _figure(7.0, 2.6)
        ax = fig.add_subplot()
        ax.bar([w.week for w in weeks], [w.sessions for w in weeks], width=6, color="#3e4c59")
        ax.set_ylabel("Sessions")
        ax.set_title("Sessions per week", fontsize=10)
        fig.autofmt_xdate()
        fig.tight_layout()
        return _save(fig, fmt)


def reasons_chart(report: ProgramReport, fmt: str = "svg", top: int = 12) -> bytes:
    """The most frequent hold and modification reasons; the table behind it is ``reasons``."""
    rows = report.reasons[:top]
    with _LOCK:
        fig = _figure(7.0, 0.6 + 0.35 * max(len(rows), 1))
        ax = fig.add_subplot()
        colours = ["#b91c1c" if r.decision == "hold" else "#b45309" for r in rows]
        ax.barh(range(len(rows)), [r.screenings or 0 for r in rows], color=colours)
        ax.set_yticks(range(len(rows)), [f"{r.reason} ({r.decision})" for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("Screenings")
        ax.set_title("Holds (red) and modifications (amber) by reason", fontsize=10)
        fig.tight_layout()
        return _save(fig, fmt)


CHARTS: dict[str, Callable[..., bytes]] = {
    "change": change_chart,
    "weeks": weekly_chart,
    "reasons": reasons_chart,
}


def report_pdf(report: ProgramReport) -> bytes:
    """The report on paper: the headline numbers, the charts (PNG) and the instrument table."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Program outcome report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    flt = report.filter
    period = f"{flt.since or 'start'} to {flt.until or 'today'}"
    pdf.multi_cell(
        0,
        5,
        f"Period {period}; {len(flt.site_ids)} site(s). Generated "
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC from records as of "
        f"{report.snapshot_built_at:%Y-%m-%d %H:%M} UTC. Change is after minus before: negative "
        "means less pain or distress.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    for row in _sessions(report):
        pdf.cell(0, 5, f"{row['measure']}: {row['count']}", new_x="LMARGIN", new_y="NEXT")
    ae = report.adverse_events_per_1000
    if ae.rate is not None:
        pdf.cell(
            0,
            5,
            f"Adverse events: {ae.events} in {ae.sessions} sessions, {ae.rate:.2f} per 1,000 "
            f"(95 % CI {ae.ci_low:.2f} to {ae.ci_high:.2f})",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    for name in ("change", "weeks", "reasons"):
        image = io.BytesIO(CHARTS[name](report, "png"))
        pdf.image(image, w=180)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Change per instrument", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=7)
    columns = ["instrument", "n_children", "n_sessions", "mean_change", "ci_low", "ci_high",
               "p_value", "wilcoxon_p", "effect_size", "mixed_estimate"]  # fmt: skip
    with pdf.table(col_widths=(30, 16, 16, 18, 16, 16, 18, 18, 16, 20)) as table:
        header = table.row()
        for c in columns:
            header.cell(c)
        for row in _instruments(report):
            cells = table.row()
            for c in columns:
                cells.cell(_fmt(row[c]))
    return bytes(pdf.output())


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:.3f}"
    return str(value)
