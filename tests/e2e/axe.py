"""Accessibility checks for a page open in Playwright: axe-core's rules, sideways scrolling, touch
target sizes, and a screenshot kept for a person to look at.

axe-core is the npm package pinned in package.json (``make test`` runs ``npm ci``); its script is
injected into the page under test, nothing is fetched from the network.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, TypedDict

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "accessibility"
"""Where screenshots go unless PEDMASSAGE_ARTIFACTS names another folder (gitignored)."""
TARGET = 44
"""The smallest touch target, in CSS pixels, both ways (WCAG 2.5.5 Target Size (Enhanced))."""


class Violation(TypedDict):
    id: str
    impact: str
    help: str
    targets: list[str]


class SmallTarget(TypedDict):
    element: str
    text: str
    width: float
    height: float


def violations(page: Page) -> list[Violation]:
    """Every axe-core violation on the page as it is now, of any impact (minor included)."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `npm ci` (make test does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id,
                impact: v.impact || "",
                help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [
        Violation(id=v["id"], impact=v["impact"], help=v["help"], targets=list(v["targets"]))
        for v in found
    ]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    excess: int = page.evaluate(
        "Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )
    return excess


# Interactive elements a finger has to hit. A checkbox or radio wrapped in its <label> is measured
# as the label, since a tap anywhere on the label checks it. An inline link counts unless WCAG
# 2.5.8's inline exception applies: the link sits in a sentence of running text, i.e. it is
# displayed inline inside a <p> (or <li>, <dd>, <figcaption>) whose text is more than the link's
# own, so its height is set by the line-height of the surrounding text.
SMALL_TARGETS_JS = """(minimum) => {
    const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary";
    const blocks = new Set(["P", "LI", "DD", "FIGCAPTION"]);
    const visible = el => {
        const style = getComputedStyle(el);
        if (style.visibility === "hidden" || style.display === "none") return false;
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.height > 0;
    };
    const inSentence = el => {
        if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
        const block = el.parentElement && el.parentElement.closest("p, li, dd, figcaption, td");
        if (!block || !blocks.has(block.tagName)) return false;
        const own = el.textContent.replace(/\\s+/g, "");
        const around = block.textContent.replace(/\\s+/g, "");
        return around.length > own.length;
    };
    const small = [];
    for (const el of document.querySelectorAll(selector)) {
        let target = el;
        if (el.matches("input[type=checkbox], input[type=radio]") && el.closest("label")) {
            target = el.closest("label");
        }
        if (!visible(target) || inSentence(el)) continue;
        const box = target.getBoundingClientRect();
        if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
            const id = el.id ? "#" + el.id : "";
            small.push({
                element: el.tagName.toLowerCase() + id,
                text: (el.textContent || el.getAttribute("aria-label") || el.name || "").trim(),
                width: Math.round(box.width * 10) / 10,
                height: Math.round(box.height * 10) / 10,
            });
        }
    }
    return small;
}"""


OVERFLOWING_JS = """() => {
    const width = window.innerWidth;
    const wide = el => el.getBoundingClientRect().right > width + 0.5;
    const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.classList.length ? "." + [...el.classList].join(".") : "");
    return [...document.body.querySelectorAll("*")]
        .filter(el => wide(el) && !(el.parentElement && wide(el.parentElement)))
        .slice(0, 5)
        .map(el => `${name(el)} (to ${Math.round(el.getBoundingClientRect().right)} px)`);
}"""


def overflowing(page: Page) -> list[str]:
    """The outermost elements reaching past the window's right edge, to say what scrolls."""
    found: list[str] = page.evaluate(OVERFLOWING_JS)
    return found


def small_targets(page: Page, minimum: int = TARGET) -> list[SmallTarget]:
    """Visible links, buttons, inputs, selects and summaries smaller than ``minimum`` px either
    way; links inside a sentence of running text are left out (WCAG 2.5.8's inline exception)."""
    found: list[dict[str, Any]] = page.evaluate(SMALL_TARGETS_JS, minimum)
    return [
        SmallTarget(element=t["element"], text=t["text"], width=t["width"], height=t["height"])
        for t in found
    ]


def save_screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot under test-artifacts/accessibility/ (or $PEDMASSAGE_ARTIFACTS)."""
    folder = Path(os.environ.get("PEDMASSAGE_ARTIFACTS") or ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def problems(page: Page, name: str) -> list[str]:
    """Everything wrong with the page at its viewport, one line each; keeps a screenshot."""
    save_screenshot(page, name)
    found = [
        f"{name}: axe {v['impact']} {v['id']} ({v['help']}): {', '.join(v['targets'][:5])}"
        for v in violations(page)
    ]
    if excess := horizontal_overflow(page):
        width = page.evaluate("window.innerWidth")
        wide = ", ".join(overflowing(page))
        found.append(f"{name}: scrolls sideways by {excess} px at {width} px wide: {wide}")
    found += [
        f"{name}: target {t['element']} {t['text'][:40]!r} is {t['width']}x{t['height']} px"
        for t in small_targets(page)
    ]
    return found
