"""Preterm growth: UK-WHO SDS and centiles on corrected age (through rcpchgrowth), weight-gain
velocity by the exponential model on and off massage, and the growth chart.

Sources of the expected numbers, beside each test:
- RCPCH: rcpch/rcpchgrowth-python, ``rcpchgrowth/tests/sds_age_validation_2021.json`` @
  3a97b7988fe55bd5b301618717de7ce2bb942b61, fictional children whose SDS were "known calculated
  (TC via R)" (``test_measurement_class.py``), compared there with an absolute tolerance of 1e-3.
- UK90 preterm LMS: the installed package's ``data_tables/uk90_preterm.json`` ("UK 1990 reference
  data, reanalysed 2009"), row 30 weeks, boys' weight: L 0.997, M 1.436 kg, S 0.18056.
- EM check: /work/shared/reference-values.md §4.3 [COMP], W1 1000 g, Wn 1300 g over 14 days =
  18.7403 g/kg/d; no worked example from Patel et al. was retrieved.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from scipy.stats import norm

from pedmassage.development import (
    DatedWeight,
    GestationalAge,
    GrowthPoint,
    MassagePeriod,
    exponential_velocity,
    growth_chart_svg,
    growth_point,
    velocity_by_massage,
)
from pedmassage.errors import ValidationError

RCPCH_ACCURACY = 1e-3  # the tolerance rcpchgrowth's own tests use against Tim Cole's R values


def boy_26_3(method: str, value: float, unit: str) -> GrowthPoint:
    """The 26+3 weeks boy born 27/01/2013 and measured 14/09/2013 (RCPCH validation file)."""
    return growth_point(
        sex="male",
        birth_date=date(2013, 1, 27),
        gestation=GestationalAge(26, 3),
        observed_on=date(2013, 9, 14),
        method=method,
        value=value,
        unit=unit,
    )


# (method, value, unit, corrected SDS, chronological SDS) from the same file.
BOY_26_3_PUBLISHED = [
    ("weight", 6.92, "kg", -0.397617757, -1.845704198),
    ("height", 64, "cm", -0.386450648, -2.727848291),
    ("ofc", 41.6, "cm", -0.380156964, -2.17541337),
]

# A 28+0 boy seen at exactly 30+0 weeks postmenstrual age: the UK90 table row, no interpolation.
BORN = date(2026, 1, 1)
GA_28 = GestationalAge(28, 0)
AT_30_WEEKS = BORN + timedelta(days=14)
L, M, S = 0.997, 1.436, 0.18056


def weight_at_30_weeks(value: float, unit: str = "kg") -> float:
    point = growth_point(
        sex="male",
        birth_date=BORN,
        gestation=GA_28,
        observed_on=AT_30_WEEKS,
        method="weight",
        value=value,
        unit=unit,
    )
    return point.sds


def lms_value(z: float) -> float:
    """Cole's LMS inverse, X = M(1 + LSz)^(1/L), computed here independently of rcpchgrowth."""
    return float(M * (1 + L * S * z) ** (1 / L))


# ----------------------------------------------------------------------------- SDS and centiles


@pytest.mark.parametrize(
    ("method", "value", "unit", "corrected", "chronological"), BOY_26_3_PUBLISHED
)
def test_a_26_week_boy_at_8_months_matches_the_rcpch_published_sds(
    method: str, value: float, unit: str, corrected: float, chronological: float
) -> None:
    point = boy_26_3(method, value, unit)
    assert point.sds == pytest.approx(corrected, abs=RCPCH_ACCURACY)
    assert point.chronological_sds == pytest.approx(chronological, abs=RCPCH_ACCURACY)
    assert point.corrected_decimal_age == pytest.approx(0.369609856, abs=RCPCH_ACCURACY)
    assert point.chronological_decimal_age == pytest.approx(0.629705681, abs=RCPCH_ACCURACY)
    assert point.centile == pytest.approx(norm.cdf(point.sds) * 100)


def test_weight_in_grams_gives_the_same_sds_as_the_same_weight_in_kilograms() -> None:
    grams = boy_26_3("weight", 6920, "g")
    assert grams.sds == pytest.approx(-0.397617757, abs=RCPCH_ACCURACY)
    assert grams.value == 6.92
    assert grams.unit == "kg"


