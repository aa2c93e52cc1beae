"""The evidence API and pages respond: list, show, pool, forest, funnel and handout."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

BCG = (Path(__file__).parent / "data" / "dat_bcg.csv").read_text()


def test_the_library_is_listed_and_shown(evidence_client: TestClient) -> None:
    topics = evidence_client.get("/api/v1/evidence/topics").json()
    assert {t["id"] for t in topics} >= {"preterm", "asthma", "oncology"}
    claims = evidence_client.get("/api/v1/evidence/claims", params={"topic": "preterm"}).json()
    assert claims[0]["id"] == "preterm.weight_gain" and claims[0]["pooled"] is False
    claim = evidence_client.get("/api/v1/evidence/claims/preterm.weight_gain").json()
    assert claim["pooled"] is None and claim["side_by_side"] is True
    assert claim["grade"]["level"] == "low" and "wang2013" in {e["study"] for e in claim["effects"]}
    topic = evidence_client.get("/api/v1/evidence/topics/asthma").json()
    assert [c["id"] for c in topic["claims"]] == ["asthma.lung_function", "asthma.anxiety"]
    studies = evidence_client.get("/api/v1/evidence/studies").json()
    assert len(studies) >= 40
    study = evidence_client.get("/api/v1/evidence/studies/khilnani2003").json()
    assert study["risk_of_bias"]["randomization"] == "some concerns"


def test_unknown_ids_are_404(evidence_client: TestClient) -> None:
    for path in ("claims/nope.x", "studies/nope", "topics/nope", "claims/nope.x/forest.svg"):
        response = evidence_client.get(f"/api/v1/evidence/{path}")
        assert response.status_code == 404, path
        assert response.json()["detail"][0]["field"] == "id"


def test_pool_gives_the_cli_json_and_422_naming_a_bad_cell(evidence_client: TestClient) -> None:
    ok = evidence_client.post("/api/v1/evidence/pool", json={"csv": BCG, "measure": "RR"})
    assert ok.status_code == 200
    assert ok.json()["estimate"] == pytest.approx(-0.7145, abs=1e-4)
    bad = evidence_client.post("/api/v1/evidence/pool", json={"csv": "yi,vi\n1,-1\n2,1\n"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "vi[0]"
    missing = evidence_client.post("/api/v1/evidence/pool", json={"csv": "yi\n1\n"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["value"] == "vi"


def test_plots_come_as_svg_or_png(evidence_client: TestClient) -> None:
    svg = evidence_client.get("/api/v1/evidence/claims/preterm.weight_gain/forest.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"side by side" in svg.content
    assert b'id="diamond"' not in svg.content
    png = evidence_client.get("/api/v1/evidence/claims/cystic_fibrosis.anxiety/funnel.png")
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    no_funnel = evidence_client.get("/api/v1/evidence/claims/preterm.weight_gain/funnel.svg")
    assert no_funnel.status_code == 422
    gif = evidence_client.get("/api/v1/evidence/claims/preterm.weight_gain/forest.gif")
    assert gif.status_code == 422
    nothing = evidence_client.get("/api/v1/evidence/claims/autism.behaviour/forest.svg")
    assert nothing.status_code == 422


def test_handouts_come_as_html_or_pdf(evidence_client: TestClient) -> None:
    page = evidence_client.get("/api/v1/evidence/topics/oncology/handout")
    assert page.headers["content-type"].startswith("text/html")
    assert "When not to massage" in page.text and "<!doctype html>" in page.text
    pdf = evidence_client.get(
        "/api/v1/evidence/topics/oncology/handout",
        params={"audience": "physician", "format": "pdf"},
    )
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bad = evidence_client.get("/api/v1/evidence/topics/oncology/handout", params={"format": "doc"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/evidence", "Evidence"),
        ("/evidence/topics/preterm", "Preterm and low-birth-weight infants"),
        ("/evidence/claims/preterm.weight_gain", "forest.svg"),
        ("/evidence/claims/autism.behaviour", "No effect estimate in the reference"),
        ("/evidence/studies/khilnani2003", "PEDro score 5/10"),
        ("/evidence/topics/asthma/handout/family", "When not to massage"),
        ("/evidence/topics/asthma/handout/physician", "evidence summary for physicians"),
        ("/evidence/pool", "Pool a table of studies"),
    ],
)
def test_the_pages_respond(evidence_client: TestClient, path: str, text: str) -> None:
    response = evidence_client.get(path)
    assert response.status_code == 200, path
    assert text in response.text


def test_unknown_pages_are_readable_errors(evidence_client: TestClient) -> None:
    assert evidence_client.get("/evidence/topics/nope").status_code == 404
    assert evidence_client.get("/evidence/topics/asthma/handout/press").status_code == 422


def test_the_pool_page_pools_a_pasted_table_and_shows_problems_beside_the_field(
    evidence_client: TestClient,
) -> None:
    form = {"csv": BCG, "measure": "RR", "method": "REML", "test": "z"}
    done = evidence_client.post("/evidence/pool", data=form)
    assert done.status_code == 200
    assert "-0.7145" in done.text and "data:image/svg+xml;base64," in done.text
    refused = evidence_client.post("/evidence/pool", data={**form, "csv": "study,yi\nA,1\n"})
    assert refused.status_code == 422
    assert 'id="csv-error"' in refused.text and "missing column vi" in refused.text
    wrong = evidence_client.post("/evidence/pool", data={**form, "method": "ML"})
    assert wrong.status_code == 422 and 'id="method-error"' in wrong.text
