"""Which protocol a child gets: condition first, then goal, then the stage's routine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pedmassage.planning import plan_session
from pedmassage.safety.contract import ScreeningResult

MakeScreening = Callable[..., ScreeningResult]


def _chosen(
    screening: MakeScreening,
    stage: str,
    conditions: list[str],
    goals: list[str],
    setting: str = "home",
) -> str:
    plan = plan_session(
        stage=stage, conditions=conditions, goals=goals, setting=setting, screening=screening()
    )
    return plan.protocol_id


def test_a_school_age_child_with_asthma_gets_the_asthma_protocol(screening: MakeScreening) -> None:
    assert _chosen(screening, "school_age", ["asthma"], []) == "asthma_parent_bedtime"


def test_a_preterm_infant_gets_the_tri_protocol_with_or_without_the_condition_code(
    screening: MakeScreening,
) -> None:
    assert _chosen(screening, "preterm", ["prematurity"], [], "nicu") == (
        "tri_preterm_tactile_kinesthetic"
    )
    assert _chosen(screening, "preterm", [], [], "nicu") == "tri_preterm_tactile_kinesthetic"


def test_the_condition_protocol_serving_the_requested_goal_wins(screening: MakeScreening) -> None:
    both = ["asthma", "constipation"]
    assert _chosen(screening, "school_age", both, ["constipation"]) == "constipation_abdominal"
    assert _chosen(screening, "school_age", both, ["breathing"]) == "asthma_parent_bedtime"


def test_a_goal_alone_can_choose_a_goal_protocol(screening: MakeScreening) -> None:
    assert _chosen(screening, "toddler", [], ["sleep"]) == "sleep_bedtime"
    assert _chosen(screening, "school_age", ["cerebral_palsy"], ["constipation"]) == (
        "constipation_abdominal"
    )


def test_a_goal_does_not_choose_a_protocol_made_for_a_condition_the_child_lacks(
    screening: MakeScreening,
) -> None:
    assert _chosen(screening, "school_age", [], ["breathing"]) == "school_age_routine"


@pytest.mark.parametrize(
    ("stage", "routine"),
    [
        ("neonate", "infant_routine_iaim"),
        ("infant", "infant_routine_iaim"),
        ("toddler", "toddler_preschool_routine"),
        ("preschool", "toddler_preschool_routine"),
        ("school_age", "school_age_routine"),
        ("adolescent", "adolescent_routine"),
    ],
)
def test_without_a_matching_condition_or_goal_the_stage_routine_is_used(
    screening: MakeScreening, stage: str, routine: str
) -> None:
    plan = plan_session(
        stage=stage, conditions=[], goals=["relaxation"], setting="clinic", screening=screening()
    )
    assert plan.protocol_id == routine
    assert "General routine" in plan.selection_reason


def test_a_condition_protocol_is_not_used_outside_the_ages_it_was_studied_in(
    screening: MakeScreening,
) -> None:
    assert _chosen(screening, "infant", ["asthma"], []) == "infant_routine_iaim"


def test_the_setting_breaks_a_tie_between_parent_and_therapist_protocols(
    screening: MakeScreening,
) -> None:
    assert _chosen(screening, "school_age", ["asthma", "adhd"], [], "home") == (
        "asthma_parent_bedtime"
    )
    assert _chosen(screening, "school_age", ["asthma", "adhd"], [], "clinic") == "adhd_therapist"


def test_the_plan_notes_goals_and_conditions_the_protocol_does_not_target(
    screening: MakeScreening,
) -> None:
    plan = plan_session(
        stage="school_age",
        conditions=["asthma", "haemophilia"],
        goals=["sleep"],
        setting="home",
        screening=screening(),
    )
    assert any("sleep" in n for n in plan.notes)
    assert any("haemophilia" in n for n in plan.notes)
