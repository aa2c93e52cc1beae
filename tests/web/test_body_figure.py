"""The body figure: a silhouette, front and back, that session pages use as the body map.

The figure is checked the way a therapist would check it: every site they can tick is somewhere
on it, the child's left is where the child's left is, a baby looks like a baby, a finger can hit
each part on a phone, what the screening rules out says why and cannot be chosen, and the page it
draws is well-formed SVG that the Content-Security-Policy allows.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

from pedmassage.safety.contract import Modifications
from pedmassage.vocabulary import site_map
from pedmassage.web.body_figure import (
    BANDS,
    CENTRE,
    VIEW_HEIGHT,
    VIEW_WIDTH,
    Figure,
    Shape,
    ShapeState,
    band_for,
    figure_for,
    figure_states,
)
from pedmassage.web.rendering import STATIC_DIR, TEMPLATES
from pedmassage.web.session_fields import NEVER_OFFERED, SiteOption, body_map

SVG = "{http://www.w3.org/2000/svg}"
AGES = {"infant": 6, "toddler": 30, "child": 96, "adolescent": 170}
"""An age in months inside each band, youngest first."""
NARROWEST_VIEW_PX = 300
"""The narrowest a view is drawn (body-map.css) on any screen at least 390 px wide."""
FINGERTIP_PX = 44


Point = tuple[float, float]


def points(shape: Shape) -> list[Point]:
    """Every coordinate pair in the path data: corners, and the control points of rounded
    corners (which lie on the corners themselves)."""
    assert re.fullmatch(r"[MLQZ0-9.\s-]+", shape.d), shape.d
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape.d)]
    assert len(numbers) % 2 == 0
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def convex_hull(found: list[Point]) -> list[Point]:
    def turn(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    ordered = sorted(set(found))
    lower: list[Point] = []
    upper: list[Point] = []
    for p in ordered:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(ordered):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def narrowest(shape: Shape) -> float:
    """The shape's smallest extent in any direction (the width of its convex outline), in
    viewBox units: the dimension a fingertip has to fit across."""
    hull = convex_hull(points(shape))
    widths = []
    for i, a in enumerate(hull):
        b = hull[(i + 1) % len(hull)]
        edge = math.dist(a, b)
        widths.append(
            max(abs((b[0] - a[0]) * (a[1] - p[1]) - (a[0] - p[0]) * (b[1] - a[1])) for p in hull)
            / edge
        )
    return min(widths)


def shape(figure: Figure, site: str, view: str) -> Shape:
    return next(s for s in figure.shapes if s.site == site and s.view == view)


def offered_sites() -> list[str]:
    return [s for s in site_map().sites if s not in NEVER_OFFERED]


def options(
    blocked: dict[str, str] | None = None, gentle: frozenset[str] = frozenset()
) -> list[SiteOption]:
    """The body map's options as session_fields builds them, with the given restrictions."""
    blocked = blocked or {}
    sites = site_map()
    return [SiteOption(s, sites.label(s), blocked.get(s), s in gentle) for s in offered_sites()]


def state(states: list[ShapeState], site: str, view: str = "front") -> ShapeState:
    return next(s for s in states if s.site == site and s.view == view)


def body_figure(figure: Figure, states: list[ShapeState], **kwargs: Any) -> str:
    """The macro rendered by the app's own Jinja environment (strict about undefined names)."""
    macros = TEMPLATES.env.get_template("sessions/_body_figure.html").module
    html: Markup = macros.body_figure(figure, states, **kwargs)  # type: ignore[attr-defined]
    return str(html)


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(chunk) for chunk in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def site_paths(html: str) -> list[ET.Element]:
    return [
        path
        for svg in svgs(html)
        for path in svg.iter(f"{SVG}path")
        if "site" in path.get("class", "").split()
    ]


# Which figure ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age_months", "band"),
    [
        (None, "child"),
        (float("nan"), "child"),
        (-6, "infant"),  # a preterm baby's corrected age
        (0, "infant"),
        (11.9, "infant"),
        (12, "toddler"),
        (47.9, "toddler"),
        (48, "child"),
        (143.9, "child"),
        (144, "adolescent"),
        (215, "adolescent"),
    ],
)
def test_the_childs_age_chooses_the_proportions(age_months: float | None, band: str) -> None:
    assert band_for(age_months) == band
    assert figure_for(age_months).band == band


