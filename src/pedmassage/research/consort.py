"""The CONSORT 2010 participant flow: counts checked to add up, drawn as SVG, listed as table rows.

The diagram follows the flow diagram of Schulz KF, Altman DG, Moher D, CONSORT Group. CONSORT 2010
Statement: updated guidelines for reporting parallel group randomised trials. BMJ 2010;340:c332
(figure 1): Enrolment, Allocation, Follow-up and Analysis, with one column per arm. Everything here
is pure: plain counts in, SVG text or rows out; the records that produce the counts live elsewhere.

Counts that do not add up are refused rather than drawn: a flow diagram whose boxes disagree is
the first thing a reviewer checks, and a wrong one misreports who was analysed.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from pedmassage.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CITATION = (
    "Schulz KF, Altman DG, Moher D, CONSORT Group. CONSORT 2010 Statement. BMJ 2010;340:c332."
)
STAGES = ("Enrolment", "Allocation", "Follow-up", "Analysis")
RC: dict[Any, Any] = {
    "svg.hashsalt": "pedmassage-consort",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
}
INK, STAGE_FILL, STAGE_EDGE = "#1f2933", "#dbeafe", "#1e3a8a"
FONT_SIZE = 8.0
LINE_IN = 0.16  # height of one text line at FONT_SIZE, inches
CHAR_IN = 0.056  # average width of one character at FONT_SIZE, inches (for wrapping)
PAD_IN = 0.08
KEEP = "\x01"  # stands in for a space that wrapping must not break at
COLUMN_IN, GAP_IN, MARGIN_IN = 3.1, 0.4, 0.3

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Reason:
    """One stated reason and how many participants it covers."""

    reason: str
    count: int


@dataclass(frozen=True)
class ArmFlow:
    """One arm's column of the diagram, from allocation to analysis.

    ``analysed`` plus those excluded from analysis must equal ``allocated``; participants lost to
    follow-up may still be analysed (an intention-to-treat analysis with imputation), so they are
    only bounded by ``allocated``.
    """

    allocated: int
    received: int
    analysed: int
    not_received: tuple[Reason, ...] = ()
    lost_to_follow_up: tuple[Reason, ...] = ()
    discontinued: tuple[Reason, ...] = ()
    excluded_from_analysis: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class ConsortCounts:
    """The whole flow; construction refuses counts that do not add up, naming the field."""

    assessed: int
    not_meeting_criteria: int
    declined: int
    other_reasons: int
    randomized: int
    arms: tuple[ArmFlow, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def excluded(self) -> int:
        return self.not_meeting_criteria + self.declined + self.other_reasons


def total(reasons: Iterable[Reason]) -> int:
    return sum(r.count for r in reasons)


# ----------------------------------------------------------------------------- validation

ARM_LISTS = ("not_received", "lost_to_follow_up", "discontinued", "excluded_from_analysis")


def _validate(counts: ConsortCounts) -> None:
    for name in ("assessed", "not_meeting_criteria", "declined", "other_reasons", "randomized"):
        _count(name, getattr(counts, name))
    if len(counts.arms) < 2:
        raise ValidationError("arms", len(counts.arms), "two or more arms")
    for index, arm in enumerate(counts.arms):
        _validate_arm(f"arms[{index}]", arm)
    if counts.assessed != counts.excluded + counts.randomized:
        raise ValidationError(
            "randomized",
            counts.randomized,
            f"assessed − excluded = {counts.assessed} − {counts.excluded} "
            f"= {counts.assessed - counts.excluded}",
        )
    allocated = sum(arm.allocated for arm in counts.arms)
    if allocated != counts.randomized:
        raise ValidationError(
            "arms.allocated", allocated, f"the number randomized, {counts.randomized}, in all"
        )


def _validate_arm(prefix: str, arm: ArmFlow) -> None:
    for name in ("allocated", "received", "analysed"):
        _count(f"{prefix}.{name}", getattr(arm, name))
    for name in ARM_LISTS:
        for index, reason in enumerate(getattr(arm, name)):
            _reason(f"{prefix}.{name}[{index}]", reason)
    not_received = total(arm.not_received)
    if arm.received + not_received != arm.allocated:
        raise ValidationError(
            f"{prefix}.received",
            arm.received,
            f"allocated − did not receive = {arm.allocated} − {not_received}",
        )
    lost_or_stopped = total(arm.lost_to_follow_up) + total(arm.discontinued)
    if lost_or_stopped > arm.allocated:
        raise ValidationError(
            f"{prefix}.lost_to_follow_up",
            lost_or_stopped,
            f"lost plus discontinued no more than allocated ({arm.allocated})",
        )
    excluded = total(arm.excluded_from_analysis)
    if arm.analysed + excluded != arm.allocated:
        raise ValidationError(
            f"{prefix}.analysed",
            arm.analysed,
            f"allocated − excluded from analysis = {arm.allocated} − {excluded}",
        )


def _count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(name, value, "a whole number of participants, 0 or more")


def _reason(name: str, reason: object) -> None:
    if not isinstance(reason, Reason):
        raise ValidationError(name, reason, "a Reason(reason, count)")
    if not reason.reason.strip():
        raise ValidationError(f"{name}.reason", reason.reason, "a stated reason")
    _count(f"{name}.count", reason.count)


def _arm_labels(counts: ConsortCounts, arm_labels: Sequence[str] | None) -> list[str]:
    if arm_labels is None:
        return [f"Arm {index + 1}" for index in range(len(counts.arms))]
    labels = [str(label) for label in arm_labels]
    if len(labels) != len(counts.arms) or not all(label.strip() for label in labels):
        raise ValidationError(
            "arm_labels", labels, f"{len(counts.arms)} non-empty labels, one per arm"
        )
    return labels


# ----------------------------------------------------------------------------- table


def consort_table(
    counts: ConsortCounts, *, arm_labels: Sequence[str] | None = None
) -> list[dict[str, object]]:
    """The diagram's numbers as rows (stage, arm, item, reason, n) for an HTML table or a CSV.

    Rows come in the diagram's reading order; ``arm`` is empty for the enrolment rows and
    ``reason`` is empty for a box's headline count.
    """
    labels = _arm_labels(counts, arm_labels)
    rows = [
        _row("Enrolment", "", "Assessed for eligibility", "", counts.assessed),
        _row("Enrolment", "", "Excluded", "", counts.excluded),
        _row("Enrolment", "", "Excluded", "Not meeting inclusion criteria",
             counts.not_meeting_criteria),
        _row("Enrolment", "", "Excluded", "Declined to participate", counts.declined),
        _row("Enrolment", "", "Excluded", "Other reasons", counts.other_reasons),
        _row("Enrolment", "", "Randomized", "", counts.randomized),
    ]  # fmt: skip
    for label, arm in zip(labels, counts.arms, strict=True):
        rows += _arm_rows(label, arm)
    return rows


def _arm_rows(label: str, arm: ArmFlow) -> list[dict[str, object]]:
    items: list[tuple[str, str, int, tuple[Reason, ...]]] = [
        ("Allocation", "Allocated to intervention", arm.allocated, ()),
        ("Allocation", "Received allocated intervention", arm.received, ()),
        ("Allocation", "Did not receive allocated intervention", total(arm.not_received),
         arm.not_received),
        ("Follow-up", "Lost to follow-up", total(arm.lost_to_follow_up), arm.lost_to_follow_up),
        ("Follow-up", "Discontinued intervention", total(arm.discontinued), arm.discontinued),
        ("Analysis", "Analysed", arm.analysed, ()),
        ("Analysis", "Excluded from analysis", total(arm.excluded_from_analysis),
         arm.excluded_from_analysis),
    ]  # fmt: skip
    rows = []
    for stage, item, n, reasons in items:
        rows.append(_row(stage, label, item, "", n))
        rows += [_row(stage, label, item, r.reason, r.count) for r in reasons]
    return rows


def _row(stage: str, arm: str, item: str, reason: str, n: int) -> dict[str, object]:
    return {"stage": stage, "arm": arm, "item": item, "reason": reason, "n": n}


# ----------------------------------------------------------------------------- diagram


def consort_svg(counts: ConsortCounts, *, arm_labels: Sequence[str]) -> str:
    """The CONSORT 2010 flow diagram as SVG text, with a ``<title>`` and ``<desc>`` for readers.

    Drawn with matplotlib's Agg/SVG backend; the output is reproducible (no date, fixed id salt)
    and its text stays text, so it can be searched, translated and read aloud.
    """
    labels = _arm_labels(counts, arm_labels)
    with _LOCK, _rc():
        svg = _draw(counts, labels)
    return _accessible(svg, _title(labels), describe(counts, labels))


def describe(counts: ConsortCounts, arm_labels: Sequence[str]) -> str:
    """The flow in sentences: the diagram's text alternative."""
    parts = [
        f"Of {counts.assessed} participants assessed for eligibility, {counts.excluded} were "
        f"excluded ({counts.not_meeting_criteria} not meeting inclusion criteria, "
        f"{counts.declined} declined to participate, {counts.other_reasons} for other reasons) "
        f"and {counts.randomized} were randomized."
    ]
    for label, arm in zip(arm_labels, counts.arms, strict=True):
        parts.append(
            f"{label}: {arm.allocated} allocated, {arm.received} received the allocated "
            f"intervention, {total(arm.not_received)} did not; "
            f"{total(arm.lost_to_follow_up)} lost to follow-up, "
            f"{total(arm.discontinued)} discontinued; {arm.analysed} analysed, "
            f"{total(arm.excluded_from_analysis)} excluded from analysis."
        )
    return " ".join(parts)


