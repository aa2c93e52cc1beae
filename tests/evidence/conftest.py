"""The evidence commands, API and pages: a CLI runner and an app on a private SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from pedmassage.app import create_app
from pedmassage.cli.main import app as cli_app
from pedmassage.config import Settings
from pedmassage.evidence.catalogue import Catalogue, catalogue, check_catalogue
from pedmassage.evidence.claim_model import Claim
from pedmassage.evidence.model import Study

Invoke = Callable[..., Result]


@pytest.fixture()
def evidence_cli() -> Invoke:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli_app, ["evidence", *args])

    return invoke


@pytest.fixture()
def evidence_client(sqlite_url: str, now: datetime) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=sqlite_url), clock=lambda: now)
    with TestClient(app) as client:
        yield client


POOLED_CLAIM = "preterm.two_trials"
TRIALS = {"trial_a": (5.0, 3.0, 7.0), "trial_b": (4.0, 1.0, 7.0)}
"""Two invented, independent primary trials (MD with 95% CI), only to exercise a pooled claim:
no shipped claim pools, because the catalogue's poolable estimates all come from reviews that may
share trials."""


def _trial(study_id: str, estimate: float, low: float, high: float) -> Study:
    return Study.model_validate(
        {
            "id": study_id,
            "version": 1,
            "label": study_id.replace("_", " ").capitalize(),
            "citation": "Invented for the tests.",
            "design": "RCT",
            "population": "Preterm infants.",
            "n": {"total": 200},
            "outcomes": [
                {
                    "id": "weight_gain",
                    "name": "Daily weight gain",
                    "unit": "g/day",
                    "finding": "Invented.",
                    "effect": {
                        "measure": "MD",
                        "estimate": estimate,
                        "ci_low": low,
                        "ci_high": high,
                    },
                }
            ],
            "verified": False,
            "source": "tests/evidence/conftest.py",
            "reference_section": "clinical-reference.md 3.1",
        }
    )


@pytest.fixture()
def pooled_library() -> Catalogue:
    """The shipped catalogue plus two independent trials and a claim that pools them."""
    library = catalogue()
    trials = {i: _trial(i, *effect) for i, effect in TRIALS.items()}
    claim = Claim.model_validate(
        {
            "id": POOLED_CLAIM,
            "version": 1,
            "topic": "preterm",
            "outcome": "Daily weight gain (two independent trials)",
            "finding": "benefit",
            "measure": "MD",
            "unit": "g/day",
            "effects": [{"study": i, "outcome": "weight_gain"} for i in TRIALS],
            "start": "high",
            "downgrades": [{"domain": "risk of bias", "levels": 1, "reason": "Not assessed."}],
            "statement": "Massage probably helps.",
        }
    )
    found = replace(
        library,
        studies=MappingProxyType(dict(library.studies) | trials),
        claims=MappingProxyType(dict(library.claims) | {claim.id: claim}),
    )
    check_catalogue(found)
    return found