def test_every_band_is_drawn_in_the_same_frame_so_the_page_does_not_move() -> None:
    figures = [figure_for(age) for age in AGES.values()]

    assert {(f.width, f.height, f.view_box) for f in figures} == {
        (VIEW_WIDTH, VIEW_HEIGHT, f"0 0 {VIEW_WIDTH} {VIEW_HEIGHT}")
    }
    for figure in figures:
        for s in (*figure.shapes, *figure.not_offered):
            assert all(0 <= x <= VIEW_WIDTH and 0 <= y <= VIEW_HEIGHT for x, y in points(s)), s


def test_the_head_is_a_smaller_share_of_the_body_as_the_child_grows() -> None:
    shares = []
    for band, age in AGES.items():
        figure = figure_for(age)
        front = [p for s in figure.in_view("front") for p in points(s)]
        head = [p for site in ("head", "face") for p in points(shape(figure, site, "front"))]
        top, sole = min(y for _, y in front), max(y for _, y in front)
        share = (max(y for _, y in head) - min(y for _, y in head)) / (sole - top)
        assert share == pytest.approx(BANDS[band].head, abs=0.005)
        shares.append(share)

    assert shares == sorted(shares, reverse=True)
    assert shares[0] == pytest.approx(1 / 4, abs=0.01)  # a baby's head: a quarter of its length
    assert shares[-1] == pytest.approx(1 / 7, abs=0.01)  # an adolescent's: a seventh


def test_the_legs_are_a_larger_share_of_the_body_as_the_child_grows() -> None:
    def leg_share(figure: Figure) -> float:
        thigh = points(shape(figure, "thigh_left", "front"))
        foot = points(shape(figure, "foot_left", "front"))
        return (max(y for _, y in foot) - min(y for _, y in thigh)) / (VIEW_HEIGHT - 10)

    shares = [leg_share(figure_for(age)) for age in AGES.values()]

    assert shares == sorted(shares)
    assert shares[0] < shares[-1] - 0.1


# What is drawn ----------------------------------------------------------------------------------


@pytest.mark.parametrize("age", AGES.values())
def test_every_site_the_body_map_offers_is_drawn_by_itself_or_by_its_parts(age: float) -> None:
    figure = figure_for(age)
    sites = site_map()

    for site in offered_sites():
        assert sites.descendants(site) & figure.sites, f"{site} is nowhere on the figure"
    assert figure.sites <= set(sites.sites)


def test_the_views_draw_the_most_specific_sites_of_each_side() -> None:
    figure = figure_for(None)
    both_sides = ("arm", "hand", "hip", "thigh", "leg", "foot")

    def sided(*parts: str) -> set[str]:
        return {f"{part}_{side}" for part in parts for side in ("left", "right")}

    front = {s.site for s in figure.in_view("front")}
    back = {s.site for s in figure.in_view("back")}
    assert front == {"head", "face", "neck", "abdomen"} | sided("chest", *both_sides)
    assert back == {"head", "neck", "back_upper", "back_lower", "sacrum"} | sided(
        "shoulder", *both_sides
    )
    assert len(figure.shapes) == len({(s.site, s.view) for s in figure.shapes})  # once per view


def test_the_genital_area_completes_the_outline_but_is_never_a_site_to_choose() -> None:
    figure = figure_for(None)

    assert "genital" not in figure.sites
    assert [s.site for s in figure.not_offered] == ["genital"]
    html = body_figure(figure, figure_states(figure, options()))
    assert 'data-site="genital"' not in html
    assert html.count('class="not-offered"') == 1


@pytest.mark.parametrize("age", AGES.values())
def test_the_childs_left_is_on_the_viewers_right_from_the_front_and_left_from_behind(
    age: float,
) -> None:
    figure = figure_for(age)

    for s in figure.shapes:
        xs = [x for x, _ in points(s)]
        on_viewers_right = min(xs) > CENTRE
        on_viewers_left = max(xs) < CENTRE
        if s.site.endswith("_left"):
            assert on_viewers_right if s.view == "front" else on_viewers_left, s
        elif s.site.endswith("_right"):
            assert on_viewers_left if s.view == "front" else on_viewers_right, s
        else:
            assert min(xs) < CENTRE < max(xs), s  # a midline site straddles the midline


