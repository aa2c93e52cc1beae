"""The program lead at a desk: logs in, opens the outcomes dashboard at 1366×900 and downloads the
CSV behind a table; its rows add up to the numbers on the page."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page
from tests.e2e.conftest import ENGINES, log_in
from tests.identities import PASSWORD, token_for, username_of

from pedmassage.demo.registry import build_registry

LEAD = "L. Lead"


def test_the_lead_downloads_csvs_that_add_up_to_the_dashboard(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    engine = ENGINES[live_server]
    now = datetime.now(UTC)
    build_registry(engine=engine, children=40, sessions=400, sites=2, seed=11, now=now)
    token_for(engine, ("program_lead", LEAD))  # the lead's account, on every site
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, username_of("program_lead", LEAD), PASSWORD)
    page.goto(f"{live_server}/outcomes")
    assert page.get_by_role("heading", name="Program outcomes", level=1).is_visible()

    attempted = int(page.locator("#sessions-attempted").inner_text())
    on_page = sum(int(c) for c in page.locator("#instruments td.n-sessions").all_inner_texts())
    assert attempted > 0 and on_page > 0
    if shots := os.environ.get("PEDMASSAGE_SCREENSHOTS"):  # to look at the page by eye
        page.screenshot(path=f"{shots}/outcomes.png", full_page=True)

    section = page.locator("section", has=page.locator("#change"))
    with page.expect_download() as download:
        section.get_by_role("link", name="CSV").first.click()
    path = tmp_path / "instruments.csv"
    download.value.save_as(path)
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sum(int(r["n_sessions"]) for r in rows) == on_page

    weeks = page.locator("section", has=page.locator("#weeks"))
    with page.expect_download() as download:
        weeks.get_by_role("link", name="CSV").first.click()
    path = tmp_path / "weeks.csv"
    download.value.save_as(path)
    with path.open(encoding="utf-8") as f:
        assert sum(int(r["sessions"]) for r in csv.DictReader(f)) == attempted
