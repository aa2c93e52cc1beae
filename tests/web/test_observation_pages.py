"""Adding a lab or vital: the unit comes from the code book, and impossible values are refused."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

RowCounts = Callable[[], dict[str, int]]


def test_the_form_offers_labs_and_vitals_with_their_units(
    client: TestClient, child_id: str
) -> None:
    page = client.get(f"/children/{child_id}/observations/new")

    assert page.status_code == 200
    assert '<option value="lab:platelets">Platelets (10^9/L)</option>' in page.text
    assert '<optgroup label="Vital signs">' in page.text
    assert 'value="2026-11-25T09:00"' in page.text


def test_a_new_value_is_stored_and_shown_as_the_latest(client: TestClient, child_id: str) -> None:
    response = client.post(
        f"/children/{child_id}/observations/new",
        data={"code": "lab:platelets", "value": "42", "taken_at": "2026-11-25T08:30"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/children/{child_id}#observations"
    profile = client.get(f"/children/{child_id}").text
    assert "42 10^9/L" in profile
    assert "180 10^9/L" not in profile  # only the latest value of each measure
    assert "2026-11-25 08:30 UTC" in profile


def test_an_impossible_value_is_refused_beside_the_value(
    client: TestClient, child_id: str, row_counts: RowCounts
) -> None:
    before = row_counts()

    response = client.post(
        f"/children/{child_id}/observations/new",
        data={"code": "vital:temperature", "value": "98.6", "taken_at": "2026-11-25T08:30"},
    )

    assert response.status_code == 422
    assert 'id="value-error">Allowed: 25 to 45 Cel for temperature (given: 98.6).' in response.text
    assert '<option value="vital:temperature" selected>' in response.text
    assert row_counts() == before


def test_a_value_from_the_future_and_a_missing_measure_are_refused(
    client: TestClient, child_id: str, row_counts: RowCounts
) -> None:
    before = row_counts()

    future = client.post(
        f"/children/{child_id}/observations/new",
        data={"code": "lab:anc", "value": "1.2", "taken_at": "2026-11-26T08:30"},
    )
    missing = client.post(
        f"/children/{child_id}/observations/new",
        data={"code": "", "value": "1.2", "taken_at": "2026-11-25T08:30"},
    )

    assert future.status_code == 422
    assert 'id="taken_at-error">Allowed: not in the future' in future.text
    assert missing.status_code == 422
    assert 'id="code-error"' in missing.text
    assert row_counts() == before
