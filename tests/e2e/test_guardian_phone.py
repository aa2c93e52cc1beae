"""A parent on a phone: logs in, sees only their own child's routine, logs a massage with a
problem; another child's page and the staff pages stay shut; the therapist then sees the flag.

The parent's main journey (the routine, its timer, the diary, the confidence questionnaire) is
walked at 390×844 with every page checked as it is reached: axe-core finds no violation of any
impact, nothing scrolls sideways, every target is at least 44 px (tests/e2e/axe.py), the keyboard
focus is always visible and "When to stop and call" stays on screen. The same pages are then
opened under the site's own Content-Security-Policy to show their style and script are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx2 as httpx
import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, ViewportSize, expect
from tests.e2e.axe import problems
from tests.e2e.conftest import ACCOUNTS, ENGINES, THERAPIST, log_in
from tests.e2e.tour import tour_shot
from tests.identities import PASSWORD, token_for, username_of

from pedmassage.measures import instrument

PHONE: ViewportSize = {"width": 390, "height": 844}
LEAD = "Pat Lead"
CHILD = "Zara Synthetic"
OTHER_CHILD = "Leo Synthetic"
NOTE = "Wheezy halfway through; the inhaler helped."
FAMILY_LINKS = ("My child's routine", "Log a session", "How confident I feel")
TIMER_STORE = "pedmassage.parent.timer"
"""Where parent.js keeps the routine timer's time for the browser tab (sessionStorage)."""
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


def a_phone(page: Page, *, for_axe: bool = False) -> Page:
    """A page of its own (its own cookies) in the same Chromium, the size of a phone's screen.

    ``for_axe`` bypasses the site's Content-Security-Policy, only so that axe-core's script can be
    injected (as test_accessibility.py does); every other check runs under the real policy."""
    browser = page.context.browser
    assert browser is not None
    return browser.new_context(viewport=PHONE, has_touch=True, bypass_csp=for_axe).new_page()


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
    phone.get_by_label("Done", exact=True).check()
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


# --- the parent's main journey ----------------------------------------------------------------

FOCUS_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const ring = node => {
        const style = getComputedStyle(node);
        return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    };
    const holder = el.closest("label.tile, label.choice") || el;
    const box = holder.getBoundingClientRect();
    const bar = document.querySelector(".stop-bar");
    const barBox = bar.getBoundingClientRect();
    const underBar = !bar.contains(el) && box.bottom > barBox.top + 1 && box.top < barBox.bottom;
    return {
        element: el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""),
        text: (holder.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 40),
        ring: ring(el) || ring(holder),
        onScreen: box.bottom > 0 && box.top < window.innerHeight && !underBar,
    };
}"""

STOP_BAR_JS = """() => {
    const bar = document.querySelector(".stop-bar summary").getBoundingClientRect();
    return {top: bar.top, bottom: bar.bottom, height: window.innerHeight};
}"""


def checked(phone: Page, name: str) -> list[str]:
    """What is wrong with the page as it is now (tests/e2e/axe.py, screenshot kept), and whether
    "When to stop and call" is on screen at the top, halfway down and at the end of the page, and
    never over the page's last words."""
    phone.wait_for_load_state("networkidle")
    found = problems(phone, name)
    for where in ("0", "document.body.scrollHeight / 2", "document.body.scrollHeight"):
        phone.evaluate(f"window.scrollTo(0, {where})")
        bar = phone.evaluate(STOP_BAR_JS)
        if not (bar["top"] >= 0 and bar["bottom"] <= bar["height"]):
            found.append(f"{name}: 'When to stop and call' is off screen at scroll {where}: {bar}")
    last = phone.evaluate(
        "document.querySelector('.parent').getBoundingClientRect().bottom"
        " <= document.querySelector('.stop-bar').getBoundingClientRect().top + 0.5"
    )
    if not last:
        found.append(f"{name}: the stop bar covers the end of the page")
    phone.evaluate("window.scrollTo(0, 0)")
    return found


