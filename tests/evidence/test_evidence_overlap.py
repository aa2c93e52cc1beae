"""Which estimates may rest on the same children: two reviews that include the same trial, a review
and a trial it includes, or one study twice. Only complete, disjoint trial lists show that two
reviews share nothing; a partial or missing list is treated as sharing."""

from __future__ import annotations

from pedmassage.evidence.catalogue import catalogue
from pedmassage.evidence.model import Study
from pedmassage.evidence.overlap import overlap, overlaps, side_by_side_note


def _study(study_id: str) -> Study:
    return catalogue().study(study_id)


def _review(study_id: str, trials: tuple[str, ...], *, complete: bool) -> Study:
    data = _study(study_id).model_dump()
    data["includes"] = {"trials": trials, "complete": complete, "basis": "test list"}
    return Study.model_validate(data)


def test_two_different_primary_trials_share_no_children() -> None:
    assert overlap(_study("field1986"), _study("scafidi1990")) is None


def test_one_study_given_twice_shares_all_its_children() -> None:
    found = overlap(_study("field1986"), _study("field1986"))
    assert found is not None and found.shared == ("field1986",) and not found.presumed
    assert "two estimates from the same children" in found.why


def test_two_reviews_that_include_the_same_trial_share_it() -> None:
    a = _review("vickers2004", ("field1986", "scafidi1990"), complete=False)
    b = _review("wang2013", ("scafidi1990",), complete=True)
    found = overlap(a, b)
    assert found is not None and found.shared == ("scafidi1990",) and not found.presumed
    assert "both include scafidi1990" in found.why


def test_a_review_shares_the_children_of_a_trial_it_includes() -> None:
    review = _review("wang2013", ("field1986",), complete=True)
    found = overlap(review, _study("field1986"))
    assert found is not None and found.shared == ("field1986",)
    assert overlap(review, _study("scafidi1990")) is None  # complete list, trial not in it


def test_only_complete_disjoint_lists_show_two_reviews_share_nothing() -> None:
    a = _review("vickers2004", ("field1986",), complete=True)
    b = _review("wang2013", ("scafidi1990",), complete=True)
    assert overlap(a, b) is None
    partial = _review("wang2013", ("scafidi1990",), complete=False)
    found = overlap(a, partial)
    assert found is not None and found.presumed and found.shared == ()
    assert "Wang 2013 does not list its included trials in full" in found.why


def test_the_shipped_preterm_reviews_are_presumed_to_share_trials() -> None:
    reviews = [_study(i) for i in ("vickers2004", "review2020", "wang2013")]
    found = overlaps(reviews)
    assert len(found) == 3 and all(o.presumed for o in found)
    note = side_by_side_note(found)
    assert "Vickers 2004 (Cochrane), Review 2020 and Wang 2013" in note
    assert "none lists its included trials in full" in note and "same children twice" in note
