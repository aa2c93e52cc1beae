"""Documenting a session: the form offers only what the screening allows, and a refused post
stores nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.web.conftest import WEB_NOW

from pedmassage.web.sessions import default_start

NewScreening = Callable[..., tuple[str, str]]
RowCounts = Callable[[], dict[str, int]]


def session_form(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    """A complete session on FPS-R (the first scale offered to a verbal 7-year-old)."""
    form: dict[str, str | list[str]] = {
        "goals": "relaxation",
        "therapist": "Sam Therapist",
        "started_at": "2026-11-25T08:30",  # after the screening (08:00), ended by now (09:00)
        "minutes": "15",
        "pressure": "2",
        "regions": ["hand_left", "hand_right", "back"],
        "technique": "Effleurage",
        "guardian_consent_by": "Mother, in person",
        "child_assent": "yes",
        "status": "completed",
        "end_reason": "",
        "instrument": "fps_r",
        "pre.fps_r.score": "6",
        "post.fps_r.score": "2",
        "response": "Settled, asked for more on the back.",
        "note": "",
    }
    form.update(overrides)
    return form


def test_the_session_form_renders_the_scale_items_and_the_limits(
    client: TestClient, screening: tuple[str, str]
) -> None:
    screening_id, _ = screening

    page = client.get(f"/screenings/{screening_id}/session")

    assert page.status_code == 200
    text = page.text
    assert '<option value="fps_r" selected>' in text
    assert 'name="pre.fps_r.score"' in text and 'name="post.fps_r.score"' in text
    assert 'name="pre.flacc.consolability"' in text  # every FLACC item, from its definition
    assert re.search(r'name="pressure" value="4" disabled', text)  # above the limit of 3
    assert re.search(r'name="regions" value="whole_body" disabled', text)
    assert 'value="genital"' not in text
    assert "UTC" in text
    found = re.search(r'name="minutes" value="(\d+)"', text)
    assert found, "the planned minutes are pre-filled"
    ended_now = WEB_NOW - timedelta(minutes=int(found.group(1)))
    assert f'value="{ended_now:%Y-%m-%dT%H:%M}"' in text  # started at: the session ended now
    assert "started_at-error" not in text
    assert 'name="regions" value="hand_left" checked' in text  # the plan's regions
    assert not re.search(r'name="child_assent" value="[^"]*" checked', text)  # never assumed


def test_a_session_is_stored_and_appears_in_the_history_with_pre_and_post(
    client: TestClient, child_id: str, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening

    response = client.post(f"/screenings/{screening_id}/session", data=session_form())

    assert response.status_code == 303
    assert response.headers["location"] == f"/children/{child_id}#sessions"
    assert row_counts()["massage_sessions"] == 1
    profile = client.get(f"/children/{child_id}").text
    assert 'Sessions <span class="count">(1)</span>' in profile
    assert "Faces Pain Scale - Revised (FPS-R)" in profile
    assert re.search(r"6\s*→\s*2", profile)
    assert f'src="/api/v1/children/{child_id}/trend.svg?instrument=fps_r"' in profile
    chart = client.get(f"/api/v1/children/{child_id}/trend.svg", params={"instrument": "fps_r"})
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")


def test_pressure_above_the_screening_limit_is_refused_beside_pressure(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening
    before = row_counts()

    response = client.post(f"/screenings/{screening_id}/session", data=session_form(pressure="4"))

    assert response.status_code == 422
    assert re.search(r'id="pressure-error">Allowed: 0 to 3 \(given: 4\)', response.text)
    assert 'value="Mother, in person"' in response.text
    assert row_counts() == before


def test_a_missing_after_score_is_shown_beside_that_item(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening
    before = row_counts()

    response = client.post(
        f"/screenings/{screening_id}/session", data=session_form(**{"post.fps_r.score": ""})
    )

    assert response.status_code == 422
    assert 'id="post.fps_r.score-error">Required.' in response.text
    assert "pre.fps_r.score-error" not in response.text
    assert row_counts() == before


def test_several_mistakes_are_reported_together(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening
    before = row_counts()

    response = client.post(
        f"/screenings/{screening_id}/session",
        data=session_form(minutes="0", regions=[], guardian_consent_by=""),
    )

    assert response.status_code == 422
    for field in ("minutes", "regions", "guardian_consent_by"):
        assert f'id="{field}-error"' in response.text, field
    assert row_counts() == before


def test_a_refusal_by_the_child_must_end_the_session_early(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening
    before = row_counts()

    response = client.post(
        f"/screenings/{screening_id}/session", data=session_form(child_assent="no")
    )

    assert response.status_code == 422
    assert 'id="status-error"' in response.text
    assert "a refusal ends the session" in response.text
    assert row_counts() == before


def test_the_session_form_offers_consent_method_monitoring_cues_and_an_adverse_event(
    client: TestClient, screening: tuple[str, str]
) -> None:
    screening_id, _ = screening

    text = client.get(f"/screenings/{screening_id}/session").text

    assert 'name="consent_method" value="in_person" checked' in text
    for method in ("phone", "written", "standing_consent"):
        assert f'name="consent_method" value="{method}"' in text, method
    for name, low, high in (("heart_rate", 20, 300), ("spo2", 40, 100)):
        for timepoint in ("pre", "post"):
            assert re.search(rf'name="{name}_{timepoint}" value="" min="{low}" max="{high}"', text)
    assert 'class="chip"><input type="checkbox" name="cues" value="eye_contact"' in text
    assert 'name="cues" value="says_stop"' in text
    assert 'name="adverse_description"' in text
    for severity in ("mild", "moderate", "severe"):
        assert f'name="adverse_severity" value="{severity}"' in text, severity


def test_monitoring_cues_and_an_adverse_event_are_stored_and_shown_on_the_session_page(
    client: TestClient, child_id: str, screening: tuple[str, str]
) -> None:
    screening_id, _ = screening

    response = client.post(
        f"/screenings/{screening_id}/session",
        data=session_form(
            consent_method="standing_consent",
            heart_rate_pre="110",
            heart_rate_post="95",
            spo2_pre="97",
            spo2_post="98",
            cues=["eye_contact", "yawning"],
            adverse_description="Redness on the left hand.",
            adverse_severity="mild",
            adverse_action="Stopped there; settled in minutes.",
        ),
    )

    assert response.status_code == 303
    [stored] = client.get(f"/api/v1/children/{child_id}/sessions").json()
    page = client.get(f"/sessions/{stored['id']}").text
    for expected in (
        "Standing consent",
        "Eye contact or turning toward the adult",
        "Yawning",
        "Redness on the left hand.",
        "Stopped there; settled in minutes.",
        '<span class="tag tag-mild">Mild</span>',
    ):
        assert expected in page, expected
    assert re.search(r"Heart rate \(/min\)</th><td>110</td><td>95</td>", page)
    assert re.search(r"SpO2 \(%\)</th><td>97</td><td>98</td>", page)


def test_an_adverse_event_needs_its_severity_and_the_action_taken(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening
    before = row_counts()

    response = client.post(
        f"/screenings/{screening_id}/session",
        data=session_form(adverse_description="Redness on the left hand."),
    )

    assert response.status_code == 422
    assert re.search(r'id="adverse_severity-error">Required\.', response.text)
    assert re.search(r'id="adverse_action-error">Required\.', response.text)
    assert "Redness on the left hand.</textarea>" in response.text
    assert row_counts() == before


def test_monitoring_outside_its_range_and_an_unknown_cue_are_refused_beside_them(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening
    before = row_counts()

    out_of_range = client.post(
        f"/screenings/{screening_id}/session",
        data=session_form(heart_rate_pre="12", spo2_post="101", cues=["smiling"]),
    )
    unknown_cue = client.post(
        f"/screenings/{screening_id}/session", data=session_form(cues=["levitating"])
    )

    assert out_of_range.status_code == 422
    assert 'id="heart_rate_pre-error"' in out_of_range.text
    assert 'id="spo2_post-error"' in out_of_range.text
    assert 'name="cues" value="smiling" checked' in out_of_range.text
    assert 'value="12"' in out_of_range.text
    assert unknown_cue.status_code == 422
    assert re.search(r'id="cues-error">Allowed: one of: .*\(given: levitating\)', unknown_cue.text)
    assert row_counts() == before


def test_no_session_form_on_a_hold(
    client: TestClient, child_id: str, new_screening: NewScreening, row_counts: RowCounts
) -> None:
    screening_id, _ = new_screening(child_id, guardian_consent=False)
    before = row_counts()

    page = client.get(f"/screenings/{screening_id}/session")
    post = client.post(f"/screenings/{screening_id}/session", data=session_form())

    assert page.status_code == 409
    assert "hold" in page.text
    assert post.status_code == 409
    assert row_counts() == before


def test_no_page_puts_a_name_in_a_link_a_form_action_or_a_redirect(
    client: TestClient, child_id: str, screening: tuple[str, str]
) -> None:
    screening_id, _ = screening
    redirect = client.post(f"/screenings/{screening_id}/session", data=session_form())
    [stored] = client.get(f"/api/v1/children/{child_id}/sessions").json()
    pages = [
        f"/sessions/{stored['id']}",
        "/",
        f"/children/{child_id}",
        f"/children/{child_id}/screen",
        f"/screenings/{screening_id}",
        f"/screenings/{screening_id}/session",
        f"/children/{child_id}/observations/new",
    ]

    urls = [redirect.headers["location"]]
    for page in pages:
        html = client.get(page).text
        assert "Amara" in html  # the name is on the page …
        urls += re.findall(r'(?:href|src|action)="([^"]*)"', html)

    assert urls
    assert not [u for u in urls if "Amara" in u or "Synthetic" in u]  # … never in a URL


def test_a_session_form_link_with_an_unknown_goal_is_a_readable_page(
    client: TestClient, screening: tuple[str, str]
) -> None:
    screening_id, _ = screening

    page = client.get(f"/screenings/{screening_id}/session", params={"goals": "levitation"})

    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert "levitation" in page.text


def test_a_session_without_the_childs_answer_is_refused_and_nothing_stored(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening
    form = session_form()
    del form["child_assent"]

    response = client.post(f"/screenings/{screening_id}/session", data=form)

    assert response.status_code == 422
    assert 'id="field-child_assent"' in response.text
    assert "Ask the child now and choose one of" in response.text
    assert row_counts()["massage_sessions"] == 0


def test_the_default_start_ends_the_session_now_to_the_minute_never_before_the_screening() -> None:
    """Rounded down, the start ends the session by now; a start before its screening is not one
    the session can rest on, so the screening's time (rounded up) comes first."""
    now = datetime(2026, 11, 25, 9, 0, 40, tzinfo=UTC)
    long_ago = now - timedelta(hours=1)
    assert default_start(now, long_ago, 15) == datetime(2026, 11, 25, 8, 45, tzinfo=UTC)
    screened = datetime(2026, 11, 25, 8, 50, 10, tzinfo=UTC)
    assert default_start(now, screened, 15) == datetime(2026, 11, 25, 8, 51, tzinfo=UTC)
    on_the_minute = datetime(2026, 11, 25, 8, 50, tzinfo=UTC)
    assert default_start(now, on_the_minute, 15) == on_the_minute