def focus_is_always_visible(phone: Page, name: str, stops: int = 40) -> list[str]:
    """Tab through the page from the top: every element the keyboard reaches shows a focus ring
    of at least 2 px and is scrolled onto the screen, clear of the stop bar."""
    phone.evaluate("document.activeElement && document.activeElement.blur()")
    phone.evaluate("window.scrollTo(0, 0)")
    found: list[str] = []
    for _ in range(stops):
        phone.keyboard.press("Tab")
        focus = phone.evaluate(FOCUS_JS)
        if focus is None:
            break
        if not (focus["ring"] and focus["onScreen"]):
            found.append(f"{name}: focus on {focus} is not visible")
    return found


@pytest.mark.e2e
def test_the_parents_main_journey_on_a_phone_is_clean_at_every_step(
    live_server: str, page: Page, families: tuple[Family, Family, str]
) -> None:
    """Open the routine, start the timer, log a massage, answer the questionnaire: every page
    and state on the way passes the checks in :func:`checked` and the keyboard's focus shows."""
    _, _, username = families
    phone = a_phone(page, for_axe=True)
    log_in(phone, live_server, username, PASSWORD)
    found: list[str] = []

    found += the_routine_reads_step_by_step(phone)
    found += the_timer_counts_pauses_and_resets(phone)
    found += a_massage_is_logged_with_a_few_taps(phone)
    found += the_questionnaire_is_answered_from_its_statements(phone)
    phone.context.close()

    assert not found, "\n".join(found)


def the_routine_reads_step_by_step(phone: Page) -> list[str]:
    expect(phone.get_by_role("heading", level=1, name=f"{CHILD}: massage at home")).to_be_visible()
    steps = phone.locator("ol.steps > li")
    assert steps.count() >= 1
    for i in range(steps.count()):
        step = steps.nth(i)
        picture = step.get_by_role("img")  # the body picture, its name saying where
        expect(picture).to_have_count(1)
        site = step.get_attribute("data-step-name") or ""
        expect(picture).to_have_attribute("aria-label", re.compile(re.escape(site)))
    found = checked(phone, "parent-journey-1-routine") + focus_is_always_visible(phone, "routine")
    tour_shot(phone, "parent-routine")

    bar = phone.locator(".stop-bar")
    bar.get_by_text("When to stop and call").click()  # one tap opens the whole list
    expect(bar.get_by_role("heading", name="Call for help")).to_be_visible()
    found += checked(phone, "parent-journey-1-stop-and-call-open")
    bar.get_by_text("When to stop and call").click()
    return found


def the_timer_counts_pauses_and_resets(phone: Page) -> list[str]:
    timer = phone.locator("[data-timer]")
    clock = timer.locator("[data-timer-elapsed]")
    expect(timer.get_by_text(re.compile(r"of \d\d:\d\d"))).to_be_visible()
    timer.get_by_role("button", name="Start").click()
    expect(clock).not_to_have_text("00:00", timeout=4000)
    expect(phone.locator("ol.steps > li[aria-current=step]")).to_have_count(1)
    found = checked(phone, "parent-journey-2-timer-running")

    timer.get_by_role("button", name="Pause").click()
    paused = clock.inner_text()
    phone.wait_for_timeout(1500)
    expect(clock).to_have_text(paused)
    expect(timer.get_by_role("button", name="Resume")).to_be_visible()

    timer.get_by_role("button", name="Reset").click()
    expect(clock).to_have_text("00:00")
    expect(timer.get_by_role("button", name="Start")).to_be_focused()

    # Five minutes timed before the page was left: the time is kept, and the diary link carries it.
    phone.evaluate(f"sessionStorage.setItem('{TIMER_STORE}', JSON.stringify({{banked: 300000}}))")
    phone.reload()
    expect(clock).to_have_text("05:00")
    log_link = phone.get_by_role("link", name="Log a massage")
    expect(log_link).to_have_attribute("href", re.compile(r"[?&]minutes=5$"))
    return found


