"""GET /api/v1/children comes in pages: `limit` (50 unless asked, at most 200) and `offset`, the
total in `X-Total-Count` and the neighbouring pages in `Link`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pedmassage.children.schemas import ChildCreate
from pedmassage.children.service import create_child
from pedmassage.db import unit_of_work
from pedmassage.sites.service import add_site


def add_children(client: TestClient, now: datetime, count: int, **overrides: Any) -> list[str]:
    """Children stored through the service (faster than the API for many); ids in list order."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    made = []
    with unit_of_work(engine) as db:
        for n in range(count):
            data = {
                "display_name": f"Child {n:03d}",
                "birth_date": "2020-01-01",
                "sex": "male",
                "ward": "Ward 4",
                **overrides,
            }
            made.append(create_child(db=db, data=ChildCreate.model_validate(data), now=now).id)
    return made


def links(response: Any) -> dict[str, str]:
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])
    }


def test_the_first_page_holds_fifty_with_the_total_and_a_link_to_the_next(
    client: TestClient, now: datetime
) -> None:
    made = add_children(client, now, 53)

    first = client.get("/api/v1/children")
    following = client.get(links(first)["next"])

    assert first.status_code == 200
    assert [c["id"] for c in first.json()] == made[:50]
    assert first.headers["x-total-count"] == "53"
    assert links(first).keys() == {"next"}
    assert links(first)["next"].endswith("/api/v1/children?offset=50&limit=50")
    assert [c["id"] for c in following.json()] == made[50:]
    assert links(following).keys() == {"prev"}


def test_limit_and_offset_cut_the_list_and_keep_the_filters(
    client: TestClient, now: datetime
) -> None:
    ward_nine = add_children(client, now, 5, ward="Ward 9")
    add_children(client, now, 3)

    page = client.get("/api/v1/children", params={"ward": "Ward 9", "limit": 2, "offset": 2})

    assert [c["id"] for c in page.json()] == ward_nine[2:4]
    assert page.headers["x-total-count"] == "5"
    assert "ward=Ward+9" in links(page)["next"] and "offset=4" in links(page)["next"]
    assert "offset=0" in links(page)["prev"]


def test_a_page_past_the_end_is_empty_with_the_total(client: TestClient, now: datetime) -> None:
    add_children(client, now, 2)

    page = client.get("/api/v1/children", params={"offset": 10})

    assert page.status_code == 200
    assert page.json() == []
    assert page.headers["x-total-count"] == "2"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 201}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset")],
)
def test_a_window_outside_the_bounds_is_a_422_naming_the_field(
    client: TestClient, params: dict[str, int], field: str
) -> None:
    response = client.get("/api/v1/children", params=params)

    assert response.status_code == 422
    assert field in response.text


def test_two_hundred_is_the_largest_page(client: TestClient) -> None:
    response = client.get("/api/v1/children", params={"limit": 200})

    assert response.status_code == 200
    assert response.headers["x-total-count"] == "0"
    assert "link" not in response.headers


def test_the_list_and_its_total_keep_to_the_askers_sites(client: TestClient, now: datetime) -> None:
    mine = add_children(client, now, 2)
    assert (
        client.get("/api/v1/children").headers["x-total-count"] == "2"
    )  # joins the sites there are
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with unit_of_work(engine) as db:
        other = add_site(db=db, name="Another Hospital", now=now).id
    add_children(client, now, 3, site_id=other)

    page = client.get("/api/v1/children")

    assert [c["id"] for c in page.json()] == mine
    assert page.headers["x-total-count"] == "2"


def test_the_page_headers_are_in_the_api_description(client: TestClient) -> None:
    operation = client.get("/api/openapi.json").json()["paths"]["/api/v1/children"]["get"]
    headers = operation["responses"]["200"]["headers"]
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")

    assert {"X-Total-Count", "Link"} <= headers.keys()
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (50, 200)
