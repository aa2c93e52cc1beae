"""The cues offered fit the child's stage of development; every stage named is a real one."""

from __future__ import annotations

from pedmassage.sessions.cues import check_stages, cue_codes, cues_for_stage


def test_every_stage_and_cue_named_in_the_file_exists() -> None:
    check_stages()


def test_a_school_age_child_is_not_offered_infant_or_preterm_cues() -> None:
    offered = cues_for_stage("school_age")

    assert "cooing" not in offered["engagement"]
    assert not {"hiccups", "clenched_fists", "jittery", "yawning"} & set(offered["disengagement"])
    assert "says_stop" in offered["disengagement"]
    assert "asks_for_more" in offered["engagement"]


def test_a_preterm_baby_is_offered_stress_signals_and_nothing_that_needs_speech() -> None:
    offered = cues_for_stage("preterm")

    assert {"hiccups", "clenched_fists", "jittery", "colour_change"} <= set(
        offered["disengagement"]
    )
    assert "says_stop" not in offered["disengagement"]
    assert "asks_for_more" not in offered["engagement"]


def test_cues_seen_at_every_age_are_offered_at_every_stage() -> None:
    for stage in ("preterm", "infant", "school_age", "adolescent"):
        offered = cues_for_stage(stage)
        assert {"crying", "looking_away", "breathing_change"} <= set(offered["disengagement"])
        assert "relaxed" in offered["engagement"]


def test_the_stage_filter_keeps_the_files_order_and_labels() -> None:
    every = cue_codes()
    for group, cues in cues_for_stage("toddler").items():
        assert list(cues) == [c for c in every[group] if c in cues]
        assert all(every[group][c] == label for c, label in cues.items())
