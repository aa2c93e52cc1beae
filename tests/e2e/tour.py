"""Screenshots for the README's tour: written to docs/screenshots/ only when
PEDMASSAGE_SCREENSHOTS=1, so an ordinary test run never changes the repository."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

TOUR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def tour_shot(page: Page, name: str, *, full_page: bool = False) -> None:
    """The page as the README shows it (the first screen, unless ``full_page``)."""
    if os.environ.get("PEDMASSAGE_SCREENSHOTS") != "1":
        return
    TOUR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(TOUR / f"{name}.png"), full_page=full_page)
