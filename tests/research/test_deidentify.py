"""De-identified exports: every identifier of a child record is removed or transformed (HIPAA
Safe Harbor, 45 CFR 164.514(b)(2)); pseudonyms and date shifts are stable under one site
secret and differ under another; a child's intervals survive; small counts are hidden."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pedmassage.errors import ValidationError
from pedmassage.research.deidentify import (
    CHILD_RULES,
    PSEUDONYM_HEX_CHARS,
    SUPPRESSED,
    KeyedIds,
    age_years_grouped,
    date_offset_days,
    deidentify_child,
    shift,
    strip_free_text,
    suppress_small_cells,
)

SECRET = b"s" * 32
OTHER_SECRET = b"t" * 32
CHILD_ID = "01J9Z3Q8K4V7M2N6P5R1S0T9XW"


def sample_child() -> dict[str, object]:
    return {
        "id": CHILD_ID,
        "site_id": "01J9Z3Q8K4V7M2N6P5R1S0SITE",
        "version": 3,
        "display_name": "Ada Example",
        "mrn": "MRN-0042",
        "birth_date": date(2023, 3, 14),
        "sex": "female",
        "gestational_age": "32+3 weeks",
        "born_preterm": True,
        "verbal": False,
        "cognitive_impairment": False,
        "setting": "nicu",
        "ward": "Rainbow ward bed 4",
        "touch_aversion": False,
        "trauma_history": False,
        "touch_notes": "Mum (call 555-0100) prefers mornings",
        "goals_of_care": "curative",
        "goals_of_care_by": "Dr Grey",
        "goals_of_care_at": datetime(2024, 1, 2, 9, 30, tzinfo=UTC),
        "as_of": date(2024, 3, 14),
        "age_days": 366,
        "age_label": "12 months",
        "corrected_age_days": 310,
        "stage": "infant",
        "stage_label": "Infant",
        "conditions": [{"code": "prematurity", "site": None}],
        "devices": [{"kind": "nasogastric_tube", "site": None}],
        "observations": [
            {
                "id": "01J9Z3Q8K4V7M2N6P5R1S0OBS1",
                "category": "lab",
                "code": "platelets",
                "value": 210.0,
                "unit": "10*9/L",
                "taken_at": datetime(2024, 3, 10, 8, 0, tzinfo=UTC),
            }
        ],
        "procedures": [{"kind": "surgery", "site": "abdomen", "date": date(2024, 2, 1)}],
        "skin": [],
        "medications": ["anticoagulant"],
        "guardians": [{"name": "Eve Example", "relationship": "mother", "legal_authority": True}],
    }


IDENTIFIERS_REMOVED = (
    "display_name",
    "mrn",
    "ward",
    "touch_notes",
    "goals_of_care_by",
    "guardians",
    "age_label",
    "version",
)


def test_every_identifier_field_of_a_child_record_is_removed_or_transformed() -> None:
    child = sample_child()
    row = deidentify_child(record=child, secret=SECRET)

    for field in IDENTIFIERS_REMOVED:
        assert field not in row, field
    for field in ("id", "site_id"):
        assert row[field] != child[field]
        assert len(str(row[field])) == PSEUDONYM_HEX_CHARS
    for field in ("birth_date", "goals_of_care_at", "as_of"):
        assert row[field] != child[field]
        assert type(row[field]) is type(child[field])
    assert "age_days" not in row
    assert row["age_years"] == 1
    assert "id" not in row["observations"][0]  # type: ignore[index]
    assert row["observations"][0]["taken_at"] != child["observations"][0]["taken_at"]  # type: ignore[index]
    assert row["procedures"][0]["date"] != date(2024, 2, 1)  # type: ignore[index]
    assert not any(text in repr(row) for text in ("Ada", "Eve", "MRN-0042", "555-0100", "Grey"))


def test_a_field_without_a_rule_is_refused_rather_than_exported() -> None:
    child = sample_child() | {"home_postcode": "AB1 2CD"}

    with pytest.raises(ValidationError) as refused:
        deidentify_child(record=child, secret=SECRET)

    assert refused.value.value == ["home_postcode"]


def test_every_field_of_a_sample_child_record_has_a_rule() -> None:
    assert set(sample_child()) == set(CHILD_RULES)


def test_the_same_secret_gives_the_same_pseudonyms_and_offsets() -> None:
    first, second = KeyedIds(secret=SECRET), KeyedIds(secret=SECRET)

    assert first.pseudonym(kind="child", value=CHILD_ID) == second.pseudonym(
        kind="child", value=CHILD_ID
    )
    assert date_offset_days(secret=SECRET, child_id=CHILD_ID) == date_offset_days(
        secret=SECRET, child_id=CHILD_ID
    )
    assert deidentify_child(record=sample_child(), secret=SECRET) == deidentify_child(
        record=sample_child(), secret=SECRET
    )


def test_a_different_secret_gives_different_pseudonyms_and_offsets() -> None:
    ours, theirs = KeyedIds(secret=SECRET), KeyedIds(secret=OTHER_SECRET)

    assert ours.pseudonym(kind="child", value=CHILD_ID) != theirs.pseudonym(
        kind="child", value=CHILD_ID
    )
    offsets = {
        date_offset_days(secret=secret, child_id=CHILD_ID) for secret in (SECRET, OTHER_SECRET)
    }
    assert len(offsets) == 2


def test_the_kind_of_id_is_part_of_the_pseudonym() -> None:
    keys = KeyedIds(secret=SECRET)

    assert keys.pseudonym(kind="child", value="X") != keys.pseudonym(kind="site", value="X")


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError):
        KeyedIds(secret=b"short")
    with pytest.raises(ValidationError):
        date_offset_days(secret=b"short", child_id=CHILD_ID)


def test_offsets_are_never_zero_and_stay_within_the_bound() -> None:
    offsets = [
        date_offset_days(secret=SECRET, child_id=f"child-{n}", max_days=30) for n in range(500)
    ]

    assert all(1 <= abs(offset) <= 30 for offset in offsets)
    assert min(offsets) < 0 < max(offsets)


def test_intervals_between_a_childs_dates_are_kept() -> None:
    child = sample_child()
    row = deidentify_child(record=child, secret=SECRET)

    def days(record: dict[str, object], start: str, end: str) -> int:
        first, last = record[start], record[end]
        assert isinstance(first, date) and isinstance(last, date)
        return (last - first).days

    assert days(row, "birth_date", "as_of") == days(child, "birth_date", "as_of") == 366
    offset = date_offset_days(secret=SECRET, child_id=CHILD_ID)
    assert shift(value=date(2024, 3, 1), offset_days=offset) - shift(
        value=date(2024, 2, 1), offset_days=offset
    ) == date(2024, 3, 1) - date(2024, 2, 1)


@pytest.mark.parametrize(
    ("age", "reported"),
    [(0.4, 0), (17.99, 17), (89.0, 89), (89.99, 89), (90.0, "90+"), (104, "90+")],
)
def test_ages_over_89_are_reported_as_90_plus(age: float, reported: str | int) -> None:
    assert age_years_grouped(age_years=age) == reported


def test_a_negative_age_is_refused() -> None:
    with pytest.raises(ValidationError):
        age_years_grouped(age_years=-1)


def test_free_text_fields_are_dropped() -> None:
    record = {"id": "x", "touch_notes": "call 555-0100", "sex": "male"}

    assert strip_free_text(record=record, free_text_fields={"touch_notes"}) == {
        "id": "x",
        "sex": "male",
    }


def test_counts_from_one_to_below_the_threshold_are_suppressed_and_zero_is_shown() -> None:
    rows = [{"site": "a", "girls": 3, "boys": 0}, {"site": "b", "girls": 5, "boys": 12}]

    out = suppress_small_cells(rows=rows, count_fields=["girls", "boys"])

    assert out == [
        {"site": "a", "girls": SUPPRESSED, "boys": 0},
        {"site": "b", "girls": 5, "boys": 12},
    ]
    assert rows[0]["girls"] == 3  # the input is left as it was


def test_a_lone_suppressed_cell_beside_a_published_total_takes_a_complement_with_it() -> None:
    rows = [{"arm": "massage", "girls": 2, "boys": 9, "unknown": 7, "total": 18}]

    out = suppress_small_cells(
        rows=rows, count_fields=["girls", "boys", "unknown"], total_field="total"
    )

    # girls = 18 - 9 - 7 would give the 2 away; the smallest other cell (7) is hidden too.
    assert out == [
        {"arm": "massage", "girls": SUPPRESSED, "boys": 9, "unknown": SUPPRESSED, "total": 18}
    ]


def test_two_suppressed_cells_need_no_complement() -> None:
    rows = [{"girls": 2, "boys": 3, "unknown": 7, "total": 12}]

    out = suppress_small_cells(
        rows=rows, count_fields=["girls", "boys", "unknown"], total_field="total"
    )

    assert out == [{"girls": SUPPRESSED, "boys": SUPPRESSED, "unknown": 7, "total": 12}]


def test_with_no_other_cell_to_hide_the_total_is_suppressed() -> None:
    rows = [{"girls": 2, "total": 20}]

    out = suppress_small_cells(rows=rows, count_fields=["girls"], total_field="total")

    assert out == [{"girls": SUPPRESSED, "total": SUPPRESSED}]


def test_a_count_that_is_not_a_whole_number_is_refused() -> None:
    with pytest.raises(ValidationError):
        suppress_small_cells(rows=[{"girls": 2.5}], count_fields=["girls"])
