"""Preterm growth for the outcome report: UK-WHO SDS and centiles on corrected age, weight-gain
velocity in g/kg/day on and off massage, and the growth chart.

Why a module of its own: a NICU massage program is judged first on growth, and growth numbers are
easy to get silently wrong (grams passed as kilograms, a 26-week baby compared with term babies, a
velocity computed across a gap with no weights). Every number here either comes with the rule that
made it or is refused in words a clinician can act on.

Sources:
- The UK-WHO reference (UK90 preterm data from 23 weeks postmenstrual age to 2 weeks after term,
  WHO 2006 from 2 weeks to 4 years, UK90 from 4 to 20 years), as implemented by the RCPCH
  ``rcpchgrowth`` package (github.com/rcpch/rcpchgrowth-python), called through its gatekeeper
  class ``Measurement`` with ``reference="uk-who"``. Its refusals (no reference data at that age,
  a value beyond ±8 SD) and its advisories (beyond ±4 SD) are passed on in its own words.
- Weight-gain velocity by the exponential model (EM): GV = 1000 × ln(Wn/W1) / (Dn − D1), in
  g/kg/day with W in grams and D in days. Patel AL, Engstrom JL, Meier PP, Jegier BJ, Kimura RE,
  J Perinatol 2009;29:618-622 (PMC2767524) validated the EM in VLBW infants (<1% error in all 81);
  it was first shown in ELBW infants by Patel AL et al., Pediatrics 2005;116:1466-1473 (that
  paper was not read). The formula's printed text was not retrieved verbatim: the form above is
  the standard published form (UNVERIFIED against the papers' own typesetting).
"""

from __future__ import annotations

import html
import io
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from pedmassage.development.age import GestationalAge
from pedmassage.errors import ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Sex = Literal["male", "female"]
Method = Literal["weight", "height", "ofc"]
Scale = Literal["sds", "value"]

REFERENCE = "uk-who"
TERM_DAYS = 280
SEXES: tuple[Sex, ...] = ("male", "female")
# rcpchgrowth's names plus the synonyms a form may send; "height" is recumbent length under 2 years.
METHODS: dict[str, Method] = {
    "weight": "weight",
    "height": "height",
    "length": "height",
    "ofc": "ofc",
    "head_circumference": "ofc",
}
# Accepted units per method and the factor to rcpchgrowth's unit (kg for weight, cm otherwise).
# The project stores infant weight in grams; rcpchgrowth wants kilograms: the unit is never guessed.
UNITS: dict[Method, dict[str, float]] = {
    "weight": {"g": 0.001, "kg": 1.0},
    "height": {"cm": 1.0},
    "ofc": {"cm": 1.0},
}
REFERENCE_UNITS: dict[Method, str] = {"weight": "kg", "height": "cm", "ofc": "cm"}
NAMES: dict[Method, str] = {"weight": "weight", "height": "length", "ofc": "head circumference"}


# ----------------------------------------------------------------------------- SDS and centiles


@dataclass(frozen=True)
class GrowthPoint:
    """One measurement placed on the UK-WHO reference by rcpchgrowth.

    ``sds``/``centile`` are on corrected age (what the report uses for a preterm infant);
    the chronological pair is kept because rcpchgrowth returns it and a reader may ask. ``value``
    is in rcpchgrowth's unit (``unit``: kg or cm). ``flags`` are rcpchgrowth's own warnings that
    did not stop the calculation; ``comments`` its clinician comments on the age correction.
    """

    sex: Sex
    method: Method
    value: float
    unit: str
    observed_on: date
    chronological_decimal_age: float
    corrected_decimal_age: float
    corrected_gestational_age: str | None
    sds: float
    centile: float
    centile_band: str | None
    chronological_sds: float | None
    chronological_centile: float | None
    flags: tuple[str, ...]
    comments: tuple[str, ...]
    engine: str

    @property
    def corrected_age_weeks(self) -> float:
        """Weeks from the due date, negative before term (rcpchgrowth's age is days / 365.25)."""
        return self.corrected_decimal_age * 365.25 / 7


