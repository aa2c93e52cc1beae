"""The children list and the flags list come in pages, with links to the neighbouring pages."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pedmassage.children import service as children
from pedmassage.db import unit_of_work
from pedmassage.homecare import service as homecare
from pedmassage.homecare.access import Viewer
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.screenings.service import screen_child

from .conftest import WEB_NOW

NewChild = Callable[..., str]
THERAPIST = "Sam Therapist"  # whom the web tests' client acts as


def listed(page: str) -> list[str]:
    return re.findall(r'class="row-link" href="/children/[^"]+">([^<]+)</a>', page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


@pytest.fixture()
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of three, so a handful of children fill several."""
    monkeypatch.setattr(children, "PAGE_SIZE", 3)


def test_fifty_children_fill_the_first_page_and_the_rest_are_on_the_next(
    client: TestClient, new_child: NewChild
) -> None:
    for n in range(52):
        new_child(display_name=f"Child {n:02d}", conditions=[])

    first = client.get("/")
    second = client.get(link(first.text, "next") or "")

    assert listed(first.text) == [f"Child {n:02d}" for n in range(50)]
    assert listed(second.text) == ["Child 50", "Child 51"]
    assert "Children 1 to 50 of 52 · page 1 of 2" in first.text
    assert 'Ward 4B <span class="count">(52, 50 on this page)' in first.text
    assert link(first.text, "prev") is None
    assert link(second.text, "prev") == "/?page=1"
    assert link(second.text, "next") is None


@pytest.mark.usefixtures("small_pages")
def test_the_ward_filter_is_kept_from_page_to_page(client: TestClient, new_child: NewChild) -> None:
    for n in range(4):
        new_child(display_name=f"Nine {n}", ward="Ward 9")
    new_child(display_name="Elsewhere", ward="Ward 4B")

    first = client.get("/", params={"ward": "Ward 9"})
    following = link(first.text, "next")

    assert listed(first.text) == ["Nine 0", "Nine 1", "Nine 2"]
    assert following == "/?ward=Ward+9&page=2"
    assert listed(client.get(following).text) == ["Nine 3"]
    assert "Previous page" not in first.text
    assert 'aria-label="Pages of the children list"' in first.text


@pytest.mark.usefixtures("small_pages")
def test_a_page_past_the_end_says_so_and_leads_back(
    client: TestClient, new_child: NewChild
) -> None:
    new_child()

    page = client.get("/", params={"page": 7})

    assert page.status_code == 200
    assert listed(page.text) == []
    assert "No children on page 7" in page.text
    assert 'href="/?page=1"' in page.text


@pytest.mark.parametrize("number", ["0", "-1", "two"])
def test_a_page_number_that_is_not_one_is_refused(client: TestClient, number: str) -> None:
    assert client.get("/", params={"page": number}).status_code == 422


def test_the_list_shows_only_the_children_of_the_persons_own_sites(
    client: TestClient, new_child: NewChild, web_engine: Engine
) -> None:
    new_child(display_name="Mine")
    assert listed(client.get("/").text) == ["Mine"]  # the account joins the sites there are
    from pedmassage.sites.service import add_site

    with unit_of_work(web_engine) as db:
        other = add_site(db=db, name="Another Hospital", now=WEB_NOW).id
    new_child(display_name="Theirs", site_id=other)

    page = client.get("/")

    assert listed(page.text) == ["Mine"]
    assert "(1)" in page.text


def flag_for_each(engine: Engine, child_ids: list[str]) -> None:
    """A home program for each child with one problem logged by the parent, an hour apart."""
    request = ScreeningCreate(therapist=THERAPIST, guardian_consent=True, child_assent=True)
    with unit_of_work(engine) as db:
        for n, child_id in enumerate(child_ids):
            screen_child(db=db, child_id=child_id, request=request, now=WEB_NOW)
            homecare.add_care_team_member(
                db=db, child_id=child_id, staff_name=THERAPIST, role="therapist", now=WEB_NOW
            )
            program = homecare.prescribe_home_program(
                db=db, child_id=child_id, prescribed_by=THERAPIST, goals=["sleep"], now=WEB_NOW
            )
            guardian = children.get_child(db=db, child_id=child_id).guardians[0].id
            homecare.log_home_session(
                db=db,
                viewer=Viewer.guardian(guardian),
                program_id=program.id,
                session_date=WEB_NOW.date(),
                minutes=15,
                response="relaxed",
                problem="skin_change",
                now=WEB_NOW + timedelta(hours=n + 1),
            )


def test_the_flags_list_comes_in_pages_oldest_first(
    client: TestClient, new_child: NewChild, web_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pedmassage.web import homecare as flags_pages

    monkeypatch.setattr(flags_pages, "FLAGS_PAGE_SIZE", 2)
    parent = [{"name": "A parent", "relationship": "mother"}]
    ids = [
        new_child(display_name=f"Home {n}", ward=None, setting="home", guardians=parent)
        for n in range(3)
    ]
    flag_for_each(web_engine, ids)

    first = client.get("/flags")
    second = client.get(link(first.text, "next") or "")

    assert first.status_code == second.status_code == 200
    assert re.findall(r"(Home \d): ", first.text) == ["Home 0", "Home 1"]
    assert re.findall(r"(Home \d): ", second.text) == ["Home 2"]
    assert "Flags 1 to 2 of 3 · page 1 of 2" in first.text
    assert link(second.text, "prev") == "/flags?page=1"
    assert link(second.text, "next") is None
