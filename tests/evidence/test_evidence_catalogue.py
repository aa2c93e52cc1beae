"""The study library holds only what the clinical reference reports, and loads only when consistent.

``data/clinical-reference.md`` is a copy of the project's clinical reference (the file the catalogue
was written from), and ``data/read-since.md`` records the sources read since, with their numbers;
the number check below fails when an entry carries a number that the text about that study does
not contain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pydantic
import pytest

from pedmassage.errors import KnowledgeDataError
from pedmassage.evidence.catalogue import catalogue, check_catalogue
from pedmassage.evidence.claim_model import Claim, DowngradeSpec, EffectRef, Topic
from pedmassage.evidence.model import ReportedEffect, RiskOfBias, Study
from pedmassage.evidence.overlap import overlaps
from pedmassage.evidence.synthesis import claim_grade

DATA = Path(__file__).parent / "data"
REFERENCE = (DATA / "clinical-reference.md").read_text(encoding="utf-8")
READ_SINCE = (DATA / "read-since.md").read_text(encoding="utf-8")
WINDOW = 7
"""Lines after a study's first mention that still belong to it (a table row, or a bullet list)."""

KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "review2020": (("Massage therapy for weight gain in preterm neonates",),),
    "mcn2015": (("Preterm infant massage: an ancient practice",),),
    "devpsychobiol1976": (("Dev Psychobiol 1976",),),
    "hernandez_reif1999": (("Hernandez-Reif", "1999"), ("CD003148",)),
    "community_pract2014": (("Community Pract 2014",),),
    "zink_cf_pilot": (("Zink K",),),
    "genik2020": (("Genik",),),
    "silva2015_qst": (("QST",),),
    "ng2018": (("Ng AH",),),
    "field2001_sleep": (("Field T, Hernandez-Reif M 2001",),),
    "field1996_preschool": (("Field T, Kilmer T",),),
}
"""Where a study is found in the reference, when its label's first word and year do not find it."""


def _windows(study: Study) -> str:
    keys = KEYS.get(study.id) or ((study.label.split()[0], str(study.year or "")),)
    lines = (REFERENCE + "\n" + READ_SINCE).splitlines()
    found = [
        "\n".join(lines[i : i + WINDOW])
        for i, line in enumerate(lines)
        if any(all(token in line for token in key) for key in keys)
    ]
    return "\n".join(found)


