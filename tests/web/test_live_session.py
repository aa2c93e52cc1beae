"""The session as one screen at the bedside: a timer, "Child said stop" always in reach, the body
figure with the plan drawn and nothing pre-ticked as delivered, large pain-scale targets, cues
that fit the child's stage, and the readings the screening asked for before the start."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.conftest import measured
from tests.web.test_bedside_pages import START, start_now, started

from pedmassage.audit.service import child_history
from pedmassage.db import unit_of_work

NewChild = Callable[..., str]
NewScreening = Callable[..., tuple[str, str]]
RowCounts = Callable[[], dict[str, int]]


def session_json(client: TestClient, session_id: str) -> dict[str, object]:
    answer: dict[str, object] = client.get(f"/api/v1/sessions/{session_id}").json()
    return answer


def test_the_live_page_shows_the_timer_the_stop_and_the_body_figure(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = started(client, screening[0])

    text = client.get(f"/sessions/{session_id}/in-progress").text

    assert re.search(r'data-timer data-started="2026-11-25T09:00:00\+00:00"', text)
    assert "30 min" in text  # drawn by the server; the script keeps it running
    assert f'formaction="/sessions/{session_id}/child-said-stop"' in text
    assert 'data-body-map="interactive"' in text
    assert re.search(r'class="site[^"]*\bplanned\b[^"]*" data-site="hand_left"', text)
    assert not re.search(r'name="regions" value="[^"]+" checked', text)  # ticked as given
    assert 'type="radio" name="post.fps_r.score" value="10"' in text  # one tap per answer
    assert 'src="/static/session.js"' in text and 'src="/static/body-map.js"' in text
    assert f'data-draft="session-{session_id}-live"' in text


def test_a_school_age_child_is_offered_the_cues_of_their_age(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = started(client, screening[0])

    text = client.get(f"/sessions/{session_id}/in-progress").text

    assert "Says stop or no" in text and "Asks for more" in text
    assert "Cooing" not in text and "Hiccups" not in text


def test_an_infant_is_offered_infant_cues_and_a_baby_shaped_figure(
    client: TestClient, new_child: NewChild, new_screening: NewScreening
) -> None:
    baby = new_child(
        birth_date="2026-06-01", ward="Ward 4B", conditions=[], weight_g=7000, verbal=False
    )
    screening_id, decision = new_screening(baby, child_assent=None)
    assert decision != "hold"
    session_id = start_now(client, screening_id)
    flacc = {f"pre.flacc.{k}": "0" for k in ("face", "legs", "activity", "cry", "consolability")}
    response = client.post(
        f"/sessions/{session_id}/start",
        data={**START, "child_assent": "not_able", "instrument": "flacc", **flacc,
              "verified.heart_rate.value": "132", "verified.respiratory_rate.value": "40"},
    )  # fmt: skip
    assert response.status_code == 303, re.findall(r'class="field-error"[^<]*<', response.text)

    text = client.get(f"/sessions/{session_id}/in-progress").text

    assert "Cooing or babbling" in text and "Hiccups" in text
    assert "Says stop or no" not in text
    assert 'data-band="infant"' in text


def test_child_said_stop_ends_the_session_at_once_with_what_was_given(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = started(client, screening[0])
    page = client.get(f"/sessions/{session_id}/in-progress").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version

    response = client.post(
        f"/sessions/{session_id}/child-said-stop",
        data={"version": version.group(1), "elapsed_minutes": "6", "regions": ["hand_left"],
              "pressure": "2", "cues": ["crying"], "minutes": "20"},
    )  # fmt: skip

    assert response.status_code == 303
    record = session_json(client, session_id)
    assert record["status"] == "ended_early"
    assert record["end_reason"] == "The child said stop."
    assert record["minutes"] == 6  # the timer's, not the planned minutes in the form
    assert record["regions"] == ["hand_left"]
    assert record["cues"] == ["crying", "says_stop"]


def test_child_said_stop_without_the_timer_counts_whole_minutes_on_the_server(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = started(client, screening[0])  # 30 minutes pass on the app's clock

    response = client.post(f"/sessions/{session_id}/child-said-stop", data={})

    assert response.status_code == 303
    record = session_json(client, session_id)
    assert (record["status"], record["regions"]) == ("ended_early", [])
    assert record["minutes"] == 30


def test_child_said_stop_before_any_massage_records_nothing_delivered(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = started(client, screening[0])

    client.post(
        f"/sessions/{session_id}/child-said-stop",
        data={"elapsed_minutes": "0", "regions": ["hand_left"], "pressure": "2"},
    )

    record = session_json(client, session_id)
    assert (record["minutes"], record["regions"], record["pressure"]) == (0, [], 0)


def test_a_stop_on_a_finished_session_is_the_conflict_page(
    client: TestClient, screening: tuple[str, str]
) -> None:
    session_id = started(client, screening[0])
    client.post(f"/sessions/{session_id}/child-said-stop", data={})

    again = client.post(f"/sessions/{session_id}/child-said-stop", data={})

    assert again.status_code == 409


def febrile_risk_screening(new_child: NewChild, new_screening: NewScreening) -> tuple[str, str]:
    """An inpatient on cancer treatment with no temperature on record: the screening modifies
    and asks for a temperature before the session; returns the child and the screening."""
    readings = (("heart_rate", 96, "/min"), ("respiratory_rate", 22, "/min"), ("spo2", 98, "%"))
    no_temperature = [measured(code, value, unit) for code, value, unit in readings]
    child_id = new_child(vitals=no_temperature)
    screening_id, decision = new_screening(child_id)
    assert decision == "modify"
    return child_id, screening_id


def test_the_start_page_asks_for_the_readings_the_screening_asked_for(
    client: TestClient, new_child: NewChild, new_screening: NewScreening, row_counts: RowCounts
) -> None:
    _, screening_id = febrile_risk_screening(new_child, new_screening)
    session_id = start_now(client, screening_id)

    page = client.get(f"/sessions/{session_id}/start").text
    refused = client.post(f"/sessions/{session_id}/start", data=START)

    assert "Verify first" in page and "Body temperature now (Cel)" in page
    assert 'name="verified.temperature.value"' in page
    assert 'name="verified.temperature.override_reason"' in page
    assert refused.status_code == 422
    assert 'id="verified.temperature.value-error"' in refused.text
    assert session_json(client, session_id)["status"] == "draft"
    assert row_counts()["session_measures"] == 0


def test_a_fever_taken_at_the_start_holds_the_session_and_nothing_is_stored(
    client: TestClient, new_child: NewChild, new_screening: NewScreening, row_counts: RowCounts
) -> None:
    _, screening_id = febrile_risk_screening(new_child, new_screening)
    session_id = start_now(client, screening_id)

    refused = client.post(
        f"/sessions/{session_id}/start", data={**START, "verified.temperature.value": "38.6"}
    )

    assert refused.status_code == 422
    assert "hold: Temperature is 38" in refused.text
    assert session_json(client, session_id)["status"] == "draft"
    assert row_counts()["session_measures"] == 0


def test_a_normal_temperature_lets_the_session_start_and_is_kept_on_it(
    client: TestClient, new_child: NewChild, new_screening: NewScreening
) -> None:
    _, screening_id = febrile_risk_screening(new_child, new_screening)
    session_id = start_now(client, screening_id)

    response = client.post(
        f"/sessions/{session_id}/start", data={**START, "verified.temperature.value": "36.9"}
    )

    assert response.status_code == 303
    record = session_json(client, session_id)
    assert record["status"] == "in_progress"
    [kept] = record["verified"]  # type: ignore[misc]
    assert (kept["code"], kept["value"], kept["override_reason"]) == ("temperature", 36.9, "")


def test_going_ahead_without_a_reading_needs_a_reason_and_is_audited(
    client: TestClient,
    new_child: NewChild,
    new_screening: NewScreening,
    web_engine: Engine,
) -> None:
    child_id, screening_id = febrile_risk_screening(new_child, new_screening)
    session_id = start_now(client, screening_id)
    reason = "Thermometer broken on the ward; the nurse felt the child cool, no fever today."

    too_short = client.post(
        f"/sessions/{session_id}/start",
        data={**START, "verified.temperature.override_reason": "ok"},
    )
    response = client.post(
        f"/sessions/{session_id}/start",
        data={**START, "verified.temperature.override_reason": reason},
    )

    assert too_short.status_code == 422
    assert 'id="verified.temperature.override_reason-error"' in too_short.text
    assert response.status_code == 303
    [kept] = session_json(client, session_id)["verified"]  # type: ignore[misc]
    assert (kept["value"], kept["override_reason"]) == (None, reason)
    with unit_of_work(web_engine) as db:
        entries = [
            (e.action, e.role, e.outcome, e.resource)
            for e in child_history(db=db, child_id=child_id)
            if e.action == "session.verify_override"
        ]
    assert entries == [
        (
            "session.verify_override",
            "therapist",
            "overridden",
            f"session {session_id}: temperature not taken",
        )
    ]
    assert reason not in str(entries)  # the reason stays on the record, out of the log
