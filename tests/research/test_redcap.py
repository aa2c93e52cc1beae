"""REDCap files: the data dictionary has REDCap's 18 columns in order and a form per instrument;
variable names follow REDCap's rule; two sessions of one child import as repeat instances; the
allocation table has the columns REDCap's upload checks for."""

from __future__ import annotations

import csv
import io
import re

import pytest

from pedmassage.errors import ValidationError
from pedmassage.measures import instrument, instruments
from pedmassage.research.redcap import (
    DICTIONARY_HEADERS,
    Allocation,
    FormRow,
    IdentifierField,
    allocation_table_csv,
    data_dictionary,
    dictionary_csv,
    field_name,
    flat_records,
    variable_name,
)

# Header row of a dictionary downloaded from REDCap: IeDEA/redcap-dictionaries,
# IeDEA_tblCENTER_2020-06-30.csv.
REDCAP_HEADER_LINE = (
    "Variable / Field Name,Form Name,Section Header,Field Type,Field Label,"
    '"Choices, Calculations, OR Slider Labels",Field Note,'
    "Text Validation Type OR Show Slider Number,Text Validation Min,Text Validation Max,"
    "Identifier?,Branching Logic (Show field only if...),Required Field?,Custom Alignment,"
    "Question Number (surveys only),Matrix Group Name,Matrix Ranking?,Field Annotation"
)
NAME_RULE = r"[a-z][a-z0-9_]{0,25}"


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_dictionary_has_redcaps_18_headers_in_order() -> None:
    text = dictionary_csv(instruments=[instrument("flacc")])

    assert len(DICTIONARY_HEADERS) == 18
    assert text.splitlines()[0] == REDCAP_HEADER_LINE


def test_a_flacc_form_has_its_5_items_as_radio_fields_and_a_calculated_total() -> None:
    rows = data_dictionary(instruments=[instrument("flacc")])

    assert rows[0]["Variable / Field Name"] == "record_id"
    assert rows[0]["Form Name"] == "flacc"
    items = [row for row in rows[1:] if row["Field Type"] == "radio"]
    assert [row["Variable / Field Name"] for row in items] == [
        "flacc_face",
        "flacc_legs",
        "flacc_activity",
        "flacc_cry",
        "flacc_consolability",
    ]
    assert all(row["Form Name"] == "flacc" for row in rows)
    face = items[0]["Choices, Calculations, OR Slider Labels"]
    assert face.startswith("0, 0 - No particular expression, or smiling | 1, ")
    assert [choice.split(",")[0].strip() for choice in face.split("|")] == ["0", "1", "2"]
    total = rows[-1]
    assert total["Field Type"] == "calc"
    assert total["Variable / Field Name"] == "flacc_total"
    assert total["Choices, Calculations, OR Slider Labels"] == (
        "[flacc_face]+[flacc_legs]+[flacc_activity]+[flacc_cry]+[flacc_consolability]"
    )


def test_identifier_fields_are_marked_and_instrument_fields_are_not() -> None:
    dob = IdentifierField(name="dob", label="Date of birth", validation="date_ymd")

    rows = data_dictionary(instruments=[instrument("flacc")], identifiers=[dob])

    assert [r["Variable / Field Name"] for r in rows[:2]] == ["record_id", "dob"]
    assert rows[1]["Identifier?"] == "y"
    assert rows[1]["Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert {r["Form Name"] for r in rows[:2]} == {"participant"}
    assert all(r["Identifier?"] == "" for r in rows if r["Form Name"] == "flacc")


def test_every_variable_name_in_the_catalogue_follows_redcaps_rule_and_is_unique() -> None:
    rows = data_dictionary(instruments=list(instruments().values()))
    names = [row["Variable / Field Name"] for row in rows]

    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(NAME_RULE, name), name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("FLACC Face", "flacc_face"),
        ("2nd item", "v_2nd_item"),
        ("a" * 40, "a" * 26),
        ("childrens_fear_scale_score_total_", "childrens_fear_scale_score"),
    ],
)
def test_variable_names_are_lower_case_start_with_a_letter_and_fit_26(text: str, name: str) -> None:
    assert variable_name(text=text) == name


