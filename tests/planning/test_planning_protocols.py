"""The protocol catalogue: every protocol loads, is cited, and carries its published dose."""

from __future__ import annotations

from collections import defaultdict

import pydantic
import pytest

from pedmassage.development import stages
from pedmassage.planning import Protocol, goals, protocols
from pedmassage.planning.catalogue import PROTOCOL_CONDITIONS
from pedmassage.vocabulary import site_map

TRI = "tri_preterm_tactile_kinesthetic"


def test_every_protocol_loads_with_an_id_version_title_and_source() -> None:
    loaded = protocols()
    assert len(loaded) >= 14
    for pid, protocol in loaded.items():
        assert protocol.id == pid
        assert protocol.version and protocol.title
        assert protocol.source and all(len(citation) > 20 for citation in protocol.source)


def test_every_protocol_s_steps_add_up_to_its_dose_minutes() -> None:
    for protocol in protocols().values():
        assert sum(step.minutes for step in protocol.steps) == pytest.approx(protocol.dose.minutes)


def test_every_stage_has_exactly_one_general_routine() -> None:
    routines: dict[str, list[str]] = defaultdict(list)
    for protocol in protocols().values():
        if protocol.routine:
            for stage in protocol.applies_to.stages:
                routines[stage].append(protocol.id)
    assert {s.id: len(routines[s.id]) for s in stages()} == {s.id: 1 for s in stages()}


def test_the_tri_protocol_gives_15_minutes_in_3_phases_of_5_minutes() -> None:
    tri = protocols()[TRI]
    phases: dict[str, float] = {}
    for step in tri.steps:
        assert step.phase is not None
        phases[step.phase] = phases.get(step.phase, 0) + step.minutes
    assert list(phases.values()) == [5, 5, 5]
    assert tri.minutes == 15
    assert [p.split()[1] for p in phases] == ["tactile", "kinesthetic", "tactile"]


def test_the_tri_protocol_is_three_times_a_day_for_5_to_10_days_at_moderate_pressure() -> None:
    tri = protocols()[TRI]
    assert (tri.dose.sessions_per_day, tri.dose.days_min, tri.dose.days_max) == (3, 5, 10)
    assert tri.default_pressure == 3
    assert tri.applies_to.stages == ["preterm"]
    assert any("Field T, Diego MA" in s and "2006" in s for s in tri.source)


def test_the_tri_phase_layout_is_marked_unverified() -> None:
    assert any("UNVERIFIED" in note and "Phase" in note for note in protocols()[TRI].unverified)


def test_the_infant_routine_order_is_marked_unverified_and_ends_with_the_back() -> None:
    infant = protocols()["infant_routine_iaim"]
    assert infant.steps[-1].site == "back"
    assert any("UNVERIFIED" in note and "order" in note for note in infant.unverified)


@pytest.mark.parametrize(
    ("pid", "minutes", "deliverer", "per_day", "per_week", "days"),
    [
        ("asthma_parent_bedtime", 20, "parent", 1, None, 30),
        ("jia_parent_daily", 15, "parent", 1, None, 30),
        ("cf_parent_bedtime", 20, "parent", 1, None, 30),
        ("sleep_bedtime", 15, "parent", 1, None, 30),
        ("autism_therapist", 15, "therapist", None, 2, None),
        ("adhd_therapist", 20, "therapist", None, 2, None),
        ("oncology_palliative_comfort", 20, "either", 1, None, 4),
    ],
)
def test_condition_protocols_carry_the_published_dose(
    pid: str,
    minutes: int,
    deliverer: str,
    per_day: int | None,
    per_week: int | None,
    days: int | None,
) -> None:
    protocol = protocols()[pid]
    dose = protocol.dose
    assert protocol.deliverer == deliverer
    assert (dose.minutes, dose.sessions_per_day, dose.sessions_per_week) == (
        minutes,
        per_day,
        per_week,
    )
    assert dose.days_min == days


def test_the_oncology_protocol_keeps_to_light_to_medium_pressure() -> None:
    oncology = protocols()["oncology_palliative_comfort"]
    assert oncology.max_pressure == 3
    assert all(oncology.step_pressure(s) <= 3 for s in oncology.steps)
    assert any("Hughes" in s for s in oncology.source)


def test_the_constipation_protocol_is_clockwise_abdominal_massage() -> None:
    protocol = protocols()["constipation_abdominal"]
    assert {s.site for s in protocol.steps} == {"abdomen"}
    assert "clockwise_circles" in {s.technique for s in protocol.steps}


def test_the_trauma_protocol_is_child_led_back_massage() -> None:
    protocol = protocols()["trauma_back_child_led"]
    assert protocol.child_led
    assert all(site_map().covers("back", s.site) for s in protocol.steps)


def test_protocols_cover_every_condition_in_the_brief_except_surgery_and_cerebral_palsy() -> None:
    covered = {c for p in protocols().values() for c in p.applies_to.conditions}
    assert covered <= PROTOCOL_CONDITIONS
    assert PROTOCOL_CONDITIONS - covered == {"post_surgical", "cerebral_palsy"}


def test_no_protocol_step_touches_the_genital_area() -> None:
    for protocol in protocols().values():
        assert not any(site_map().overlaps(s.site, "genital") for s in protocol.steps)


def test_the_goal_vocabulary_is_the_documented_one() -> None:
    assert goals() == [
        "pain",
        "anxiety",
        "sleep",
        "constipation",
        "breathing",
        "bonding",
        "touch_tolerance",
        "relaxation",
        "weight_gain",
    ]


def test_protocols_returns_a_fresh_dict_each_time() -> None:
    first = protocols()
    first.clear()
    assert protocols()


def test_a_protocol_whose_steps_disagree_with_its_dose_is_refused() -> None:
    raw = protocols()["sleep_bedtime"].model_dump()
    raw["dose"]["minutes"] = 99
    with pytest.raises(pydantic.ValidationError, match="add up"):
        Protocol.model_validate(raw)


def test_a_protocol_step_above_the_protocol_ceiling_is_refused() -> None:
    raw = protocols()["oncology_palliative_comfort"].model_dump()
    raw["steps"][0]["pressure"] = 5
    with pytest.raises(pydantic.ValidationError, match="max_pressure"):
        Protocol.model_validate(raw)


def test_a_protocol_naming_a_site_outside_the_vocabulary_is_refused_at_load() -> None:
    from pedmassage.errors import KnowledgeDataError
    from pedmassage.planning.catalogue import _check_protocol

    good = protocols()["sleep_bedtime"]
    bad_step = good.steps[0].model_copy(update={"site": "elbow"})
    bad = good.model_copy(update={"steps": [bad_step, *good.steps[1:]]})
    with pytest.raises(KnowledgeDataError, match="elbow"):
        _check_protocol(bad, "sleep_bedtime.yaml", set(goals()), {"effleurage", "milking"})
