"""The parent's pages as HTML: the questionnaire in its statements' own words with their source,
a diary form that chooses nothing about the child and stores nothing it refuses, "When to stop
and call" on every page, and nothing inline that the Content-Security-Policy would block."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine, select
from tests.web.conftest import WEB_NOW, NewChild, NewScreening, RowCounts

from pedmassage.children.models import Guardian
from pedmassage.db import unit_of_work
from pedmassage.homecare import service
from pedmassage.homecare.models import HomeSessionLog
from pedmassage.homecare.rules import diary
from pedmassage.measures import instrument

THERAPIST = "Sam Therapist"
AGREEMENT = (
    "Strongly disagree",
    "Disagree",
    "Mildly disagree",
    "Mildly agree",
    "Agree",
    "Strongly agree",
)


@dataclass(frozen=True)
class Family:
    child_id: str
    guardian_id: str
    minutes: int


@pytest.fixture()
def family(web_engine: Engine, new_child: NewChild, new_screening: NewScreening) -> Family:
    """A child at home with a parent, screened, on the therapist's care team, with a routine."""
    child_id = new_child(
        display_name="Noor Synthetic",
        ward=None,
        setting="home",
        guardians=[{"name": "Noor's father (synthetic)", "relationship": "father"}],
    )
    new_screening(child_id)
    with unit_of_work(web_engine) as db:
        service.add_care_team_member(
            db=db, child_id=child_id, staff_name=THERAPIST, role="therapist", now=WEB_NOW
        )
        program = service.prescribe_home_program(
            db=db, child_id=child_id, prescribed_by=THERAPIST, now=WEB_NOW
        )
        guardian = db.scalars(select(Guardian.id).where(Guardian.child_id == child_id)).one()
        return Family(child_id, guardian, program.minutes)


def pages(family: Family) -> dict[str, str]:
    """Every parent page, by a name for the failure message."""
    g = family.guardian_id
    return {
        "routine": f"/home?guardian={g}",
        "diary": f"/home/log?guardian={g}",
        "questionnaire": f"/home/confidence?guardian={g}",
        "not-done": f"/home?guardian={g}&not_done=1&problem=skin_change",
    }


def entry(family: Family, **overrides: str) -> dict[str, str]:
    return {
        "guardian": family.guardian_id,
        "completion": "done",
        "session_date": WEB_NOW.date().isoformat(),
        "minutes": "12",
        "response": "relaxed",
        "problem": "none",
        "note": "",
        **overrides,
    }


def stored_logs(web_engine: Engine) -> list[HomeSessionLog]:
    with unit_of_work(web_engine) as db:
        found = list(db.scalars(select(HomeSessionLog)))
        db.expunge_all()
        return found


# --- the questionnaire ------------------------------------------------------------------------


def test_the_questionnaire_shows_every_statement_in_its_own_words_with_its_source(
    client: TestClient, family: Family
) -> None:
    psoc = instrument("psoc")

    page = client.get("/home/confidence", params={"guardian": family.guardian_id})

    assert page.status_code == 200
    for number, item in enumerate(psoc.items, start=1):
        assert f"Statement {number} of {len(psoc.items)}" in page.text
        assert escape(item.label) in page.text, item.key
    for words in AGREEMENT:
        assert page.text.count(f"<span>{words}</span>") == len(psoc.items), words
    assert escape(psoc.source) in page.text  # where the wording comes from, on the page
    assert "printed questionnaire" not in page.text  # answerable without paper
    assert " checked" not in page.text


def test_the_statements_are_the_instruments_data_with_where_their_wording_was_read() -> None:
    """The wording lives with the instrument (its item labels and answer words), with its source
    and how far it was checked, and the scoring it always had is unchanged."""
    psoc = instrument("psoc")

    assert len(psoc.items) == 17
    assert not [i.key for i in psoc.items if i.label.startswith("PSOC item")]
    assert {tuple(i.anchors.items()) for i in psoc.items} == {tuple(enumerate(AGREEMENT, 1))}
    assert [i.key for i in psoc.items if i.reverse] == [
        f"item_{n}" for n in (2, 3, 4, 5, 8, 9, 12, 14, 16)
    ]
    assert "Johnston" in psoc.source and "Mash" in psoc.source and "1989" in psoc.source
    wording = " ".join(psoc.notes)
    assert "emerge.ucsd.edu" in wording and "Status: secondary" in wording
    assert psoc.licence_note and "UNVERIFIED" in psoc.licence_note


def test_a_refused_questionnaire_names_each_statement_and_keeps_the_answers_given(
    client: TestClient, family: Family, row_counts: RowCounts
) -> None:
    answers = {f"item_{i}": "5" for i in range(1, 18) if i != 9}
    before = row_counts()

    refused = client.post("/home/confidence", data={"guardian": family.guardian_id, **answers})

    assert refused.status_code == 422
    assert '<a href="#field-item_9">Statement 9</a>: Choose an answer.' in refused.text
    assert refused.text.count(" checked") == 16
    assert row_counts() == before


# --- the diary --------------------------------------------------------------------------------


