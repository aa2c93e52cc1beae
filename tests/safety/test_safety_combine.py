"""Combining rule outcomes: the most restrictive of everything, in a deterministic order."""

from __future__ import annotations

from pedmassage.safety.combine import Changes, combine, most_restrictive, normalize_sites
from pedmassage.vocabulary import site_map


def test_hold_beats_modify_beats_proceed():
    assert most_restrictive(["proceed", "hold", "modify"]) == "hold"
    assert most_restrictive(["proceed", "modify"]) == "modify"


def test_no_decisions_at_all_is_a_proceed():
    assert most_restrictive([]) == "proceed"


def test_the_lowest_pressure_and_the_shortest_session_win():
    combined = combine(
        [Changes(max_pressure=3, max_minutes=20), Changes(max_pressure=1), Changes(max_minutes=15)],
        site_map(),
    )
    assert combined.max_pressure == 1
    assert combined.max_minutes == 15


def test_no_cap_anywhere_leaves_pressure_and_minutes_open():
    combined = combine([Changes(), Changes()], site_map())
    assert combined.max_pressure is None
    assert combined.max_minutes is None


def test_positions_and_precautions_are_a_sorted_union():
    combined = combine(
        [
            Changes(precautions=frozenset({"b", "a"}), positions=frozenset({"z"})),
            Changes(precautions=frozenset({"a", "c"}), positions=frozenset({"y"})),
        ],
        site_map(),
    )
    assert combined.precautions == ["a", "b", "c"]
    assert combined.positions == ["y", "z"]


def test_an_avoided_region_absorbs_its_parts():
    avoid, gentle = normalize_sites({"legs", "foot_left", "arm_left"}, set(), site_map())
    assert avoid == ["arm_left", "legs"]
    assert gentle == []


def test_no_contact_beats_gentle_for_the_same_site_and_inside_an_avoided_region():
    avoid, gentle = normalize_sites(
        {"arm_left"}, {"arm_left", "hand_left", "chest_left"}, site_map()
    )
    assert avoid == ["arm_left"]
    assert gentle == ["chest_left"]


def test_a_gentle_region_absorbs_its_gentle_parts_but_keeps_avoided_parts():
    avoid, gentle = normalize_sites({"leg_left"}, {"legs", "foot_right"}, site_map())
    assert avoid == ["leg_left"]
    assert gentle == ["legs"]


def test_remembered_site_normalisations_are_the_same_and_never_shared():
    memo: dict = {}
    avoid, gentle = {"chest", "chest_left", "arm_left"}, {"chest_right", "leg_left"}
    fresh = normalize_sites(avoid, gentle, site_map())
    first = normalize_sites(avoid, gentle, site_map(), memo)
    first[0].append("changed by a caller")
    assert normalize_sites(avoid, gentle, site_map(), memo) == fresh
    assert len(memo) == 1
