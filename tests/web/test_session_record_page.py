"""A stored session's page: everything recorded, its state as a badge, and only the actions that
state allows; a signed session takes nothing but addenda, and an illegal post changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pedmassage.measures import instrument
from pedmassage.sessions.lifecycle import TRANSITIONS
from pedmassage.web.lifecycle import allowed_actions

NewSession = Callable[..., str]
NewDraft = Callable[[str, str], str]
RowCounts = Callable[[], dict[str, int]]

START = {
    "guardian_consent_by": "Mother",
    "consent_method": "in_person",
    "child_assent": "yes",
    "instrument": "fps_r",
    "pre.fps_r.score": "6",
}
FINISH: dict[str, str | list[str]] = {
    "minutes": "12",
    "pressure": "2",
    "regions": ["hand_left", "back"],
    "post.fps_r.score": "2",
}
ADVERSE = {
    "occurred_at": "2026-11-25T08:55",
    "description": "Went pale and quiet.",
    "severity": "moderate",
    "action_taken": "Stopped; nurse informed.",
    "recorded_by": "Sam Therapist",
}


def form_actions(html: str, session_id: str) -> set[str]:
    """The actions the page's forms post to, e.g. {"sign", "adverse-events"}."""
    return set(re.findall(rf'action="/sessions/{session_id}/([a-z-]+)"', html))


def api_record(client: TestClient, session_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/sessions/{session_id}")
    assert response.status_code == 200
    record: dict[str, Any] = response.json()
    return record


@pytest.fixture()
def session_id(child_id: str, screening: tuple[str, str], new_session: NewSession) -> str:
    return new_session(child_id, screening[0])


def test_the_session_page_shows_everything_recorded(
    client: TestClient, child_id: str, screening: tuple[str, str], new_session: NewSession
) -> None:
    recorded = new_session(
        child_id,
        screening[0],
        heart_rate_pre=104,
        heart_rate_post=92,
        spo2_pre=96,
        spo2_post=99,
        cues=["smiling", "hiccups"],
        response="Settled quickly.",
        note="Prefers the back first.",
    )

    page = client.get(f"/sessions/{recorded}")

    assert page.status_code == 200
    text = page.text
    assert re.search(r'class="badge badge-state badge-completed">Completed<', text)
    assert "All times are in UTC" in text
    for expected in (
        "Amara Synthetic",  # the child's name on the page, never in its URL
        "Mother",
        "By phone",
        "Faces Pain Scale - Revised (FPS-R)",
        f"version {instrument('fps_r').version}",
        "2026-11-25 08:30 UTC",  # started, and the "before" measure
        "2026-11-25 08:45 UTC",  # ended, and the "after" measure
        "Planned",
        "Hand (left), Back",
        "2 · Heavy lotioning",
        "Smiling",
        "Hiccups",
        "Settled quickly.",
        "Prefers the back first.",
    ):
        assert expected in text, expected
    assert re.search(r"Heart rate \(/min\)</th><td>104</td><td>92</td>", text)
    assert re.search(r"SpO2 \(%\)</th><td>96</td><td>99</td>", text)


@pytest.mark.parametrize("state", ["draft", "in_progress", "completed", "ended_early", "signed"])
def test_the_page_offers_the_actions_the_lifecycle_allows_and_no_other(
    client: TestClient,
    child_id: str,
    screening: tuple[str, str],
    new_draft: NewDraft,
    state: str,
) -> None:
    session_id = new_draft(child_id, screening[0])
    steps: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "draft": [],
        "in_progress": [("start", START)],
        "completed": [("start", START), ("complete", FINISH)],
        "ended_early": [("start", {**START, "child_assent": "no"})],
        "signed": [("start", START), ("complete", FINISH), ("sign", {"signer": "Sam Therapist"})],
    }
    for step, data in steps[state]:
        assert client.post(f"/sessions/{session_id}/{step}", data=data).status_code == 303

    page = client.get(f"/sessions/{session_id}").text

    expected = {
        "draft": (set(), {"start"}),
        "in_progress": ({"adverse-events"}, {"in-progress"}),
        "completed": ({"adverse-events", "sign"}, set()),
        "ended_early": ({"adverse-events", "sign"}, set()),
        "signed": ({"addenda"}, set()),
    }
    forms, links = expected[state]
    assert form_actions(page, session_id) == forms
    assert set(re.findall(rf'href="/sessions/{session_id}/([a-z-]+)', page)) == links


def test_the_offered_actions_are_the_lifecycle_transitions() -> None:
    for state in ("draft", "in_progress", "completed", "ended_early", "signed"):
        expected = {action for action, moves in TRANSITIONS.items() if state in moves}
        assert allowed_actions(state) == expected, state
    assert allowed_actions("signed") == {"amend"}