def test_the_diary_form_chooses_nothing_about_the_child(client: TestClient, family: Family) -> None:
    page = client.get("/home/log", params={"guardian": family.guardian_id})

    assert page.status_code == 200
    assert " checked" not in page.text
    assert 'name="minutes" value=""' in page.text
    assert f'name="session_date" value="{WEB_NOW.date().isoformat()}"' in page.text
    for question in ("Did you do the massage?", "How your child responded", "Any problem"):
        assert question in page.text
    for answer in ("Done", "Partly", "Not done"):
        assert f"<span>{answer}</span>" in page.text


def test_the_timer_s_minutes_fill_the_diary_form_when_they_are_a_diary_s_minutes(
    client: TestClient, family: Family
) -> None:
    timed = client.get("/home/log", params={"guardian": family.guardian_id, "minutes": "14"})
    nonsense = client.get("/home/log", params={"guardian": family.guardian_id, "minutes": "900"})

    assert 'name="minutes" value="14"' in timed.text
    assert 'name="minutes" value=""' in nonsense.text


def test_done_with_an_empty_minutes_box_logs_the_whole_routine(
    client: TestClient, family: Family, web_engine: Engine
) -> None:
    saved = client.post("/home/log", data=entry(family, minutes=""))

    assert saved.status_code == 303
    (log,) = stored_logs(web_engine)
    assert (log.minutes, log.response, log.problem) == (family.minutes, "relaxed", "none")


def test_partly_needs_its_minutes(
    client: TestClient, family: Family, row_counts: RowCounts
) -> None:
    before = row_counts()

    refused = client.post("/home/log", data=entry(family, completion="partly", minutes=""))

    assert refused.status_code == 422
    assert 'id="minutes-error"' in refused.text
    assert row_counts() == before


def test_unanswered_questions_are_refused_together_and_nothing_is_stored(
    client: TestClient, family: Family, row_counts: RowCounts
) -> None:
    before = row_counts()
    unanswered = entry(family, completion="", response="", problem="", minutes="")

    refused = client.post("/home/log", data=unanswered)

    assert refused.status_code == 422
    assert "please correct 3 fields" in refused.text
    for field, title in (
        ("completion", "Did you do the massage?"),
        ("response", "How your child responded"),
        ("problem", "Any problem"),
    ):
        assert f'<a href="#field-{field}">{title}</a>: Choose one of the answers.' in refused.text
    assert row_counts() == before


def test_an_unanswered_problem_is_never_read_as_no_problem(
    client: TestClient, family: Family, row_counts: RowCounts
) -> None:
    before = row_counts()

    refused = client.post("/home/log", data=entry(family, problem=""))

    assert refused.status_code == 422
    assert '<a href="#field-problem">Any problem</a>: Choose one of the answers.' in refused.text
    assert row_counts() == before


def test_not_done_stores_nothing_and_says_so_with_the_advice_for_a_problem(
    client: TestClient, family: Family, row_counts: RowCounts
) -> None:
    before = row_counts()
    skin = diary().problem("skin_change")

    answered = client.post(
        "/home/log", data=entry(family, completion="not_done", minutes="", problem=skin.id)
    )

    assert answered.status_code == 303
    assert row_counts() == before
    page = client.get(answered.headers["location"])
    assert "Nothing saved" in page.text
    assert escape(skin.advice) in page.text
    assert "This was not sent to your therapist" in page.text


# --- on every page ----------------------------------------------------------------------------


def test_every_parent_page_keeps_when_to_stop_and_call_in_view(
    client: TestClient, family: Family
) -> None:
    book = diary()
    urgent = [p.advice for p in book.problems if p.urgency == "urgent"]
    assert urgent
    refused = client.post("/home/log", data=entry(family, response=""))
    shown = {name: client.get(path).text for name, path in pages(family).items()}

    for name, text in {**shown, "refused-diary": refused.text}.items():
        bar = re.search(r'<section class="stop-bar".*?</section>', text, re.S)
        assert bar, name
        assert "When to stop and call" in bar.group(0), name
        for line in [*(s.text for s in book.stop_when), *urgent]:
            assert escape(" ".join(line.split())) in " ".join(bar.group(0).split()), name


def test_every_parent_page_has_one_h1_and_nothing_inline_for_the_policy_to_block(
    client: TestClient, family: Family
) -> None:
    for name, path in pages(family).items():
        text = client.get(path).text
        assert len(re.findall(r"<h1[\s>]", text)) == 1, name
        assert "<style" not in text, name
        assert not re.search(r"\sstyle=", text), name
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), name
        assert not re.search(r"\son[a-z]+=", text), name
        assert '<link rel="stylesheet" href="/static/parent.css">' in text, name
        assert '<script src="/static/parent.js" defer></script>' in text, name
    for asset in ("/static/parent.css", "/static/parent.js"):
        assert client.get(asset).status_code == 200, asset


def test_the_routine_reads_in_full_without_script(client: TestClient, family: Family) -> None:
    """The timer's buttons wait for parent.js; the page itself says the planned minutes and every
    step with its picture, minutes and words."""
    page = client.get("/home", params={"guardian": family.guardian_id}).text

    assert f"takes about <strong>{family.minutes} minutes</strong>" in page
    assert re.search(r'class="timer-panel" data-timer-panel hidden', page)
    assert f"of {family.minutes:02d}:00" in page
    steps = re.findall(r'<li class="step" data-step-ends="(\d+)"', page)
    assert steps and [int(s) for s in steps] == sorted(int(s) for s in steps)
    assert page.count('role="img"') == len(steps)  # a body picture for every step