def _title(labels: Sequence[str]) -> str:
    return "CONSORT 2010 flow diagram: " + " vs ".join(labels)


def _rc() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib.rc_context(RC)


@dataclass(frozen=True)
class _Layout:
    width: float
    columns: tuple[float, ...]  # x of each arm column's left edge

    @property
    def wrap(self) -> int:
        return int((COLUMN_IN - 2 * PAD_IN) / CHAR_IN)


def _layout(n_arms: int) -> _Layout:
    width = max(7.6, 2 * MARGIN_IN + n_arms * COLUMN_IN + (n_arms - 1) * GAP_IN)
    used = n_arms * COLUMN_IN + (n_arms - 1) * GAP_IN
    left = (width - used) / 2
    return _Layout(width, tuple(left + i * (COLUMN_IN + GAP_IN) for i in range(n_arms)))


def _lines(text_lines: Sequence[str], wrap: int) -> list[str]:
    """Wrap each line to the box width; continuation lines are indented under the bullet."""
    out: list[str] = []
    for line in text_lines:
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        kept = line.replace("n = ", f"n{KEEP}={KEEP}")  # never split a count from its "n ="
        out += textwrap.wrap(kept, wrap, subsequent_indent=indent) or [""]
    return [line.replace(KEEP, " ") for line in out]


