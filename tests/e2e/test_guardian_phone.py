"""A parent on a phone: logs in, sees only their own child's routine, logs a massage with a
problem; another child's page and the staff pages stay shut; the therapist then sees the flag."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import ACCOUNTS, ENGINES, THERAPIST, log_in
from tests.identities import PASSWORD, token_for, username_of

PHONE = {"width": 390, "height": 844}
LEAD = "Pat Lead"
CHILD = "Zara Synthetic"
OTHER_CHILD = "Leo Synthetic"
NOTE = "Wheezy halfway through; the inhaler helped."
FAMILY_LINKS = ("My child's routine", "Log a session", "How confident I feel")
STAFF_LINKS = ("Children", "Add a child", "Home flags")


@dataclass(frozen=True)
class Family:
    child_id: str
    guardian_id: str


def api_as(base_url: str, token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=10)


def at_home(base_url: str, name: str, parent: str) -> Family:
    """A child at home with asthma and a PICC line in the left arm, screened, put on the
    therapist's care team by the program lead, with a bedtime routine prescribed, all through
    the API."""
    lead = token_for(ENGINES[base_url], ("program_lead", LEAD))
    taken = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    with api_as(base_url, ACCOUNTS["therapist_token"]) as api, api_as(base_url, lead) as manager:
        child = {
            "display_name": name,
            "birth_date": "2018-05-01",
            "sex": "female",
            "setting": "home",
            "conditions": [{"code": "asthma"}],
            "devices": [{"kind": "picc", "site": "arm_left"}],
            "vitals": [{"code": "temperature", "value": 36.8, "unit": "Cel", "taken_at": taken}],
            "guardians": [{"name": parent, "relationship": "mother"}],
        }
        child_id = _created(api.post("/children", json=child))["id"]
        screening = {"therapist": THERAPIST, "guardian_consent": True, "child_assent": True}
        _created(api.post(f"/children/{child_id}/screenings", json=screening))
        team = {"staff_name": THERAPIST}
        _created(manager.post(f"/children/{child_id}/care-team", json=team))
        _created(api.post(f"/children/{child_id}/home-program", json={"goals": ["breathing"]}))
        parents = api.get(f"/children/{child_id}/parents")
        parents.raise_for_status()
        return Family(child_id, parents.json()[0]["guardian_id"])


def _created(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 201, response.text
    return dict(response.json())


def parent_account(base_url: str, family: Family) -> str:
    """The parent's own login, linked to their child by staff (never by self-service)."""
    token_for(ENGINES[base_url], ("guardian", family.guardian_id))
    return username_of("guardian", family.guardian_id)


@pytest.fixture()
def families(live_server: str) -> tuple[Family, Family, str]:
    """Two families at home with the same therapist; the first parent's username."""
    family = at_home(live_server, CHILD, "Zara's mother (synthetic)")
    other = at_home(live_server, OTHER_CHILD, "Leo's mother (synthetic)")
    return family, other, parent_account(live_server, family)


def a_phone(page: Page) -> Page:
    """A page of its own (its own cookies) in the same Chromium, the size of a phone's screen."""
    browser = page.context.browser
    assert browser is not None
    return browser.new_context(viewport=PHONE, has_touch=True).new_page()


@pytest.mark.e2e
def test_a_parent_on_a_phone_sees_only_their_child_logs_a_problem_and_the_therapist_sees_it(
    live_server: str, page: Page, families: tuple[Family, Family, str]
) -> None:
    family, other, username = families
    phone = a_phone(page)

    log_in(phone, live_server, username, PASSWORD)
    sees_only_their_own_child(phone, live_server)
    logs_a_massage_with_a_problem(phone)
    other_pages_stay_shut(phone, live_server, family, other)
    phone.context.close()

    log_in(page, live_server, ACCOUNTS["therapist_username"], ACCOUNTS["password"])
    the_therapist_sees_the_flag(page, live_server)


@pytest.mark.e2e
def test_a_parents_pages_fit_a_phone_screen_without_scrolling_sideways(
    live_server: str, page: Page, families: tuple[Family, Family, str]
) -> None:
    _, _, username = families
    phone = a_phone(page)
    log_in(phone, live_server, username, PASSWORD)
    expect(phone).to_have_url(f"{live_server}/home")

    widths = {}
    for path in ("/home", "/home/log", "/home/confidence"):
        phone.goto(f"{live_server}{path}")
        widths[path] = phone.evaluate("document.documentElement.scrollWidth")

    assert widths == dict.fromkeys(widths, PHONE["width"])


def sees_only_their_own_child(phone: Page, base_url: str) -> None:
    expect(phone).to_have_url(f"{base_url}/home")
    expect(phone.get_by_role("heading", name=f"{CHILD}: massage at home")).to_be_visible()
    expect(phone.get_by_text("Do not touch: Arm (left).")).to_be_visible()
    assert OTHER_CHILD not in phone.content()
    assert "Leo" not in phone.locator("body").inner_text()
    menu = phone.get_by_role("navigation", name="Main")
    for link in FAMILY_LINKS:
        expect(menu.get_by_role("link", name=link)).to_be_visible()
    for link in STAFF_LINKS:
        expect(menu.get_by_role("link", name=link, exact=True)).to_have_count(0)


def logs_a_massage_with_a_problem(phone: Page) -> None:
    phone.get_by_role("link", name="Log a massage").click()
    expect(phone.get_by_role("heading", name=f"Log a massage for {CHILD}")).to_be_visible()
    assert OTHER_CHILD not in phone.content()
    phone.get_by_label("Fell asleep").check()
    phone.get_by_label("Breathing difficulty").check()
    phone.get_by_label("Note").fill(NOTE)
    phone.get_by_role("button", name="Save").click()

    expect(phone).to_have_url(re.compile(r"/home\?guardian=[0-9A-Z]{26}&logged=[0-9A-Z]{26}$"))
    saved = phone.get_by_role("status").filter(has_text="Saved")
    expect(saved).to_contain_text("Fell asleep")
    expect(saved).to_contain_text("call your emergency number now")
    expect(saved).to_contain_text("Your therapist will see this problem on their list.")


def other_pages_stay_shut(phone: Page, base_url: str, family: Family, other: Family) -> None:
    """Typed addresses: another child's record and home program, the other family's routine,
    the staff's flags and their own child's clinical record all stay shut."""
    typed = [
        f"/children/{other.child_id}",
        f"/children/{other.child_id}/home-program",
        f"/home?guardian={other.guardian_id}",
        f"/home/log?guardian={other.guardian_id}",
        "/flags",
        "/",
        f"/children/{family.child_id}",  # the clinical record is for staff
    ]
    for path in typed:
        answer = phone.goto(f"{base_url}{path}")
        assert answer is not None
        assert answer.status in (403, 404), (path, answer.status)
        assert "Leo" not in phone.content(), path
        menu = phone.get_by_role("navigation", name="Main")
        expect(menu.get_by_role("link", name="Home flags")).to_have_count(0)


def the_therapist_sees_the_flag(page: Page, base_url: str) -> None:
    expect(page).to_have_url(f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home flags").click()
    expect(page).to_have_url(f"{base_url}/flags")

    flag = page.locator("section.card").filter(has_text=f"{CHILD}: Breathing difficulty")
    expect(flag).to_have_count(1)
    expect(flag.locator(".badge")).to_have_text("Urgent")
    expect(flag).to_contain_text(NOTE)
    expect(page.get_by_text(OTHER_CHILD)).to_have_count(0)  # nothing was logged for Leo
