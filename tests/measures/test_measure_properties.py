"""Properties that must hold for any valid input (Hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pedmassage.measures import Instrument, choose, instrument, instruments, score

ALL_IDS = sorted(instruments())
DAYS_PER_MONTH = 30.4375


@st.composite
def valid_items(draw: st.DrawFn, inst: Instrument) -> dict[str, int | float]:
    """Any answer set the instrument accepts: one item per exactly-one group, optional groups
    all or nothing."""
    chosen: dict[str, int | float] = {}
    pick = {
        name: draw(st.sampled_from([i.key for i in inst.items if i.group == name]))
        for name, rule in inst.groups.items()
        if rule == "exactly_one"
    }
    include = {
        name: draw(st.booleans()) for name, rule in inst.groups.items() if rule == "all_or_none"
    }
    for item in inst.items:
        rule = inst.groups.get(item.group) if item.group is not None else None
        if rule == "exactly_one" and pick[str(item.group)] != item.key:
            continue
        if rule == "all_or_none" and not include[str(item.group)]:
            continue
        values = item.values
        if values is None:
            chosen[item.key] = draw(st.floats(item.min, item.max, allow_nan=False))
        else:
            chosen[item.key] = draw(st.sampled_from(values))
    return chosen


@st.composite
def scored(draw: st.DrawFn) -> tuple[Instrument, dict[str, int | float], float, str | None]:
    inst = instrument(draw(st.sampled_from(ALL_IDS)))
    weeks = draw(st.floats(22, 60, allow_nan=False))
    rule = draw(st.sampled_from([None, "loinc", "card"])) if inst.scoring.prematurity else None
    return inst, draw(valid_items(inst)), weeks, rule


@given(scored())
def test_every_valid_answer_set_scores_inside_its_range(
    case: tuple[Instrument, dict[str, int | float], float, str | None],
) -> None:
    inst, items, weeks, rule = case
    result = score(inst.id, items, gestational_age_weeks=weeks, prematurity_rule=rule)
    lo, hi = result.range
    assert lo <= result.total <= hi
    assert inst.range[0] - 0.005 <= result.total <= inst.range[1] + 0.005
    if inst.bands is not None:
        assert result.band is not None


def expected_months(age_months: float, ga_weeks: float | None, corrected_age: bool) -> float:
    """Corrected age written out independently: born before 37+0 weeks and under 24 months."""
    if not corrected_age or ga_weeks is None or age_months >= 24:
        return age_months
    ga_days = round(ga_weeks * 7)
    if ga_days >= 37 * 7:
        return age_months
    return age_months - (40 * 7 - ga_days) / DAYS_PER_MONTH


def before_term_equivalent(age_months: float, ga_weeks: float | None) -> bool:
    """Born before 37+0 weeks and postmenstrual age still under 37+0 weeks."""
    if ga_weeks is None or round(ga_weeks * 7) >= 37 * 7:
        return False
    return round(ga_weeks * 7) + age_months * DAYS_PER_MONTH < 37 * 7


def inside_band(inst: Instrument, months: float, waived: bool, preterm_still: bool) -> bool:
    band = inst.age_band
    if months < band.min_months or (band.from_term_equivalent_age and preterm_still):
        return False
    if waived:
        return True
    if band.max_days is not None:
        return months * DAYS_PER_MONTH <= band.max_days
    return band.below_months is None or months < band.below_months


children = st.fixed_dictionaries(
    {
        "age_months": st.floats(0, 252, allow_nan=False),
        "gestational_age_weeks": st.none() | st.floats(22, 44, allow_nan=False),
        "nonverbal": st.booleans(),
        "cognitive_impairment": st.booleans(),
        "sedated": st.booleans(),
    }
)


@given(children)
def test_the_chooser_never_offers_an_instrument_outside_its_age_band(
    child: dict[str, object],
) -> None:
    choice = choose(**child)  # type: ignore[arg-type]
    age, ga = float(child["age_months"]), child["gestational_age_weeks"]  # type: ignore[arg-type]
    for rec in [*choice.pain, *choice.anxiety]:
        inst = instrument(rec.id)
        waived = any(child[flag] for flag in inst.age_band.upper_limit_waived_when)
        months = expected_months(age, ga, inst.age_band.corrected_age)  # type: ignore[arg-type]
        preterm_still = before_term_equivalent(age, ga)  # type: ignore[arg-type]
        assert inside_band(inst, months, waived, preterm_still), (rec.id, child)


@given(children)
def test_the_chooser_never_offers_self_report_to_a_nonverbal_child(
    child: dict[str, object],
) -> None:
    child = {**child, "nonverbal": True}
    choice = choose(**child)  # type: ignore[arg-type]
    assert not any(instrument(rec.id).requires.self_report for rec in choice.pain + choice.anxiety)


@given(st.floats(0, 3.2, allow_nan=False), st.floats(22, 36.8, allow_nan=False))
def test_a_preterm_infant_within_100_days_always_gets_a_neonatal_scale(
    age_months: float, ga_weeks: float
) -> None:
    choice = choose(age_months=age_months, gestational_age_weeks=ga_weeks)
    assert choice.age.corrected
    assert choice.pain[0].id == "n_pass"


@given(st.floats(0, 23.9, allow_nan=False), st.floats(22, 36.8, allow_nan=False))
def test_flacc_is_offered_to_a_preterm_infant_from_two_months_after_birth_and_term_equivalent(
    age_months: float, ga_weeks: float
) -> None:
    """Merkel 1997 states 2 months of age; before term-equivalent age a preterm infant gets the
    neonatal scales instead (program policy)."""
    choice = choose(age_months=age_months, gestational_age_weeks=ga_weeks)
    if "flacc" in [rec.id for rec in choice.pain]:
        assert age_months >= 2
        assert not before_term_equivalent(age_months, ga_weeks)


@given(children)
def test_a_sedated_child_is_offered_observer_scales_only(child: dict[str, object]) -> None:
    choice = choose(**{**child, "sedated": True})  # type: ignore[arg-type]
    assert not any(instrument(rec.id).requires.self_report for rec in choice.pain + choice.anxiety)
    assert "sedated" in choice.notes[0].lower()


@given(children, st.sampled_from([None, "hospital", "home", "clinic"]))
def test_comfort_b_is_offered_only_when_sedated_or_in_intensive_care(
    child: dict[str, object], setting: str | None
) -> None:
    choice = choose(**{**child, "sedated": False}, setting=setting)  # type: ignore[arg-type]
    assert "comfort_b" not in [rec.id for rec in choice.pain + choice.anxiety]


@given(children)
def test_every_recommendation_has_a_reason_and_appears_once(child: dict[str, object]) -> None:
    choice = choose(**child)  # type: ignore[arg-type]
    for recs in (choice.pain, choice.anxiety):
        ids = [rec.id for rec in recs]
        assert len(ids) == len(set(ids))
        assert all(rec.reason for rec in recs)
    payload = choice.as_json()
    assert set(payload["reasons"]) == {rec.id for rec in choice.pain + choice.anxiety}
