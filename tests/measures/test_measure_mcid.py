"""Minimal clinically important differences: only published paediatric estimates, by age."""

from __future__ import annotations

import pytest

from pedmassage.measures import instrument
from pedmassage.measures.mcid import mcid_for, mcids


def test_every_mcid_names_an_instrument_of_the_catalogue_and_a_source() -> None:
    for entry in mcids().values():
        assert instrument(entry.instrument).id == entry.instrument
        assert entry.source and entry.population


@pytest.mark.parametrize(
    ("ident", "age", "decrease"),
    [("fps_r", 4, 2), ("fps_r", 17.9, 2), ("fps_r", 3.9, None), ("nrs_11", 6, 2),
     ("nrs_11", 5, None), ("flacc", 5, None), ("n_pass", 0.1, None)],
)  # fmt: skip
def test_the_mcid_applies_only_at_the_ages_it_was_published_for(
    ident: str, age: float, decrease: float | None
) -> None:
    found = mcid_for(ident, age)
    assert (None if found is None else found.decrease) == decrease


def test_a_change_reaches_the_mcid_when_the_score_falls_by_at_least_the_decrease() -> None:
    fps = mcid_for("fps_r", 8)
    assert fps is not None
    assert fps.reached(-2) and fps.reached(-4)
    assert not fps.reached(-1) and not fps.reached(2)
