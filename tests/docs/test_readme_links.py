"""The README's tour points at files that exist: every image and relative link resolves, and
every screenshot kept under docs/screenshots/ is shown somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_and_image_in_the_readme_resolves() -> None:
    targets = [t for t in LINK.findall((ROOT / "README.md").read_text()) if "://" not in t]

    assert any(t.endswith(".png") for t in targets)
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, missing


def test_every_kept_screenshot_is_shown_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    unused = [
        p.name
        for p in (ROOT / "docs" / "screenshots").glob("*.png")
        if f"screenshots/{p.name}" not in readme
    ]
    assert not unused, unused
