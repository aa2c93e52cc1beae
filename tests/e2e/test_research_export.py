"""The researcher: logs in, lands on the export, downloads it, and finds no name, birth date or
record number in it; every page and route that shows a child is refused."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from tests.e2e.conftest import ENGINES, log_in
from tests.identities import PASSWORD, token_for, username_of

from pedmassage.db import unit_of_work
from pedmassage.demo.registry import build_registry
from pedmassage.models import Child

RESEARCHER = "R. Searcher"


@pytest.fixture()
def secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    key = tmp_path / "research.key"
    key.write_bytes(bytes(range(1, 33)))
    monkeypatch.setenv("PEDMASSAGE_RESEARCH_SECRET_FILE", str(key))
    yield key


def test_the_researcher_gets_the_export_and_nothing_that_names_a_child(
    secret: Path, page: Page, live_server: str, tmp_path: Path
) -> None:
    engine = ENGINES[live_server]
    build_registry(engine=engine, children=20, sessions=120, sites=1, seed=5, now=datetime.now(UTC))
    token = token_for(engine, ("researcher", RESEARCHER))
    with unit_of_work(engine) as db:
        children = db.scalars(select(Child)).all()
        identifiers = {c.display_name for c in children} | {c.id for c in children}
        identifiers |= {c.mrn for c in children if c.mrn} | {c.ward for c in children if c.ward}
        child_id = children[0].id

    log_in(page, live_server, username_of("researcher", RESEARCHER), PASSWORD)
    assert page.url.endswith("/research")
    with page.expect_download() as download:
        page.locator("#download").click()
    path = tmp_path / "export.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        text = "\n".join(archive.read(n).decode("utf-8") for n in names)
    assert names == {"children.csv", "sessions.csv", "measures.csv", "dictionary.csv"}
    assert not {value for value in identifiers if value in text}

    for url in ("/", f"/children/{child_id}", "/outcomes", "/flags"):
        response = page.goto(f"{live_server}{url}")
        assert response is not None and response.status == 403, url
    headers = {"Authorization": f"Bearer {token}"}
    for route in ("/api/v1/children", f"/api/v1/children/{child_id}",
                  f"/api/v1/children/{child_id}/sessions", "/api/v1/outcomes/program"):  # fmt: skip
        assert httpx.get(f"{live_server}{route}", headers=headers).status_code == 403, route
    zipped = httpx.get(f"{live_server}/api/v1/research/export.zip", headers=headers)
    assert zipped.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
