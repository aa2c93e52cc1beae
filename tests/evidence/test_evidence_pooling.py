"""Pooling a table of studies someone brings: the one use case behind ``evidence pool``, the API
and the pool page. A table pools to metafor's numbers; a bad table is refused naming the cell,
the column or the option, and what would have been accepted."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tests.evidence.conftest import POOLED_CLAIM, TRIALS

from pedmassage.errors import NotFoundError, ValidationError
from pedmassage.evidence import plots
from pedmassage.evidence.catalogue import Catalogue
from pedmassage.evidence.pooling import OPTIONS, pool_study_table
from pedmassage.evidence.schemas import PoolRequest
from pedmassage.evidence.synthesis import synthesize
from pedmassage.stats import pool, read_study_csv

BCG = (Path(__file__).parent / "data" / "dat_bcg.csv").read_text()
TWO = "study,yi,vi\nA,0.5,0.04\nB,0.3,0.09\n"


def _refusal(csv: str, **options: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        pool_study_table(csv, **options)
    return caught.value


def test_a_table_pools_to_the_same_result_as_reading_and_pooling_it_by_hand() -> None:
    pooled = pool_study_table(BCG, measure="RR")
    table = read_study_csv(BCG, measure="RR")
    assert pooled.result == pool(table.yi, table.vi, method="REML", test="z")
    assert pooled.table.studies == table.studies
    # metafor rma.uni.html, dat.bcg, REML: estimate -0.7145, CI -1.0669 .. -0.3622
    assert pooled.result.estimate == pytest.approx(-0.7145, abs=1e-4)
    assert pooled.as_json() == pooled.result.as_json()


def test_without_options_a_table_of_effect_sizes_is_pooled_by_reml_with_a_z_test() -> None:
    pooled = pool_study_table(TWO)
    assert (pooled.measure, pooled.result.method, pooled.result.test) == ("GEN", "REML", "z")


def test_the_method_and_the_test_are_the_ones_asked_for() -> None:
    pooled = pool_study_table(BCG, measure="RR", method="DL", test="hksj")
    assert (pooled.result.method, pooled.result.test) == ("DL", "hksj")
    assert pooled.result.estimate == pytest.approx(-0.7141, abs=1e-4)  # metafor, method="DL"


def test_a_bad_row_is_refused_naming_the_row_the_column_and_what_is_allowed() -> None:
    refused = _refusal("study,yi,vi\nA,0.1,0.02\nB,0.3,-0.01\n")
    assert (refused.field, refused.value) == ("vi[1]", -0.01)
    assert refused.allowed == "a number greater than 0"


def test_a_cell_that_is_not_a_number_is_refused_naming_its_line_in_the_file() -> None:
    refused = _refusal("study,yi,vi\nA,x,0.02\nB,0.1,0.1\n")
    assert (refused.field, refused.value, refused.allowed) == ("yi[0]", "x", "a number")
    assert "line 2" in refused.message


def test_a_missing_column_is_refused_naming_it_and_the_column_sets_accepted() -> None:
    refused = _refusal("study,tpos,tneg,cpos\nA,1,2,3\n", measure="RR")
    assert (refused.field, refused.value) == ("columns", "cneg")
    assert "study,tpos,tneg,cpos,cneg" in refused.allowed and "study,yi,vi" in refused.allowed


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("measure", "HR", "one of GEN, MD, SMD, RR, OR, RD"),
        ("method", "ML", "one of FE, DL, REML, PM"),
        ("test", "t", "one of z, hksj"),
    ],
)
def test_an_unknown_option_is_refused_naming_the_option_and_the_values_allowed(
    option: str, value: str, allowed: str
) -> None:
    refused = _refusal(TWO, **{option: value})
    assert (refused.field, refused.value, refused.allowed) == (option, value, allowed)
    assert refused.field in OPTIONS


def test_a_table_that_cannot_be_read_is_reported_before_a_wrong_method() -> None:
    assert _refusal("study,yi\nA,1\n", method="ML").field == "columns"


def test_too_few_studies_for_the_method_are_refused_naming_the_minimum() -> None:
    refused = _refusal("study,yi,vi\nA,0.1,0.02\n")
    assert (refused.field, refused.value) == ("k", 1)
    assert refused.allowed == "at least 2 studies for method REML with test z"


def test_a_pooled_table_draws_its_plots_under_its_title_with_ratios_on_their_own_scale() -> None:
    pooled = pool_study_table(BCG, measure="RR", title="bcg.csv")
    forest = pooled.forest()
    assert forest.title == "bcg.csv" and forest.log_scale
    assert forest.pooled is not None
    assert forest.pooled.estimate == pytest.approx(math.exp(pooled.result.estimate))
    assert pooled.funnel().labels == pooled.table.studies
    svg = pooled.figure("forest")
    assert svg.media_type == "image/svg+xml" and b'id="diamond"' in svg.content
    png = pooled.figure("funnel", "png")
    assert png.media_type == "image/png" and png.content.startswith(b"\x89PNG")


def test_a_pooled_table_refuses_a_format_it_cannot_draw() -> None:
    with pytest.raises(ValidationError, match="svg or png"):
        pool_study_table(TWO).figure("forest", "gif")


def test_a_claim_s_plot_is_drawn_by_kind_and_an_unknown_format_is_refused_before_the_claim(
    pooled_library: Catalogue,
) -> None:
    image = plots.claim_figure(POOLED_CLAIM, "funnel", library=pooled_library)
    assert image.media_type == "image/svg+xml" and b'id="funnel-limits"' in image.content
    with pytest.raises(ValidationError) as caught:
        plots.claim_figure("nope.x", "forest", "gif")
    assert caught.value.field == "format"
    with pytest.raises(NotFoundError):
        plots.claim_figure("nope.x", "forest")


@pytest.mark.parametrize(
    ("claim_id", "forest", "funnel"),
    [
        ("preterm.weight_gain", True, False),  # reviews that may share trials, side by side
        ("cystic_fibrosis.anxiety", True, True),  # one estimate with its CI
        ("hospital.anxiety", True, False),  # estimates without CIs
        ("autism.behaviour", False, False),  # no estimate at all
    ],
)
def test_a_claim_says_which_plots_it_can_draw(claim_id: str, forest: bool, funnel: bool) -> None:
    s = synthesize(claim_id)
    assert (s.has_forest, s.has_funnel) == (forest, funnel)


def test_the_funnel_of_a_pooled_claim_draws_only_its_pooled_rows(
    pooled_library: Catalogue,
) -> None:
    s = synthesize(POOLED_CLAIM, pooled_library)
    assert [r.study_id for r in s.funnel_rows] == list(TRIALS)


def test_a_table_naming_catalogued_reviews_that_may_share_trials_is_refused() -> None:
    text = "study,yi,vi\nVickers 2004 (Cochrane),5.1,0.67\nwang2013,5.32,0.36\n"
    with pytest.raises(ValidationError, match="may share trials") as caught:
        pool_study_table(text)
    assert caught.value.field == "study"
    unrelated = "study,yi,vi\nVickers 2004 (Cochrane),5.1,0.67\nAnother trial,5.32,0.36\n"
    assert pool_study_table(unrelated).result.k == 2


def test_the_api_body_is_the_csv_text_and_three_options_with_their_defaults() -> None:
    schema = PoolRequest.model_json_schema()
    assert schema["title"] == "PoolRequest"  # the name the OpenAPI document publishes
    assert schema["required"] == ["csv"] and schema["additionalProperties"] is False
    defaults = {name: spec.get("default") for name, spec in schema["properties"].items()}
    assert defaults == {"csv": None, "measure": "GEN", "method": "REML", "test": "z"}
    assert schema["properties"]["csv"]["minLength"] == 1