def growth_point(
    *,
    sex: str,
    birth_date: date,
    gestation: GestationalAge,
    observed_on: date,
    method: str,
    value: float,
    unit: str,
) -> GrowthPoint:
    """SDS and centile of one weight, length or head circumference on the UK-WHO reference.

    ``unit`` is required: ``g`` or ``kg`` for weight, ``cm`` for length and head circumference.
    Raises ``ValidationError`` for bad input and whenever rcpchgrowth gives no corrected SDS or
    calls the value an error (beyond ±8 SD: usually a unit slip): a refusal, never a silent number.

    Corrected age here is rcpchgrowth's UK-WHO convention: counted from the due date for every
    gestation and at every age. That differs from the program's development policy
    (``age_profile``: under 37+0 weeks, until 24 months), which decides stages, not centiles.
    """
    checked_sex = _sex(sex)
    checked_method = _method(method)
    kg_or_cm = _in_reference_unit(checked_method, value, unit)
    if observed_on < birth_date:
        raise ValidationError(
            "observed_on", observed_on.isoformat(), f"on or after {birth_date.isoformat()}"
        )
    result = _rcpch_measurement(
        sex=checked_sex,
        birth_date=birth_date,
        gestation=gestation,
        observed_on=observed_on,
        method=checked_method,
        value=kg_or_cm,
    )
    return _point(result, sex=checked_sex, method=checked_method, observed_on=observed_on)


def edd(*, birth_date: date, gestation: GestationalAge) -> date:
    """The due date (40+0 weeks), from which corrected age is counted, as rcpchgrowth counts it."""
    return birth_date + timedelta(days=TERM_DAYS - gestation.total_days)


def engine() -> str:
    """The calculation engine and version, for the report's footnote."""
    import rcpchgrowth

    return f"rcpchgrowth {rcpchgrowth.__version__}"


def _sex(sex: str) -> Sex:
    for known in SEXES:
        if sex == known:
            return known
    raise ValidationError("sex", sex, "male or female (the UK-WHO reference is sex-specific)")


def _method(method: str) -> Method:
    if method in METHODS:
        return METHODS[method]
    raise ValidationError("method", method, "one of: " + ", ".join(METHODS))


def _in_reference_unit(method: Method, value: float, unit: str) -> float:
    factors = UNITS[method]
    if unit not in factors:
        raise ValidationError("unit", unit, f"{' or '.join(factors)} for {NAMES[method]}")
    if not math.isfinite(value) or value <= 0:
        raise ValidationError("value", value, f"a positive number of {unit}")
    return value * factors[unit]


def _rcpch_measurement(
    *,
    sex: Sex,
    birth_date: date,
    gestation: GestationalAge,
    observed_on: date,
    method: Method,
    value: float,
) -> dict[str, Any]:
    """rcpchgrowth's ``Measurement(...).measurement`` dictionary, called as its docstring says."""
    from rcpchgrowth import Measurement

    measurement: dict[str, Any] = Measurement(
        birth_date=birth_date,
        measurement_method=method,
        observation_date=observed_on,
        observation_value=value,
        reference=REFERENCE,
        sex=sex,
        gestation_weeks=gestation.weeks,
        gestation_days=gestation.days,
    ).measurement
    return measurement


def _point(result: dict[str, Any], *, sex: Sex, method: Method, observed_on: date) -> GrowthPoint:
    dates = result["measurement_dates"]
    observation = result["child_observation_value"]
    calculated = result["measurement_calculated_values"]
    _refuse_if_unusable(dates, observation, calculated, method)
    sds = float(calculated["corrected_sds"])
    gestational = dates["corrected_gestational_age"]
    return GrowthPoint(
        sex=sex,
        method=method,
        value=float(observation["observation_value"]),
        unit=REFERENCE_UNITS[method],
        observed_on=observed_on,
        chronological_decimal_age=float(dates["chronological_decimal_age"]),
        corrected_decimal_age=float(dates["corrected_decimal_age"]),
        corrected_gestational_age=_weeks_plus_days(gestational),
        sds=sds,
        centile=float(calculated["corrected_centile"]),
        centile_band=calculated["corrected_centile_band"],
        chronological_sds=_float_or_none(calculated["chronological_sds"]),
        chronological_centile=_float_or_none(calculated["chronological_centile"]),
        flags=_flags(sds, calculated),
        comments=tuple(
            c for c in (dates["comments"]["clinician_corrected_decimal_age_comment"],) if c
        ),
        engine=engine(),
    )