def test_each_view_says_which_side_is_the_childs_left() -> None:
    labels = {label.view: label for label in figure_for(None).labels}

    assert [label.view for label in figure_for(None).labels] == ["front", "back"]
    assert (labels["front"].title, labels["back"].title) == ("Front", "Back")
    assert (labels["front"].viewer_left, labels["front"].viewer_right) == (
        "Child's right",
        "Child's left",
    )
    assert (labels["back"].viewer_left, labels["back"].viewer_right) == (
        "Child's left",
        "Child's right",
    )


@pytest.mark.parametrize("age", AGES.values())
def test_every_shape_is_wide_enough_for_a_fingertip_on_a_phone(age: float) -> None:
    figure = figure_for(age)
    px_per_unit = NARROWEST_VIEW_PX / figure.width

    too_small = {
        (s.view, s.site): round(narrowest(s) * px_per_unit, 1)
        for s in figure.shapes
        if narrowest(s) * px_per_unit < FINGERTIP_PX
    }

    assert too_small == {}


# State -----------------------------------------------------------------------------------------


def test_ticking_a_region_marks_every_part_of_it_in_both_views() -> None:
    figure = figure_for(None)

    states = figure_states(figure, options(), planned={"back"}, chosen={"legs"})

    chosen = {(s.site, s.view) for s in states if s.chosen}
    assert chosen == {
        (f"{part}_{side}", view)
        for part in ("hip", "thigh", "leg", "foot")
        for side in ("left", "right")
        for view in ("front", "back")
    }
    assert {s.site for s in states if s.planned} == {
        "back_upper",
        "back_lower",
        "sacrum",
        "shoulder_left",
        "shoulder_right",
    }
    assert state(states, "foot_left").ancestors == ("leg_left", "legs", "whole_body")


def screened(**mods: Any) -> list[SiteOption]:
    """The body map's options exactly as the session pages build them from a screening."""
    return [o for _, group in body_map(Modifications(**mods)) for o in group]


def test_an_avoided_shape_gives_the_screenings_reason_and_cannot_be_chosen() -> None:
    figure = figure_for(None)

    states = figure_states(figure, screened(avoid_sites=["arm_left"]), chosen={"arms"})

    arm, hand = state(states, "arm_left"), state(states, "hand_left")
    assert arm.avoided and not arm.chosen
    assert arm.title.startswith("Arm (left) — avoided: ")
    assert hand.avoided and not hand.chosen  # part of the avoided arm
    assert state(states, "arm_right").chosen

    html = body_figure(figure, states)
    drawn = [p for p in site_paths(html) if p.get("data-site") == "arm_left"]
    assert len(drawn) == 2  # front and back
    for path in drawn:
        classes = path.get("class", "").split()
        assert "avoided" in classes and "chosen" not in classes
        assert path.findtext(f"{SVG}title") == arm.title


def test_one_avoided_site_leaves_the_rest_of_the_body_free() -> None:
    """A central line on the right chest rules out the right chest, not the hands: the whole
    body's own option is blocked (it contains the line) but is no guide for its other parts."""
    figure = figure_for(None)

    states = figure_states(figure, screened(avoid_sites=["chest_right"]))

    assert {s.site for s in states if s.avoided} == {"chest_right"}


def test_gentle_touch_follows_the_screening_down_to_the_parts_of_a_region() -> None:
    figure = figure_for(None)

    states = figure_states(figure, screened(gentle_sites=["chest"]), planned={"trunk"})

    assert {s.site for s in states if s.gentle} == {"chest_left", "chest_right"}
    assert state(states, "chest_left").title == "Chest (left) — gentle only; planned"
    assert "gentle" in state(states, "chest_left").classes.split()


def test_without_options_every_shape_is_allowed_and_named_from_the_vocabulary() -> None:
    figure = figure_for(None)

    states = figure_states(figure)

    assert not any(s.avoided or s.gentle or s.planned or s.chosen for s in states)
    assert state(states, "back_upper", "back").label == "Upper back and shoulders"
    assert state(states, "back_upper", "back").classes == "site"


# The macro ------------------------------------------------------------------------------------