def a_massage_is_logged_with_a_few_taps(phone: Page) -> list[str]:
    phone.get_by_role("link", name="Log a massage").click()
    expect(phone.get_by_role("heading", level=1, name=f"Log a massage for {CHILD}")).to_be_visible()
    expect(phone.locator("input[type=radio]:checked")).to_have_count(0)  # nothing pre-chosen
    expect(phone.get_by_label("Minutes")).to_have_value("5")  # as the timer measured
    found = checked(phone, "parent-journey-3-log") + focus_is_always_visible(phone, "log")

    phone.get_by_role("button", name="Save").click()  # nothing answered: refused, nothing kept
    expect(phone.get_by_role("alert")).to_contain_text("Nothing was saved")
    found += checked(phone, "parent-journey-3-log-refused")

    responses = phone.get_by_role("group", name="How your child responded")
    phone.get_by_label("Not done", exact=True).check()  # no minutes or response to give then
    expect(responses).to_be_hidden()
    expect(phone.get_by_label("Minutes")).to_be_hidden()

    done = phone.get_by_label("Done", exact=True)
    done.focus()
    phone.keyboard.press("Space")  # the keyboard answers as well as a finger does
    expect(done).to_be_checked()
    expect(responses).to_be_visible()
    expect(phone.get_by_label("Minutes")).to_have_attribute("placeholder", re.compile(r"^\d+$"))
    phone.get_by_label("Relaxed").check()
    phone.get_by_label("No problem").check()
    phone.get_by_role("button", name="Save").click()

    saved = phone.get_by_role("status").filter(has_text="Saved")
    expect(saved).to_contain_text("5 min · Relaxed")
    expect(phone.locator("[data-timer-elapsed]")).to_have_text("00:00")  # that massage is over
    return found + checked(phone, "parent-journey-4-logged")


def the_questionnaire_is_answered_from_its_statements(phone: Page) -> list[str]:
    psoc = instrument("psoc")
    phone.get_by_role("link", name="Answer the questionnaire").first.click()
    expect(phone.get_by_role("heading", level=1, name="How you feel as a parent")).to_be_visible()
    for item in psoc.items:
        expect(phone.get_by_text(item.label, exact=True)).to_be_visible()
    found = checked(phone, "parent-journey-5-questionnaire") + focus_is_always_visible(
        phone, "questionnaire", stops=60
    )

    count = len(psoc.items)

    def statement(number: int) -> Locator:
        return phone.get_by_role("group", name=re.compile(rf"^Statement {number} of {count} "))

    for number in range(1, count):
        statement(number).get_by_label("Agree", exact=True).check()
    expect(phone.get_by_text(f"{count - 1} of {count} statements answered.")).to_be_visible()
    phone.get_by_role("button", name="Save answers").click()  # the last one left unanswered
    expect(phone.get_by_role("alert")).to_contain_text(f"Statement {count}")
    found += checked(phone, "parent-journey-5-questionnaire-refused")

    statement(count).get_by_label("Strongly agree", exact=True).check()  # the rest were kept
    expect(phone.get_by_text(f"{count} of {count} statements answered.")).to_be_visible()
    phone.get_by_role("button", name="Save answers").click()

    expect(phone.get_by_role("status")).to_contain_text("Thank you for answering")
    return found + checked(phone, "parent-journey-6-answered")


@pytest.mark.e2e
def test_the_parents_pages_keep_to_the_sites_content_security_policy(
    live_server: str, page: Page, families: tuple[Family, Family, str]
) -> None:
    """Under the real policy (no inline style or script), the parent's stylesheet and script
    still apply: the stop bar sticks, the timer's buttons appear, and nothing is refused."""
    _, _, username = families
    phone = a_phone(page)
    refused: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    phone.on("console", note)
    log_in(phone, live_server, username, PASSWORD)
    for path in ("/home", "/home/log", "/home/confidence"):
        phone.goto(f"{live_server}{path}")
        phone.wait_for_load_state("networkidle")
        bar = phone.locator(".stop-bar")
        assert bar.evaluate("bar => getComputedStyle(bar).position") == "sticky", path
    phone.goto(f"{live_server}/home")
    expect(phone.locator("[data-timer]").get_by_role("button", name="Start")).to_be_visible()
    phone.context.close()

    assert refused == []
