"""The program report over HTTP: for the program lead only, as JSON, CSV, SVG and PDF; and one
child's outcomes marked against the published MCID."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from pedmassage.demo.registry import build_registry

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
INSTRUMENT_KEYS = {
    "instrument", "n_children", "n_sessions", "mean_change", "ci_low", "ci_high", "p_value",
    "wilcoxon_p", "effect_size", "mixed_model",
}  # fmt: skip


@pytest.fixture()
def lead(client: TestClient) -> TestClient:
    build_registry(
        engine=client.engine,  # type: ignore[attr-defined]
        children=60,
        sessions=700,
        sites=1,
        seed=3,
        now=NOW,
    )
    return client


def test_the_program_lead_gets_the_report_with_every_documented_field(lead: TestClient) -> None:
    with lead.acting_as("L. Lead", role="program_lead"):  # type: ignore[attr-defined]
        response = lead.get("/api/v1/outcomes/program")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["instruments"]
    for outcome in body["instruments"]:
        assert set(outcome) >= INSTRUMENT_KEYS
    assert {"rate", "ci_low", "ci_high"} <= set(body["adverse_events_per_1000"])


def test_a_therapist_cannot_read_the_program_report(lead: TestClient) -> None:
    assert lead.get("/api/v1/outcomes/program").status_code == 403


def test_every_table_downloads_as_csv_and_adds_up_to_the_report(lead: TestClient) -> None:
    with lead.acting_as("L. Lead", role="program_lead"):  # type: ignore[attr-defined]
        body = lead.get("/api/v1/outcomes/program").json()
        instruments = lead.get("/api/v1/outcomes/program/tables/instruments.csv")
        weeks = lead.get("/api/v1/outcomes/program/tables/weeks.csv")
        chart = lead.get("/api/v1/outcomes/program/charts/change.svg")
        pdf = lead.get("/api/v1/outcomes/program.pdf")
    assert instruments.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(instruments.text)))
    assert sum(int(r["n_sessions"]) for r in rows) == sum(
        i["n_sessions"] for i in body["instruments"]
    )
    week_rows = list(csv.DictReader(io.StringIO(weeks.text)))
    assert sum(int(r["sessions"]) for r in week_rows) == body["sessions"]["attempted"]
    assert chart.text.lstrip().startswith("<?xml") and "<svg" in chart.text
    assert pdf.content.startswith(b"%PDF")


def test_a_bad_period_is_refused_naming_the_field(lead: TestClient) -> None:
    with lead.acting_as("L. Lead", role="program_lead"):  # type: ignore[attr-defined]
        response = lead.get("/api/v1/outcomes/program?since=2026-06-01&until=2026-01-01")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "until"


def test_one_childs_outcomes_are_marked_against_the_published_mcid(lead: TestClient) -> None:
    marked = None
    with lead.acting_as("T. Registry"):  # type: ignore[attr-defined]  # of the registry's site
        for child in lead.get("/api/v1/children").json():
            outcomes = lead.get(f"/api/v1/children/{child['id']}/outcomes").json()
            for instrument in outcomes["instruments"]:
                if instrument["instrument"] in ("fps_r", "nrs_11") and instrument["mcid"]:
                    marked = instrument
                    break
            if marked:
                break
    assert marked is not None
    assert marked["mcid"]["decrease"] == 2
    assert "Tsze" in marked["mcid"]["source"]
    reached = [c for c in marked["changes"] if c["change"] <= -2]
    assert marked["sessions_reaching_mcid"] == len(reached)
    assert all(c["reached_mcid"] == (c["change"] <= -2) for c in marked["changes"])
