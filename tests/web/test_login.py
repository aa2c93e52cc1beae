"""Logging in to the web app: a server-side session in an HttpOnly, SameSite=Lax cookie; guardians
land on their home page, staff where they were going (never on another site); a failed login says
only that it failed; guessing is throttled per account and per address; logging out and sitting
idle end the session; every state-changing form needs the login's CSRF token and its own origin;
every answer carries the security headers; logins, failures and logouts are in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func, select
from tests.identities import PASSWORD, ensure_site
from tests.web.conftest import NewChild, WebClock

from pedmassage.access.schemas import UserCreate
from pedmassage.access.service import add_user
from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.db import unit_of_work
from pedmassage.http.actor import SESSION_COOKIE
from pedmassage.models import AuditEntry, Child

THERAPIST = "sam.therapist"
GUARDIAN = "amara.parent"
WRONG = "not-the-password-at-all"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_CHILD = {
    "display_name": "Noor Synthetic",
    "birth_date": "2021-06-02",
    "sex": "male",
    "gestational_age_weeks": "39",
    "gestational_age_days": "2",
    "verbal": "on",
    "setting": "hospital",
    "ward": "Ward 7",
}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}

Browser = Callable[..., TestClient]


@pytest.fixture()
def accounts(web_engine: Engine, new_child: NewChild, web_clock: WebClock) -> str:
    """A therapist of the site and a parent linked to one child; returns the child's id."""
    ensure_site(web_engine)
    child_id = new_child(guardians=[{"name": "Amara's mother", "relationship": "mother"}])
    with unit_of_work(web_engine) as db:
        for data in (
            UserCreate(
                username=THERAPIST,
                display_name="Sam Therapist",
                role="therapist",
                sites=["Main site"],
                password=PASSWORD,
            ),
            UserCreate(username=GUARDIAN, role="guardian", children=[child_id], password=PASSWORD),
        ):
            add_user(db=db, data=data, now=web_clock.now)
    return child_id


@pytest.fixture()
def browser(web_app: FastAPI, accounts: str) -> Iterator[Browser]:
    """Fresh cookie-keeping clients on the app, as separate browsers would be."""
    opened: list[TestClient] = []

    def open_browser(app: FastAPI = web_app, **kwargs: Any) -> TestClient:
        client = TestClient(app, follow_redirects=False, **kwargs)
        opened.append(client.__enter__())
        return client

    yield open_browser
    for client in opened:
        client.__exit__(None, None, None)


def log_in(client: TestClient, username: str, password: str = PASSWORD, **form: str) -> Response:
    return client.post("/login", data={"username": username, "password": password, **form})


def csrf_token(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no form carrying the CSRF token"
    return found.group(1)


def session_cookie(response: Response) -> str:
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    return cookie


def children_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Child)).scalar_one())


def audit_rows(engine: Engine, **equal: str) -> list[AuditEntry]:
    query = select(AuditEntry).filter_by(**equal).order_by(AuditEntry.seq)
    with unit_of_work(engine) as db:
        return list(db.scalars(query))


# --- logging in ------------------------------------------------------------------------------


def test_logging_in_sets_an_http_only_same_site_lax_session_cookie(browser: Browser) -> None:
    client = browser()

    answer = log_in(client, THERAPIST)

    assert answer.status_code == 303
    cookie = session_cookie(answer).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie  # served over plain HTTP here
    assert client.get("/").status_code == 200  # the cookie is the login


def test_the_session_cookie_is_secure_when_the_app_is_served_over_https(browser: Browser) -> None:
    client = browser(base_url="https://testserver")

    answer = log_in(client, THERAPIST)

    assert answer.status_code == 303
    assert "; secure" in session_cookie(answer).lower()


def test_a_guardian_lands_on_their_home_page_whatever_the_link_asked_for(
    browser: Browser,
) -> None:
    client = browser()

    answer = log_in(client, GUARDIAN, next="/children/new")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/home"
    assert client.get("/home").status_code == 200


def test_staff_land_on_the_page_the_login_link_asked_for(browser: Browser, accounts: str) -> None:
    client = browser()
    asked = client.get(f"/children/{accounts}")
    assert asked.status_code == 303
    login_page = client.get(asked.headers["location"])
    assert f'name="next" value="/children/{accounts}"' in login_page.text

    answer = log_in(client, THERAPIST, next=f"/children/{accounts}")

    assert answer.headers["location"] == f"/children/{accounts}"
    assert client.get(answer.headers["location"]).status_code == 200


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example", "//evil.example/login", "evil.example", "javascript:x"]
)
def test_a_login_link_pointing_anywhere_but_this_app_lands_on_the_start_page(
    browser: Browser, elsewhere: str
) -> None:
    client = browser()

    form = client.get("/login", params={"next": elsewhere})
    answer = log_in(client, THERAPIST, next=elsewhere)

    assert 'name="next" value="/"' in form.text
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_a_wrong_password_gets_a_401_page_that_does_not_say_which_part_was_wrong(
    browser: Browser,
) -> None:
    client = browser()

    wrong_password = log_in(client, THERAPIST, WRONG)
    unknown_user = log_in(client, "nobody.here", WRONG)

    for answer in (wrong_password, unknown_user):
        assert answer.status_code == 401
        assert "text/html" in answer.headers["content-type"]
        assert "The username or password is not right." in answer.text
        assert not [c for c in answer.headers.get_list("set-cookie") if SESSION_COOKIE in c]
    assert _alert(wrong_password) == _alert(unknown_user)
    assert client.get("/").status_code == 303  # still not logged in