def _refuse_if_unusable(
    dates: dict[str, Any],
    observation: dict[str, Any],
    calculated: dict[str, Any],
    method: Method,
) -> None:
    """rcpchgrowth reports errors as text beside the numbers (it still computes an SDS for a
    weight beyond +8 SD); any error text, or a missing corrected SDS, becomes a refusal here."""
    value = f"{observation['observation_value']} {REFERENCE_UNITS[method]}"
    age_error = calculated["corrected_measurement_error"] or dates["corrected_decimal_age_error"]
    if age_error or calculated["corrected_sds"] is None:
        text = age_error or observation["observation_value_error"] or "no corrected SDS"
        raise ValidationError(
            "observed_on",
            dates["observation_date"].isoformat(),
            "an age the UK-WHO reference covers for this measurement",
            message=f"UK-WHO has no {NAMES[method]} centile at this age (rcpchgrowth: {text})",
        )
    if observation["observation_value_error"]:
        raise ValidationError(
            "value",
            value,
            "a value within ±8 SD of the UK-WHO median (rcpchgrowth's error limit)",
            message=f"{NAMES[method]} {value} refused (rcpchgrowth: "
            f"{observation['observation_value_error']})",
        )


def _flags(sds: float, calculated: dict[str, Any]) -> tuple[str, ...]:
    from rcpchgrowth.constants.validation_constants import (
        MAXIMUM_HEIGHT_WEIGHT_OFC_ADVISORY_SDS,
        MINIMUM_HEIGHT_WEIGHT_OFC_ADVISORY_SDS,
    )

    flags: list[str] = []
    if not MINIMUM_HEIGHT_WEIGHT_OFC_ADVISORY_SDS <= sds <= MAXIMUM_HEIGHT_WEIGHT_OFC_ADVISORY_SDS:
        flags.append(str(calculated["corrected_centile_band"]))
    if calculated["chronological_measurement_error"]:
        flags.append(f"chronological age: {calculated['chronological_measurement_error']}")
    return tuple(flags)


def _weeks_plus_days(gestational: dict[str, Any]) -> str | None:
    """Postmenstrual age as rcpchgrowth gives it (weeks+days), only up to 42 weeks."""
    weeks, days = gestational["corrected_gestation_weeks"], gestational["corrected_gestation_days"]
    return None if weeks is None else f"{weeks}+{days}"


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


# ----------------------------------------------------------------------------- velocity


@dataclass(frozen=True)
class DatedWeight:
    """A weight in grams (the project's stored unit) on a calendar day."""

    on: date
    grams: float


@dataclass(frozen=True)
class MassagePeriod:
    """Days on which the infant received massage, ``start`` and ``end`` both included."""

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(
                "massage_periods.end", self.end.isoformat(), f"on or after {self.start}"
            )


@dataclass(frozen=True)
class PeriodVelocity:
    """The exponential velocity over one period, or why there is none.

    ``first``/``last`` are the earliest and latest weights dated inside the period (both ends
    included); ``velocity`` is None, with ``reason``, when fewer than two weights fall inside.
    """

    on_massage: bool
    start: date
    end: date
    label: str
    first: DatedWeight | None
    last: DatedWeight | None
    velocity: float | None
    reason: str | None

    @property
    def days(self) -> int | None:
        if self.first is None or self.last is None or self.velocity is None:
            return None
        return (self.last.on - self.first.on).days


