"""A real server for browser tests: uvicorn in a background thread on a free 127.0.0.1 port, over
a fresh migrated SQLite file, and a headless Chromium from the system (nothing is downloaded)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import Engine
from tests.identities import PASSWORD, ensure_site, token_for, username_of
from tests.live import serving

from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.db import make_engine
from pedmassage.migrations import upgrade

CHROMIUM = Path("/usr/bin/chromium")
THERAPIST = "Sam Therapist"
ACCOUNTS: dict[str, str] = {}
"""The live server's accounts, made with it: a therapist's API token."""
ENGINES: dict[str, Engine] = {}
"""The live server's database by base URL, for tests that make further accounts on it."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture()
def page() -> Iterator[Page]:
    """A tablet-sized page in the system Chromium.

    Skips on a workstation without Chromium; on CI a missing browser is a failure.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install the chromium package to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser.new_page(viewport={"width": 1024, "height": 1366})
        finally:
            browser.close()


@pytest.fixture()
def live_server(tmp_path: Path) -> Iterator[str]:
    """The whole app served over HTTP; yields its base URL and stops it cleanly afterwards."""
    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    ensure_site(engine)
    ACCOUNTS["therapist_token"] = token_for(engine, ("therapist", THERAPIST))
    ACCOUNTS["therapist_username"] = username_of("therapist", THERAPIST)
    ACCOUNTS["password"] = PASSWORD
    app = create_app(Settings(database_url=url, demo=True), engine=engine)
    with serving(app) as base_url:
        ENGINES[base_url] = engine
        try:
            yield base_url
        finally:
            ENGINES.pop(base_url, None)
            engine.dispose()


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Log in through the login page, as a person would."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