def test_a_session_documented_moments_after_its_screening_is_said_to_be_still_under_way(
    client: TestClient, child_id: str, new_screening: NewScreening
) -> None:
    """The screening was two minutes ago: no session given on it has ended yet, so the form says
    where a session still under way is recorded instead of offering a start that would fail."""
    screening_id, _ = new_screening(child_id, assessed_at=WEB_NOW - timedelta(minutes=2))

    page = client.get(f"/screenings/{screening_id}/session")

    assert page.status_code == 200
    assert 'value="2026-11-25T08:58"' in page.text  # never before the screening
    note = re.search(r'id="started_at-error">([^<]*)<', page.text)
    assert note, "the note sits beside the start"
    assert "has not ended yet" in note.group(1)
    assert "a session still under way is recorded with “Start a session now”" in note.group(1)


def test_a_session_that_would_end_after_now_is_refused_beside_its_start_and_nothing_stored(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    """Started five minutes ago, a 15-minute session has not ended: it is not documented at once
    (a tablet's clock a few minutes fast is tolerated, ten minutes is not)."""
    screening_id, _ = screening
    before = row_counts()

    response = client.post(
        f"/screenings/{screening_id}/session",
        data=session_form(started_at="2026-11-25T08:55", minutes="15"),
    )

    assert response.status_code == 422
    error = re.search(r'id="started_at-error">([^<]*)<', response.text)
    assert error, "the refusal sits beside the start"
    assert error.group(1).startswith("Allowed: a start on or before 2026-11-25 08:45 UTC")
    assert "a session still under way is recorded with “Start a session now”" in error.group(1)
    assert 'value="2026-11-25T08:55"' in response.text  # what was typed is kept
    assert row_counts() == before


def test_a_start_in_the_future_is_refused_beside_it_and_nothing_stored(
    client: TestClient, screening: tuple[str, str], row_counts: RowCounts
) -> None:
    screening_id, _ = screening
    before = row_counts()

    response = client.post(
        f"/screenings/{screening_id}/session", data=session_form(started_at="2026-11-25T10:00")
    )

    assert response.status_code == 422
    assert re.search(
        r'id="started_at-error">Allowed: not in the future \(now is 2026-11-25 09:00 UTC\)',
        response.text,
    )
    assert row_counts() == before
