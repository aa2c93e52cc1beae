"""A study on the web as the team uses it: a therapist assesses a child from the child's page,
sees no arm until the enrolment is stored, records the trial's measures; the lead reads the
CONSORT flow, the balance and the analyses."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from tests.web.conftest import WEB_NOW, NewChild

from pedmassage.db import unit_of_work
from pedmassage.research.models import Enrolment, StudyAssessment
from pedmassage.research.schemas import StudyCreate
from pedmassage.research.studies import register_study
from pedmassage.sites.service import list_sites

THERAPIST = ("Sam Therapist", "therapist")
LEAD = ("Lee Lead", "program_lead")


@pytest.fixture()
def study(web_engine: Engine, new_child: NewChild) -> str:
    child_id = new_child()  # makes the site the study runs at
    with unit_of_work(web_engine) as db:
        site = list_sites(db=db)[0].name
        data = StudyCreate.model_validate(
            {
                "code": "WEB-1",
                "protocol": {
                    "title": "Massage for pain in children with cancer",
                    "arms": [
                        {"id": "massage", "label": "Massage arm", "kind": "massage"},
                        {"id": "usual-care", "label": "Usual care arm", "kind": "control"},
                    ],
                    "eligibility": [{"field": "conditions", "op": "has", "value": "cancer"}],
                    "sites": [site],
                    "primary_outcome": {"instrument_id": "nrs_11", "day": 7},
                    "target_sample_size": 40,
                    "evidence_claim": "oncology.pain",
                },
            }
        )
        register_study(db=db, data=data, by="Lee Lead", site_ids=None, now=WEB_NOW)
    return child_id


def enrolments(engine: Engine) -> int:
    with unit_of_work(engine) as db:
        return db.scalar(select(func.count()).select_from(Enrolment)) or 0


def test_the_child_page_offers_the_assessment_and_the_form_shows_no_arm(
    client: TestClient, study: str
) -> None:
    with client.acting_as(*THERAPIST):
        page = client.get(f"/children/{study}")
        assert 'href="/children/' + study + '/studies/WEB-1/assess"' in page.text
        form = client.get(f"/children/{study}/studies/WEB-1/assess")
    assert form.status_code == 200
    assert "Eligible today" in form.text
    assert "Massage arm" not in form.text and "Usual care arm" not in form.text
    assert "checked" not in form.text  # nothing pre-selected: not the decision, not assent


def test_an_enrolment_without_permission_is_refused_beside_the_field_and_stores_nothing(
    client: TestClient, study: str, web_engine: Engine
) -> None:
    with client.acting_as(*THERAPIST):
        answer = client.post(
            f"/children/{study}/studies/WEB-1/assess", data={"decision": "enrol", "assent": "given"}
        )
    assert answer.status_code == 422
    assert re.search(r'id="field-consent"[^>]*>.*?guardian or self', answer.text, re.S)
    assert enrolments(web_engine) == 0
    with unit_of_work(web_engine) as db:
        assert db.scalar(select(func.count()).select_from(StudyAssessment)) == 0


def test_enrolment_shows_the_arm_and_takes_the_trial_measures(
    client: TestClient, study: str, web_engine: Engine
) -> None:
    with client.acting_as(*THERAPIST):
        answer = client.post(
            f"/children/{study}/studies/WEB-1/assess",
            data={"decision": "enrol", "consent": "guardian", "assent": "given"},
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/children/{study}/studies/WEB-1"
        page = client.get(answer.headers["location"])
        with unit_of_work(web_engine) as db:
            arm = db.scalar(select(Enrolment.arm))
        label = "Massage arm" if arm == "massage" else "Usual care arm"
        assert re.search(rf'id="arm">\s*{label}', page.text)
        measured = client.post(
            f"/children/{study}/studies/WEB-1/measures",
            data={"instrument": "nrs_11", "day": "0", "trial.nrs_11.score": "6"},
        )
        assert measured.status_code == 303
        again = client.post(
            f"/children/{study}/studies/WEB-1/measures",
            data={"instrument": "nrs_11", "day": "7", "trial.nrs_11.score": "3"},
        )
        assert again.status_code == 422 and "this is day 0" in again.text
        page = client.get(f"/children/{study}/studies/WEB-1")
    assert re.search(r"<td>baseline</td><td>6</td>", page.text)


def test_the_lead_reads_the_consort_flow_balance_and_analyses(
    client: TestClient, study: str
) -> None:
    with client.acting_as(*THERAPIST):
        client.post(
            f"/children/{study}/studies/WEB-1/assess",
            data={"decision": "declined", "reason": "family said no"},
        )
    with client.acting_as(*LEAD):
        listing = client.get("/studies")
        page = client.get("/studies/WEB-1")
        svg = client.get("/studies/WEB-1/consort.svg")
        aggregate = client.get("/studies/WEB-1/aggregate.json")
    assert 'href="/studies/WEB-1"' in listing.text
    assert page.status_code == 200
    assert re.search(
        r"<td>Enrolment</td><td></td><td>Excluded</td><td>Declined to participate</td><td>1</td>",
        page.text,
    )
    assert 'id="balance"' in page.text and 'id="itt"' in page.text
    assert "Not run yet" in page.text
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    assert aggregate.status_code == 422 and "nothing to share yet" in aggregate.text


def test_a_researcher_reads_results_but_not_a_childs_enrolment(
    client: TestClient, study: str
) -> None:
    with client.acting_as("Rae Researcher", "researcher"):
        assert client.get("/studies/WEB-1").status_code == 200
        assert client.get(f"/children/{study}/studies/WEB-1/assess").status_code == 403
        assert client.get(f"/children/{study}/studies/WEB-1").status_code == 403


def test_the_claim_shows_the_programs_own_trial_apart_and_only_to_those_who_may_see_it(
    client: TestClient, study: str
) -> None:
    """Living evidence: the study linked to the claim appears under its own heading, marked as
    local and unpublished, outside the table of published studies that feed the pooled line."""
    with client.acting_as(*LEAD):
        page = client.get("/evidence/claims/oncology.pain")
    assert page.status_code == 200
    local = page.text.index('id="local"')
    assert "local, unpublished data" in page.text
    assert 'href="/studies/WEB-1"' in page.text[local:]
    assert 'href="/studies/WEB-1"' not in page.text[:local]
    with client.logged_out():
        public = client.get("/evidence/claims/oncology.pain")
    assert public.status_code == 200 and "WEB-1" not in public.text
    with client.acting_as(*LEAD):
        other = client.get("/evidence/claims/hospital.anxiety")
    assert "WEB-1" not in other.text
