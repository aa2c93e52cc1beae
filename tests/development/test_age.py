"""Corrected age and developmental stage, from their definitions.

Corrected age = chronological age - (40 weeks - gestational age at birth) (Engle WA, Pediatrics
2004;114:1362-4), applied to children born before 37+0 weeks until 24 months chronological age
(program policy, development/stages.yaml).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pedmassage.development import GestationalAge, age_profile, stage_for
from pedmassage.errors import ValidationError

TODAY = date(2026, 11, 25)


def test_a_baby_born_at_30_weeks_is_ten_weeks_younger_in_corrected_age() -> None:
    ages = age_profile(date(2026, 8, 1), GestationalAge(30, 0), TODAY)
    assert ages.corrected
    assert ages.chronological_days == 116
    assert ages.corrected_days == 116 - 70


def test_corrected_age_counts_extra_days_of_gestation() -> None:
    ages = age_profile(date(2026, 8, 1), GestationalAge(31, 4), TODAY)
    assert ages.corrected_days == 116 - (280 - 221)


def test_a_baby_born_at_36_weeks_6_days_is_corrected_but_37_weeks_is_not() -> None:
    assert age_profile(date(2026, 8, 1), GestationalAge(36, 6), TODAY).corrected
    assert not age_profile(date(2026, 8, 1), GestationalAge(37, 0), TODAY).corrected


def test_correction_stops_at_24_months_chronological_age() -> None:
    born = date(2024, 11, 26)
    assert age_profile(born, GestationalAge(28), TODAY).corrected  # 23 months and 30 days
    born_earlier = date(2024, 11, 25)
    assert not age_profile(born_earlier, GestationalAge(28), TODAY).corrected  # exactly 24 months


def test_postmenstrual_age_is_gestation_plus_chronological_age() -> None:
    ages = age_profile(date(2026, 11, 11), GestationalAge(28, 0), TODAY)
    assert ages.postmenstrual_weeks == 30


@pytest.mark.parametrize(("weeks", "days"), [(21, 6), (44, 1), (45, 0), (30, 7), (30, -1)])
def test_gestational_age_outside_22_to_44_weeks_is_refused(weeks: int, days: int) -> None:
    with pytest.raises(ValidationError) as err:
        GestationalAge(weeks, days)
    assert err.value.field in {"gestational_age_weeks", "gestational_age_days"}


def test_gestational_age_limits_22_and_44_weeks_are_accepted() -> None:
    assert str(GestationalAge(22, 0)) == "22+0"
    assert str(GestationalAge(44, 0)) == "44+0"


def test_decimal_weeks_round_trip() -> None:
    assert GestationalAge.from_weeks(221 / 7) == GestationalAge(31, 4)
    assert GestationalAge(39, 0).decimal_weeks == 39.0


def test_a_birth_date_in_the_future_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        age_profile(date(2026, 11, 26), GestationalAge(40), TODAY)
    assert err.value.field == "birth_date"


@pytest.mark.parametrize(
    ("birth", "ga", "stage"),
    [
        (date(2026, 11, 11), 30, "preterm"),  # PMA 32 weeks
        (date(2026, 11, 11), 40, "neonate"),  # 14 days
        (date(2026, 10, 29), 40, "neonate"),  # 27 days
        (date(2026, 10, 28), 40, "infant"),  # 28 days
        (date(2025, 11, 26), 40, "infant"),  # 11 months 30 days
        (date(2025, 11, 25), 40, "toddler"),  # 12 months
        (date(2023, 11, 26), 40, "toddler"),  # 35 months
        (date(2023, 11, 25), 40, "preschool"),  # 3 years
        (date(2020, 11, 25), 40, "school_age"),  # 6 years
        (date(2014, 11, 26), 40, "school_age"),  # 11 years
        (date(2014, 11, 25), 40, "adolescent"),  # 12 years
    ],
)
def test_stage_boundaries(birth: date, ga: int, stage: str) -> None:
    assert stage_for(age_profile(birth, GestationalAge(ga), TODAY)).id == stage


def test_a_former_28_weeker_at_four_months_is_staged_by_corrected_age() -> None:
    # 17 weeks old, 12 weeks premature: corrected age 5 weeks, postmenstrual age 45 weeks.
    ages = age_profile(date(2026, 7, 29), GestationalAge(28), TODAY)
    assert stage_for(ages).id == "infant"
    assert ages.effective_days == 119 - 84


@given(st.integers(22, 43), st.integers(0, 6), st.integers(0, 3000))
def test_corrected_age_is_never_more_than_chronological_age(w: int, d: int, age: int) -> None:
    born = date.fromordinal(TODAY.toordinal() - age)
    ages = age_profile(born, GestationalAge(w, d), TODAY)
    assert ages.effective_days <= ages.chronological_days