def test_the_result_is_rcpchgrowths_own_answer_to_the_same_question() -> None:
    from rcpchgrowth import Measurement

    direct = Measurement(
        birth_date=date(2013, 1, 27),
        measurement_method="ofc",
        observation_date=date(2013, 9, 14),
        observation_value=41.6,
        reference="uk-who",
        sex="male",
        gestation_weeks=26,
        gestation_days=3,
    ).measurement["measurement_calculated_values"]
    point = boy_26_3("ofc", 41.6, "cm")
    assert point.sds == direct["corrected_sds"]
    assert point.centile == direct["corrected_centile"]
    assert point.centile_band == direct["corrected_centile_band"]
    assert point.chronological_sds == direct["chronological_sds"]


def test_the_uk90_preterm_median_at_30_weeks_is_sds_0_and_the_50th_centile() -> None:
    point = growth_point(
        sex="male",
        birth_date=BORN,
        gestation=GA_28,
        observed_on=AT_30_WEEKS,
        method="weight",
        value=1436,
        unit="g",
    )
    assert point.corrected_gestational_age == "30+0"
    assert point.corrected_age_weeks == pytest.approx(-10)
    assert point.sds == pytest.approx(0, abs=1e-9)
    assert point.centile == pytest.approx(50)
    assert point.flags == ()


@pytest.mark.parametrize("z", [-2.0, -1.0, 1.0, 2.0, 3.0])
def test_sds_inverts_the_lms_curve_computed_by_hand(z: float) -> None:
    assert weight_at_30_weeks(lms_value(z)) == pytest.approx(z, abs=1e-9)


def test_a_preterm_baby_before_term_has_corrected_and_chronological_ages_of_opposite_sign() -> None:
    point = growth_point(
        sex="male",
        birth_date=BORN,
        gestation=GA_28,
        observed_on=AT_30_WEEKS,
        method="weight",
        value=1436,
        unit="g",
    )
    assert point.chronological_decimal_age == pytest.approx(14 / 365.25)
    assert point.corrected_decimal_age == pytest.approx(-70 / 365.25)
    assert "Correction for gestational age has been made." in point.comments


def test_a_weight_in_grams_sent_as_kilograms_is_refused_in_rcpchgrowths_words() -> None:
    with pytest.raises(ValidationError) as err:
        weight_at_30_weeks(1436, unit="kg")
    assert err.value.field == "value"
    assert "should be supplied in kilograms" in err.value.message


def test_a_value_between_4_and_8_sd_is_given_but_flagged_for_checking() -> None:
    point = growth_point(
        sex="male",
        birth_date=BORN,
        gestation=GA_28,
        observed_on=AT_30_WEEKS,
        method="weight",
        value=lms_value(5.0),
        unit="kg",
    )
    assert point.sds == pytest.approx(5.0)
    assert point.flags == (
        "This weight measurement is well outside the normal range. Please check its accuracy.",
    )


def test_before_23_weeks_there_is_no_uk_who_reference_and_no_number() -> None:
    with pytest.raises(ValidationError) as err:
        growth_point(
            sex="female",
            birth_date=BORN,
            gestation=GestationalAge(22, 0),
            observed_on=BORN,
            method="weight",
            value=480,
            unit="g",
        )
    assert err.value.field == "observed_on"
    assert "no UK90 reference data below 23 weeks" in err.value.message


def test_length_has_no_uk_who_reference_before_25_weeks() -> None:
    with pytest.raises(ValidationError) as err:
        growth_point(
            sex="male",
            birth_date=BORN,
            gestation=GestationalAge(24, 0),
            observed_on=BORN,
            method="length",
            value=31,
            unit="cm",
        )
    assert "length data does not exist in infants below 25 weeks" in err.value.message


def test_head_circumference_in_a_girl_over_17_is_refused_as_in_the_rcpch_file() -> None:
    # RCPCH validation file: girl born 30/06/2012 at 29+1, OFC 60.0001 cm on 03/12/2029 -> null SDS.
    with pytest.raises(ValidationError) as err:
        growth_point(
            sex="female",
            birth_date=date(2012, 6, 30),
            gestation=GestationalAge(29, 1),
            observed_on=date(2029, 12, 3),
            method="ofc",
            value=60.0001,
            unit="cm",
        )
    assert "head circumference data does not exist in girls over 17" in err.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sex": "unknown"}, "sex"),
        ({"method": "bmi"}, "method"),
        ({"unit": "lb"}, "unit"),
        ({"method": "ofc", "unit": "g"}, "unit"),
        ({"value": 0}, "value"),
        ({"value": math.nan}, "value"),
        ({"observed_on": BORN - timedelta(days=1)}, "observed_on"),
    ],
)
def test_input_the_reference_cannot_answer_is_refused_by_field(
    change: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "sex": "male",
        "birth_date": BORN,
        "gestation": GA_28,
        "observed_on": AT_30_WEEKS,
        "method": "weight",
        "value": 1436,
        "unit": "g",
    } | change
    with pytest.raises(ValidationError) as err:
        growth_point(**arguments)  # type: ignore[arg-type]
    assert err.value.field == field