def _alert(page: Response) -> str:
    found = re.search(r'role="alert">([^<]*)<', page.text)
    assert found
    return found.group(1)


def test_the_sixth_failed_attempt_for_an_account_is_throttled_even_with_the_right_password(
    browser: Browser, web_clock: WebClock
) -> None:
    client = browser()
    failures = [log_in(client, THERAPIST, WRONG).status_code for _ in range(5)]

    sixth = log_in(client, THERAPIST)
    other_account = log_in(browser(), GUARDIAN)
    web_clock.advance(16)
    later = log_in(client, THERAPIST)

    assert failures == [401] * 5
    assert sixth.status_code == 401
    assert "Too many failed logins" in sixth.text
    assert not [c for c in sixth.headers.get_list("set-cookie") if SESSION_COOKIE in c]
    assert other_account.status_code == 303  # the limit is per account
    assert later.status_code == 303  # and lasts 15 minutes


def test_an_address_is_throttled_after_twenty_failed_logins_whatever_the_usernames(
    browser: Browser,
) -> None:
    client = browser()
    failures = [log_in(client, f"guess-{i}", WRONG).status_code for i in range(20)]

    answer = log_in(client, THERAPIST)

    assert failures == [401] * 20
    assert answer.status_code == 401
    assert "Too many failed logins" in answer.text


# --- the end of a login ----------------------------------------------------------------------


def test_logging_out_ends_the_session_and_the_old_cookie_no_longer_works(
    browser: Browser,
) -> None:
    client = browser()
    cookie = log_in(client, THERAPIST).cookies[SESSION_COOKIE]
    page = client.get("/")

    out = client.post("/logout", data={"csrf_token": csrf_token(page)})
    replayed = browser()
    replayed.cookies.set(SESSION_COOKIE, cookie)
    after = replayed.get("/")

    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert "max-age=0" in session_cookie(out).lower()  # the browser forgets it too
    assert after.status_code == 303
    assert after.headers["location"].startswith("/login?next=")


def test_an_idle_login_ends_after_the_minutes_the_setting_gives(
    browser: Browser, web_engine: Engine, web_clock: WebClock
) -> None:
    settings = Settings(database_url=str(web_engine.url), idle_logout_minutes=5)
    client = browser(create_app(settings, engine=web_engine, clock=web_clock))
    log_in(client, THERAPIST)

    web_clock.advance(4)
    active = client.get("/")
    web_clock.advance(4)  # 4 minutes after the last request: still within 5
    still_active = client.get("/")
    web_clock.advance(6)
    idle = client.get("/")
    back = client.get("/")  # an ended login does not come back

    assert active.status_code == 200
    assert still_active.status_code == 200
    assert idle.status_code == 303
    assert idle.headers["location"] == "/login?next=%2F"
    assert back.status_code == 303


def test_a_login_idle_for_the_default_fifteen_minutes_ends(
    browser: Browser, web_clock: WebClock
) -> None:
    client = browser()
    log_in(client, THERAPIST)

    web_clock.advance(14)
    active = client.get("/")
    web_clock.advance(16)
    idle = client.get("/")

    assert active.status_code == 200
    assert idle.status_code == 303


# --- forms: CSRF token and origin ------------------------------------------------------------


def test_a_form_posted_with_the_cookie_but_without_the_csrf_token_is_refused_and_stores_nothing(
    browser: Browser, web_engine: Engine
) -> None:
    client = browser()
    log_in(client, THERAPIST)
    before = children_count(web_engine)

    refused = client.post("/children/new", data=NEW_CHILD)
    forged = client.post("/children/new", data={**NEW_CHILD, "csrf_token": "guessed"})

    assert refused.status_code == 403
    assert forged.status_code == 403
    assert "did not come from this app" in refused.text
    assert children_count(web_engine) == before


def test_the_same_form_with_the_token_from_the_rendered_page_is_accepted(
    browser: Browser, web_engine: Engine
) -> None:
    client = browser()
    log_in(client, THERAPIST)
    form = client.get("/children/new")
    before = children_count(web_engine)

    saved = client.post("/children/new", data={**NEW_CHILD, "csrf_token": csrf_token(form)})

    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/children/")
    assert children_count(web_engine) == before + 1


