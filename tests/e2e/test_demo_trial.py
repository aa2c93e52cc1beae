"""The demo's trial in Chromium: the lead opens Studies, then DEMO-PAIN, and reads its CONSORT
diagram, the balance table and the intention-to-treat result; a therapist finds the arm and the
measures due on an enrolled child's page."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import select
from tests.e2e.conftest import ENGINES, log_in
from tests.identities import PASSWORD, token_for, username_of

from pedmassage.db import unit_of_work
from pedmassage.demo.seed import THERAPISTS
from pedmassage.demo.trial import seed_demo_trial
from pedmassage.research.enrolment import child_enrolments
from pedmassage.research.models import Enrolment

LEAD = "Demo Program Lead"


def test_the_lead_reads_the_demo_trial_and_a_therapist_sees_the_arm(
    page: Page, live_server: str
) -> None:
    engine = ENGINES[live_server]
    with unit_of_work(engine) as db:
        seed_demo_trial(
            db=db,
            as_of=datetime.now(UTC).date(),
            rng=random.Random(2026),
            rulebook=None,
            therapists=THERAPISTS,
        )
    token_for(engine, ("program_lead", LEAD))
    log_in(page, live_server, username_of("program_lead", LEAD), PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studies").click()
    page.get_by_role("link", name="DEMO-PAIN").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("DEMO-PAIN")

    diagram = page.locator("#consort-diagram")
    expect(diagram).to_be_visible()
    assert diagram.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "Of " in (diagram.get_attribute("alt") or "")  # the flow in words for screen readers
    expect(page.locator("#consort")).to_contain_text("Assessed for eligibility")
    expect(page.locator("#balance tbody tr").first).to_contain_text("Randomized")
    itt = page.locator("#itt")
    expect(itt).to_contain_text("95 % CI")
    expect(itt).to_contain_text("massage minus usual-care")
    expect(page.locator("#per-protocol")).to_contain_text("Per-protocol")

    with unit_of_work(engine) as db:
        child_id = db.scalars(select(Enrolment.child_id).order_by(Enrolment.number)).first()
        assert child_id is not None
        arm = child_enrolments(db=db, child_id=child_id)[0].arm_label
    token_for(engine, ("therapist", THERAPISTS[0]))
    page.context.clear_cookies()
    log_in(page, live_server, username_of("therapist", THERAPISTS[0]), PASSWORD)
    page.goto(f"{live_server}/children/{child_id}")
    expect(page.locator("#studies")).to_contain_text(f"DEMO-PAIN: {arm}")
    page.locator("#studies").get_by_role("link", name="Trial measures").click()
    expect(page.locator("#arm")).to_have_text(arm)