def _reason_lines(reasons: Sequence[Reason]) -> list[str]:
    return [f"    – {r.reason} (n = {r.count})" for r in reasons]


def _arm_boxes(label: str, arm: ArmFlow) -> tuple[list[str], list[str], list[str]]:
    allocation = [
        f"Allocated to {label} (n = {arm.allocated})",
        f"• Received allocated intervention (n = {arm.received})",
        f"• Did not receive allocated intervention (n = {total(arm.not_received)})",
        *_reason_lines(arm.not_received),
    ]
    follow_up = [
        f"Lost to follow-up (n = {total(arm.lost_to_follow_up)})",
        *_reason_lines(arm.lost_to_follow_up),
        f"Discontinued intervention (n = {total(arm.discontinued)})",
        *_reason_lines(arm.discontinued),
    ]
    analysis = [
        f"Analysed (n = {arm.analysed})",
        f"• Excluded from analysis (n = {total(arm.excluded_from_analysis)})",
        *_reason_lines(arm.excluded_from_analysis),
    ]
    return allocation, follow_up, analysis


def _draw(counts: ConsortCounts, labels: Sequence[str]) -> str:
    from matplotlib.figure import Figure

    layout = _layout(len(labels))
    wrap = layout.wrap
    excluded = _lines(
        [
            f"Excluded (n = {counts.excluded})",
            f"• Not meeting inclusion criteria (n = {counts.not_meeting_criteria})",
            f"• Declined to participate (n = {counts.declined})",
            f"• Other reasons (n = {counts.other_reasons})",
        ],
        int(2.9 / CHAR_IN),
    )
    per_arm = [_arm_boxes(label, arm) for label, arm in zip(labels, counts.arms, strict=True)]
    stages = [[_lines(boxes[i], wrap) for boxes in per_arm] for i in range(3)]
    heights = [_box_height(max(len(lines) for lines in stage)) for stage in stages]
    fig = Figure(figsize=(layout.width, 1.0))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    drawing = _Drawing(ax, layout)
    drawing.run(counts, excluded, stages, heights)
    height = drawing.y + 0.35  # boxes are placed in inches, so the page is sized afterwards
    ax.text(MARGIN_IN, height - 0.2, f"Flow diagram after {CITATION}",
            fontsize=6.5, color=INK, va="center")  # fmt: skip
    fig.set_size_inches(layout.width, height)
    ax.set_xlim(0, layout.width)
    ax.set_ylim(height, 0)  # y grows downwards, in inches, like the page
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _span(values: Sequence[float]) -> list[float]:
    return [min(values), max(values)]


def _box_height(lines: int) -> float:
    return lines * LINE_IN + 2 * PAD_IN


