"""A therapist's round on the ward's tablet (768×1024, touch), in Chromium: Today, the child,
the screening, the start (the child asked, never assumed), the session as one screen with its
timer and body figure, a lost connection at the moment of saving, and the signed record.

Every page on the way has no axe-core violation, no sideways scrolling and no target under 44 px
(screenshots under test-artifacts/accessibility/).
"""

from __future__ import annotations

import re

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.axe import problems
from tests.e2e.conftest import ACCOUNTS, log_in
from tests.e2e.test_accessibility import TABLET, a_window
from tests.e2e.test_record_session import create_child
from tests.e2e.tour import tour_shot


def api_session(base_url: str, session_id: str) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {ACCOUNTS['therapist_token']}"}
    answer = httpx.get(f"{base_url}/api/v1/sessions/{session_id}", headers=headers, timeout=10)
    answer.raise_for_status()
    record: dict[str, object] = answer.json()
    return record


def open_start_page(window: Page) -> str:
    """From a screening's result to its new session's start page; returns the session's id."""
    window.get_by_role("button", name="Start a session now").click()
    expect(window.get_by_role("heading", name="Start the session")).to_be_visible()
    return str(re.findall(r"/sessions/([0-9A-Z]{26})/start", window.url)[0])


def screen_and_start(window: Page, base_url: str, found: list[str]) -> str:
    """From Today to a started session; returns its id."""
    window.goto(f"{base_url}/today")
    found += problems(window, "journey-therapist-today")
    tour_shot(window, "today")
    window.get_by_role("link", name="Amara Synthetic").first.click()
    found += problems(window, "journey-therapist-child")

    window.get_by_role("link", name="Screen now").click()
    window.get_by_label("Therapist").fill("Sam Therapist")
    window.get_by_role("group", name="Guardian consent").get_by_label("Yes, confirmed").check()
    window.get_by_role("group", name="The child's own yes or no").get_by_label("Yes").check()
    found += problems(window, "journey-therapist-screen-form")
    window.get_by_role("button", name="Screen").click()
    expect(window).to_have_url(re.compile(r"/screenings/[0-9A-Z]{26}$"))
    found += problems(window, "journey-therapist-screening")

    session_id = open_start_page(window)
    assent = window.get_by_role("group", name="The child's own yes or no")
    expect(assent.get_by_role("radio", checked=True)).to_have_count(0)  # asked, never assumed
    found += problems(window, "journey-therapist-start")
    window.get_by_label("Guardian consent given by").fill("Mother, at the bedside")
    assent.get_by_label("Yes", exact=True).check()
    before = window.locator('fieldset[data-scale="fps_r"]')
    before.get_by_role("radio", name="6", exact=True).check()
    window.get_by_role("button", name="Start", exact=True).click()
    expect(window.get_by_role("heading", name="Session in progress")).to_be_visible()
    return session_id


@pytest.mark.e2e
def test_a_therapists_round_on_the_tablet_survives_a_lost_connection(
    live_server: str, page: Page
) -> None:
    create_child(live_server)
    window = a_window(page, TABLET, touch=True)
    log_in(window, live_server, ACCOUNTS["therapist_username"], ACCOUNTS["password"])
    found: list[str] = []
    session_id = screen_and_start(window, live_server, found)

    expect(window.locator("[data-timer-face]")).to_have_text(re.compile(r"^0:0\d$"))
    stop = window.get_by_role("button", name="Child said stop")
    expect(stop).to_be_visible()
    figure = window.locator("#live-body-figure")
    expect(figure.locator('path.avoided[data-site="chest_right"]')).to_have_count(1)  # the port
    hand = window.locator('input[name="regions"][value="hand_left"]')
    expect(hand).not_to_be_checked()  # planned, not yet given
    figure.locator('path[data-site="hand_left"]').first.click()
    expect(hand).to_be_checked()  # the figure ticks the list
    expect(figure.locator('path.chosen[data-site="hand_left"]')).to_have_count(2)  # front, back
    window.get_by_text("Regions as a list").click()  # the same choice, for the keyboard
    window.locator('input[name="regions"][value="back"]').check()
    expect(figure.locator('path.chosen[data-site="back_lower"]')).to_have_count(1)
    window.get_by_role("group", name="Pressure").get_by_role("radio").nth(2).check()
    after = window.locator('fieldset[data-scale="fps_r"]')
    after.get_by_role("radio", name="2", exact=True).check()
    window.get_by_role("checkbox", name="Relaxed body, slower breathing").check()
    window.get_by_role("button", name="Use the timer's minutes").click()
    expect(window.get_by_label("Minutes", exact=True)).to_have_value("1")  # under a minute in
    found += problems(window, "journey-therapist-live-session")
    window.evaluate("window.scrollTo(0, document.querySelector('.live-session h2').offsetTop - 90)")
    tour_shot(window, "live-session")
    window.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    expect(stop).to_be_in_viewport()  # the stop stays in reach while the form scrolls

    window.context.set_offline(True)
    window.get_by_role("button", name="Complete the session").click()
    status = window.locator("[data-save-status]")
    expect(status).to_contain_text("Not saved: no connection")
    assert api_session(live_server, session_id)["status"] == "in_progress"

    window.context.set_offline(False)
    expect(window).to_have_url(f"{live_server}/sessions/{session_id}", timeout=20_000)
    record = api_session(live_server, session_id)
    assert record["status"] == "completed"
    assert sorted(record["regions"]) == ["back", "hand_left"]  # type: ignore[type-var]
    assert record["cues"] == ["relaxed"]
    assert record["minutes"] == 1
    found += problems(window, "journey-therapist-record")
    window.get_by_role("button", name="Sign", exact=True).click()
    expect(window.locator(".badge-signed")).to_be_visible()
    found += problems(window, "journey-therapist-signed")
    window.context.close()
    assert not found, "\n".join(found)


