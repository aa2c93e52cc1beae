"""The live session step by step: start a session now from a screening, confirm consent and ask
the child, then complete it or end it early. A child's "no" ends it at once, each step refuses
what the screening forbids, and a refused step stores nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

NewScreening = Callable[..., tuple[str, str]]
NewSession = Callable[..., str]
RowCounts = Callable[[], dict[str, int]]

START = {
    "guardian_consent_by": "Mother",
    "consent_method": "written",
    "child_assent": "yes",
    "instrument": "fps_r",
    "pre.fps_r.score": "6",
    "heart_rate": "104",
    "spo2": "96",
}
FINISH: dict[str, str | list[str]] = {
    "minutes": "12",
    "pressure": "2",
    "regions": ["hand_left", "back"],
    "technique": "Effleurage",
    "post.fps_r.score": "2",
    "heart_rate": "92",
    "spo2": "99",
    "cues": ["relaxed", "smiling"],
    "response": "Settled, asked for more.",
    "note": "",
}


def start_now(client: TestClient, screening_id: str) -> str:
    """Press "Start a session now" on the screening result; returns the new draft's id."""
    response = client.post(f"/screenings/{screening_id}/drafts", data={"goals": "relaxation"})
    assert response.status_code == 303
    found = re.fullmatch(r"/sessions/([0-9A-Z]{26})/start", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def state(client: TestClient, session_id: str) -> str:
    status: str = client.get(f"/api/v1/sessions/{session_id}").json()["status"]
    return status


def started(client: TestClient, screening_id: str) -> str:
    session_id = start_now(client, screening_id)
    response = client.post(f"/sessions/{session_id}/start", data=START)
    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{session_id}/in-progress"
    return session_id


def test_the_screening_result_offers_to_start_a_session_now(
    client: TestClient, screening: tuple[str, str]
) -> None:
    screening_id, _ = screening

    page = client.get(f"/screenings/{screening_id}")

    assert f'action="/screenings/{screening_id}/drafts"' in page.text
    assert "Start a session now" in page.text
    assert "Document session" in page.text  # the one-step form stays beside it


def test_start_a_session_now_plans_a_draft_and_shows_the_start_form(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    session_id = start_now(client, screening[0])

    page = client.get(f"/sessions/{session_id}/start")

    assert row_counts()["massage_sessions"] == 1
    assert state(client, session_id) == "draft"
    assert page.status_code == 200
    text = page.text
    for method in ("in_person", "phone", "written", "standing_consent"):
        assert f'name="consent_method" value="{method}"' in text, method
    for answer in ("yes", "no", "not_able"):
        assert f'name="child_assent" value="{answer}"' in text, answer
    assert "Not able" in text
    assert not re.search(r'name="child_assent" value="[^"]*" checked', text)  # asked, not assumed
    assert "a refusal is always honoured" in text
    assert 'name="pre.fps_r.score"' in text
    assert "post.fps_r.score" not in text  # the "after" measure comes at the end
    assert 'name="heart_rate"' in text and 'name="spo2"' in text
    assert "UTC" in text


def test_the_step_by_step_flow_goes_from_start_to_complete(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = started(client, screening[0])

    live = client.get(f"/sessions/{session_id}/in-progress")
    done = client.post(f"/sessions/{session_id}/complete", data=FINISH)

    assert live.status_code == 200
    text = live.text
    assert text.index(f'formaction="/sessions/{session_id}/child-said-stop"') < text.index(
        "Complete the session</button>"
    )  # the child's stop comes first, always in reach
    assert re.search(r'name="regions" value="whole_body" disabled', text)
    assert re.search(r'name="pressure" value="4" disabled', text)
    assert 'name="post.fps_r.score"' in text  # the same scale as before …
    assert "post.flacc" not in text and "pre.fps_r.score" not in text  # … and no other
    assert done.status_code == 303
    assert done.headers["location"] == f"/sessions/{session_id}"
    record = client.get(f"/sessions/{session_id}").text
    assert re.search(r'badge-completed">Completed<', record)
    for expected in (
        "Written",
        "Relaxed body",
        "Smiling",
        "Settled, asked for more.",
        "Effleurage",
    ):
        assert expected in record, expected
    assert re.search(r'<td class="scores">6</td>', record)
    assert re.search(r'<td class="scores">2</td>', record)
    assert re.search(r"Heart rate \(/min\)</th><td>104</td><td>92</td>", record)


def test_a_childs_no_at_the_start_ends_the_session_and_says_a_refusal_is_honoured(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = start_now(client, screening[0])

    response = client.post(f"/sessions/{session_id}/start", data={**START, "child_assent": "no"})

    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{session_id}"
    assert state(client, session_id) == "ended_early"
    page = client.get(f"/sessions/{session_id}").text
    assert "The child said no." in page
    assert "A refusal is always honoured" in page
    assert re.search(r'badge-ended_early">Ended early<', page)
    assert f'action="/sessions/{session_id}/complete"' not in page
    assert client.get(f"/sessions/{session_id}/in-progress").status_code == 303


def test_ending_early_needs_a_reason_then_keeps_it_with_the_cues(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    session_id = started(client, screening[0])
    before = row_counts()

    refused = client.post(f"/sessions/{session_id}/end-early", data={"end_cues": ["crying"]})
    ended = client.post(
        f"/sessions/{session_id}/end-early",
        data={"reason": "Said stop after the hands.", "end_cues": ["crying", "says_stop"]},
    )

    assert refused.status_code == 422
    assert re.search(r'id="reason-error">Required\.', refused.text)
    assert re.search(r'name="end_cues" value="crying" checked', refused.text)
    assert re.search(r'name="minutes" value="\d+"', refused.text)  # the other form as it was
    assert not re.search(r'name="regions" value="[^"]+" checked', refused.text)  # none given yet
    assert row_counts() == before
    assert ended.status_code == 303
    page = client.get(f"/sessions/{session_id}").text
    assert re.search(r'badge-ended_early">Ended early<', page)
    for expected in ("Said stop after the hands.", "Crying or fussing", "Says stop or no"):
        assert expected in page, expected


def test_a_draft_that_is_not_going_ahead_ends_with_its_reason(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = start_now(client, screening[0])
    page = client.get(f"/sessions/{session_id}/start").text

    response = client.post(
        f"/sessions/{session_id}/end-early", data={"reason": "Asleep; try this afternoon."}
    )

    assert f'action="/sessions/{session_id}/end-early"' in page
    assert response.status_code == 303
    assert state(client, session_id) == "ended_early"
    assert "Asleep; try this afternoon." in client.get(f"/sessions/{session_id}").text


def test_a_refused_start_shows_every_error_beside_its_field_and_keeps_the_values(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    session_id = start_now(client, screening[0])
    before = row_counts()

    response = client.post(
        f"/sessions/{session_id}/start",
        data={**START, "guardian_consent_by": "", "pre.fps_r.score": "", "heart_rate": "400"},
    )

    assert response.status_code == 422
    for field in ("guardian_consent_by", "pre.fps_r.score", "heart_rate"):
        assert f'id="{field}-error"' in response.text, field
    assert 'name="spo2" value="96"' in response.text
    assert 'name="consent_method" value="written" checked' in response.text
    assert state(client, session_id) == "draft"
    assert row_counts() == before


def test_completing_beyond_the_screening_is_refused_beside_the_field(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    session_id = started(client, screening[0])
    before = row_counts()

    too_firm = client.post(f"/sessions/{session_id}/complete", data={**FINISH, "pressure": "4"})
    no_after = client.post(
        f"/sessions/{session_id}/complete", data={**FINISH, "post.fps_r.score": "", "cues": []}
    )

    assert too_firm.status_code == 422
    assert re.search(r'id="pressure-error">Allowed: 0 to 3 \(given: 4\)', too_firm.text)
    assert "Settled, asked for more.</textarea>" in too_firm.text
    assert no_after.status_code == 422
    assert re.search(r'id="post.fps_r.score-error">Required\.', no_after.text)
    assert state(client, session_id) == "in_progress"
    assert row_counts() == before


def test_completing_a_draft_that_never_started_is_a_409_and_changes_nothing(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    session_id = start_now(client, screening[0])
    before = row_counts()

    response = client.post(f"/sessions/{session_id}/complete", data=FINISH)

    assert response.status_code == 409
    assert "cannot complete a session that is draft" in response.text
    assert state(client, session_id) == "draft"
    assert row_counts() == before


def test_a_step_page_of_a_session_past_that_step_leads_to_its_record(
    client: TestClient, child_id: str, screening: tuple[str, str], new_session: NewSession
) -> None:
    done = new_session(child_id, screening[0])
    draft = start_now(client, screening[0])

    for url in (f"/sessions/{done}/start", f"/sessions/{done}/in-progress"):
        response = client.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"] == f"/sessions/{done}"
    assert client.get(f"/sessions/{draft}/in-progress").headers["location"] == (
        f"/sessions/{draft}"
    )


def test_no_session_starts_on_a_hold(
    client: TestClient, child_id: str, new_screening: NewScreening, row_counts: RowCounts
) -> None:
    screening_id, decision = new_screening(child_id, guardian_consent=False)
    before = row_counts()

    response = client.post(f"/screenings/{screening_id}/drafts", data={"goals": "relaxation"})

    assert decision == "hold"
    assert response.status_code == 409
    assert "hold" in response.text
    assert row_counts() == before


def test_the_live_pages_keep_names_out_of_every_url(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = start_now(client, screening[0])
    pages: list[Any] = [client.get(f"/sessions/{session_id}/start")]
    client.post(f"/sessions/{session_id}/start", data=START)
    pages += [client.get(f"/sessions/{session_id}/in-progress")]
    client.post(f"/sessions/{session_id}/complete", data=FINISH)
    pages += [client.get(f"/sessions/{session_id}")]

    urls: list[str] = []
    for page in pages:
        assert "Amara" in page.text
        urls += re.findall(r'(?:href|src|action)="([^"]*)"', page.text)

    assert urls
    assert not [u for u in urls if "Amara" in u or "Synthetic" in u]


def test_ending_early_keeps_the_minutes_given_before_stopping(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = started(client, screening[0])
    too_long = client.post(
        f"/sessions/{session_id}/end-early", data={"reason": "Fell asleep.", "end_minutes": "500"}
    )
    assert too_long.status_code == 422
    assert 'id="end_minutes-error"' in too_long.text
    ended = client.post(
        f"/sessions/{session_id}/end-early", data={"reason": "Fell asleep.", "end_minutes": "6"}
    )
    assert ended.status_code == 303
    session = client.get(f"/api/v1/sessions/{session_id}").json()
    assert session["minutes"] == 6 and session["status"] == "ended_early"


def hidden_version(page: str, action: str) -> str:
    """The version a form was drawn with (its hidden field), for the form posting to ``action``."""
    form = page[page.index(f'action="{action}"') :]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found, "the form carries no version"
    return found.group(1)


def test_a_second_tablet_on_an_old_page_gets_a_409_not_a_merge(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    session_id = start_now(client, screening[0])
    first_tablet = client.get(f"/sessions/{session_id}/start").text
    second_tablet = client.get(f"/sessions/{session_id}/start").text
    seen = hidden_version(first_tablet, f"/sessions/{session_id}/start")
    assert hidden_version(second_tablet, f"/sessions/{session_id}/end-early") == seen

    started = client.post(f"/sessions/{session_id}/start", data={**START, "version": seen})
    assert started.status_code == 303
    before = row_counts()
    refused = client.post(
        f"/sessions/{session_id}/end-early", data={"reason": "asleep", "version": seen}
    )

    assert refused.status_code == 409
    assert "was changed since you read it" in refused.text
    assert "in progress" in refused.text
    assert state(client, session_id) == "in_progress"
    assert row_counts() == before


def test_a_form_sent_again_after_the_wifi_drops_is_answered_once(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    page = client.get(f"/screenings/{screening[0]}").text
    found = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page)
    assert found, "the form carries no key"
    form = {"goals": "relaxation", "idempotency_key": found.group(1)}
    first = client.post(f"/screenings/{screening[0]}/drafts", data=form)
    counts = row_counts()
    again = client.post(f"/screenings/{screening[0]}/drafts", data=form)

    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert row_counts() == counts


def test_a_form_refused_with_its_mistakes_leaves_its_key_free(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    session_id = start_now(client, screening[0])
    key = {"idempotency_key": "0" * 32}
    refused = client.post(
        f"/sessions/{session_id}/start", data={**START, "pre.fps_r.score": "11", **key}
    )
    assert refused.status_code == 422
    corrected = client.post(f"/sessions/{session_id}/start", data={**START, **key})
    assert corrected.status_code == 303
    assert state(client, session_id) == "in_progress"


def test_the_child_must_be_asked_before_the_session_starts(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    session_id = start_now(client, screening[0])
    unanswered = {k: v for k, v in START.items() if k != "child_assent"}

    response = client.post(f"/sessions/{session_id}/start", data=unanswered)

    assert response.status_code == 422
    assert "Ask the child now and choose one of: yes (Yes), no (No), not_able" in response.text
    assert state(client, session_id) == "draft"
    assert row_counts()["session_measures"] == 0


def test_a_child_not_able_to_answer_starts_the_session_with_no_answer_recorded(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = start_now(client, screening[0])

    response = client.post(
        f"/sessions/{session_id}/start", data={**START, "child_assent": "not_able"}
    )

    assert response.status_code == 303
    assert state(client, session_id) == "in_progress"