@dataclass(frozen=True)
class MassageVelocity:
    """Velocities per period, in date order, and pooled on and off massage.

    A pooled value is the EM applied to its periods joined end to end,
    1000 × Σ ln(W_last/W_first) / Σ days, which equals the day-weighted mean of the period
    velocities (this program's definition, not a published one). None when no period of that
    kind has a velocity.
    """

    periods: tuple[PeriodVelocity, ...]
    on_massage: float | None
    off_massage: float | None
    on_massage_days: int
    off_massage_days: int


def exponential_velocity(*, first: DatedWeight, last: DatedWeight) -> float:
    """Weight-gain velocity in g/kg/day by the exponential model: 1000 × ln(Wn/W1) / (Dn − D1).

    Refuses a second weight not on a later day (no interval) and non-positive weights.
    """
    for name, weight in (("first", first), ("last", last)):
        if not math.isfinite(weight.grams) or weight.grams <= 0:
            raise ValidationError(f"{name}.grams", weight.grams, "a positive weight in grams")
    if last.on <= first.on:
        raise ValidationError("last.on", last.on.isoformat(), f"a day after {first.on}")
    return 1000 * math.log(last.grams / first.grams) / (last.on - first.on).days


def velocity_by_massage(
    *, weights: Sequence[DatedWeight], periods: Sequence[MassagePeriod]
) -> MassageVelocity:
    """Velocity on each massage period and on each stretch without massage between the first and
    last weight.

    Bounding rule: a period (massage or not) is a closed range of days; its velocity uses the
    earliest and the latest weight dated inside it, so no weight interval crosses from massage into
    no massage. The days without massage are those from the first to the last weight that no massage
    period covers. With fewer than two weights inside a period, that period has no velocity and
    says so. One weight per day (weights carry dates, not times); periods may not overlap. Which
    weights to pass is the caller's choice: Fenton et al. (Pediatr Res 2019) advise leaving out the
    postnatal weight-loss phase.
    """
    ordered = _checked_weights(weights)
    massage = _checked_periods(periods)
    spans = [(p, True) for p in massage] + [(p, False) for p in _gaps(ordered, massage)]
    spans.sort(key=lambda item: item[0].start)
    results = tuple(_period_velocity(period, on, ordered) for period, on in spans)
    on_value, on_days = _pooled(r for r in results if r.on_massage)
    off_value, off_days = _pooled(r for r in results if not r.on_massage)
    return MassageVelocity(results, on_value, off_value, on_days, off_days)


def _checked_weights(weights: Sequence[DatedWeight]) -> list[DatedWeight]:
    ordered = sorted(weights, key=lambda w: w.on)
    for weight in ordered:
        if not math.isfinite(weight.grams) or weight.grams <= 0:
            raise ValidationError("weights.grams", weight.grams, "a positive weight in grams")
    for before, after in pairwise(ordered):
        if before.on == after.on:
            raise ValidationError("weights.on", after.on.isoformat(), "one weight per day")
    return ordered


def _checked_periods(periods: Sequence[MassagePeriod]) -> list[MassagePeriod]:
    ordered = sorted(periods, key=lambda p: p.start)
    for before, after in pairwise(ordered):
        if after.start <= before.end:
            raise ValidationError(
                "massage_periods.start",
                after.start.isoformat(),
                f"after the end of the previous period ({before.end})",
            )
    return ordered


def _gaps(weights: list[DatedWeight], massage: list[MassagePeriod]) -> list[MassagePeriod]:
    """The stretches of days from the first to the last weight that no massage period covers."""
    if not weights:
        return []
    gaps: list[MassagePeriod] = []
    cursor, last = weights[0].on, weights[-1].on
    for period in massage:
        if period.start > cursor and cursor <= last:
            gaps.append(MassagePeriod(cursor, min(period.start - timedelta(days=1), last)))
        cursor = max(cursor, period.end + timedelta(days=1))
    if cursor <= last:
        gaps.append(MassagePeriod(cursor, last))
    return gaps


