"""Goals of care on the child's record: set by a physician or the program lead, read by screening.

A child with leukaemia on comfort care at home with platelets of 15 is screened "modify" with
still touch and holding; the same child under curative care is held. A therapist cannot change the
goals of care; every change moves the profile's version on and names who set it.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.api.test_flow import create_child, screen

LEUKAEMIA_AT_HOME = {
    "setting": "home",
    "conditions": [{"code": "cancer"}],
    "labs": [{"code": "plt", "value": 15000, "unit": "/uL", "taken_at": "2026-11-25T08:00:00Z"}],
}


def test_comfort_care_set_by_a_physician_keeps_still_touch_possible(client: TestClient) -> None:
    child_id = create_child(client, **LEUKAEMIA_AT_HOME)
    assert screen(client, child_id)["result"]["decision"] == "hold"
    with client.acting_as("Dr P. Okafor", role="physician"):
        response = client.put(
            f"/api/v1/children/{child_id}/goals-of-care", json={"goals_of_care": "comfort"}
        )
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["goals_of_care"] == "comfort"
    assert profile["goals_of_care_by"]
    result = screen(client, child_id)["result"]
    assert result["decision"] == "modify"
    assert result["modifications"]["max_pressure"] == 0
    [severe] = [r for r in result["reasons"] if r["rule_id"] == "platelets.severe"]
    assert "Comfort care" in severe["message"]


def test_the_record_keeps_the_count_as_entered(client: TestClient) -> None:
    child_id = create_child(client, **LEUKAEMIA_AT_HOME)
    observations = client.get(f"/api/v1/children/{child_id}").json()["observations"]
    [count] = [o for o in observations if o["code"] == "platelets"]
    assert (count["code"], count["value"], count["unit"]) == ("platelets", 15000, "/uL")


def test_a_therapist_cannot_set_the_goals_of_care(client: TestClient) -> None:
    child_id = create_child(client, **LEUKAEMIA_AT_HOME)
    response = client.put(
        f"/api/v1/children/{child_id}/goals-of-care", json={"goals_of_care": "comfort"}
    )
    assert response.status_code == 403
    assert client.get(f"/api/v1/children/{child_id}").json()["goals_of_care"] == "curative"


def test_goals_outside_the_two_are_refused_naming_the_field(client: TestClient) -> None:
    child_id = create_child(client)
    with client.acting_as("L. Lead", role="program_lead"):
        response = client.put(
            f"/api/v1/children/{child_id}/goals-of-care", json={"goals_of_care": "hospice"}
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "goals_of_care"


def test_a_change_resting_on_an_old_version_is_refused(client: TestClient) -> None:
    child_id = create_child(client)
    version = client.get(f"/api/v1/children/{child_id}").headers["etag"]
    with client.acting_as("L. Lead", role="program_lead"):
        first = client.put(
            f"/api/v1/children/{child_id}/goals-of-care",
            json={"goals_of_care": "comfort"},
            headers={"If-Match": version},
        )
        second = client.put(
            f"/api/v1/children/{child_id}/goals-of-care",
            json={"goals_of_care": "curative"},
            headers={"If-Match": version},
        )
    assert first.status_code == 200
    assert second.status_code == 409
    assert client.get(f"/api/v1/children/{child_id}").json()["goals_of_care"] == "comfort"


def test_long_term_ventilation_and_an_adolescents_own_consent_reach_the_screening(
    client: TestClient,
) -> None:
    child_id = create_child(client, setting="home", devices=[{"kind": "trach", "site": "neck"}])
    result = screen(
        client, child_id, respiratory_support="ventilator", respiratory_support_long_term=True
    )["result"]
    assert "stability.long_term_ventilation" in {r["rule_id"] for r in result["reasons"]}
    declined = screen(client, child_id, self_consent=False)["result"]
    assert declined["decision"] == "hold"
