"""The CONSORT 2010 flow: counts that must add up, the SVG diagram and the table rows."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest

from pedmassage.errors import ValidationError
from pedmassage.research.consort import (
    STAGES,
    ArmFlow,
    ConsortCounts,
    Reason,
    consort_svg,
    consort_table,
)

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["Massage", "Usual care"]

MASSAGE = ArmFlow(
    allocated=50,
    received=48,
    not_received=(Reason("Family withdrew before the first session", 2),),
    lost_to_follow_up=(Reason("Moved away", 2),),
    discontinued=(Reason("Child distressed by touch", 1),),
    analysed=47,
    excluded_from_analysis=(Reason("No after-score", 3),),
)
USUAL_CARE = ArmFlow(
    allocated=50,
    received=50,
    lost_to_follow_up=(Reason("Did not attend", 1),),
    analysed=49,
    excluded_from_analysis=(Reason("No after-score", 1),),
)


def counts(**change: object) -> ConsortCounts:
    fields: dict[str, object] = {
        "assessed": 120,
        "not_meeting_criteria": 12,
        "declined": 6,
        "other_reasons": 2,
        "randomized": 100,
        "arms": (MASSAGE, USUAL_CARE),
    }
    fields.update(change)
    return ConsortCounts(**fields)  # type: ignore[arg-type]


def test_a_flow_whose_numbers_add_up_is_accepted() -> None:
    flow = counts()
    assert flow.excluded == 20
    assert flow.assessed == flow.excluded + flow.randomized


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"randomized": 99}, "randomized"),
        ({"declined": 7}, "randomized"),
        ({"assessed": -1}, "assessed"),
        ({"declined": 6.0}, "declined"),
        ({"arms": (MASSAGE,)}, "arms"),
        ({"arms": (MASSAGE, dataclasses.replace(USUAL_CARE, allocated=49, received=49,
                                                analysed=48))}, "arms.allocated"),
        ({"arms": (dataclasses.replace(MASSAGE, received=50), USUAL_CARE)}, "arms[0].received"),
        ({"arms": (MASSAGE, dataclasses.replace(USUAL_CARE, analysed=50))}, "arms[1].analysed"),
        (
            {"arms": (MASSAGE, dataclasses.replace(
                USUAL_CARE, lost_to_follow_up=(Reason("Did not attend", 51),)))},
            "arms[1].lost_to_follow_up",
        ),
        (
            {"arms": (dataclasses.replace(MASSAGE, discontinued=(Reason(" ", 1),)), USUAL_CARE)},
            "arms[0].discontinued[0].reason",
        ),
        (
            {"arms": (dataclasses.replace(
                MASSAGE, not_received=(Reason("Withdrew", -2),), received=52), USUAL_CARE)},
            "arms[0].not_received[0].count",
        ),
    ],
)  # fmt: skip
def test_counts_that_do_not_add_up_are_refused_naming_the_field(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        counts(**change)
    assert refused.value.field == field


def test_the_diagram_has_every_stage_and_every_count_as_text() -> None:
    svg = consort_svg(counts(), arm_labels=LABELS)
    text = " ".join(_texts(svg))
    for stage in STAGES:
        assert stage in text
    for expected in (
        "Assessed for eligibility (n = 120)",
        "Excluded (n = 20)",
        "Not meeting inclusion criteria (n = 12)",
        "Declined to participate (n = 6)",
        "Other reasons (n = 2)",
        "Randomized (n = 100)",
        "Allocated to Massage (n = 50)",
        "Allocated to Usual care (n = 50)",
        "Received allocated intervention (n = 48)",
        "Did not receive allocated intervention (n = 2)",
        "Lost to follow-up (n = 2)",
        "Lost to follow-up (n = 1)",
        "Discontinued intervention (n = 1)",
        "Analysed (n = 47)",
        "Analysed (n = 49)",
        "Excluded from analysis (n = 3)",
        "Moved away (n = 2)",
        "BMJ 2010;340:c332",
    ):
        assert expected in text, expected


def test_the_diagram_parses_as_xml_and_carries_a_title_and_description() -> None:
    root = ET.fromstring(consort_svg(counts(), arm_labels=LABELS))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert "CONSORT 2010" in (title.text or "")
    assert "Massage" in (title.text or "") and "Usual care" in (title.text or "")
    assert "Of 120 participants assessed for eligibility" in (desc.text or "")
    assert "47 analysed" in (desc.text or "")


def test_the_diagram_is_deterministic_and_undated() -> None:
    first = consort_svg(counts(), arm_labels=LABELS)
    assert first == consort_svg(counts(), arm_labels=LABELS)
    assert "<dc:date>" not in first


def test_three_arms_stand_side_by_side() -> None:
    third = dataclasses.replace(USUAL_CARE)
    flow = counts(assessed=170, randomized=150, arms=(MASSAGE, USUAL_CARE, third))
    text = " ".join(_texts(consort_svg(flow, arm_labels=["Massage", "Usual care", "Sham"])))
    assert "Allocated to Sham (n = 50)" in text


def test_the_diagram_needs_one_label_per_arm() -> None:
    with pytest.raises(ValidationError) as refused:
        consort_svg(counts(), arm_labels=["Massage"])
    assert refused.value.field == "arm_labels"


def test_labels_are_escaped_so_the_svg_stays_well_formed() -> None:
    svg = consort_svg(counts(), arm_labels=["Massage <daily> & play", "Usual care"])
    root = ET.fromstring(svg)
    title = root.find(f"{SVG}title")
    assert title is not None and "Massage <daily> & play" in (title.text or "")


def test_table_rows_follow_the_diagram_and_sum_like_it() -> None:
    rows = consort_table(counts(), arm_labels=LABELS)
    assert set(rows[0]) == {"stage", "arm", "item", "reason", "n"}
    assert [r["stage"] for r in rows[:6]] == ["Enrolment"] * 6
    headline = {(r["arm"], r["item"]): r["n"] for r in rows if r["reason"] == ""}
    assert headline[("", "Assessed for eligibility")] == 120
    assert headline[("", "Randomized")] == 100
    assert headline[("Massage", "Analysed")] == 47
    assert headline[("Usual care", "Excluded from analysis")] == 1
    reasons = [r for r in rows if r["arm"] == "Massage" and r["item"] == "Lost to follow-up"]
    assert [(r["reason"], r["n"]) for r in reasons] == [("", 2), ("Moved away", 2)]


def test_table_rows_name_arms_by_position_when_no_labels_are_given() -> None:
    arms = {r["arm"] for r in consort_table(counts())}
    assert arms == {"", "Arm 1", "Arm 2"}


def _texts(svg: str) -> list[str]:
    """The visible text of the diagram: every <text> element, entities decoded."""
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    return [re.sub(r"\s+", " ", t) for t in texts]