class _Drawing:
    """Places boxes, banners and arrows top to bottom, keeping the current y."""

    def __init__(self, ax: Axes, layout: _Layout) -> None:
        self.ax, self.layout, self.y = ax, layout, 0.35

    def run(
        self,
        counts: ConsortCounts,
        excluded: list[str],
        stages: list[list[list[str]]],
        heights: list[float],
    ) -> None:
        centre = self.layout.width * 0.36
        self.banner("Enrolment")
        top = self.box(
            centre - 1.3, self.y, 2.6, [f"Assessed for eligibility (n = {counts.assessed})"]
        )
        side_y = top + 0.3
        side_x = self.layout.width * 0.58
        side_bottom = self.box(side_x, side_y, self.layout.width - MARGIN_IN - side_x, excluded)
        self.arrow(centre, side_y + _box_height(len(excluded)) / 2, side_x, horizontal=True)
        randomized_y = side_bottom + 0.3
        self.arrow(centre, top, randomized_y)
        bottom = self.box(
            centre - 1.3, randomized_y, 2.6, [f"Randomized (n = {counts.randomized})"]
        )
        self.y = bottom + 0.3
        middles = [x + COLUMN_IN / 2 for x in self.layout.columns]
        for xs, ys in (
            ([centre, centre], [bottom, self.y - 0.15]),
            (_span(middles), [self.y - 0.15] * 2),
        ):
            self.ax.plot(xs, ys, color=INK, linewidth=0.9, zorder=1)
        previous = [self.y - 0.15] * len(middles)
        for stage, boxes, height in zip(STAGES[1:], stages, heights, strict=True):
            self.banner(stage)
            for x, middle, start, lines in zip(
                self.layout.columns, middles, previous, boxes, strict=True
            ):
                self.arrow(middle, start, self.y)
                self.box(x, self.y, COLUMN_IN, lines, height=height)
            previous = [self.y + height] * len(middles)
            self.y += height + 0.25

    def banner(self, stage: str) -> None:
        from matplotlib.patches import FancyBboxPatch

        y, height = self.y, 0.3
        self.ax.add_patch(FancyBboxPatch(
            (MARGIN_IN, y), self.layout.width - 2 * MARGIN_IN, height,
            boxstyle="round,pad=0,rounding_size=0.08", facecolor=STAGE_FILL,
            edgecolor=STAGE_EDGE, linewidth=0.9, gid=f"stage-{stage.lower()}", zorder=3,
        ))  # fmt: skip
        self.ax.text(self.layout.width / 2, y + height / 2, stage, ha="center", va="center",
                     fontsize=9.5, weight="bold", color=STAGE_EDGE, zorder=4)  # fmt: skip
        self.y = y + height + 0.2

    def box(
        self, x: float, y: float, width: float, lines: list[str], height: float | None = None
    ) -> float:
        from matplotlib.patches import Rectangle

        height = _box_height(len(lines)) if height is None else height
        self.ax.add_patch(
            Rectangle((x, y), width, height, facecolor="white", edgecolor=INK, linewidth=0.9)
        )
        for index, line in enumerate(lines):
            # SVG collapses leading spaces, so an indent becomes an x offset.
            indent = (len(line) - len(line.lstrip())) * CHAR_IN * 0.8
            self.ax.text(x + PAD_IN + indent, y + PAD_IN + (index + 0.5) * LINE_IN, line.lstrip(),
                         va="center", fontsize=FONT_SIZE, color=INK)  # fmt: skip
        return y + height

    def arrow(self, x: float, start: float, end: float, *, horizontal: bool = False) -> None:
        tail, head = ((x, start), (end, start)) if horizontal else ((x, start), (x, end))
        self.ax.annotate("", xy=head, xytext=tail,
                         arrowprops={"arrowstyle": "-|>", "color": INK, "linewidth": 0.9,
                                     "shrinkA": 0, "shrinkB": 0}, zorder=1)  # fmt: skip


def _accessible(svg: str, title: str, desc: str) -> str:
    """Give the ``<svg>`` a role, a ``<title>`` and a ``<desc>`` that screen readers announce."""
    start = svg.index("<svg")
    end = svg.index(">", start)
    opening = svg[start:end]
    opening += ' role="img" aria-labelledby="consort-title consort-desc"'
    children = (
        f"\n <title id={quoteattr('consort-title')}>{escape(title)}</title>"
        f"\n <desc id={quoteattr('consort-desc')}>{escape(desc)}</desc>"
    )
    return svg[:start] + opening + ">" + children + svg[end + 1 :]