def test_a_name_is_the_same_whichever_instruments_are_exported() -> None:
    alone = data_dictionary(instruments=[instrument("r_flacc")])
    together = data_dictionary(instruments=[instrument("flacc"), instrument("r_flacc")])

    def names(rows: list[dict[str, str]]) -> set[str]:
        return {r["Variable / Field Name"] for r in rows if r["Form Name"] == "r_flacc"}

    assert names(alone) - {"record_id"} == names(together) - {"record_id"}
    assert field_name(instrument_id="r_flacc", key="face") == "r_flacc_face"


def test_two_sessions_of_one_child_are_repeat_instances_1_and_2() -> None:
    first = {"face": 1, "legs": 0, "activity": 1, "cry": 2, "consolability": 0}
    second = {"face": 0, "legs": 0, "activity": 0, "cry": 1, "consolability": None}
    rows = [
        FormRow(record_id="c1a2", instrument_id="flacc", values=first, instance=1),
        FormRow(record_id="c1a2", instrument_id="flacc", values=second, instance=2),
    ]

    text = flat_records(rows=rows)

    assert text.splitlines()[0] == (
        "record_id,redcap_repeat_instrument,redcap_repeat_instance,flacc_face,flacc_legs,"
        "flacc_activity,flacc_cry,flacc_consolability,flacc_complete"
    )
    assert text.splitlines()[1:] == [
        "c1a2,flacc,1,1,0,1,2,0,2",
        "c1a2,flacc,2,0,0,0,1,,2",
    ]


def test_a_longitudinal_import_names_the_event_and_a_non_repeating_row_leaves_repeats_blank() -> (
    None
):
    rows = [
        FormRow(
            record_id="c1", instrument_id="nrs_11", values={"score": 3}, event="baseline_arm_1"
        ),
        FormRow(
            record_id="c1",
            instrument_id="flacc",
            values={"face": 1},
            instance=1,
            event="session_arm_1",
            complete=False,
        ),
    ]

    parsed = read(flat_records(rows=rows))

    assert parsed[0]["redcap_event_name"] == "baseline_arm_1"
    assert parsed[0]["redcap_repeat_instrument"] == parsed[0]["redcap_repeat_instance"] == ""
    assert parsed[1]["redcap_repeat_instrument"] == "flacc"
    assert parsed[1]["flacc_complete"] == "0"
    assert "flacc_total" not in parsed[0]  # REDCap computes calculated fields itself


def test_instances_are_numbered_from_1() -> None:
    row = FormRow(record_id="c1", instrument_id="flacc", values={"face": 1}, instance=0)

    with pytest.raises(ValidationError):
        flat_records(rows=[row])


def test_an_event_on_some_rows_only_is_refused() -> None:
    rows = [
        FormRow(record_id="c1", instrument_id="flacc", values={}, event="baseline_arm_1"),
        FormRow(record_id="c2", instrument_id="flacc", values={}),
    ]

    with pytest.raises(ValidationError):
        flat_records(rows=rows)


def test_the_allocation_table_has_the_group_column_then_one_per_stratum() -> None:
    # Headers checked against REDCap's upload check (Randomization::checkAllocFile) for an
    # open randomization: redcap_randomization_group plus each stratification variable.
    assignments = [
        Allocation(group=1, strata={"age_band": 1, "setting": 2}),
        Allocation(group=2, strata={"age_band": 1, "setting": 2}),
    ]

    text = allocation_table_csv(assignments=assignments, strata_fields=["age_band", "setting"])

    assert text.splitlines() == ["redcap_randomization_group,age_band,setting", "1,1,2", "2,1,2"]


def test_an_allocation_with_a_blank_or_unknown_stratum_is_refused() -> None:
    with pytest.raises(ValidationError):
        allocation_table_csv(assignments=[Allocation(group=1)], strata_fields=["age_band"])
    with pytest.raises(ValidationError):
        allocation_table_csv(
            assignments=[Allocation(group=1, strata={"ward": 3})], strata_fields=[]
        )