def _numbers(value: object, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a study entry, except its version."""
    if isinstance(value, bool) or path.endswith("version"):
        return
    if isinstance(value, int | float):
        yield path, float(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{path}[{index}]")


def _spellings(number: float) -> set[str]:
    magnitude = abs(float(number))
    spellings = {f"{magnitude:g}", f"{magnitude:.2f}", f"{magnitude:.1f}"}
    if magnitude.is_integer():
        spellings.add(f"{magnitude:,.0f}")
    return spellings


def test_the_catalogue_loads_with_its_studies_topics_and_claims() -> None:
    library = catalogue()
    assert len(library.studies) >= 40
    assert len(library.claims) >= 20
    expected_topics = {
        "preterm", "infant_development", "asthma", "juvenile_arthritis", "autism", "adhd",
        "cystic_fibrosis", "post_traumatic_stress", "constipation", "sleep", "oncology", "hospital",
    }  # fmt: skip
    assert set(library.topics) == expected_topics
    assert all(library.claims_for(topic) for topic in expected_topics)


def test_every_study_has_a_citation_a_source_and_where_in_the_reference_it_comes_from() -> None:
    for study in catalogue().studies.values():
        assert study.citation.strip() and study.source.strip(), study.id
        assert study.reference_section.startswith("clinical-reference.md"), study.id


@pytest.mark.parametrize("study_id", sorted(catalogue().studies))
def test_no_study_has_a_number_the_reference_does_not_report(study_id: str) -> None:
    study = catalogue().study(study_id)
    text = _windows(study)
    assert text, f"{study_id} is not found in the reference"
    tokens = _found(text)
    for path, number in _numbers(study.model_dump()):
        assert _spellings(number) & tokens, f"{study_id}{path} = {number}"


def test_field_1986_has_its_group_means_and_no_effect_size_because_no_sd_was_reported() -> None:
    study = catalogue().study("field1986")
    weight = study.outcome("weight_gain")
    assert weight is not None and weight.group_means is not None
    assert (weight.group_means.massage, weight.group_means.control) == (25, 17)
    assert (study.n.massage, study.n.control) == (20, 20)
    assert weight.means is None and weight.effect is None
    assert "25 vs 17 g/day" in REFERENCE
    effect_refs = {(e.study, e.outcome) for c in catalogue().claims.values() for e in c.effects}
    assert ("field1986", "weight_gain") not in effect_refs


def test_review_estimates_are_recorded_with_their_intervals_as_the_reference_prints_them() -> None:
    library = catalogue()
    vickers = library.study("vickers2004").outcome("weight_gain")
    assert vickers is not None and vickers.effect is not None
    assert (vickers.effect.estimate, vickers.effect.ci_low, vickers.effect.ci_high) == (
        5.1,
        3.5,
        6.7,
    )
    assert "5.1 g/day of weight gain (95% CI 3.5 to 6.7)" in REFERENCE
    li = library.study("li2025").outcome("effectiveness")
    assert li is not None and li.effect is not None
    assert (li.effect.measure, li.effect.estimate, li.effect.ci_low, li.effect.ci_high) == (
        "RR",
        1.23,
        1.14,
        1.33,
    )
    staic = library.study("hernandez_reif1999").outcome("child_anxiety")
    assert staic is not None and staic.effect is not None
    assert (staic.effect.estimate, staic.effect.ci_low, staic.effect.ci_high) == (
        -8.2,
        -12.36,
        -4.04,
    )


def test_a_within_group_change_and_g_values_without_intervals_are_never_pooled() -> None:
    library = catalogue()
    cas = library.study("malekiantaghi2025").outcome("cas")
    assert cas is not None and cas.within_group is not None and cas.effect is None
    assert (cas.within_group.before, cas.within_group.after) == (14.7, 10.21)
    beider = library.study("beider_moyer2007")
    assert all(o.effect is not None and not o.effect.has_ci for o in beider.outcomes)
    refs = [e for c in library.claims.values() for e in c.effects if e.study == "beider_moyer2007"]
    assert refs and not any(e.pooled for e in refs)


def test_numbers_are_unverified_unless_checked_against_the_paper_or_its_abstract() -> None:
    verified = {s.id for s in catalogue().studies.values() if s.verified}
    # ng2018: "Verified (abstract)" in clinical-reference.md 1.3; wang2013: data/read-since.md
    assert verified == {"ng2018", "wang2013"}
    assert {catalogue().study(s).verified_against for s in verified} == {"abstract"}


def test_wang_2013_is_catalogued_from_its_abstract_and_what_it_leaves_out_is_unverified() -> None:
    wang = catalogue().study("wang2013")
    assert "Am J Perinatol 2013;30(9):731-8" in wang.citation and "23322391" in wang.citation
    assert "10.1055/s-0032-1332801" in wang.citation
    weight, stay = wang.outcome("weight_gain"), wang.outcome("length_of_stay")
    assert weight is not None and weight.effect is not None
    assert "5.32 g (95% CI 4.15 to 6.49)" in READ_SINCE
    assert (weight.effect.estimate, weight.effect.ci_low, weight.effect.ci_high) == (
        5.32,
        4.15,
        6.49,
    )
    assert stay is not None and stay.effect is not None
    assert "4.41 days shorter (95% CI 2.81 to 6.02)" in READ_SINCE
    assert (stay.effect.estimate, stay.effect.ci_low, stay.effect.ci_high) == (-4.41, -6.02, -2.81)
    assert wang.n.studies == 17 and wang.n.participants is None  # infants not in the abstract
    assert not wang.randomized  # the abstract does not say the 17 studies were randomized
    assert not wang.risk_of_bias.assessed and wang.unverified


def test_unverified_flags_of_the_reference_are_copied_into_notes() -> None:
    library = catalogue()
    for study_id in ("silva2015_qst", "field1998_adhd", "vickers2004", "haun2009", "genik2020"):
        assert library.study(study_id).unverified, study_id


def test_risk_of_bias_is_judged_only_where_the_reference_supports_it() -> None:
    judged = {s.id for s in catalogue().studies.values() if s.risk_of_bias.assessed}
    assert judged == {
        "khilnani2003", "vickers2004", "mcn2015", "bennett2013", "wu2017", "haun2009",
        "post_white2009",
    }  # fmt: skip
    khilnani = catalogue().study("khilnani2003").risk_of_bias
    assert "PEDro score 5/10" in (khilnani.basis or "")
    assert (khilnani.randomization, khilnani.measurement) == ("some concerns", "low")
    assert (
        "PEDro score 5/10 (blinded assessors; no concealment; no intention-to-treat)" in REFERENCE
    )


def test_family_statements_use_the_grade_s_plain_words() -> None:
    hedges = {"high": "", "moderate": "probably", "low": "may", "very low": "not sure"}
    for claim in catalogue().claims.values():
        level = claim_grade(claim).level
        assert hedges[level] in claim.statement, (claim.id, level)


def test_every_review_says_which_trials_it_includes_or_why_it_cannot() -> None:
    reviews = [s for s in catalogue().studies.values() if s.review]
    assert reviews
    for review in reviews:
        assert review.includes is not None and review.includes.basis.strip(), review.id
    data = catalogue().study("vickers2004").model_dump()
    with pytest.raises(pydantic.ValidationError, match="lists the trials it includes"):
        Study.model_validate({**data, "includes": None})
    with pytest.raises(pydantic.ValidationError, match="only a review lists"):
        Study.model_validate(
            {**catalogue().study("field1986").model_dump(), "includes": data["includes"]}
        )


def test_no_shipped_claim_pools_reviews_that_may_share_trials() -> None:
    library = catalogue()
    for claim in library.claims.values():
        pooled = [library.study(e.study) for e in claim.effects if e.pooled]
        assert overlaps(pooled) == (), claim.id
    weight = library.claim("preterm.weight_gain")
    reviews = {"vickers2004", "review2020", "wang2013", "mcn2015"}
    assert {e.study for e in weight.effects} == reviews
    assert not any(e.pooled for e in weight.effects)


# ----------------------------------------------------------------------------- refusals


def _claim(**changes: object) -> Claim:
    return catalogue().claim("preterm.weight_gain").model_copy(update=changes)


def _with_claim(claim: Claim) -> None:
    library = catalogue()
    claims = dict(library.claims) | {claim.id: claim}
    check_catalogue(replace(library, claims=MappingProxyType(claims)))


def _pooled_reviews(*refs: tuple[str, str]) -> Claim:
    return _claim(effects=tuple(EffectRef(study=s, outcome=o) for s, o in refs))


def _with_studies(*studies: Study, claim: Claim) -> None:
    library = catalogue()
    study_map = dict(library.studies) | {s.id: s for s in studies}
    claims = dict(library.claims) | {claim.id: claim}
    check_catalogue(
        replace(library, studies=MappingProxyType(study_map), claims=MappingProxyType(claims))
    )


def _review(study_id: str, trials: tuple[str, ...], *, complete: bool) -> Study:
    data = catalogue().study(study_id).model_dump()
    data["includes"] = {"trials": trials, "complete": complete, "basis": "test list"}
    return Study.model_validate(data)


def test_pooling_two_reviews_that_do_not_list_their_trials_stops_the_load() -> None:
    claim = _pooled_reviews(("vickers2004", "weight_gain"), ("wang2013", "weight_gain"))
    with pytest.raises(KnowledgeDataError, match=r"may share trials .* never pooled together"):
        _with_claim(claim)


def test_pooling_two_reviews_that_include_the_same_trial_stops_the_load() -> None:
    vickers = _review("vickers2004", ("field1986", "scafidi1990"), complete=True)
    wang = _review("wang2013", ("scafidi1990", "massaro2009"), complete=True)
    claim = _pooled_reviews(("vickers2004", "weight_gain"), ("wang2013", "weight_gain"))
    with pytest.raises(KnowledgeDataError, match="both include scafidi1990"):
        _with_studies(vickers, wang, claim=claim)


def test_reviews_whose_complete_trial_lists_are_disjoint_may_be_pooled() -> None:
    vickers = _review("vickers2004", ("field1986",), complete=True)
    wang = _review("wang2013", ("scafidi1990", "massaro2009"), complete=True)
    claim = _pooled_reviews(("vickers2004", "weight_gain"), ("wang2013", "weight_gain"))
    _with_studies(vickers, wang, claim=claim)  # loads
    partial = _review("wang2013", ("scafidi1990", "massaro2009"), complete=False)
    with pytest.raises(KnowledgeDataError, match="never pooled together"):
        _with_studies(vickers, partial, claim=claim)


def test_a_review_listing_a_trial_the_catalogue_does_not_hold_stops_the_load() -> None:
    claim = catalogue().claim("preterm.weight_gain")
    with pytest.raises(KnowledgeDataError, match="wang2013 includes nobody1999"):
        _with_studies(_review("wang2013", ("nobody1999",), complete=True), claim=claim)
    with pytest.raises(KnowledgeDataError, match="includes vickers2004, which is not a primary"):
        _with_studies(_review("wang2013", ("vickers2004",), complete=True), claim=claim)


def test_a_grade_less_severe_than_grade_requires_of_the_studies_stops_the_load() -> None:
    asthma = catalogue().claim("asthma.anxiety")  # one trial of 32, risk of bias not assessed
    lenient = tuple(
        DowngradeSpec(domain=d.domain, levels=1, reason=d.reason) for d in asthma.downgrades
    )
    with pytest.raises(KnowledgeDataError, match=r"asthma\.anxiety: downgrades\.imprecision"):
        _with_claim(asthma.model_copy(update={"downgrades": lenient}))
    no_bias = tuple(d for d in asthma.downgrades if d.domain != "risk of bias")
    with pytest.raises(KnowledgeDataError, match=r"downgrades\.risk of bias.*unclear"):
        _with_claim(asthma.model_copy(update={"downgrades": no_bias}))


def test_pooling_an_effect_without_an_interval_stops_the_load() -> None:
    claim = _claim(effects=(EffectRef(study="review2020", outcome="weight_gain_light"),))
    with pytest.raises(KnowledgeDataError, match="no confidence interval"):
        _with_claim(claim)


def test_a_starting_level_that_does_not_follow_the_designs_stops_the_load() -> None:
    with pytest.raises(KnowledgeDataError, match="designs give high"):
        _with_claim(_claim(start="low"))
    sleep = catalogue().claim("sleep.onset").model_copy(update={"start": "high"})
    with pytest.raises(KnowledgeDataError, match="designs give low"):
        _with_claim(sleep)


def test_an_unknown_study_or_precaution_rule_stops_the_load() -> None:
    with pytest.raises(KnowledgeDataError, match="unknown study nobody2020"):
        _with_claim(_claim(studies=("nobody2020",)))
    library = catalogue()
    topic = library.topic("asthma")
    bad = Topic.model_validate(
        {**topic.model_dump(), "when_not": [{"text": "x", "rule": "no.such_rule"}]}
    )
    with pytest.raises(KnowledgeDataError, match=r"unknown precaution rule no\.such_rule"):
        topics = MappingProxyType(dict(library.topics) | {"asthma": bad})
        check_catalogue(replace(library, topics=topics))


def test_entries_that_break_the_rules_of_evidence_are_refused_by_shape() -> None:
    with pytest.raises(pydantic.ValidationError, match="inside its confidence interval"):
        ReportedEffect(measure="MD", estimate=9.0, ci_low=3.5, ci_high=6.7)
    with pytest.raises(pydantic.ValidationError, match="both ends"):
        ReportedEffect(measure="MD", estimate=5.0, ci_low=3.5)
    with pytest.raises(pydantic.ValidationError, match="needs its basis"):
        RiskOfBias(overall="high")
    with pytest.raises(pydantic.ValidationError, match="better than the worst domain"):
        RiskOfBias(selection="high", overall="some concerns", basis="quoted")
    with pytest.raises(pydantic.ValidationError, match="overall judgement high"):
        RiskOfBias(selection="high", basis="quoted")
    data = catalogue().claim("preterm.still_touch").model_dump()
    twice = [{"domain": "imprecision", "levels": 1, "reason": "small"}] * 2
    with pytest.raises(pydantic.ValidationError, match="downgrade each GRADE domain at most once"):
        Claim.model_validate({**data, "downgrades": twice})


def test_every_number_check_spelling_is_exact_for_the_reference_s_thousands() -> None:
    assert "3,981" in _spellings(3981)
    assert re.search(r"\b3,981\b", REFERENCE)


def test_the_number_check_catches_an_invented_standard_deviation() -> None:
    study = catalogue().study("field1986")
    data = study.model_dump()
    data["outcomes"][0]["means"] = {
        "m1i": 25, "sd1i": 4.3, "n1i": 20, "m2i": 17, "sd2i": 3.9, "n2i": 20,
    }  # fmt: skip
    invented = Study.model_validate(data)
    text = _windows(invented)
    missing = [n for _, n in _numbers(invented.model_dump()) if not _spellings(n) & _found(text)]
    assert missing == [4.3, 3.9]


def _found(text: str) -> set[str]:
    """Every number-like token of the text, so a spelling must match a whole number."""
    return set(re.findall(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text))
