"""The therapist's Today page: who is still to see, what their screening says and asks to verify,
who has had a session today, and nobody from another site; parents never see it."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import WEB_NOW, NewChild, NewScreening, NewSession

from pedmassage.children.service import get_child
from pedmassage.db import unit_of_work
from pedmassage.sites.service import add_site


def sections(page: str) -> tuple[str, str]:
    """The "Still to see" part of the page and the "Seen today" part."""
    to_see, _, seen = page.partition('<h2 id="seen">')
    return to_see, seen


def names(html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/children/[^"]+">([^<]+)</a>', html)


def test_a_child_screened_today_shows_the_decision_and_what_to_verify(
    client: TestClient, new_child: NewChild, new_screening: NewScreening
) -> None:
    stale = (WEB_NOW - timedelta(days=3)).isoformat()
    child_id = new_child(
        display_name="Stale Platelets",
        labs=[{"code": "platelets", "value": 8, "unit": "10^9/L", "taken_at": stale}],
    )
    _, decision = new_screening(child_id)

    page = client.get("/today")

    assert page.status_code == 200
    to_see, _ = sections(page.text)
    assert names(to_see) == ["Stale Platelets"]
    assert f'href="/children/{child_id}"' in to_see
    assert f"badge-{decision}" in to_see and "2026-11-25 08:00 UTC" in to_see  # screened at
    assert "Platelets" in to_see


def test_a_child_with_a_session_today_is_listed_as_seen(
    client: TestClient, new_child: NewChild, new_screening: NewScreening, new_session: NewSession
) -> None:
    child_id = new_child(display_name="Seen Child")
    screening_id, _ = new_screening(child_id)
    new_session(child_id, screening_id)
    new_child(display_name="Waiting Child")

    to_see, seen = sections(client.get("/today").text)

    assert names(to_see) == ["Waiting Child"]
    assert "Not screened today" in to_see
    assert names(seen) == ["Seen Child"]
    assert "Completed" in seen


def test_children_still_to_see_come_unscreened_first_then_by_decision(
    client: TestClient, new_child: NewChild, new_screening: NewScreening
) -> None:
    new_screening(new_child(display_name="A Screened"))
    new_child(display_name="B Unscreened")

    to_see, _ = sections(client.get("/today").text)

    assert names(to_see) == ["B Unscreened", "A Screened"]


def test_a_child_of_another_site_or_at_home_is_not_listed(
    client: TestClient, new_child: NewChild, web_engine: Engine
) -> None:
    new_child(display_name="Mine")
    new_child(display_name="At Home", ward=None, setting="home")
    client.get("/today")  # the account joins the sites there are now
    with unit_of_work(web_engine) as db:
        other = add_site(db=db, name="Another Hospital", now=WEB_NOW).id
    new_child(display_name="Theirs", site_id=other)

    to_see, seen = sections(client.get("/today").text)

    assert names(to_see) + names(seen) == ["Mine"]


def test_a_guardian_is_refused(client: TestClient, new_child: NewChild, web_engine: Engine) -> None:
    parent = [{"name": "A parent", "relationship": "mother"}]
    child_id = new_child(display_name="Home Child", ward=None, setting="home", guardians=parent)
    with unit_of_work(web_engine) as db:
        guardian = get_child(db=db, child_id=child_id).guardians[0].id

    assert client.get("/today", params={"guardian": guardian}).status_code == 403


def test_the_page_has_a_heading_and_the_therapist_has_the_nav_link(client: TestClient) -> None:
    page = client.get("/today").text

    assert "<h1>Today</h1>" in page
    assert '<a href="/today">Today</a>' in page
    assert "Nobody left to see today." in page
    home = client.get("/").text
    assert '<a href="/today">Today</a>' in home
