"""A program lead's review at the desk (1366×900), in Chromium, by the links a lead follows: the
program's outcomes, the studies, the running trial with its CONSORT flow and ITT result, the claim
that trial informs, and the problems parents logged at home.

Every page on the way has no axe-core violation, no sideways scrolling and no target under 44 px
(screenshots under test-artifacts/accessibility/).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.axe import problems
from tests.e2e.conftest import ENGINES, THERAPIST, log_in
from tests.e2e.test_accessibility import DESK, LEAD, a_window, family_with_a_problem
from tests.e2e.tour import tour_shot
from tests.identities import PASSWORD, token_for, username_of

from pedmassage.db import unit_of_work
from pedmassage.demo.registry import build_registry
from pedmassage.demo.seed import THERAPISTS
from pedmassage.demo.trial import seed_demo_trial


@pytest.mark.e2e
def test_a_program_leads_review_at_the_desk(live_server: str, page: Page) -> None:
    engine = ENGINES[live_server]
    now = datetime.now(UTC)
    family_with_a_problem(live_server)
    with unit_of_work(engine) as db:
        seed_demo_trial(
            db=db, as_of=now.date(), rng=random.Random(2026), rulebook=None, therapists=THERAPISTS
        )
    build_registry(engine=engine, children=30, sessions=300, sites=1, seed=11, now=now)
    token_for(engine, ("therapist", THERAPIST))
    lead_token = token_for(engine, ("program_lead", LEAD))  # on every site
    desk = a_window(page, DESK, touch=False)
    log_in(desk, live_server, username_of("program_lead", LEAD), PASSWORD)
    nav = desk.get_by_role("navigation", name="Main")
    found: list[str] = []

    nav.get_by_role("link", name="Program outcomes").click()
    expect(desk.get_by_role("heading", name="Program outcomes", level=1)).to_be_visible()
    expect(desk.locator("#sessions-attempted")).not_to_have_text("0")
    csv = desk.get_by_role("link", name="CSV").first.get_attribute("href")
    assert csv
    answer = httpx.get(
        f"{live_server}{csv}", headers={"Authorization": f"Bearer {lead_token}"}, timeout=30
    )
    assert answer.status_code == 200 and answer.text.count("\n") > 1  # the table behind it
    found += problems(desk, "journey-lead-outcomes")
    tour_shot(desk, "outcomes")

    nav.get_by_role("link", name="Studies").click()
    expect(desk.get_by_role("heading", name="Studies", level=1)).to_be_visible()
    found += problems(desk, "journey-lead-studies")
    desk.get_by_role("link", name="DEMO-PAIN").click()
    expect(desk.get_by_role("heading", name="CONSORT flow")).to_be_visible()
    expect(desk.locator("img[src$='consort.svg'], svg").first).to_be_visible()
    found += problems(desk, "journey-lead-study")
    tour_shot(desk, "study")

    desk.goto(f"{live_server}/evidence/claims/oncology.pain")
    expect(desk.get_by_role("heading", name="This program's own trials")).to_be_visible()
    found += problems(desk, "journey-lead-claim")

    nav.get_by_role("link", name="Home flags").click()
    expect(desk.get_by_role("heading", name="Problems logged at home")).to_be_visible()
    found += problems(desk, "journey-lead-flags")
    desk.context.close()
    assert not found, "\n".join(found)
