"""The home-program pages: the parent's routine and diary forms, the therapist's flags and the
child's home program; refusals beside the field, strangers get a 403 page, no name in a URL."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from .conftest import OTHER_THERAPIST, THERAPIST, ApiCast


def log_form(guardian_id: str, now: datetime, **overrides: str) -> dict[str, str]:
    return {
        "guardian": guardian_id,
        "completion": "done",
        "session_date": now.date().isoformat(),
        "minutes": "20",
        "response": "asleep",
        "problem": "none",
        "note": "",
        **overrides,
    }


def logs_of(client: TestClient, cast: ApiCast) -> list[dict[str, object]]:
    response = client.get(
        f"/api/v1/home-programs/{cast.program_id}/logs", params={"guardian": cast.guardian_id}
    )
    return list(response.json())


def test_the_parent_sees_the_routine_in_plain_words(client: TestClient, api_cast: ApiCast) -> None:
    page = client.get("/home", params={"guardian": api_cast.guardian_id})

    assert page.status_code == 200
    assert "Zara Synthetic: massage at home" in page.text
    assert "20 minutes, every day, before bed." in page.text
    assert "Do not touch: Arm (left)." in page.text
    assert "Stop when" in page.text and "says stop or no" in page.text
    assert "Smooth from the middle of the forehead" in page.text
    assert f'href="/home/log?guardian={api_cast.guardian_id}"' in page.text
    assert "Before you begin" in page.text  # the PSOC is asked at the start


def test_a_parent_logs_a_session_and_sees_it_saved(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    form = client.get("/home/log", params={"guardian": api_cast.guardian_id})
    assert form.status_code == 200
    assert f'value="{now.date().isoformat()}"' in form.text

    saved = client.post("/home/log", data=log_form(api_cast.guardian_id, now))

    assert saved.status_code == 303
    target = urlsplit(saved.headers["location"])
    assert target.path == "/home"
    assert parse_qs(target.query)["guardian"] == [api_cast.guardian_id]
    page = client.get(saved.headers["location"])
    assert "Saved" in page.text and "Fell asleep" in page.text
    assert len(logs_of(client, api_cast)) == 1


def test_a_logged_problem_tells_the_parent_what_to_do_and_flags_the_therapist(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    saved = client.post(
        "/home/log",
        data=log_form(api_cast.guardian_id, now, problem="breathing_difficulty", note="Wheezy."),
    )

    page = client.get(saved.headers["location"])
    assert "call your emergency number now" in page.text
    assert "Your therapist will see this problem" in page.text
    flags = client.get("/flags", params={"staff": THERAPIST})
    assert "Urgent" in flags.text and "Breathing difficulty" in flags.text


def test_a_refused_entry_is_shown_beside_its_field_and_nothing_is_stored(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    refused = client.post("/home/log", data=log_form(api_cast.guardian_id, now, minutes="75"))

    assert refused.status_code == 422
    assert re.search(r'id="field-minutes">.*?field-error', refused.text, re.S)
    assert "Allowed: 1 to 60 minutes (given: 75)." in refused.text
    assert 'value="75"' in refused.text  # what the parent typed is kept
    assert logs_of(client, api_cast) == []


def test_every_mistake_is_shown_at_once_in_words_a_parent_can_act_on(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    form = log_form(api_cast.guardian_id, now, response="", minutes="lots", session_date="soon")

    refused = client.post("/home/log", data=form)

    assert refused.status_code == 422
    assert "please correct 3 fields" in refused.text
    assert "Choose one of the answers." in refused.text
    for field in ("response", "minutes", "session_date"):
        assert f'id="{field}-error"' in refused.text
    assert logs_of(client, api_cast) == []


def test_an_unknown_guardian_gets_a_403_page(client: TestClient, api_cast: ApiCast) -> None:
    page = client.get("/home", params={"guardian": "01J0000000000000000000000X"})

    assert page.status_code == 403
    assert "text/html" in page.headers["content-type"]
    assert "Zara" not in page.text


def test_the_parent_answers_the_psoc_and_unanswered_statements_are_marked(
    client: TestClient, api_cast: ApiCast
) -> None:
    answers = {f"item_{i}": "4" for i in range(1, 18)}
    partial = {"guardian": api_cast.guardian_id, **answers}
    del partial["item_5"], partial["item_12"]

    refused = client.post("/home/confidence", data=partial)
    saved = client.post("/home/confidence", data={"guardian": api_cast.guardian_id, **answers})

    assert refused.status_code == 422
    assert 'id="item_5-error"' in refused.text and 'id="item_12-error"' in refused.text
    assert saved.status_code == 303
    summary = client.get(
        f"/api/v1/children/{api_cast.child_id}/home-program", params={"staff": THERAPIST}
    )
    assert [m["total"] for m in summary.json()["parent_measures"]] == [59]


def test_the_therapist_acknowledges_a_flag_from_the_flags_page(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    client.post("/home/log", data=log_form(api_cast.guardian_id, now, problem="skin_change"))
    page = client.get("/flags", params={"staff": THERAPIST})
    (action,) = re.findall(r'action="(/flags/[^"]+/acknowledge)"', page.text)

    done = client.post(action, data={"staff": THERAPIST, "action": "Seen at clinic."})

    assert done.status_code == 303
    assert parse_qs(urlsplit(done.headers["location"]).query)["staff"] == [THERAPIST]
    assert "No open flags" in client.get(done.headers["location"]).text


def test_the_flags_page_asks_for_a_name_first(client: TestClient) -> None:
    page = client.get("/flags")

    assert page.status_code == 200
    assert 'name="staff"' in page.text


def test_the_childs_home_program_sits_beside_the_hospital_sessions(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    client.post("/home/log", data=log_form(api_cast.guardian_id, now))

    page = client.get(f"/children/{api_cast.child_id}/home-program", params={"staff": THERAPIST})

    assert page.status_code == 200
    assert "Parent bedtime massage for asthma" in page.text
    assert "Parent's diary" in page.text and "Hospital sessions" in page.text
    assert "<strong>1 of 1</strong>" in page.text


def test_the_home_section_shows_the_team_its_program_and_refuses_staff_off_the_team(
    client: TestClient, api_cast: ApiCast
) -> None:
    own = client.get(f"/children/{api_cast.child_id}/home-program", params={"staff": THERAPIST})
    stranger = client.get(
        f"/children/{api_cast.child_id}/home-program", params={"staff": OTHER_THERAPIST}
    )

    assert "Parent bedtime massage" in own.text
    assert "Only staff on this child's care team" in stranger.text
    assert "Parent bedtime massage" not in stranger.text


def test_no_home_page_puts_a_name_of_the_child_in_a_link_or_a_redirect(
    client: TestClient, api_cast: ApiCast, now: datetime
) -> None:
    redirect = client.post(
        "/home/log", data=log_form(api_cast.guardian_id, now, problem="other", note="x")
    )
    pages = [
        f"/home?guardian={api_cast.guardian_id}",
        f"/home/log?guardian={api_cast.guardian_id}",
        f"/home/confidence?guardian={api_cast.guardian_id}",
        f"/flags?staff={THERAPIST}",
        f"/children/{api_cast.child_id}/home-program?staff={THERAPIST}",
    ]

    urls = [redirect.headers["location"]]
    for path in pages:
        html = client.get(path).text
        assert "Zara" in html
        urls += re.findall(r'(?:href|src|action)="([^"]*)"', html)

    assert not [u for u in urls if "Zara" in u or "Synthetic" in u]


def test_a_parents_reading_of_their_routine_is_in_their_childs_audit_history(
    client: TestClient, api_cast: ApiCast
) -> None:
    from pedmassage.audit.service import child_history
    from pedmassage.db import unit_of_work

    client.get(f"/home?guardian={api_cast.guardian_id}")

    with unit_of_work(client.engine) as db:  # type: ignore[attr-defined]
        history = [(e.role, e.action) for e in child_history(db=db, child_id=api_cast.child_id)]
    assert ("guardian", "home.routine") in history