def test_signing_shows_who_signed_and_removes_every_edit_control(
    client: TestClient, session_id: str
) -> None:
    response = client.post(f"/sessions/{session_id}/sign", data={"signer": "Sam Therapist"})

    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{session_id}"
    page = client.get(f"/sessions/{session_id}").text
    assert "Signed by Sam Therapist at 2026-11-25 09:00 UTC" in page
    assert re.search(r'badge-signed">Signed<', page)
    assert form_actions(page, session_id) == {"addenda"}  # the one thing a signed record takes
    assert "Record adverse event" not in page
    assert 'name="signer"' not in page


def test_completing_a_signed_session_again_is_a_409_that_changes_nothing(
    client: TestClient, session_id: str, row_counts: RowCounts
) -> None:
    client.post(f"/sessions/{session_id}/sign", data={"signer": "Sam Therapist"})
    before, counts = api_record(client, session_id), row_counts()

    again = client.post(f"/sessions/{session_id}/complete", data=FINISH)
    late_event = client.post(f"/sessions/{session_id}/adverse-events", data=ADVERSE)
    resign = client.post(f"/sessions/{session_id}/sign", data={"signer": "Sam Therapist"})

    assert again.status_code == 409
    assert "text/html" in again.headers["content-type"]
    assert "cannot complete a session that is signed" in again.text
    assert late_event.status_code == 409
    assert resign.status_code == 409
    assert api_record(client, session_id) == before
    assert row_counts() == counts


def test_an_addendum_appears_with_its_author_and_time(
    client: TestClient, session_id: str, row_counts: RowCounts
) -> None:
    client.post(f"/sessions/{session_id}/sign", data={"signer": "Sam Therapist"})

    response = client.post(
        f"/sessions/{session_id}/addenda",
        data={"author": "Dr Lee", "text": "Mother reports the child slept well after."},
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{session_id}#addenda"
    page = client.get(f"/sessions/{session_id}").text
    assert "Mother reports the child slept well after." in page
    assert re.search(r"<strong>Dr Lee</strong> <span class=\"time\">2026-11-25 09:00 UTC", page)
    assert 'Addenda <span class="count">(1)</span>' in page
    assert row_counts()["session_addenda"] == 1


def test_an_addendum_before_signing_is_a_409_and_stores_nothing(
    client: TestClient, session_id: str, row_counts: RowCounts
) -> None:
    before = row_counts()

    response = client.post(
        f"/sessions/{session_id}/addenda", data={"author": "Dr Lee", "text": "Too early."}
    )

    assert response.status_code == 409
    assert row_counts() == before


def test_an_adverse_event_appears_on_the_session_page(
    client: TestClient, session_id: str, row_counts: RowCounts
) -> None:
    response = client.post(f"/sessions/{session_id}/adverse-events", data=ADVERSE)

    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{session_id}#adverse-events"
    page = client.get(f"/sessions/{session_id}").text
    assert 'Adverse events <span class="count">(1)</span>' in page
    for expected in (
        "Went pale and quiet.",
        "Stopped; nurse informed.",
        '<span class="tag tag-moderate">Moderate</span>',
        "2026-11-25 08:55 UTC",
        "recorded by Sam Therapist",
    ):
        assert expected in page, expected
    assert row_counts()["adverse_events"] == 1


def test_a_refused_adverse_event_shows_each_error_beside_its_field_and_keeps_the_values(
    client: TestClient, session_id: str, row_counts: RowCounts
) -> None:
    before = row_counts()

    response = client.post(
        f"/sessions/{session_id}/adverse-events",
        data={**ADVERSE, "severity": "", "action_taken": "", "occurred_at": "this morning"},
    )
    future = client.post(
        f"/sessions/{session_id}/adverse-events",
        data={**ADVERSE, "occurred_at": "2026-11-26T09:00"},
    )

    assert response.status_code == 422
    for field in ("severity", "action_taken", "occurred_at"):
        assert f'id="{field}-error"' in response.text, field
    assert "Went pale and quiet.</textarea>" in response.text  # what was typed is kept
    assert 'name="signer" value="Sam Therapist"' in response.text  # the other form as it was
    assert future.status_code == 422
    assert re.search(
        r'id="occurred_at-error">Allowed: not in the future \(now is 2026-11-25 09:00 UTC\)',
        future.text,
    )
    assert row_counts() == before


def test_signing_without_a_name_is_refused_beside_the_field(
    client: TestClient, session_id: str, row_counts: RowCounts
) -> None:
    before = row_counts()

    response = client.post(f"/sessions/{session_id}/sign", data={"signer": ""})

    assert response.status_code == 422
    assert re.search(r'id="signer-error">Required\.', response.text)
    assert api_record(client, session_id)["status"] == "completed"
    assert row_counts() == before


def test_an_unknown_session_is_a_404_page(client: TestClient) -> None:
    page = client.get("/sessions/01J0000000000000000000000Z")

    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]


def test_a_therapist_cannot_sign_another_therapists_session(
    client: TestClient, session_id: str
) -> None:
    before = api_record(client, session_id)

    with client.acting_as("Dr Anyone"):  # type: ignore[attr-defined]
        refused = client.post(f"/sessions/{session_id}/sign", data={"signer": "Dr Anyone"})

    assert refused.status_code == 403
    assert api_record(client, session_id) == before
