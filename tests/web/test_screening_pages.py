"""Screening at the bedside: the form, the stored result and the plan that respects it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

SCREEN_ANSWERS = {
    "therapist": "Sam Therapist",
    "guardian_consent": "yes",
    "child_assent": "yes",
    "respiratory_support": "none",
    "isolation": "none",
    "setting": "hospital",
}


NewScreening = Callable[..., tuple[str, str]]
RowCounts = Callable[[], dict[str, int]]


def test_the_screen_form_asks_consent_assent_support_and_isolation(
    client: TestClient, child_id: str
) -> None:
    page = client.get(f"/children/{child_id}/screen")

    assert page.status_code == 200
    for name in (
        "therapist",
        "guardian_consent",
        "child_assent",
        "respiratory_support",
        "isolation",
    ):
        assert f'name="{name}"' in page.text, name
    assert "Not recorded" in page.text
    assert "Not asked" in page.text


def test_screening_stores_the_result_and_redirects_to_its_page(
    client: TestClient, child_id: str, row_counts: RowCounts
) -> None:
    before = row_counts()["screenings"]

    response = client.post(f"/children/{child_id}/screen", data=SCREEN_ANSWERS)

    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/screenings/[0-9A-Z]{26}", location)
    assert row_counts()["screenings"] == before + 1
    result = client.get(location)
    assert result.status_code == 200
    assert re.search(r'class="decision decision-(proceed|modify)"', result.text)
    assert "Source:" in result.text
    assert "Document session" in result.text


def test_a_screening_without_a_therapist_is_refused_and_nothing_is_stored(
    client: TestClient, child_id: str, row_counts: RowCounts
) -> None:
    before = row_counts()

    response = client.post(f"/children/{child_id}/screen", data={**SCREEN_ANSWERS, "therapist": ""})

    assert response.status_code == 422
    assert re.search(r'id="therapist-error">Required\.', response.text)
    assert 'value="yes" checked' in response.text  # the answers given are kept
    assert row_counts() == before


def test_the_result_shows_the_modifications_with_site_labels_and_the_plan(
    client: TestClient, screening: tuple[str, str]
) -> None:
    screening_id, decision = screening
    assert decision == "modify"  # a child on cancer treatment: light to medium pressure

    page = client.get(f"/screenings/{screening_id}")

    assert page.status_code == 200
    text = page.text
    assert "decision-modify" in text
    assert "Maximum pressure" in text
    assert "3 · Relaxation (Swedish)" in text
    assert "Genital area (never massaged)" in text  # avoided sites by label, not by id
    assert "Hand (left)" in text
    assert f'href="/screenings/{screening_id}/session?goals=relaxation"' in text


def test_goals_chosen_on_the_result_page_are_carried_to_the_session_form(
    client: TestClient, screening: tuple[str, str]
) -> None:
    screening_id, _ = screening

    page = client.get(f"/screenings/{screening_id}", params={"goals": ["pain", "anxiety"]})

    assert page.status_code == 200
    assert 'value="pain" checked' in page.text
    assert f"/screenings/{screening_id}/session?goals=pain&amp;goals=anxiety" in page.text


def test_an_unknown_goal_is_explained_on_the_page(
    client: TestClient, screening: tuple[str, str]
) -> None:
    screening_id, _ = screening

    page = client.get(f"/screenings/{screening_id}", params={"goals": "levitation"})

    assert page.status_code == 200
    assert "No plan for these goals" in page.text
    assert "Document session" not in page.text


def test_a_hold_is_shown_in_red_with_no_plan_and_no_session_button(
    client: TestClient, child_id: str, new_screening: NewScreening
) -> None:
    screening_id, decision = new_screening(child_id, guardian_consent=False)
    assert decision == "hold"

    page = client.get(f"/screenings/{screening_id}")

    assert page.status_code == 200
    assert "decision-hold" in page.text
    assert "Screen again" in page.text
    assert "Document session" not in page.text


def test_an_unknown_screening_is_a_404_page(client: TestClient) -> None:
    page = client.get("/screenings/01J0000000000000000000000Z")

    assert page.status_code == 404
    assert "Not found" in page.text


def test_a_result_that_asks_for_a_reading_names_it_with_its_unit_and_last_value(
    client: TestClient, new_child: Callable[..., str]
) -> None:
    """A stale platelet count of 8 (three days old) holds and is listed to verify, shown."""
    taken = (client.clock() - timedelta(days=3)).isoformat()  # type: ignore[attr-defined]
    child_id = new_child(
        labs=[{"code": "platelets", "value": 8, "unit": "10^9/L", "taken_at": taken}]
    )
    response = client.post(f"/children/{child_id}/screen", data=SCREEN_ANSWERS)
    page = client.get(response.headers["location"]).text
    assert "Readings to take" in page
    assert "Platelets" in page and "10^9/L" in page
    assert "previous.platelets_hold_tier" in page or "The last platelet count, 8" in page


def test_a_physician_sets_comfort_care_on_the_profile_and_a_therapist_cannot(
    client: TestClient, child_id: str
) -> None:
    page = client.get(f"/children/{child_id}").text
    assert "Goals of care" in page and "Save goals of care" not in page
    refused = client.post(f"/children/{child_id}/goals-of-care", data={"goals_of_care": "comfort"})
    assert refused.status_code == 403
    with client.acting_as("Dr P. Okafor", role="physician"):  # type: ignore[attr-defined]
        assert "Save goals of care" in client.get(f"/children/{child_id}").text
        done = client.post(f"/children/{child_id}/goals-of-care", data={"goals_of_care": "comfort"})
    assert done.status_code == 303
    assert "Comfort (palliative)" in client.get(f"/children/{child_id}").text


def test_the_screen_form_asks_for_long_term_support_and_a_young_persons_own_consent(
    client: TestClient, child_id: str
) -> None:
    page = client.get(f"/children/{child_id}/screen").text
    assert 'name="respiratory_support_long_term"' in page
    assert 'name="self_consent"' in page