@pytest.mark.e2e
def test_child_said_stop_ends_and_records_the_session_at_once(live_server: str, page: Page) -> None:
    create_child(live_server)
    window = a_window(page, TABLET, touch=True)
    log_in(window, live_server, ACCOUNTS["therapist_username"], ACCOUNTS["password"])
    session_id = screen_and_start(window, live_server, [])
    window.locator('#live-body-figure path[data-site="hand_right"]').first.click()

    window.get_by_role("button", name="Child said stop").click()

    expect(window).to_have_url(f"{live_server}/sessions/{session_id}")
    expect(window.get_by_text("The child said stop.")).to_be_visible()
    record = api_session(live_server, session_id)
    assert record["status"] == "ended_early"
    assert record["minutes"] == 0  # stopped within the first minute
    assert "says_stop" in record["cues"]  # type: ignore[operator]
    window.context.close()


@pytest.mark.e2e
def test_what_was_entered_survives_a_reload_and_is_cleared_at_logout(
    live_server: str, page: Page
) -> None:
    create_child(live_server)
    window = a_window(page, TABLET, touch=True)
    log_in(window, live_server, ACCOUNTS["therapist_username"], ACCOUNTS["password"])
    session_id = screen_and_start(window, live_server, [])
    window.locator('#live-body-figure path[data-site="hand_left"]').first.click()
    window.get_by_label("The child's response").fill("Calm, watching the lamp.")

    window.reload()

    expect(window.locator("[data-save-status]")).to_contain_text("Restored what was entered")
    expect(window.locator('input[name="regions"][value="hand_left"]')).to_be_checked()
    expect(window.get_by_label("The child's response")).to_have_value("Calm, watching the lamp.")
    assert api_session(live_server, session_id)["response"] == ""  # kept here, not yet saved
    window.get_by_role("button", name=re.compile("^Log out")).click()
    kept = window.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('pedmassage:draft:')).length"
    )
    assert kept == 0  # the next person on this tablet finds nothing
    window.context.close()


@pytest.mark.e2e
def test_a_kept_start_form_never_brings_back_the_childs_answer(
    live_server: str, page: Page
) -> None:
    """Coming back to the start page later, what the therapist typed is there again, but the
    child's yes or no is not: the child is asked again."""
    create_child(live_server)
    window = a_window(page, TABLET, touch=True)
    log_in(window, live_server, ACCOUNTS["therapist_username"], ACCOUNTS["password"])
    window.goto(f"{live_server}/")
    window.get_by_role("link", name="Amara Synthetic").first.click()
    window.get_by_role("link", name="Screen now").click()
    window.get_by_label("Therapist").fill("Sam Therapist")
    window.get_by_role("group", name="Guardian consent").get_by_label("Yes, confirmed").check()
    window.get_by_role("group", name="The child's own yes or no").get_by_label("Yes").check()
    window.get_by_role("button", name="Screen").click()
    open_start_page(window)
    window.get_by_label("Guardian consent given by").fill("Grandmother, at the bedside")
    assent = window.get_by_role("group", name="The child's own yes or no")
    assent.get_by_label("Yes", exact=True).check()

    window.reload()

    expect(window.get_by_label("Guardian consent given by")).to_have_value(
        "Grandmother, at the bedside"
    )
    expect(assent.get_by_role("radio", checked=True)).to_have_count(0)
    window.context.close()