# ----------------------------------------------------------------------------- velocity


def test_exponential_velocity_matches_the_hand_computation() -> None:
    # reference-values.md §4.3 [COMP]: 1000 g to 1300 g over 14 days = 18.7403 g/kg/d.
    velocity = exponential_velocity(
        first=DatedWeight(date(2026, 1, 1), 1000), last=DatedWeight(date(2026, 1, 15), 1300)
    )
    assert velocity == pytest.approx(18.7403, abs=1e-4)
    assert velocity == pytest.approx(1000 * math.log(1.3) / 14)


def test_weight_loss_gives_a_negative_velocity() -> None:
    velocity = exponential_velocity(
        first=DatedWeight(date(2026, 1, 1), 1000), last=DatedWeight(date(2026, 1, 8), 950)
    )
    assert velocity < 0


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (DatedWeight(date(2026, 1, 2), 1000), DatedWeight(date(2026, 1, 2), 1100), "last.on"),
        (DatedWeight(date(2026, 1, 3), 1000), DatedWeight(date(2026, 1, 2), 1100), "last.on"),
        (DatedWeight(date(2026, 1, 1), 0), DatedWeight(date(2026, 1, 2), 1100), "first.grams"),
    ],
)
def test_velocity_needs_two_positive_weights_on_different_days(
    first: DatedWeight, last: DatedWeight, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        exponential_velocity(first=first, last=last)
    assert err.value.field == field


def daily(start: date, grams: list[float]) -> list[DatedWeight]:
    return [DatedWeight(start + timedelta(days=i), g) for i, g in enumerate(grams)]


def test_each_period_uses_the_first_and_last_weight_inside_it() -> None:
    # Weights on days 1-10; massage on days 4-7 (both included).
    weights = daily(date(2026, 3, 1), [1000, 1005, 1010, 1020, 1035, 1050, 1065, 1070, 1080, 1090])
    massage = MassagePeriod(date(2026, 3, 4), date(2026, 3, 7))
    result = velocity_by_massage(weights=weights, periods=[massage])
    before, during, after = result.periods
    assert (before.on_massage, during.on_massage, after.on_massage) == (False, True, False)
    assert (before.start, before.end) == (date(2026, 3, 1), date(2026, 3, 3))
    assert (after.start, after.end) == (date(2026, 3, 8), date(2026, 3, 10))
    assert during.first == DatedWeight(date(2026, 3, 4), 1020)
    assert during.last == DatedWeight(date(2026, 3, 7), 1065)
    assert during.days == 3
    assert during.velocity == pytest.approx(1000 * math.log(1065 / 1020) / 3)
    assert before.velocity == pytest.approx(1000 * math.log(1010 / 1000) / 2)
    assert after.velocity == pytest.approx(1000 * math.log(1090 / 1070) / 2)
    assert result.on_massage == during.velocity
    assert result.on_massage_days == 3


def test_pooled_off_massage_velocity_is_the_day_weighted_mean_of_its_periods() -> None:
    weights = daily(date(2026, 3, 1), [1000, 1005, 1010, 1020, 1035, 1050, 1065, 1070, 1080, 1090])
    result = velocity_by_massage(
        weights=weights, periods=[MassagePeriod(date(2026, 3, 4), date(2026, 3, 7))]
    )
    before, _, after = result.periods
    assert before.days is not None and after.days is not None
    assert before.velocity is not None and after.velocity is not None
    expected = (before.velocity * before.days + after.velocity * after.days) / (
        before.days + after.days
    )
    assert result.off_massage == pytest.approx(expected)
    assert result.off_massage_days == 4


def test_a_period_with_fewer_than_two_weights_has_no_velocity_and_says_why() -> None:
    weekly = [
        DatedWeight(date(2026, 3, 1), 1000),
        DatedWeight(date(2026, 3, 8), 1100),
        DatedWeight(date(2026, 3, 15), 1220),
    ]
    result = velocity_by_massage(
        weights=weekly, periods=[MassagePeriod(date(2026, 3, 6), date(2026, 3, 10), "TRI 5 days")]
    )
    massage = next(p for p in result.periods if p.on_massage)
    assert massage.label == "TRI 5 days"
    assert massage.velocity is None
    assert massage.reason == "1 weight(s) inside 2026-03-06–2026-03-10; two are needed"
    assert result.on_massage is None
    assert result.on_massage_days == 0


def test_a_massage_period_outside_the_weights_is_listed_without_a_velocity() -> None:
    weights = daily(date(2026, 3, 1), [1000, 1010, 1020])
    result = velocity_by_massage(
        weights=weights, periods=[MassagePeriod(date(2026, 4, 1), date(2026, 4, 5))]
    )
    assert [p.on_massage for p in result.periods] == [False, True]
    assert result.periods[1].reason == "0 weight(s) inside 2026-04-01–2026-04-05; two are needed"
    assert result.off_massage == pytest.approx(1000 * math.log(1020 / 1000) / 2)


def test_two_weights_on_one_day_are_refused() -> None:
    weights = [DatedWeight(date(2026, 3, 1), 1000), DatedWeight(date(2026, 3, 1), 1010)]
    with pytest.raises(ValidationError) as err:
        velocity_by_massage(weights=weights, periods=[])
    assert err.value.field == "weights.on"


def test_overlapping_massage_periods_are_refused() -> None:
    periods = [
        MassagePeriod(date(2026, 3, 1), date(2026, 3, 5)),
        MassagePeriod(date(2026, 3, 5), date(2026, 3, 9)),
    ]
    with pytest.raises(ValidationError) as err:
        velocity_by_massage(weights=daily(date(2026, 3, 1), [1000, 1010]), periods=periods)
    assert err.value.field == "massage_periods.start"


def test_a_massage_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        MassagePeriod(date(2026, 3, 5), date(2026, 3, 4))
    assert err.value.field == "massage_periods.end"


# ----------------------------------------------------------------------------- chart


def weekly_points() -> list[GrowthPoint]:
    grams = [1000, 1050, 1180, 1350, 1520]
    return [
        growth_point(
            sex="male",
            birth_date=BORN,
            gestation=GA_28,
            observed_on=BORN + timedelta(weeks=i),
            method="weight",
            value=g,
            unit="g",
        )
        for i, g in enumerate(grams)
    ]


PERIODS = [
    MassagePeriod(date(2026, 1, 8), date(2026, 1, 17)),
    MassagePeriod(date(2026, 1, 22), date(2026, 1, 26), "moderate pressure"),
]


def test_the_chart_is_an_svg_with_each_massage_period_labelled() -> None:
    svg = growth_chart_svg(
        points=weekly_points(), birth_date=BORN, gestation=GA_28, periods=PERIODS
    )
    assert svg.lstrip().startswith("<?xml")
    assert "massage 1: 08 Jan–17 Jan" in svg
    assert "moderate pressure: 22 Jan–26 Jan" in svg
    assert "corrected age (weeks from due date" in svg


def test_the_chart_has_an_accessible_title_and_description() -> None:
    svg = growth_chart_svg(
        points=weekly_points(), birth_date=BORN, gestation=GA_28, periods=PERIODS, title="Baby A"
    )
    assert 'role="img" aria-labelledby="growth-chart-title growth-chart-desc"' in svg
    assert '<title id="growth-chart-title">Baby A</title>' in svg
    assert "massage 1 2026-01-08 to 2026-01-17" in svg
    assert "2026-01-01: -0.77 SDS at -12.0 weeks" in svg


def test_the_chart_is_the_same_text_every_time_and_carries_no_date() -> None:
    first = growth_chart_svg(points=weekly_points(), birth_date=BORN, gestation=GA_28)
    second = growth_chart_svg(points=weekly_points(), birth_date=BORN, gestation=GA_28)
    assert first == second
    assert "<dc:date>" not in first


def test_the_measurement_chart_shows_weight_in_grams_against_the_reference_lines() -> None:
    svg = growth_chart_svg(
        points=weekly_points(), birth_date=BORN, gestation=GA_28, periods=PERIODS, scale="value"
    )
    assert "weight (g)" in svg
    assert "UK-WHO median" in svg
    assert "2026-01-01: 1000.00 g" in svg


def test_a_chart_mixing_measurements_is_refused() -> None:
    ofc = boy_26_3("ofc", 41.6, "cm")
    with pytest.raises(ValidationError) as err:
        growth_chart_svg(points=[*weekly_points(), ofc], birth_date=BORN, gestation=GA_28)
    assert err.value.field == "points"
