"""The bedside flow in a real browser: open the child, screen, document a session, see it listed,
then open it from the history and sign it."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import ACCOUNTS, log_in

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "child.png"


def create_child(base_url: str) -> str:
    """A synthetic child on treatment for cancer, with today's labs and vitals, via the API."""
    taken = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    def measure(code: str, value: float, unit: str) -> dict[str, object]:
        return {"code": code, "value": value, "unit": unit, "taken_at": taken}

    child = {
        "display_name": "Amara Synthetic",
        "birth_date": "2019-03-14",
        "sex": "female",
        "ward": "Ward 4B",
        "conditions": [{"code": "cancer"}],
        "devices": [{"kind": "implanted_port", "site": "chest_right"}],
        "labs": [measure("platelets", 180, "10^9/L"), measure("anc", 2.5, "10^9/L")],
        "vitals": [
            measure("temperature", 36.8, "Cel"),
            measure("heart_rate", 96, "/min"),
            measure("respiratory_rate", 22, "/min"),
            measure("spo2", 98, "%"),
        ],
    }
    token = ACCOUNTS["therapist_token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(f"{base_url}/api/v1/children", json=child, headers=headers, timeout=10)
    response.raise_for_status()
    return str(response.json()["id"])


def score_items(page: Page, timepoint: str, instrument: str, option: int) -> float:
    """Answer every item of one timepoint with the ``option``-th value; returns the total."""
    total = 0.0
    selects = page.locator(f'select[name^="{timepoint}.{instrument}."]')
    for i in range(selects.count()):
        select = selects.nth(i)
        values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
        choice = values[min(option, len(values) - 1)]
        select.select_option(choice)
        total += float(choice)
    return total


@pytest.mark.e2e
def test_a_therapist_screens_and_documents_a_session_in_the_browser(
    live_server: str, page: Page
) -> None:
    child_id = create_child(live_server)
    log_in(page, live_server, ACCOUNTS["therapist_username"], ACCOUNTS["password"])
    record_one_session(page, live_server, child_id)
    sign_the_session(page, live_server, child_id)


def record_one_session(page: Page, base_url: str, child_id: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Amara Synthetic").click()
    expect(page).to_have_url(f"{base_url}/children/{child_id}")
    expect(page.get_by_role("heading", name="Amara Synthetic")).to_be_visible()

    page.get_by_role("link", name="Screen now").click()
    page.get_by_label("Therapist").fill("Sam Therapist")
    page.get_by_role("group", name="Guardian consent").get_by_label("Yes, confirmed").check()
    page.get_by_role("group", name="The child's own yes or no").get_by_label("Yes").check()
    page.get_by_role("button", name="Screen").click()
    expect(page).to_have_url(re.compile(r"/screenings/[0-9A-Z]{26}$"))
    expect(page.locator(".decision-word")).to_have_text(re.compile("Proceed|Modify"))

    page.get_by_role("link", name="Document session").click()
    expect(page.get_by_role("heading", name="Document the session")).to_be_visible()
    page.get_by_label("Guardian consent given by").fill("Mother, in person")
    instrument = page.get_by_label("Pain scale").input_value()
    pre = score_items(page, "pre", instrument, option=3)
    post = score_items(page, "post", instrument, option=1)
    page.get_by_label("The child's response").fill("Settled quickly.")
    page.get_by_role("button", name="Save session").click()

    expect(page).to_have_url(f"{base_url}/children/{child_id}#sessions")
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(1)
    expect(history.first.locator("td.scores")).to_have_text(f"{pre:g} → {post:g}")
    expect(history.first).to_contain_text("Sam Therapist")
    chart = page.get_by_role("img", name="Pain scores before and after each session")
    expect(chart).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
    )
    if os.environ.get("PEDMASSAGE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)


def sign_the_session(page: Page, base_url: str, child_id: str) -> None:
    """From the child's history to the session's page; once signed, nothing is editable."""
    row = page.locator("table.history tbody tr").first
    expect(row.locator(".badge-state")).to_have_text("Completed")
    row.locator("a.row-link").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base_url)}/sessions/[0-9A-Z]{{26}}$"))
    expect(page.locator(".badge-state")).to_have_text("Completed")
    expect(page.get_by_text("Guardian consent", exact=True)).to_be_visible()

    page.get_by_label("Signed by").fill("Sam Therapist")
    page.get_by_role("button", name="Sign", exact=True).click()

    expect(page.get_by_text(re.compile(r"Signed by Sam Therapist at .* UTC"))).to_be_visible()
    expect(page.locator(".badge-state")).to_have_text("Signed")
    expect(page.get_by_role("button", name="Sign", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Record adverse event")).to_have_count(0)
    expect(page.get_by_role("button", name="Add addendum")).to_be_visible()
    page.get_by_role("link", name="← Amara Synthetic").click()
    expect(page).to_have_url(f"{base_url}/children/{child_id}")
    expect(page.locator("table.history .badge-state").first).to_have_text("Signed")
