"""``pedmassage measures``: the chooser and scoring contracts printed as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable

from typer.testing import Result

Invoke = Callable[..., Result]


def test_choose_uses_corrected_age_for_a_preterm_infant(cli: Invoke) -> None:
    result = cli("measures", "choose", "--age-months", "2", "--gestational-age-weeks", "28")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["pain"][0] in {"n_pass", "nips"}
    assert set(out["reasons"]) >= set(out["pain"])


def test_choose_offers_an_observer_scale_to_a_nonverbal_ten_year_old(cli: Invoke) -> None:
    out = json.loads(cli("measures", "choose", "--age-months", "120", "--nonverbal").output)
    assert "nrs_11" not in out["pain"]
    assert {"flacc", "r_flacc"} & set(out["pain"])


def test_score_prints_total_range_and_band(cli: Invoke) -> None:
    items = {"face": 1, "legs": 2, "activity": 0, "cry": 1, "consolability": 1}
    result = cli("measures", "score", "flacc", "--items", json.dumps(items))
    assert json.loads(result.output) | {} == {
        "instrument": "flacc",
        "version": json.loads(result.output)["version"],
        "total": 5,
        "range": [0, 10],
        "band": "moderate",
    }


def test_score_refuses_an_out_of_range_item_with_exit_2(cli: Invoke) -> None:
    items = {"face": 1, "legs": 2, "activity": 0, "cry": 1, "consolability": 3}
    result = cli("measures", "score", "flacc", "--items", json.dumps(items))
    assert result.exit_code == 2
    assert "items.consolability" in result.output and "0-2" in result.output


def test_score_refuses_an_unknown_instrument(cli: Invoke) -> None:
    result = cli("measures", "score", "vas_pain_xyz", "--items", '{"score": 1}')
    assert result.exit_code == 2
    assert "flacc" in result.output