def _period_velocity(
    period: MassagePeriod, on_massage: bool, weights: list[DatedWeight]
) -> PeriodVelocity:
    inside = [w for w in weights if period.start <= w.on <= period.end]
    label = period.label or ("massage" if on_massage else "no massage")
    if len(inside) < 2:
        reason = f"{len(inside)} weight(s) inside {period.start}–{period.end}; two are needed"
        first = inside[0] if inside else None
        return PeriodVelocity(
            on_massage, period.start, period.end, label, first, None, None, reason
        )
    first, last = inside[0], inside[-1]
    velocity = exponential_velocity(first=first, last=last)
    return PeriodVelocity(on_massage, period.start, period.end, label, first, last, velocity, None)


def _pooled(results: Any) -> tuple[float | None, int]:
    log_gain, days = 0.0, 0
    for result in results:
        if result.first is not None and result.last is not None and result.velocity is not None:
            log_gain += math.log(result.last.grams / result.first.grams)
            days += (result.last.on - result.first.on).days
    return (1000 * log_gain / days if days else None), days


# ----------------------------------------------------------------------------- chart

RC: dict[Any, Any] = {
    "svg.hashsalt": "pedmassage-growth",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
}
INK, MUTED, ACCENT, SHADE = "#1f2933", "#52606d", "#0f5e57", "#ccebe6"
_LOCK = threading.Lock()  # matplotlib's global state is not thread-safe
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def growth_chart_svg(
    *,
    points: Sequence[GrowthPoint],
    birth_date: date,
    gestation: GestationalAge,
    periods: Sequence[MassagePeriod] = (),
    scale: Scale = "sds",
    title: str | None = None,
    chart_id: str = "growth-chart",
) -> str:
    """SDS (or the measurement with the UK-WHO median and ±2 SD lines) against corrected age in
    weeks, with each massage period shaded and labelled; SVG text with a <title> and <desc>.

    All points must be of one measurement. The output is reproducible: no date in the metadata,
    a fixed hash salt for element ids, and text kept as text.
    """
    if not points:
        raise ValidationError("points", 0, "at least one growth point")
    methods = {p.method for p in points}
    if len(methods) != 1:
        raise ValidationError("points", sorted(methods), "points of one measurement")
    if scale not in ("sds", "value"):
        raise ValidationError("scale", scale, "sds or value")
    due = edd(birth_date=birth_date, gestation=gestation)
    ordered = sorted(points, key=lambda p: p.observed_on)
    if not _CHART_ID.fullmatch(chart_id):
        raise ValidationError("chart_id", chart_id, "letters, digits and hyphens, a letter first")
    heading = title or _default_title(ordered[0].method, scale)
    shaded = _checked_periods(periods)
    svg = _draw(ordered, shaded, due, scale, heading)
    return _accessible(svg, chart_id, heading, _description(ordered, shaded, due, scale))


def _weeks(day: date, due: date) -> float:
    return (day - due).days / 7


def _default_title(method: Method, scale: Scale) -> str:
    what = "SDS" if scale == "sds" else "measurement"
    return f"{NAMES[method].capitalize()} {what} (UK-WHO) by corrected age, massage periods shaded"


def _shown(point: GrowthPoint, scale: Scale) -> float:
    if scale == "sds":
        return point.sds
    return point.value * 1000 if point.method == "weight" else point.value


def _y_label(method: Method, scale: Scale) -> str:
    if scale == "sds":
        return f"{NAMES[method]} SDS (UK-WHO)"
    return f"{NAMES[method]} ({'g' if method == 'weight' else 'cm'})"


