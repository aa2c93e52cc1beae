"""Medicines the review found unread: opioids and sedatives cap pressure as sedation does, and
immunosuppressants (after a transplant) and corticosteroids ask for the counts and temperature
that would show an infection (program policy, conservative)."""

from __future__ import annotations

import pytest


def on(*classes: str) -> list[dict[str, str]]:
    return [{"class": c} for c in classes]


@pytest.mark.parametrize("drug", ["opioid", "sedative"])
def test_opioids_and_sedatives_keep_pressure_light(child, ids, drug):
    result = child.screen(medications=on(drug))
    assert result.decision == "modify"
    assert "medication.sedating" in ids(result)
    assert result.modifications.max_pressure == 2


def test_an_immunosuppressed_child_needs_a_current_anc_and_temperature(child):
    result = child.screen(medications=on("immunosuppressant"))
    assert result.decision == "modify"
    assert {"verify ANC", "verify temperature"} <= set(result.missing)


def test_with_current_values_immunosuppression_adds_no_request(child, ids):
    result = child.screen(
        medications=on("immunosuppressant"),
        labs=[child.lab("anc", 2.4)],
        vitals=[child.vital("temperature", 36.7)],
    )
    assert result.missing == []


def test_a_child_on_corticosteroids_needs_a_current_temperature(child):
    result = child.screen(medications=on("corticosteroid"))
    assert "verify temperature" in result.missing
    assert "verify ANC" not in result.missing
