"""The children list, the new-child form and the child profile."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


NewChild = Callable[..., str]
NewScreening = Callable[..., tuple[str, str]]
NewSession = Callable[..., str]
NewDraft = Callable[[str, str], str]
RowCounts = Callable[[], dict[str, int]]


def new_child_form(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "display_name": "Noor Synthetic",
        "birth_date": "2021-06-02",
        "sex": "male",
        "gestational_age_weeks": "39",
        "gestational_age_days": "2",
        "verbal": "on",
        "setting": "hospital",
        "ward": "Ward 7",
        "touch_notes": "Likes the hands first.",
        "conditions": ["asthma", "autism"],
    }
    form.update(overrides)
    return form


def test_the_list_groups_children_by_ward_with_their_last_screening_decision(
    client: TestClient, new_child: NewChild, new_screening: NewScreening
) -> None:
    screened = new_child()
    new_screening(screened)
    new_child(display_name="Leo Synthetic", ward="Ward 9", conditions=[])

    page = client.get("/")

    assert page.status_code == 200
    text = page.text
    ward_4b, ward_9 = (re.search(rf'<h2 id="ward-\d+">{w} ', text) for w in ("Ward 4B", "Ward 9"))
    assert ward_4b and ward_9
    assert ward_4b.start() < text.index("Amara Synthetic") < ward_9.start()
    assert ward_9.start() < text.index("Leo Synthetic")
    assert "Cancer (on or after treatment)" in text
    assert re.search(r'badge badge-(proceed|modify|hold)"', text)
    assert "Not screened" in text
    assert f'href="/children/{screened}"' in text


def test_the_ward_filter_shows_only_that_ward(client: TestClient, new_child: NewChild) -> None:
    new_child()
    new_child(display_name="Leo Synthetic", ward="Ward 9")

    page = client.get("/", params={"ward": "Ward 9"})

    assert page.status_code == 200
    assert "Leo Synthetic" in page.text
    assert "Amara Synthetic" not in page.text
    assert '<option value="Ward 9" selected>' in page.text


def test_every_page_shows_the_demo_banner_in_demo_mode(client: TestClient) -> None:
    assert "Demo: all children are synthetic" in client.get("/").text


def test_the_stylesheet_is_served_from_static(client: TestClient) -> None:
    css = client.get("/static/app.css")

    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]


def test_the_new_child_form_lists_conditions_from_the_code_book(client: TestClient) -> None:
    page = client.get("/children/new")

    assert page.status_code == 200
    assert 'name="conditions" value="juvenile_idiopathic_arthritis"' in page.text
    assert '<label for="birth_date">' in page.text


def test_posting_a_new_child_redirects_to_an_opaque_id_never_the_name(
    client: TestClient,
) -> None:
    response = client.post("/children/new", data=new_child_form())

    assert response.status_code == 303
    location = response.headers["location"]
    child_id = location.removeprefix("/children/")
    assert ULID.match(child_id), location
    assert "Noor" not in location
    profile = client.get(location)
    assert "Noor Synthetic" in profile.text
    assert "Asthma" in profile.text
    assert "Autism spectrum disorder" in profile.text
    assert "Likes the hands first." in profile.text


def test_a_future_birth_date_is_refused_beside_the_field_and_nothing_is_stored(
    client: TestClient, row_counts: RowCounts
) -> None:
    before = row_counts()

    response = client.post("/children/new", data=new_child_form(birth_date="2027-01-01"))

    assert response.status_code == 422
    assert 'id="birth_date-error"' in response.text
    assert "on or before 2026-11-25" in response.text
    assert 'value="Noor Synthetic"' in response.text  # what was typed is kept
    assert 'value="asthma" checked' in response.text
    assert row_counts() == before


def test_a_missing_name_and_an_impossible_gestation_are_each_shown_beside_their_field(
    client: TestClient, row_counts: RowCounts
) -> None:
    before = row_counts()

    response = client.post(
        "/children/new", data=new_child_form(display_name="", gestational_age_weeks="50")
    )

    assert response.status_code == 422
    assert re.search(r'id="display_name-error">Required\.', response.text)
    assert 'id="gestational_age_weeks-error"' in response.text
    assert row_counts() == before


def test_the_profile_shows_facts_labs_and_the_latest_screening_with_sources(
    client: TestClient, child_id: str, new_screening: NewScreening
) -> None:
    new_screening(child_id)

    page = client.get(f"/children/{child_id}")

    assert page.status_code == 200
    text = page.text
    for expected in (
        "Amara Synthetic",
        "7 y 8 mo",
        "Platelets",
        "180 10^9/L",
        "2026-11-25 07:00 UTC",
        "Source:",
        "Screen now",
        "Add lab/vital",
        f'href="/children/{child_id}/screen"',
        "No sessions documented yet",
    ):
        assert expected in text, expected


def test_a_preterm_infant_shows_a_corrected_age(client: TestClient, new_child: NewChild) -> None:
    infant = new_child(
        display_name="Baby Synthetic",
        birth_date=date(2026, 8, 1),
        gestational_age_weeks=30,
        setting="nicu",
        ward="NICU",
        verbal=False,
        conditions=[{"code": "prematurity"}],
        labs=[],
        weight_g=1800,
    )

    page = client.get(f"/children/{infant}")

    assert page.status_code == 200
    assert "Corrected age" in page.text
    assert "30+0 weeks (preterm)" in page.text


def test_an_unknown_child_is_a_404_page_and_the_api_still_answers_json(
    client: TestClient,
) -> None:
    page = client.get("/children/01J0000000000000000000000Z")
    api = client.get("/api/v1/children/01J0000000000000000000000Z")

    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "Not found" in page.text
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/json"


def test_each_instrument_used_gets_its_own_chart_named_with_its_number_of_sessions(
    client: TestClient, child_id: str, screening: tuple[str, str], new_session: NewSession
) -> None:
    screening_id, _ = screening
    new_session(child_id, screening_id)
    new_session(child_id, screening_id)
    new_session(
        child_id,
        screening_id,
        pre={"instrument": "nrs_11", "items": {"score": 7}},
        post={"instrument": "nrs_11", "items": {"score": 3}},
    )

    page = client.get(f"/children/{child_id}").text

    assert 'Sessions <span class="count">(3)</span>' in page
    charts = re.findall(r'<img src="(/api/v1/children/[^"]+/trend\.svg\?instrument=\w+)"', page)
    assert charts == [
        f"/api/v1/children/{child_id}/trend.svg?instrument=fps_r",  # most sessions first
        f"/api/v1/children/{child_id}/trend.svg?instrument=nrs_11",
    ]
    assert "<strong>Faces Pain Scale - Revised (FPS-R)</strong>: 2 sessions" in page
    assert "<strong>Numeric Rating Scale (NRS-11, verbal)</strong>: 1 session." in page
    for src in charts:
        chart = client.get(src)
        assert chart.status_code == 200
        assert chart.headers["content-type"].startswith("image/svg+xml")


def test_no_chart_without_a_session_measured_before_and_after(
    client: TestClient, child_id: str, screening: tuple[str, str], new_draft: NewDraft
) -> None:
    new_draft(child_id, screening[0])

    page = client.get(f"/children/{child_id}").text

    assert 'Sessions <span class="count">(1)</span>' in page
    assert "trend.svg" not in page


def test_every_history_row_links_to_its_session_with_its_state(
    client: TestClient,
    child_id: str,
    screening: tuple[str, str],
    new_session: NewSession,
    new_draft: NewDraft,
) -> None:
    screening_id, _ = screening
    completed = new_session(child_id, screening_id)
    signed = new_session(child_id, screening_id)
    ended = new_session(
        child_id, screening_id, status="ended_early", end_reason="Fell asleep.", child_assent=None
    )
    draft = new_draft(child_id, screening_id)
    client.post(f"/sessions/{signed}/sign", data={"signer": "Sam Therapist"})

    page = client.get(f"/children/{child_id}").text

    rows = re.findall(
        r'<tr>\s*<td class="time"><a class="row-link" href="([^"]+)">(.*?)</tr>', page, re.S
    )
    by_link = {link: row for link, row in rows}
    assert set(by_link) == {f"/sessions/{s}" for s in (completed, signed, ended, draft)}
    assert rows[0][0] == f"/sessions/{draft}"  # not started yet: on top, what happens next
    assert by_link[f"/sessions/{draft}"].startswith("Not started")
    for session_id, label in (
        (completed, "Completed"),
        (signed, "Signed"),
        (ended, "Ended early"),
        (draft, "Draft"),
    ):
        assert re.search(
            rf'class="badge badge-state badge-\w+">{label}</span>',
            by_link[f"/sessions/{session_id}"],
        ), label
    assert "Fell asleep." in by_link[f"/sessions/{ended}"]