def _draw(
    points: list[GrowthPoint], periods: list[MassagePeriod], due: date, scale: Scale, title: str
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with _LOCK, matplotlib.rc_context(RC):
        fig = Figure(figsize=(7.5, 3.6))
        ax = fig.add_subplot()
        xs = [_weeks(p.observed_on, due) for p in points]
        span = _x_span(xs, periods, due)
        _shade_periods(ax, periods, due)
        _reference_lines(ax, points[0], scale, span, due)
        ax.plot(xs, [_shown(p, scale) for p in points], "o-", color=ACCENT, label="measured")
        ax.set_xlim(span[0] - 0.5, span[1] + 0.5)
        ax.set_xlabel("corrected age (weeks from due date; 0 = 40+0 weeks postmenstrual)")
        ax.set_ylabel(_y_label(points[0].method, scale))
        ax.set_title(title, fontsize=10, loc="left", color=INK)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _x_span(xs: list[float], periods: list[MassagePeriod], due: date) -> tuple[float, float]:
    edges = xs + [_weeks(p.start, due) for p in periods]
    edges += [_weeks(p.end + timedelta(days=1), due) for p in periods]
    return min(edges), max(edges)


def _shade_periods(ax: Axes, periods: list[MassagePeriod], due: date) -> None:
    """A band from the start of the first massage day to the end of the last, labelled above."""
    for number, period in enumerate(periods, start=1):
        left = _weeks(period.start, due)
        right = _weeks(period.end + timedelta(days=1), due)
        ax.axvspan(left, right, color=SHADE, alpha=0.8, linewidth=0, zorder=0)
        ax.text(
            (left + right) / 2,
            0.98,
            _period_label(period, number),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=7.5,
            color=MUTED,
        )


def _period_label(period: MassagePeriod, number: int) -> str:
    name = period.label or f"massage {number}"
    return f"{name}: {period.start:%d %b}–{period.end:%d %b}"


def _reference_lines(
    ax: Axes, point: GrowthPoint, scale: Scale, span: tuple[float, float], due: date
) -> None:
    lines = ((0.0, "-", "UK-WHO median"), (-2.0, "--", "±2 SDS"), (2.0, "--", None))
    for sds, style, label in lines:
        if scale == "sds":
            ax.axhline(sds, color=MUTED, linewidth=0.8, linestyle=style, zorder=1, label=label)
            continue
        curve = _reference_curve(point, sds, span)
        if curve:
            xs, ys = zip(*curve, strict=True)
            ax.plot(xs, ys, color=MUTED, linewidth=0.8, linestyle=style, label=label)


def _reference_curve(
    point: GrowthPoint, sds: float, span: tuple[float, float]
) -> list[tuple[float, float]]:
    """The UK-WHO line at ``sds`` from rcpchgrowth, every half week; ages without data skipped."""
    from rcpchgrowth import measurement_from_sds

    curve: list[tuple[float, float]] = []
    steps = int((span[1] - span[0]) * 2) + 1
    for step in range(steps + 1):
        weeks = span[0] + step / 2
        try:
            value = measurement_from_sds(
                REFERENCE, sds, point.method, point.sex, weeks * 7 / 365.25
            )
        except (LookupError, ValueError):
            continue
        if value is not None:
            curve.append((weeks, float(value) * (1000 if point.method == "weight" else 1)))
    return curve


def _description(
    points: list[GrowthPoint], periods: list[MassagePeriod], due: date, scale: Scale
) -> str:
    unit = "SDS" if scale == "sds" else ("g" if points[0].method == "weight" else "cm")
    measured = "; ".join(
        f"{p.observed_on}: {_shown(p, scale):.2f} {unit} at {_weeks(p.observed_on, due):.1f} weeks"
        for p in points
    )
    shaded = "; ".join(
        f"{p.label or f'massage {n}'} {p.start} to {p.end}" for n, p in enumerate(periods, start=1)
    )
    return (
        f"{NAMES[points[0].method].capitalize()} by corrected age. Measured: {measured}. "
        f"Massage periods: {shaded or 'none'}. Lines: the UK-WHO median and ±2 SDS."
    )


def _accessible(svg: str, chart_id: str, title: str, description: str) -> str:
    """Give the SVG root role="img" with a <title> and <desc> that screen readers announce."""
    start = svg.index("<svg")
    close = svg.index(">", start)
    labelled = f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
    elements = (
        f'\n <title id="{chart_id}-title">{html.escape(title)}</title>'
        f'\n <desc id="{chart_id}-desc">{html.escape(description)}</desc>'
    )
    return svg[:close] + labelled + svg[close : close + 1] + elements + svg[close + 1 :]
