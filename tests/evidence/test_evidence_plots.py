"""Forest and funnel plots: SVG and PNG, with every study label, the diamond, the prediction
interval and the RoB 2 markers; the SVG is the same bytes every time."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from tests.evidence.conftest import POOLED_CLAIM

from pedmassage.errors import ValidationError
from pedmassage.evidence import plots
from pedmassage.evidence.catalogue import Catalogue
from pedmassage.evidence.synthesis import synthesize
from pedmassage.stats import pool, read_study_csv

PNG = b"\x89PNG\r\n\x1a\n"
BCG = (Path(__file__).parent / "data" / "dat_bcg.csv").read_text()


def _forest(claim_id: str, fmt: str = "svg", library: Catalogue | None = None) -> bytes:
    return plots.forest_plot(plots.forest_for_claim(synthesize(claim_id, library)), fmt)


def test_a_pooled_claim_s_forest_plot_has_every_study_the_diamond_and_the_prediction_interval(
    pooled_library: Catalogue,
) -> None:
    svg = _forest(POOLED_CLAIM, library=pooled_library).decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    s = synthesize(POOLED_CLAIM, pooled_library)
    for row in s.rows:
        assert html.escape(row.label, quote=False) in svg
        assert row.weight is not None and f"{row.weight:.1f}%" in svg
    assert 'id="diamond"' in svg and 'id="prediction-interval"' in svg
    assert "Prediction interval" in svg


def test_reviews_that_may_share_trials_are_drawn_side_by_side_without_a_diamond() -> None:
    svg = _forest("preterm.weight_gain").decode()
    for row in synthesize("preterm.weight_gain").rows:
        assert html.escape(row.label, quote=False) in svg
    assert 'id="diamond"' not in svg and 'id="prediction-interval"' not in svg
    assert "Shown side by side, not pooled" in svg and "same children twice" in svg


def test_risk_of_bias_markers_stand_beside_each_study() -> None:
    svg = _forest("preterm.weight_gain").decode()
    rows = synthesize("preterm.weight_gain").rows
    for index in range(len(rows)):
        for domain in ("d1", "d2", "d3", "d4", "d5", "overall"):
            assert f'id="rob-{index}-{domain}"' in svg
    assert "D5" in svg and "Risk of bias (RoB 2)" in svg


def test_the_png_is_a_png_and_the_svg_is_reproducible() -> None:
    assert _forest("preterm.weight_gain", "png").startswith(PNG)
    assert _forest("preterm.weight_gain") == _forest("preterm.weight_gain")
    assert b"<dc:date>" not in _forest("preterm.weight_gain")


def test_a_single_estimate_is_drawn_without_a_diamond() -> None:
    svg = _forest("cystic_fibrosis.lung_function").decode()
    assert "Hernandez-Reif 1999" in svg
    assert 'id="diamond"' not in svg and "shown, not pooled" in svg


def test_the_funnel_plot_shows_the_pooled_studies_around_the_estimate(
    pooled_library: Catalogue,
) -> None:
    s = synthesize(POOLED_CLAIM, pooled_library)
    svg = plots.funnel_plot(plots.funnel_for_claim(s)).decode()
    assert all(row.label in svg for row in s.rows)
    assert 'id="funnel-limits"' in svg and "Too few studies (k = 2)" in svg
    assert plots.funnel_plot(plots.funnel_for_claim(s), "png").startswith(PNG)


def test_reviews_that_may_share_trials_have_no_funnel_plot() -> None:
    s = synthesize("preterm.weight_gain")
    assert not s.has_funnel and s.funnel_rows == ()
    with pytest.raises(ValidationError, match="side by side with no funnel plot"):
        plots.funnel_for_claim(s)


def test_a_table_s_plots_show_ratios_on_their_own_scale_with_egger_s_test() -> None:
    table = read_study_csv(BCG, measure="RR")
    result = pool(table.yi, table.vi)
    forest = plots.forest_plot(plots.forest_for_table(table, result, "RR")).decode()
    assert "Aronson 1948" in forest and html.escape("Ferguson & Simes 1949") in forest
    assert "0.49 [0.34, 0.70]" in forest  # metafor predict(res, transf=exp): 0.49 (0.34-0.70)
    assert "[0.15, 1.55]" in forest  # and its prediction interval 0.15-1.55
    assert "Risk of bias" not in forest  # a pasted table has no judgements to show
    funnel = plots.funnel_plot(plots.funnel_for_table(table, result, "RR")).decode()
    assert "Egger regression test" in funnel and "log risk ratio" in funnel


def test_claims_with_nothing_to_draw_and_unknown_formats_are_refused() -> None:
    with pytest.raises(ValidationError, match="effect estimates to plot"):
        plots.forest_for_claim(synthesize("autism.behaviour"))
    with pytest.raises(ValidationError, match="confidence interval"):
        plots.funnel_for_claim(synthesize("hospital.anxiety"))
    with pytest.raises(ValidationError, match="svg or png"):
        _forest("preterm.weight_gain", "gif")
