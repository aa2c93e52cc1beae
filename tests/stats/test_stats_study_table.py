"""Reading studies from CSV text for ``pedmassage evidence pool --input FILE.csv``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from pedmassage.errors import ValidationError
from pedmassage.stats import accepted_column_sets, pool, read_study_csv

if TYPE_CHECKING:
    from conftest import Bcg


def _bcg_csv(bcg: Bcg, header: str) -> str:
    rows = zip(bcg.tpos, bcg.tneg, bcg.cpos, bcg.cneg, strict=True)
    lines = [header] + [f"trial {i + 1},{a},{b},{c},{d}" for i, (a, b, c, d) in enumerate(rows)]
    return "\n".join(lines) + "\n"


def test_precomputed_effect_sizes_are_read_as_given() -> None:
    table = read_study_csv("study,yi,vi\nA,0.5,0.04\nB,0.3,0.09\n")
    assert table.studies == ("A", "B")
    np.testing.assert_array_equal(table.yi, [0.5, 0.3])
    np.testing.assert_array_equal(table.vi, [0.04, 0.09])
    studies, yi, vi = table  # unpacks as (studies, yi, vi)
    assert (studies, yi[0], vi[0]) == (("A", "B"), 0.5, 0.04)


@pytest.mark.parametrize("header", ["study,ai,bi,ci,di", "Study,TPOS,tneg,cpos,cneg"])
def test_two_by_two_columns_and_their_aliases_give_metafors_log_risk_ratios(
    bcg: Bcg, header: str
) -> None:
    table = read_study_csv(_bcg_csv(bcg, header), measure="RR")
    np.testing.assert_allclose(table.yi, bcg.rr.yi, rtol=1e-14)
    assert table.studies[0] == "trial 1"
    # and the pipeline reaches metafor's REML estimate -0.7145 (rma.uni.html)
    assert pool(table.yi, table.vi).estimate == pytest.approx(-0.7145, abs=1e-4)


def test_means_and_sds_give_hedges_g() -> None:
    text = "m1i,sd1i,n1i,m2i,sd2i,n2i\n94,22,60,92,20,60\n"
    table = read_study_csv(text, measure="SMD")
    # metafor escalc("SMD") for this row, quoted in statsmodels test_meta.py
    assert table.yi[0] == pytest.approx(0.09452415852032972, rel=1e-12)
    assert table.studies == ("1",)


def test_a_missing_column_is_named_with_the_accepted_sets() -> None:
    with pytest.raises(ValidationError) as caught:
        read_study_csv("study,yi\nA,0.5\n")
    assert (caught.value.field, caught.value.value) == ("columns", "vi")
    assert "study,yi,vi" in caught.value.allowed
    with pytest.raises(ValidationError) as caught:
        read_study_csv("study,ai,bi,ci\nA,1,2,3\n", measure="OR")
    assert caught.value.value == "di"
    assert "tpos,tneg,cpos,cneg" in caught.value.allowed
    assert "missing column di" in str(caught.value)


def test_a_cell_that_is_not_a_number_is_named_by_column_row_and_line() -> None:
    with pytest.raises(ValidationError) as caught:
        read_study_csv("study,yi,vi\nA,0.5,0.04\nB,0.3,n/a\n")
    assert caught.value.field == "vi[1]"
    assert "line 3" in str(caught.value)


def test_errors_use_the_column_names_of_the_file(bcg: Bcg) -> None:
    text = "tpos,tneg,cpos,cneg\n4,119,11,128\n-1,10,2,20\n"
    with pytest.raises(ValidationError) as caught:
        read_study_csv(text, measure="RR")
    assert caught.value.field == "tpos[1]"


def test_blank_lines_and_a_byte_order_mark_are_tolerated() -> None:
    table = read_study_csv("\ufeffyi,vi\n0.1,0.2\n\n0.3,0.4\n")
    assert table.studies == ("1", "2")


@pytest.mark.parametrize(
    ("text", "measure", "field"),
    [("", "GEN", "input"), ("yi,vi\n", "GEN", "input"), ("yi,vi\n1,2\n", "HR", "measure")],
)
def test_empty_files_and_unknown_measures_are_refused(text: str, measure: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_study_csv(text, measure=measure)
    assert caught.value.field == field


def test_the_accepted_column_sets_are_published_for_help_texts() -> None:
    assert ("tpos", "tneg", "cpos", "cneg") in accepted_column_sets("RR")
    assert accepted_column_sets("GEN") == (("yi", "vi"),)
