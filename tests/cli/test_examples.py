"""The files in ``examples/`` work as the README uses them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import Result

from pedmassage.config import get_settings
from pedmassage.db import make_engine, unit_of_work
from pedmassage.migrations import upgrade
from pedmassage.sites.service import add_site

Invoke = Callable[..., Result]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_example_study_registers_as_the_readme_shows(cli: Invoke) -> None:
    url = get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        add_site(db=db, name="Main site", now=datetime.now(UTC))
    engine.dispose()
    answer = cli("research", "study", "register", "--file", str(EXAMPLES / "study.json"))
    assert answer.exit_code == 0, answer.output
    study = json.loads(answer.stdout)
    assert (study["code"], study["version"], study["protocol"]["evidence_claim"]) == (
        "PAIN-1",
        1,
        "oncology.pain",
    )
