"""Each role's main pages at the size of the screen they are used on: no axe-core violation of any
impact, no sideways scrolling, and every target a finger has to hit at least 44 px both ways.

A screenshot of every page is kept under test-artifacts/accessibility/ to look at by eye.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import func, select
from tests.e2e.axe import problems
from tests.e2e.conftest import ACCOUNTS, ENGINES, THERAPIST, log_in
from tests.e2e.test_guardian_phone import Family, api_as, at_home, parent_account
from tests.identities import PASSWORD, token_for, username_of

from pedmassage.db import unit_of_work
from pedmassage.demo.registry import build_registry
from pedmassage.demo.seed import THERAPISTS
from pedmassage.demo.trial import seed_demo_trial
from pedmassage.evidence import listing
from pedmassage.screenings.models import Screening
from pedmassage.sessions.models import SessionRecord

TABLET: ViewportSize = {"width": 768, "height": 1024}
PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1366, "height": 900}
LEAD = "A. Lead"
CHILD = "Ada Synthetic"


def a_window(page: Page, viewport: ViewportSize, *, touch: bool) -> Page:
    """A page of its own (its own cookies) in the same Chromium, at ``viewport``; the site's
    Content-Security-Policy is bypassed only so that axe-core's script can be injected."""
    browser: Browser | None = page.context.browser
    assert browser is not None
    context = browser.new_context(viewport=viewport, has_touch=touch, bypass_csp=True)
    return context.new_page()


def check(window: Page, base_url: str, pages: dict[str, str]) -> list[str]:
    """Open each page and list what is wrong with it."""
    found: list[str] = []
    for name, path in pages.items():
        answer = window.goto(f"{base_url}{path}")
        assert answer is not None and answer.ok, (name, path, answer and answer.status)
        window.wait_for_load_state("networkidle")
        found += problems(window, name)
    return found


def family_with_a_problem(base_url: str) -> tuple[Family, str]:
    """A family at home whose parent has logged two massages, one with a problem (a flag)."""
    family = at_home(base_url, CHILD, "Ada's father (synthetic)")
    username = parent_account(base_url, family)
    parent = token_for(ENGINES[base_url], ("guardian", family.guardian_id))
    with api_as(base_url, parent) as api:
        answer = api.get(f"/children/{family.child_id}/home-program")
        answer.raise_for_status()
        program_id = answer.json()["program"]["id"]
        today = datetime.now(UTC).date()  # the day the routine starts
        for problem in ("none", "skin_change"):
            log = {
                "session_date": today.isoformat(),
                "minutes": 10,
                "response": "settled",
                "problem": problem,
                "note": "A red patch on the left shoulder afterwards." if problem != "none" else "",
            }
            made = api.post(f"/home-programs/{program_id}/logs", json=log)
            assert made.status_code == 201, made.text
    return family, username


@pytest.mark.e2e
def test_a_therapists_pages_on_a_tablet(live_server: str, page: Page) -> None:
    engine = ENGINES[live_server]
    family_with_a_problem(live_server)  # before the registry adds a second site
    build_registry(engine=engine, children=12, sessions=120, sites=1, seed=7, now=datetime.now(UTC))
    token_for(engine, ("therapist", THERAPIST))  # joins the registry's new site
    with unit_of_work(engine) as db:
        child_id = db.scalars(
            select(SessionRecord.child_id)
            .group_by(SessionRecord.child_id)
            .order_by(func.count().desc(), SessionRecord.child_id)
        ).first()
        session_id = db.scalars(
            select(SessionRecord.id)
            .where(SessionRecord.child_id == child_id)
            .order_by(SessionRecord.started_at.desc())
        ).first()
        screenings = {
            decision: db.scalars(
                select(Screening.id)
                .where(Screening.decision == decision)
                .order_by(Screening.assessed_at.desc())
            ).first()
            for decision in ("proceed", "modify", "hold")
        }
    assert child_id and session_id

    pages = {
        "children": "/",
        "child": f"/children/{child_id}",
        "session": f"/sessions/{session_id}",
        "flags": "/flags",
        "today": "/today",
        **{f"screening-{d}": f"/screenings/{s}" for d, s in screenings.items() if s},
    }
    found: list[str] = []
    # On the ward's tablet, and on a phone when that is what is at hand.
    for size, viewport in (("tablet", TABLET), ("phone", PHONE)):
        window = a_window(page, viewport, touch=True)
        log_in(window, live_server, ACCOUNTS["therapist_username"], PASSWORD)
        named = {f"therapist-{size}-{name}": path for name, path in pages.items()}
        found += check(window, live_server, named)
        window.context.close()
    assert not found, "\n".join(found)


@pytest.mark.e2e
def test_a_parents_pages_on_a_phone(live_server: str, page: Page) -> None:
    _, username = family_with_a_problem(live_server)
    phone = a_window(page, PHONE, touch=True)
    log_in(phone, live_server, username, PASSWORD)
    pages = {
        "parent-home": "/home",
        "parent-log": "/home/log",
        "parent-confidence": "/home/confidence",
    }
    found = check(phone, live_server, pages)
    phone.context.close()
    assert not found, "\n".join(found)


@pytest.mark.e2e
def test_a_program_leads_pages_at_a_desk(live_server: str, page: Page) -> None:
    engine = ENGINES[live_server]
    now = datetime.now(UTC)
    with unit_of_work(engine) as db:
        seed_demo_trial(
            db=db, as_of=now.date(), rng=random.Random(2026), rulebook=None, therapists=THERAPISTS
        )
    build_registry(engine=engine, children=30, sessions=300, sites=2, seed=11, now=now)
    token_for(engine, ("program_lead", LEAD))  # on every site
    desk = a_window(page, DESK, touch=False)
    log_in(desk, live_server, username_of("program_lead", LEAD), PASSWORD)
    pages = {
        "lead-outcomes": "/outcomes",
        "lead-studies": "/studies",
        "lead-study": "/studies/DEMO-PAIN",
    }
    found = check(desk, live_server, pages)
    desk.context.close()
    assert not found, "\n".join(found)


@pytest.mark.e2e
def test_the_evidence_pages_on_a_phone(live_server: str, page: Page) -> None:
    topics = listing.library_index().topics
    topic, claims = max(topics, key=lambda t: len(t[1]))
    claim = claims[0]
    phone = a_window(page, PHONE, touch=True)
    pages = {
        "evidence-index": "/evidence",
        "evidence-topic": f"/evidence/topics/{topic.id}",
        "evidence-claim": f"/evidence/claims/{claim['id']}",
        "evidence-physician": f"/evidence/topics/{topic.id}/handout/physician",
        "evidence-family": f"/evidence/topics/{topic.id}/handout/family",
    }
    found = check(phone, live_server, pages)
    phone.context.close()
    assert not found, "\n".join(found)
