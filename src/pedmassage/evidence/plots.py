"""Forest and funnel plots (matplotlib object API, SVG or PNG), for a claim or a table of studies.

A forest plot shows each study's estimate and 95% CI (squares sized by their weight in the pool),
the pooled estimate as a diamond, the prediction interval beneath it, and the RoB 2 judgements
beside each study. A funnel plot shows each estimate against its standard error with the pseudo 95%
limits around the pooled estimate. matplotlib is imported lazily, and the SVG is reproducible: no
date in the metadata, a fixed hash salt for element ids, and text kept as text.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pedmassage.errors import ValidationError
from pedmassage.evidence.catalogue import Catalogue
from pedmassage.evidence.model import RiskOfBias
from pedmassage.evidence.plot_data import (
    MEASURE_NAMES,
    Z_95,
    ForestData,
    ForestRow,
    FunnelData,
    PooledSummary,
    forest_for_claim,
    forest_for_table,
    funnel_for_claim,
    funnel_for_table,
    p_text,
)
from pedmassage.evidence.synthesis import synthesize

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Format = Literal["svg", "png"]
FORMATS: tuple[Format, ...] = ("svg", "png")
MEDIA_TYPES: dict[str, str] = {"svg": "image/svg+xml", "png": "image/png"}
PlotKind = Literal["forest", "funnel"]
__all__ = [
    "FORMATS",
    "MEASURE_NAMES",
    "MEDIA_TYPES",
    "ForestData",
    "ForestRow",
    "FunnelData",
    "Image",
    "PlotKind",
    "PooledSummary",
    "checked_format",
    "claim_figure",
    "draw",
    "forest_for_claim",
    "forest_for_table",
    "forest_plot",
    "funnel_for_claim",
    "funnel_for_table",
    "funnel_plot",
]

ROB_STYLE: dict[str, tuple[str, str]] = {
    "low": ("#15803d", "+"),
    "some concerns": ("#b45309", "!"),
    "high": ("#b91c1c", "−"),
    "not assessed": ("#9aa5b1", "?"),
}
ROB_LEGEND = (
    "Risk of bias (RoB 2): D1 randomization, D2 deviations from intended interventions, "
    "D3 missing outcome data, D4 measurement of the outcome,",
    "D5 selection of the reported result, All overall.   + low   ! some concerns   − high   "
    "? not assessed",
)
RC: dict[Any, Any] = {
    "svg.hashsalt": "pedmassage-evidence",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
}
INK, MUTED, ACCENT = "#1f2933", "#52606d", "#0f5e57"

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Image:
    """A drawn plot: its bytes, its format and the media type a response or a file needs."""

    content: bytes
    fmt: Format

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]


def checked_format(fmt: str) -> Format:
    if fmt in FORMATS:
        return fmt
    raise ValidationError("format", fmt, "svg or png")


def claim_figure(
    claim_id: str, kind: PlotKind, fmt: str = "svg", library: Catalogue | None = None
) -> Image:
    """A claim's forest or funnel plot.

    The format is checked before the claim is looked up: a format nobody can draw is refused
    whatever the claim, without pooling anything first.
    """
    checked = checked_format(fmt)
    synthesis = synthesize(claim_id, library)
    data = forest_for_claim(synthesis) if kind == "forest" else funnel_for_claim(synthesis)
    return draw(data, checked)


def draw(data: ForestData | FunnelData, fmt: str = "svg") -> Image:
    """A forest or funnel plot, whichever ``data`` describes, as SVG or PNG."""
    checked = checked_format(fmt)
    if isinstance(data, ForestData):
        return Image(forest_plot(data, checked), checked)
    return Image(funnel_plot(data, checked), checked)


# ----------------------------------------------------------------------------- drawing


def forest_plot(data: ForestData, fmt: str = "svg") -> bytes:
    """The forest plot as SVG or PNG bytes."""
    fmt = checked_format(fmt)
    with _LOCK, _rc():
        fig = _forest_figure(data)
        return _save(fig, fmt)


def funnel_plot(data: FunnelData, fmt: str = "svg") -> bytes:
    """The funnel plot as SVG or PNG bytes."""
    fmt = checked_format(fmt)
    with _LOCK, _rc():
        fig = _funnel_figure(data)
        return _save(fig, fmt)


def _rc() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib.rc_context(RC)


def _save(fig: Figure, fmt: Format) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, metadata=metadata, dpi=110)
    return buffer.getvalue()


# Figure-fraction x positions of the forest plot's columns.
COL_LABEL, AX_LEFT, AX_WIDTH, COL_ESTIMATE, COL_WEIGHT = 0.01, 0.27, 0.30, 0.59, 0.745
ROB_COLUMNS = (0.835, 0.863, 0.891, 0.919, 0.947, 0.975)


def _forest_figure(data: ForestData) -> Figure:
    from matplotlib.figure import Figure

    n = len(data.rows)
    footer = _footer(data)
    rows_height = 0.34 * (n + (4 if data.pooled else 1.5))
    bottom_in, top_in = 0.65 + 0.18 * len(footer), 0.55
    height = rows_height + bottom_in + top_in
    fig = Figure(figsize=(11.0, height))
    bottom, top = bottom_in / height, 1 - top_in / height
    ax = fig.add_axes((AX_LEFT, bottom, AX_WIDTH, top - bottom))
    ax.set_ylim(-2.0 if data.pooled else 0.4, n + 1.0)
    _style_axes(ax, data)
    texts = _TextColumns(fig, ax)
    texts.header(n + 0.6, with_rob=any(r.risk_of_bias for r in data.rows))
    max_weight = max((r.weight or 0.0 for r in data.rows), default=0.0)
    for index, row in enumerate(data.rows):
        _draw_row(ax, texts, index, n - index, row, max_weight)
    if data.pooled is not None:
        _draw_pooled(ax, texts, data.pooled)
    fig.text(COL_LABEL, top + 0.25 / height, data.title, fontsize=11, weight="bold", color=INK)
    for line, text in enumerate(footer):
        y_in = 0.12 + 0.18 * (len(footer) - 1 - line)
        fig.text(COL_LABEL, y_in / height, text, fontsize=7.5, color=MUTED)
    return fig


def _footer(data: ForestData) -> list[str]:
    lines = [_heterogeneity(data.pooled)] if data.pooled else []
    lines += [data.note] if data.note else []
    lines += list(ROB_LEGEND) if any(r.risk_of_bias for r in data.rows) else []
    return lines


def _style_axes(ax: Axes, data: ForestData) -> None:
    values = [r.estimate for r in data.rows]
    values += [v for r in data.rows for v in (r.ci_low, r.ci_high) if v is not None]
    if data.pooled is not None:
        p = data.pooled
        values += [p.ci_low, p.ci_high, p.pi_low, p.pi_high]
    null = 1.0 if data.log_scale else 0.0
    values.append(null)
    if data.log_scale:
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.set_xscale("log")
        lo, hi = min(values) / 1.15, max(values) * 1.15
        ax.set_xlim(lo, hi)
        subs = (1.0, 2.0, 5.0) if hi / lo > 5 else (1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
        ax.xaxis.set_major_locator(LogLocator(subs=subs))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.06 or 1.0
        ax.set_xlim(lo - pad, hi + pad)
    ax.axvline(null, color=MUTED, linestyle="--", linewidth=0.8)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(data.axis_label, fontsize=9, color=INK)
    ax.tick_params(axis="x", labelsize=8)


class _TextColumns:
    """Text and markers placed in figure-x / data-y coordinates beside the axes."""

    def __init__(self, fig: Figure, ax: Axes) -> None:
        from matplotlib.transforms import blended_transform_factory

        self.ax = ax
        self.transform = blended_transform_factory(fig.transFigure, ax.transData)

    def text(self, x: float, y: float, text: str, **kwargs: Any) -> None:
        style = {"fontsize": 8.5, "va": "center", "color": INK, **kwargs}
        self.ax.text(x, y, text, transform=self.transform, clip_on=False, **style)

    def header(self, y: float, *, with_rob: bool) -> None:
        self.text(COL_LABEL, y, "Study", weight="bold")
        self.text(COL_ESTIMATE, y, "Estimate [95% CI]", weight="bold")
        self.text(COL_WEIGHT, y, "Weight", weight="bold")
        if with_rob:
            names = ("D1", "D2", "D3", "D4", "D5", "All")
            for x, name in zip(ROB_COLUMNS, names, strict=True):
                self.text(x, y, name, weight="bold", ha="center", fontsize=7.5)

    def rob(self, y: float, index: int, rob: RiskOfBias) -> None:
        for x, (domain, judgement) in zip(ROB_COLUMNS, rob.domains, strict=True):
            colour, symbol = ROB_STYLE[judgement]
            self.ax.plot(
                [x], [y], marker="o", markersize=11, color=colour, transform=self.transform,
                clip_on=False, gid=f"rob-{index}-{domain.lower()}",
            )  # fmt: skip
            self.text(x, y, symbol, ha="center", color="white", weight="bold", fontsize=8)


def _draw_row(
    ax: Axes, texts: _TextColumns, index: int, y: float, row: ForestRow, max_weight: float
) -> None:
    texts.text(COL_LABEL, y, row.label)
    has_ci = row.ci_low is not None and row.ci_high is not None
    if row.ci_low is not None and row.ci_high is not None:
        ax.hlines(y, row.ci_low, row.ci_high, color=INK, linewidth=1.1, gid=f"ci-{index}")
    size = 5 + 9 * math.sqrt(row.weight / max_weight) if row.weight and max_weight else 6
    face = ACCENT if row.pooled else "white"
    marker = "s" if has_ci else "o"
    ax.plot([row.estimate], [y], marker=marker, markersize=size, color=ACCENT, mfc=face,
            gid=f"study-{index}")  # fmt: skip
    interval = f"[{_num(row.ci_low)}, {_num(row.ci_high)}]" if has_ci else "(no CI reported)"
    texts.text(COL_ESTIMATE, y, f"{_num(row.estimate)} {interval}")
    texts.text(COL_WEIGHT, y, f"{row.weight:.1f}%" if row.weight is not None else "not pooled")
    if row.risk_of_bias is not None:
        texts.rob(y, index, row.risk_of_bias)


def _draw_pooled(ax: Axes, texts: _TextColumns, p: PooledSummary) -> None:
    from matplotlib.patches import Polygon

    y = -0.3
    points = [(p.ci_low, y), (p.estimate, y + 0.32), (p.ci_high, y), (p.estimate, y - 0.32)]
    ax.add_patch(Polygon(points, closed=True, color=INK, gid="diamond"))
    texts.text(COL_LABEL, y, f"Pooled ({p.method}, {p.test} test, k = {p.k})", weight="bold")
    texts.text(COL_ESTIMATE, y, f"{_num(p.estimate)} [{_num(p.ci_low)}, {_num(p.ci_high)}]",
               weight="bold")  # fmt: skip
    texts.text(COL_WEIGHT, y, "100%", weight="bold")
    y_pi = -1.2
    ax.hlines(y_pi, p.pi_low, p.pi_high, color=ACCENT, linewidth=2.2, gid="prediction-interval")
    ax.plot([p.pi_low, p.pi_high], [y_pi, y_pi], "|", color=ACCENT, markersize=9)
    texts.text(COL_LABEL, y_pi, "Prediction interval", color=ACCENT)
    texts.text(COL_ESTIMATE, y_pi, f"[{_num(p.pi_low)}, {_num(p.pi_high)}]", color=ACCENT)


def _heterogeneity(p: PooledSummary | None) -> str:
    if p is None:
        return ""
    return (
        f"Heterogeneity: τ² = {p.tau2:.4g}, I² = {p.i2:.1f}%, Q = {p.q:.2f} "
        f"({p_text(p.q_p)}); k = {p.k}"
    )


def _funnel_figure(data: FunnelData) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 5.2))
    ax = fig.add_axes((0.12, 0.2, 0.83, 0.7))
    se = np.array(data.se)
    max_se = float(se.max()) * 1.15
    if data.estimate is not None:
        edge = np.array([0.0, max_se])
        ax.plot(data.estimate - Z_95 * edge, edge, color=MUTED, linestyle="--", gid="funnel-limits")
        ax.plot(data.estimate + Z_95 * edge, edge, color=MUTED, linestyle="--")
        ax.axvline(data.estimate, color=INK, linewidth=1, gid="pooled-estimate")
    ax.plot(data.yi, data.se, "o", color=ACCENT, gid="studies")
    for label, x, y in zip(data.labels, data.yi, data.se, strict=True):
        ax.annotate(label, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=7, color=INK)
    ax.set_ylim(max_se, 0)
    ax.set_ylabel("Standard error", fontsize=9)
    ax.set_xlabel(data.axis_label, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.set_title(data.title, fontsize=10, loc="left")
    fig.text(0.02, 0.04, data.note, fontsize=8, color=MUTED)
    return fig


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
