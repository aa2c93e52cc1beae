"""The bedside flow in a real browser: open the child and its screening, document the session
given since, see it listed, then open it from the history and sign it; and a screening made moments
ago, whose session is still under way, which the one-step form sends to "Start a session now"."""

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
    taken = (datetime.now(UTC) - timedelta(hours=2)).isoformat()

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
    response = httpx.post(f"{base_url}/api/v1/children", json=child, headers=bearer(), timeout=10)
    response.raise_for_status()
    return str(response.json()["id"])


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {ACCOUNTS['therapist_token']}"}


def screened_an_hour_ago(base_url: str, child_id: str) -> None:
    """The bedside screening, made an hour ago on a tablet through the API: the session given on
    it since has ended and can be documented at once."""
    screening = {
        "therapist": "Sam Therapist",
        "assessed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "guardian_consent": True,
        "child_assent": True,
    }
    url = f"{base_url}/api/v1/children/{child_id}/screenings"
    httpx.post(url, json=screening, headers=bearer(), timeout=10).raise_for_status()


def score_items(page: Page, timepoint: str, instrument: str, option: int) -> float:
    """Answer every item of one timepoint with its ``option``-th choice, whether the item offers
    its choices as a list or as buttons; returns the total."""
    total = 0.0
    inputs = page.locator(f'[name^="{timepoint}.{instrument}."]')
    for name in dict.fromkeys(inputs.evaluate_all("els => els.map(e => e.name)")):
        item = page.locator(f'[name="{name}"]')
        if item.first.evaluate("e => e.tagName") == "SELECT":
            values = item.locator("option").evaluate_all("options => options.map(o => o.value)")
            choice = values[min(option, len(values) - 1)]
            item.select_option(choice)
        else:
            values = item.evaluate_all("radios => radios.map(r => r.value)")
            index = min(option, len(values) - 1)
            item.nth(index).check()
            choice = values[index]
        total += float(choice)
    return total


@pytest.mark.e2e
def test_a_therapist_documents_a_session_given_since_the_screening_in_the_browser(
    live_server: str, page: Page
) -> None:
    child_id = create_child(live_server)
    screened_an_hour_ago(live_server, child_id)
    log_in(page, live_server, ACCOUNTS["therapist_username"], ACCOUNTS["password"])
    record_one_session(page, live_server, child_id)
    sign_the_session(page, live_server, child_id)


@pytest.mark.e2e
def test_a_session_on_a_screening_made_moments_ago_is_sent_to_start_a_session_now(
    live_server: str, page: Page
) -> None:
    """Screened in the browser just now, the child's session has not ended: the one-step form
    says plainly, beside its start, that a session still under way is started, not documented."""
    child_id = create_child(live_server)
    log_in(page, live_server, ACCOUNTS["therapist_username"], ACCOUNTS["password"])
    open_the_child(page, live_server, child_id)

    page.get_by_role("link", name="Screen now").click()
    page.get_by_label("Therapist").fill("Sam Therapist")
    page.get_by_role("group", name="Guardian consent").get_by_label("Yes, confirmed").check()
    page.get_by_role("group", name="The child's own yes or no").get_by_label("Yes").check()
    page.get_by_role("button", name="Screen").click()
    expect(page).to_have_url(re.compile(r"/screenings/[0-9A-Z]{26}$"))
    expect(page.locator(".decision-word")).to_have_text(re.compile("Proceed|Modify"))
    expect(page.get_by_role("button", name="Start a session now")).to_be_visible()

    page.get_by_role("link", name="Document session").click()
    expect(page.get_by_role("heading", name="Document the session")).to_be_visible()
    note = page.locator("#started_at-error")
    expect(note).to_contain_text("has not ended yet")
    expect(note).to_contain_text("a session still under way is recorded with “Start a session now”")


def open_the_child(page: Page, base_url: str, child_id: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Amara Synthetic").click()
    expect(page).to_have_url(f"{base_url}/children/{child_id}")
    expect(page.get_by_role("heading", name="Amara Synthetic")).to_be_visible()


def record_one_session(page: Page, base_url: str, child_id: str) -> None:
    open_the_child(page, base_url, child_id)
    page.get_by_role("link", name="Open result and plan").click()
    expect(page).to_have_url(re.compile(r"/screenings/[0-9A-Z]{26}$"))
    expect(page.locator(".decision-word")).to_have_text(re.compile("Proceed|Modify"))

    page.get_by_role("link", name="Document session").click()
    expect(page.get_by_role("heading", name="Document the session")).to_be_visible()
    expect(page.locator("#started_at-error")).to_have_count(0)  # its default start is accepted
    page.get_by_label("Guardian consent given by").fill("Mother, in person")
    assent = page.get_by_role("group", name="The child's own yes or no")
    expect(assent.get_by_role("radio", checked=True)).to_have_count(0)  # asked, never assumed
    assent.get_by_label("Yes", exact=True).check()
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