def test_the_token_may_come_in_a_header_instead_of_the_form(
    browser: Browser, web_engine: Engine
) -> None:
    client = browser()
    log_in(client, THERAPIST)
    token = csrf_token(client.get("/children/new"))

    saved = client.post("/children/new", data=NEW_CHILD, headers={"X-CSRF-Token": token})

    assert saved.status_code == 303


def test_one_logins_token_does_not_open_another_login(browser: Browser) -> None:
    first, second = browser(), browser()
    log_in(first, THERAPIST)
    log_in(second, THERAPIST)
    token = csrf_token(first.get("/children/new"))

    refused = second.post("/children/new", data={**NEW_CHILD, "csrf_token": token})

    assert refused.status_code == 403


def test_a_form_posted_from_another_origin_is_refused_even_with_the_token(
    browser: Browser, web_engine: Engine
) -> None:
    client = browser()
    log_in(client, THERAPIST)
    token = csrf_token(client.get("/children/new"))
    before = children_count(web_engine)

    refused = client.post(
        "/children/new",
        data={**NEW_CHILD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    own_origin = client.post(
        "/children/new",
        data={**NEW_CHILD, "csrf_token": token},
        headers={"Origin": "http://testserver"},
    )

    assert refused.status_code == 403
    assert "another site" in refused.text
    assert own_origin.status_code == 303
    assert children_count(web_engine) == before + 1


def test_a_login_form_posted_from_another_origin_is_refused(browser: Browser) -> None:
    client = browser()

    refused = client.post(
        "/login",
        data={"username": THERAPIST, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )

    assert refused.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_logging_out_needs_the_token_too(browser: Browser) -> None:
    client = browser()
    log_in(client, THERAPIST)

    refused = client.post("/logout")

    assert refused.status_code == 403
    assert client.get("/").status_code == 200  # still logged in


# --- headers ---------------------------------------------------------------------------------


def _pages(client: TestClient, child_id: str) -> dict[str, Response]:
    """One answer of each kind: pages, redirects, errors, JSON, logged in and not."""
    anonymous = {
        "login form": client.get("/login"),
        "failed login": log_in(client, THERAPIST, WRONG),
        "login redirect": client.get(f"/children/{child_id}"),
        "API 401": client.get("/api/v1/children"),
        "health": client.get("/healthz"),
        "evidence": client.get("/evidence"),
    }
    landed = log_in(client, THERAPIST)
    return {
        **anonymous,
        "login": landed,
        "child's page": client.get(f"/children/{child_id}"),
        "not found": client.get("/children/01J0000000000000000000000X"),
        "refused form": client.post("/children/new", data=NEW_CHILD),
    }


def test_every_response_carries_the_security_headers_and_is_never_cached(
    browser: Browser, accounts: str
) -> None:
    answers = _pages(browser(), accounts)

    assert {name: a.status_code for name, a in answers.items()} == {
        "login form": 200,
        "failed login": 401,
        "login redirect": 303,
        "API 401": 401,
        "health": 200,
        "evidence": 200,
        "login": 303,
        "child's page": 200,
        "not found": 404,
        "refused form": 403,
    }
    for name, answer in answers.items():
        for header, value in SECURITY_HEADERS.items():
            assert answer.headers.get(header) == value, (name, header)
        assert answer.headers.get("cache-control") == "no-store", name
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, name
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, name


def test_the_stylesheet_may_be_cached_but_carries_the_other_headers(browser: Browser) -> None:
    answer = browser().get("/static/app.css")

    assert answer.status_code == 200
    assert "no-store" not in answer.headers.get("cache-control", "")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


# --- the audit -------------------------------------------------------------------------------


def test_logins_failed_logins_throttled_logins_and_logouts_are_in_the_audit_log(
    browser: Browser, web_engine: Engine, web_clock: WebClock
) -> None:
    since: datetime = web_clock.now
    client = browser()
    log_in(client, GUARDIAN, WRONG)
    log_in(client, "nobody.here", WRONG)
    for _ in range(4):
        log_in(client, GUARDIAN, WRONG)
    log_in(client, GUARDIAN)  # throttled: five failures already
    log_in(client, THERAPIST)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/"))})

    logins = [(e.actor, e.role, e.outcome) for e in audit_rows(web_engine, action="login")]
    (logout,) = audit_rows(web_engine, resource="POST /logout")

    assert logins == [
        (GUARDIAN, "anonymous", "failed"),
        ("nobody.here", "anonymous", "failed"),
        *[(GUARDIAN, "anonymous", "failed")] * 4,
        (GUARDIAN, "anonymous", "throttled"),
        (THERAPIST, "therapist", "allowed"),
    ]
    assert all(e.address == "testclient" and e.at >= since for e in audit_rows(web_engine))
    assert all(e.resource == "POST /login" for e in audit_rows(web_engine, action="login"))
    assert (logout.actor, logout.role, logout.outcome) == (THERAPIST, "therapist", "allowed")