def test_the_figure_is_well_formed_svg_with_one_path_per_shape() -> None:
    figure = figure_for(30)
    states = figure_states(figure, options({"face": "rash"}), planned={"arms"}, chosen={"back"})

    html = body_figure(figure, states)

    views = [svg for svg in svgs(html) if "body-figure-svg" in svg.get("class", "")]
    assert [svg.get("viewBox") for svg in views] == [figure.view_box] * 2
    paths = site_paths(html)
    assert len(paths) == len(figure.shapes)
    for path, s in zip(paths, states, strict=True):
        assert path.get("data-site") == s.site
        assert path.get("data-ancestors") == " ".join(s.ancestors)
        assert path.get("d") == s.shape.d
        assert path.findtext(f"{SVG}title") == s.title
    assert re.search(r'data-body-map="interactive"', html)


def test_the_interactive_figure_is_a_picture_beside_the_checkboxes_not_a_control() -> None:
    figure = figure_for(None)

    html = body_figure(figure, figure_states(figure, options()), caption="Tap what you worked on.")

    assert re.search(r'<div class="body-figure-views" aria-hidden="true">', html)
    for svg in svgs(html):
        assert svg.get("aria-hidden") == "true"
        assert svg.get("focusable") == "false"
        assert not [e for e in svg.iter() if "tabindex" in e.attrib]
    legend = re.search(r'<ul class="body-figure-legend">(.*?)</ul>', html, flags=re.S)
    assert legend is not None
    words = re.sub(r"<svg\b.*?</svg>|<[^>]+>", " ", legend.group(1), flags=re.S)
    for word in ("Planned", "Delivered", "Avoided", "Gentle only"):
        assert word in words
    assert "Tap what you worked on." in html
    assert "Child&#39;s left" in html and "Front" in html and "Back" in html


def test_the_picture_is_one_image_named_by_what_it_highlights() -> None:
    figure = figure_for(8)
    states = figure_states(
        figure, options({"chest_left": "central line"}), planned={"arm_left", "legs"}
    )

    html = body_figure(figure, states, interactive=False, caption="Step 2: stroke the arm.")

    label = re.search(r'<div class="body-figure-views" role="img" aria-label="([^"]*)"', html)
    assert label is not None
    assert label.group(1) == (
        "Body figure, front and back. Planned: Arm (left), Legs. "
        "Avoided: Chest (left) (central line)."
    )
    assert 'data-body-map="picture"' in html
    assert 'class="body-figure-views" aria-hidden' not in html
    assert all(svg.get("aria-hidden") == "true" for svg in svgs(html))  # inside the one image
    assert "Step 2: stroke the arm." in html
    assert "Delivered" not in html and "Gentle only" not in html  # the legend shows what is used


def test_a_picture_with_nothing_highlighted_says_so() -> None:
    figure = figure_for(None)

    html = body_figure(figure, figure_states(figure), interactive=False)

    assert 'aria-label="Body figure, front and back. No site highlighted."' in html
    assert "body-figure-legend" not in html


def test_nothing_on_the_figure_needs_an_inline_script_or_style() -> None:
    figure = figure_for(None)
    states = figure_states(figure, options({"neck": "tracheostomy"}), chosen={"arms"})
    macros = TEMPLATES.env.get_template("sessions/_body_figure.html").module

    html = body_figure(figure, states) + str(macros.body_figure_assets())  # type: ignore[attr-defined]

    assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", html)
    assert '<link rel="stylesheet" href="/static/body-map.css">' in html
    assert '<script src="/static/body-map.js" defer></script>' in html
    assert (STATIC_DIR / "body-map.css").is_file() and (STATIC_DIR / "body-map.js").is_file()


def test_two_figures_on_one_page_keep_their_hatching_patterns_apart() -> None:
    figure = figure_for(None)
    states = figure_states(figure, options({"neck": "tracheostomy"}))

    page = body_figure(figure, states, id="step-1") + body_figure(figure, states, id="step-2")

    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for url in re.findall(r'fill="url\(#([^)]+)\)"', page):
        assert url in ids


def test_every_state_the_figure_draws_has_a_style() -> None:
    css = Path(STATIC_DIR / "body-map.css").read_text()

    for selector in (
        ".site.planned",
        ".site.chosen",
        ".site.avoided",
        ".site.gentle",
        ".site-hatch",
        ".not-offered",
        ".site.focused",
    ):
        assert selector in css, selector
    assert "style=" not in css
