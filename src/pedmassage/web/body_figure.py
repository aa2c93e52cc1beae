"""The body map as a picture: a child's silhouette, front and back, with one shape per body site.

The checkbox list of sites stays the form's real control; the figure is a faster, touch-friendly
way to fill it in and to see at a glance what the plan asks for and what the screening rules out.
Everything here is geometry and state, with no database or web framework, so the same figure can
be drawn on the session form, on the signed record and in a parent's step-by-step routine.

The outline is computed from a handful of proportions per age band rather than typed in by hand:
a newborn's head is a quarter of its length and an adolescent's a seventh, and a figure with
the wrong proportions makes a parent hesitate over where "the hip" is. Every tappable shape is
kept at least :data:`TAP` units across, so a fingertip hits the site it aims at.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Protocol

from pedmassage.development import GestationalAge, age_profile
from pedmassage.planning.catalogue import NEVER_MASSAGED
from pedmassage.vocabulary import site_map

VIEWS = ("front", "back")
"""The two views, in the order they are drawn."""

VIEW_WIDTH = 200
VIEW_HEIGHT = 440
"""Each view's viewBox. It is the same for every age band, so a page's layout never shifts with
the child's age; only the figure inside changes."""

MARGIN = 5.0
BODY_HEIGHT = VIEW_HEIGHT - 2 * MARGIN
CENTRE = VIEW_WIDTH / 2
"""The body's midline: the line between the child's left and right."""

TAP = 30.0
"""The smallest extent, in viewBox units, of a shape other than a hand or a foot. A view is never
drawn narrower than 300 CSS px in the stylesheet's layout (1.5 px per unit), so 30 units is at
least 44 CSS px, the touch-target size of WCAG 2.5.5."""

GAP = 1.0
"""Half the space left between a left shape and its right twin, so each stays on its own side of
the midline and the outlines do not merge."""

NOT_OFFERED = NEVER_MASSAGED
"""The one site drawn only to complete the silhouette: it is never massaged, so never selectable."""


@dataclass(frozen=True)
class Proportions:
    """How one age band's body is built: fractions of the body's height, widths in units.

    Lengths follow the usual paediatric growth proportions (the head's share of height falls from
    about a quarter at birth to a seventh in adolescence while the legs lengthen); widths are
    stylised, wide enough to tap, and plumper for the youngest.

    ``head``, ``leg`` (crotch to sole), ``arm`` (shoulder to wrist) and ``hand`` are shares of
    the body's height; ``head_width`` is the head's width over its height; ``shoulder``,
    ``waist`` and ``hip`` are half-widths and ``knee`` the leg's width at the knee, in units.
    """

    band: str
    label: str
    head: float
    leg: float
    arm: float
    hand: float
    head_width: float
    shoulder: float
    waist: float
    hip: float
    knee: float


BANDS: dict[str, Proportions] = {
    p.band: p
    for p in (
        Proportions(
            band="infant",
            label="Infant (under 12 months)",
            head=1 / 4,
            leg=0.33,
            arm=0.29,
            hand=0.09,
            head_width=0.86,
            shoulder=44,
            waist=42,
            hip=42,
            knee=36,
        ),
        Proportions(
            band="toddler",
            label="Toddler (1 to 3 years)",
            head=1 / 5,
            leg=0.38,
            arm=0.32,
            hand=0.09,
            head_width=0.83,
            shoulder=43,
            waist=39,
            hip=39,
            knee=34,
        ),
        Proportions(
            band="child",
            label="Child (4 to 11 years)",
            head=1 / 6,
            leg=0.44,
            arm=0.35,
            hand=0.1,
            head_width=0.8,
            shoulder=42,
            waist=36,
            hip=37,
            knee=33,
        ),
        Proportions(
            band="adolescent",
            label="Adolescent (12 years and over)",
            head=1 / 7,
            leg=0.47,
            arm=0.37,
            hand=0.1,
            head_width=0.76,
            shoulder=44,
            waist=35,
            hip=38,
            knee=33,
        ),
    )
}
"""The age bands, youngest first."""


def band_for(age_months: float | None) -> str:
    """The age band whose proportions fit a child of ``age_months``.

    An unknown age draws a school-age child, the middle of the program's range. A negative age
    (a preterm baby's corrected age before term) is an infant, not an error.
    """
    if age_months is None or math.isnan(age_months):
        return "child"
    if age_months < 12:
        return "infant"
    if age_months < 48:
        return "toddler"
    if age_months < 144:
        return "child"
    return "adolescent"


@dataclass(frozen=True)
class Shape:
    """One site as drawn in one view; ``d`` is SVG path data in the view's viewBox units."""

    site: str
    view: str
    d: str


@dataclass(frozen=True)
class ViewLabels:
    """The words around one view, so nobody has to guess whose left is meant: the view's name,
    and which of the child's sides lies on the viewer's left and right."""

    view: str
    title: str
    viewer_left: str
    viewer_right: str


@dataclass(frozen=True)
class Figure:
    """The whole body map for one age band: the site shapes of both views, in drawing order, and
    the shapes that only complete the silhouette (``not_offered``, never selectable)."""

    band: str
    width: int
    height: int
    shapes: tuple[Shape, ...]
    labels: tuple[ViewLabels, ...]
    not_offered: tuple[Shape, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def band_label(self) -> str:
        return BANDS[self.band].label

    @property
    def sites(self) -> frozenset[str]:
        """Every site drawn by a shape of its own."""
        return frozenset(s.site for s in self.shapes)

    def in_view(self, view: str) -> tuple[Shape, ...]:
        return tuple(s for s in self.shapes if s.view == view)


class SiteChoice(Protocol):
    """What the figure needs from a body-map option (``session_fields.SiteOption`` fits): why the
    site may not be touched, if it may not, and whether only gentle touch is allowed."""

    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def blocked(self) -> str | None: ...

    @property
    def gentle(self) -> bool: ...


@dataclass(frozen=True)
class ShapeState:
    """A shape with what the page knows about its site.

    ``ancestors`` are the regions containing the site, nearest first, without the site itself:
    ticking any of them covers this shape. ``avoided`` is the screening's reason when the site (or
    a region containing it) may not be touched; an avoided shape is never ``chosen``.
    """

    shape: Shape
    label: str
    ancestors: tuple[str, ...]
    avoided: str | None
    gentle: bool
    planned: bool
    chosen: bool

    @property
    def site(self) -> str:
        return self.shape.site

    @property
    def view(self) -> str:
        return self.shape.view

    @property
    def highlighted(self) -> bool:
        """Planned or chosen, and allowed: what a picture of the routine points at."""
        return (self.planned or self.chosen) and self.avoided is None

    @property
    def classes(self) -> str:
        """The CSS classes that draw the state; the words are in :attr:`title` and the legend."""
        names = ["site"]
        names += [
            name
            for name, on in (
                ("planned", self.planned),
                ("chosen", self.chosen),
                ("gentle", self.gentle),
                ("avoided", self.avoided is not None),
            )
            if on
        ]
        return " ".join(names)

    @property
    def title(self) -> str:
        """The tooltip: the site's name, then what limits or asks for it."""
        notes = []
        if self.avoided is not None:
            notes.append(f"avoided: {self.avoided}")
        if self.gentle:
            notes.append("gentle only")
        if self.planned:
            notes.append("planned")
        return f"{self.label} — {'; '.join(notes)}" if notes else self.label


class FigureStates(list[ShapeState]):
    """The states of every shape, with the sentences that name them for a screen reader."""

    def _avoided_names(self) -> list[str]:
        """Each avoided region with the screening's reason."""
        reasons: dict[str, set[str]] = {}
        for s in self:
            if s.avoided is not None:
                reasons.setdefault(s.avoided, set()).add(s.site)
        drawn = {s.site for s in self}
        return [
            f"{name} ({reason})"
            for reason, marked in reasons.items()
            for name in _collapsed(marked, drawn)
        ]

    def describe(self) -> str:
        """One sentence for a picture of the figure (``role="img"``): what is highlighted, what
        is avoided, and where only gentle touch is allowed."""
        allowed = [s for s in self if s.avoided is None]
        drawn = {s.site for s in self}
        parts = ["Body figure, front and back."]
        for heading, marked in (
            ("Planned", {s.site for s in allowed if s.planned}),
            ("Delivered", {s.site for s in allowed if s.chosen}),
        ):
            if names := _collapsed(marked, drawn):
                parts.append(f"{heading}: {', '.join(names)}.")
        if not any(s.highlighted for s in self):
            parts.append("No site highlighted.")
        if avoided := self._avoided_names():
            parts.append(f"Avoided: {', '.join(avoided)}.")
        if gentle := _collapsed({s.site for s in allowed if s.gentle}, drawn):
            parts.append(f"Gentle only: {', '.join(gentle)}.")
        return " ".join(parts)


def _collapsed(marked: set[str], drawn: set[str]) -> list[str]:
    """Labels of the largest regions whose drawn parts are all in ``marked``, in vocabulary
    order."""
    sites = site_map()

    def whole(region: str) -> bool:
        parts = sites.descendants(region) & drawn
        return bool(parts) and parts <= marked

    return [
        sites.label(site)
        for site, entry in sites.sites.items()
        if whole(site) and (entry.parent is None or not whole(entry.parent))
    ]


def figure_states(
    figure: Figure,
    options: Iterable[SiteChoice] = (),
    planned: Collection[str] = (),
    chosen: Collection[str] = (),
) -> FigureStates:
    """Each shape of ``figure`` with its state.

    A shape is avoided or gentle as its own site's option says (the screening's allowance already
    covers restrictions on a region containing it), and planned or chosen when its site or any
    region containing it is in ``planned`` or ``chosen``: a tick on a region applies to its
    parts. Sites without an option are neither avoided nor gentle.
    """
    sites = site_map()
    by_site = {o.id: o for o in options}
    planned_set, chosen_set = set(planned), set(chosen)
    states = FigureStates()
    for shape in figure.shapes:
        chain = sites.ancestors(shape.site)
        own = by_site.get(shape.site)
        # The site's own option already says whether a region containing it is avoided or
        # gentle (``safety.allowance``); a containing region's option is no guide, because a
        # region is blocked as soon as any part of it is (the whole body, for one central line).
        reason = own.blocked if own else None
        gentle = bool(own and own.gentle)
        states.append(
            ShapeState(
                shape=shape,
                label=own.label if own else sites.label(shape.site),
                ancestors=tuple(chain[1:]),
                avoided=reason,
                gentle=gentle,
                planned=not planned_set.isdisjoint(chain),
                chosen=reason is None and not chosen_set.isdisjoint(chain),
            )
        )
    return states


# Geometry ----------------------------------------------------------------------------------------

Vertex = tuple[float, float, float]
"""x, y and the radius its corner is rounded by (0: a sharp corner)."""


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _path(vertices: Sequence[Vertex]) -> str:
    """A closed path through ``vertices``, each corner rounded by a quadratic curve whose control
    point is the corner itself, so the curve never leaves the polygon's outline."""
    pieces: list[str] = []
    count = len(vertices)
    for i, (x, y, radius) in enumerate(vertices):
        if radius <= 0:
            pieces.append(f"{'M' if not pieces else 'L'}{_number(x)} {_number(y)}")
            continue
        before, after = vertices[i - 1], vertices[(i + 1) % count]
        into = _toward((x, y), before, radius)
        out = _toward((x, y), after, radius)
        pieces.append(f"{'M' if not pieces else 'L'}{_number(into[0])} {_number(into[1])}")
        pieces.append(f"Q{_number(x)} {_number(y)} {_number(out[0])} {_number(out[1])}")
    return " ".join(pieces) + " Z"


def _toward(corner: tuple[float, float], other: Vertex, radius: float) -> tuple[float, float]:
    dx, dy = other[0] - corner[0], other[1] - corner[1]
    length = math.hypot(dx, dy)
    share = min(radius / length, 0.5) if length else 0.0
    return corner[0] + dx * share, corner[1] + dy * share


@dataclass(frozen=True)
class _Frame:
    """The body's landmarks for one band, in viewBox units (y grows downward)."""

    p: Proportions
    top: float
    head_bottom: float
    face_top: float
    shoulder: float
    chest_bottom: float
    waist: float
    crotch: float
    knee: float
    ankle: float
    sole: float
    head_rx: float
    neck_half: float

    @property
    def head_ry(self) -> float:
        return (self.head_bottom - self.top) / 2

    @property
    def head_cy(self) -> float:
        return self.top + self.head_ry

    @property
    def pelvis(self) -> float:
        return self.crotch - self.waist

    def head_point(self, t: float) -> tuple[float, float]:
        """A point on the head's outline; ``t`` is the angle clockwise from the crown."""
        return self.head_rx * math.sin(t), self.head_cy - self.head_ry * math.cos(t)


SLOPE = 8.0
"""How far the shoulders fall from the base of the neck to the arm."""


def _frame(p: Proportions) -> _Frame:
    """Where the head, neck, trunk and legs begin and end for this band.

    Lengths that the band's proportions would make too short to tap (the neck, the feet, the
    halves of the head) are stretched to :data:`TAP`; the trunk takes up what is left.
    """
    top = MARGIN
    head = BODY_HEIGHT * p.head
    head_bottom = top + head
    split = min(max(head * 0.45, TAP), head - TAP)
    shoulder = head_bottom + TAP
    sole = top + BODY_HEIGHT
    crotch = sole - BODY_HEIGHT * p.leg
    trunk = crotch - shoulder
    chest_bottom = shoulder + 0.42 * trunk
    waist = chest_bottom + 0.32 * trunk
    ankle = sole - TAP
    knee = crotch + 0.52 * (ankle - crotch)
    head_rx = head * p.head_width / 2
    return _Frame(
        p=p,
        top=top,
        head_bottom=head_bottom,
        face_top=top + split,
        shoulder=shoulder,
        chest_bottom=chest_bottom,
        waist=waist,
        crotch=crotch,
        knee=knee,
        ankle=ankle,
        sole=sole,
        head_rx=head_rx,
        neck_half=max(TAP / 2 + 1, head_rx * 0.5),
    )


Outline = list[Vertex]
"""A shape's corners as offsets from the midline: positive ``x`` is toward the child's left."""


def _head_arc(f: _Frame, start: float, end: float, steps: int = 24) -> Outline:
    return [(*f.head_point(start + (end - start) * i / steps), 0.0) for i in range(steps + 1)]


def _chord_angle(f: _Frame, y: float) -> float:
    """The angle from the crown at which the head's outline crosses the line at height ``y``."""
    return math.acos(max(-1.0, min(1.0, (f.head_cy - y) / f.head_ry)))


def _neck(f: _Frame) -> Outline:
    """From under the chin (following the head's outline) down to the shoulders."""
    reach = math.asin(min(1.0, f.neck_half / f.head_rx))
    chin = _head_arc(f, math.pi - reach, math.pi + reach, 8)
    return [*chin, (-f.neck_half, f.shoulder, 0.0), (f.neck_half, f.shoulder, 0.0)]


def _shoulder_top(f: _Frame, x: float) -> float:
    """The height of the shoulder line at ``x`` units from the midline."""
    if x <= f.neck_half:
        return f.shoulder
    return f.shoulder + SLOPE * (x - f.neck_half) / (f.p.shoulder - f.neck_half)


def _chest_half(f: _Frame) -> Outline:
    w = f.p.shoulder
    return [
        (GAP, f.shoulder, 0.0),
        (f.neck_half, f.shoulder, 0.0),
        (w, f.shoulder + SLOPE, 10.0),
        (w, f.chest_bottom, 0.0),
        (GAP, f.chest_bottom, 0.0),
    ]


def _waist_band(f: _Frame) -> Outline:
    w = f.p.shoulder
    return [
        (-w, f.chest_bottom, 0.0),
        (w, f.chest_bottom, 0.0),
        (f.p.waist, f.waist, 0.0),
        (-f.p.waist, f.waist, 0.0),
    ]


NOTCH_WIDTH = 10.0


def _notch_height(f: _Frame) -> float:
    return 0.45 * f.pelvis


def _hip_front(f: _Frame) -> Outline:
    """The side of the pelvis, from the waist to the top of the thigh, beside the genital area."""
    return [
        (GAP, f.waist, 0.0),
        (f.p.waist, f.waist, 0.0),
        (f.p.hip, f.waist + 0.5 * f.pelvis, 6.0),
        (f.p.hip, f.crotch, 0.0),
        (NOTCH_WIDTH, f.crotch, 0.0),
        (GAP, f.crotch - _notch_height(f), 0.0),
    ]


def _genital(f: _Frame) -> Outline:
    return [
        (-GAP, f.crotch - _notch_height(f), 0.0),
        (GAP, f.crotch - _notch_height(f), 0.0),
        (NOTCH_WIDTH, f.crotch, 0.0),
        (-NOTCH_WIDTH, f.crotch, 0.0),
    ]


def _sacrum_half_width(f: _Frame) -> float:
    return max(TAP / 2 + 2, f.p.waist * 0.48)


def _sacrum(f: _Frame) -> Outline:
    w = _sacrum_half_width(f)
    shoulder = f.waist + 0.4 * f.pelvis
    return [
        (-w, f.waist, 0.0),
        (w, f.waist, 0.0),
        (w, shoulder, 0.0),
        (0.0, f.crotch - 1, 0.0),
        (-w, shoulder, 0.0),
    ]


def _hip_back(f: _Frame) -> Outline:
    """The buttock and the back of the hip, beside the sacrum."""
    w = _sacrum_half_width(f)
    return [
        (w + GAP, f.waist, 0.0),
        (f.p.waist, f.waist, 0.0),
        (f.p.hip, f.waist + 0.5 * f.pelvis, 6.0),
        (f.p.hip, f.crotch, 8.0),
        (GAP, f.crotch, 0.0),
        (GAP, f.crotch - 2, 0.0),
        (w + GAP, f.waist + 0.4 * f.pelvis, 0.0),
    ]


def _shoulder_blade(f: _Frame) -> tuple[float, float]:
    """Where a shoulder begins (units from the midline) and how far down it reaches."""
    inner = f.p.shoulder - TAP
    depth = max(TAP + SLOPE, 0.55 * (f.chest_bottom - f.shoulder))
    return inner, f.shoulder + depth


def _shoulder(f: _Frame) -> Outline:
    inner, bottom = _shoulder_blade(f)
    corners: Outline = [(inner, _shoulder_top(f, inner), 0.0)]
    if inner < f.neck_half:
        corners.append((f.neck_half, f.shoulder, 0.0))
    return [
        *corners,
        (f.p.shoulder, f.shoulder + SLOPE, 10.0),
        (f.p.shoulder, bottom, 0.0),
        (inner, bottom, 0.0),
    ]


def _back_upper(f: _Frame) -> Outline:
    """The upper back between and below the shoulders."""
    inner, bottom = _shoulder_blade(f)
    w = f.p.shoulder
    top = _shoulder_top(f, inner)
    return [
        (-inner, top, 0.0),
        (inner, top, 0.0),
        (inner, bottom, 0.0),
        (w, bottom, 0.0),
        (w, f.chest_bottom, 0.0),
        (-w, f.chest_bottom, 0.0),
        (-w, bottom, 0.0),
        (-inner, bottom, 0.0),
    ]


LEG_GAP = (1.5, 3.0, 4.0)
"""Half the space between the legs at the crotch, the knee and the ankle."""
ANKLE = 30.0
FOOT = 38.0


def _thigh(f: _Frame) -> Outline:
    crotch_gap, knee_gap, _ = LEG_GAP
    return [
        (crotch_gap, f.crotch, 0.0),
        (f.p.hip, f.crotch, 0.0),
        (knee_gap + f.p.knee, f.knee, 0.0),
        (knee_gap, f.knee, 0.0),
    ]


def _lower_leg(f: _Frame) -> Outline:
    _, knee_gap, ankle_gap = LEG_GAP
    calf = f.knee + 0.3 * (f.ankle - f.knee)
    return [
        (knee_gap, f.knee, 0.0),
        (knee_gap + f.p.knee, f.knee, 0.0),
        (knee_gap + f.p.knee + 2, calf, 8.0),
        (ankle_gap + ANKLE, f.ankle, 0.0),
        (ankle_gap, f.ankle, 0.0),
    ]


def _foot(f: _Frame) -> Outline:
    _, _, ankle_gap = LEG_GAP
    return [
        (ankle_gap, f.ankle, 0.0),
        (ankle_gap + ANKLE, f.ankle, 0.0),
        (ankle_gap + FOOT, f.sole, 10.0),
        (ankle_gap, f.sole, 6.0),
    ]


ARM_GAP = 3.0
ARM_TOP = 33.0
WRIST = 30.0
HAND = 31.0


def _arm_axis(f: _Frame) -> tuple[float, float, float]:
    """Where the arm hangs from and the angle it is held out at.

    The arm is held a few degrees out from the body, more when the hips are wider than the
    shoulders (an infant's), so the hand never lies over the hip.
    """
    x0 = f.p.shoulder + ARM_GAP + ARM_TOP / 2
    y0 = f.shoulder + SLOPE - 4
    widest = f.waist + 0.5 * f.pelvis
    needed = math.atan2(f.p.hip + ARM_GAP - (f.p.shoulder + ARM_GAP), widest - y0)
    return x0, y0, max(math.radians(4), needed)


def _along_arm(f: _Frame, outline: Iterable[tuple[float, float, float]]) -> Outline:
    """Points given along the arm (distance from the shoulder, distance out from its axis) as
    offsets from the body's midline."""
    x0, y0, angle = _arm_axis(f)
    sin, cos = math.sin(angle), math.cos(angle)
    return [(x0 + a * sin + c * cos, y0 + a * cos - c * sin, r) for a, c, r in outline]


def _arm_length(f: _Frame) -> float:
    return BODY_HEIGHT * f.p.arm


def _arm(f: _Frame) -> Outline:
    length = _arm_length(f)
    top, wrist = ARM_TOP / 2, WRIST / 2
    return _along_arm(
        f,
        [
            (0.0, -top, 12.0),
            (-2.0, top, 14.0),
            (length, wrist, 0.0),
            (length, -wrist, 0.0),
        ],
    )


def _hand(f: _Frame) -> Outline:
    start = _arm_length(f)
    length = max(BODY_HEIGHT * f.p.hand, TAP + 6)
    wrist, hand = WRIST / 2, HAND / 2
    return _along_arm(
        f,
        [
            (start, -wrist, 0.0),
            (start, wrist, 0.0),
            (start + length * 0.55, hand, 10.0),
            (start + length, 0.0, 14.0),
            (start + length * 0.55, -hand, 10.0),
        ],
    )


def _scalp(f: _Frame) -> Outline:
    reach = _chord_angle(f, f.face_top)
    return _head_arc(f, -reach, reach)


def _face(f: _Frame) -> Outline:
    reach = _chord_angle(f, f.face_top)
    return _head_arc(f, reach, 2 * math.pi - reach)


def _whole_head(f: _Frame) -> Outline:
    return _head_arc(f, 0.0, 2 * math.pi, 48)[:-1]


CENTRAL_FRONT = (("head", _scalp), ("face", _face), ("neck", _neck), ("abdomen", _waist_band))
CENTRAL_BACK = (
    ("head", _whole_head),
    ("neck", _neck),
    ("back_upper", _back_upper),
    ("back_lower", _waist_band),
    ("sacrum", _sacrum),
)
SIDED_FRONT = (
    ("chest", _chest_half),
    ("arm", _arm),
    ("hand", _hand),
    ("hip", _hip_front),
    ("thigh", _thigh),
    ("leg", _lower_leg),
    ("foot", _foot),
)
SIDED_BACK = (
    ("shoulder", _shoulder),
    ("arm", _arm),
    ("hand", _hand),
    ("hip", _hip_back),
    ("thigh", _thigh),
    ("leg", _lower_leg),
    ("foot", _foot),
)
"""What each view draws: whole shapes on the midline, and shapes drawn once per side (the site is
the part's name with ``_left`` or ``_right``)."""


def _placed(outline: Outline, mirror: float) -> str:
    return _path([(CENTRE + mirror * x, y, r) for x, y, r in outline])


def _viewer_side(view: str, side: str) -> float:
    """+1 when the child's ``side`` is on the viewer's right in ``view``.

    Facing the viewer (front), the child's left is on the viewer's right; seen from behind, the
    child's left is on the viewer's left, as on the child's own body.
    """
    return 1.0 if (view == "front") == (side == "left") else -1.0


def child_figure(birth_date: date, ga_weeks: int, ga_days: int, on: date) -> Figure:
    """The figure for a child on ``on``, read on the age ``development.age`` says counts (the
    corrected age of a child born preterm, where that applies)."""
    ages = age_profile(birth_date, GestationalAge(ga_weeks, ga_days), on)
    return figure_for(ages.effective_months)


def figure_for(age_months: float | None) -> Figure:
    """The body map drawn with the proportions of a child of ``age_months`` (see
    :func:`band_for`)."""
    return _figure(band_for(age_months))


@cache
def _figure(band: str) -> Figure:
    f = _frame(BANDS[band])
    shapes: list[Shape] = []
    for view, central, sided in (
        ("front", CENTRAL_FRONT, SIDED_FRONT),
        ("back", CENTRAL_BACK, SIDED_BACK),
    ):
        shapes += [Shape(site, view, _placed(make(f), 1.0)) for site, make in central]
        shapes += [
            Shape(f"{part}_{side}", view, _placed(make(f), _viewer_side(view, side)))
            for part, make in sided
            for side in ("right", "left")
        ]
    return Figure(
        band=band,
        width=VIEW_WIDTH,
        height=VIEW_HEIGHT,
        shapes=tuple(shapes),
        labels=tuple(
            ViewLabels(
                view=view,
                title=view.capitalize(),
                viewer_left="Child's left" if _viewer_side(view, "left") < 0 else "Child's right",
                viewer_right="Child's left" if _viewer_side(view, "left") > 0 else "Child's right",
            )
            for view in VIEWS
        ),
        not_offered=(Shape(NOT_OFFERED, "front", _placed(_genital(f), 1.0)),),
    )
