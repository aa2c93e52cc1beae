"""Program policy files: signed, versioned overrides of the default thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pedmassage.errors import KnowledgeDataError, ValidationError
from pedmassage.safety import load_policy, load_rulebook
from pedmassage.safety.policy import default_policy

HEADER = "version: st-elsewhere-2026.1\nsigned_off_by: Dr A. Example\nsigned_off_at: 2026-02-01\n"


def policy_file(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "program-policy.yaml"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_a_program_policy_changes_a_threshold_and_is_recorded_on_the_result(child, tmp_path):
    book = load_rulebook(policy_file(tmp_path, "thresholds:\n  platelets_hold_below: 10\n"))
    result = child.screen(book, labs=[child.lab("platelets", 15)])
    assert result.decision == "modify"
    assert result.policy_version == "st-elsewhere-2026.1"
    assert book.policy.signed_off_by == "Dr A. Example"
    assert book.policy.overridden == ("platelets_hold_below",)


def test_the_default_policy_still_holds_the_same_child(child):
    assert child.screen(labs=[child.lab("platelets", 15)]).decision == "hold"


def test_an_overridden_threshold_records_who_set_it(tmp_path):
    policy = load_policy(policy_file(tmp_path, "thresholds:\n  fever_celsius: 37.8\n"))
    threshold = policy.thresholds["fever_celsius"]
    assert threshold.value == 37.8
    assert threshold.status == "program_policy"
    assert "Dr A. Example" in threshold.source


def test_an_override_may_give_its_own_source(tmp_path):
    body = "thresholds:\n  fever_celsius: {value: 37.8, source: Local oncology policy 4.2}\n"
    policy = load_policy(policy_file(tmp_path, body))
    assert policy.thresholds["fever_celsius"].source == "Local oncology policy 4.2"


def test_a_program_policy_can_lower_a_message_threshold_too(child, tmp_path):
    book = load_rulebook(policy_file(tmp_path, "thresholds:\n  fever_celsius: 37.8\n"))
    result = child.screen(book, vitals=[child.vital("temperature", 37.8)])
    assert result.decision == "hold"
    assert "37.8 °C" in result.reasons[0].message


def test_an_unknown_threshold_name_is_an_error_naming_it(tmp_path):
    with pytest.raises(ValidationError) as caught:
        load_rulebook(policy_file(tmp_path, "thresholds:\n  platelet_hold: 10\n"))
    assert caught.value.field == "thresholds.platelet_hold"
    assert "platelets_hold_below" in caught.value.allowed


def test_a_freshness_window_can_be_overridden_for_one_code(child, tmp_path):
    body = "thresholds:\n  lab_max_age_hours: {platelets: 168}\n"
    book = load_rulebook(policy_file(tmp_path, body))
    result = child.screen(
        book, conditions=[{"code": "cancer"}], labs=[child.lab("platelets", 150, hours_ago=120)]
    )
    assert "verify platelets" not in result.missing
    assert book.policy.window_hours("lab", "anc") == 48


def test_a_freshness_window_for_an_unknown_code_is_an_error(tmp_path):
    with pytest.raises(ValidationError) as caught:
        load_policy(policy_file(tmp_path, "thresholds:\n  lab_max_age_hours: {plt: 24}\n"))
    assert caught.value.field == "thresholds.lab_max_age_hours.plt"


def test_a_single_number_where_a_map_is_expected_is_an_error(tmp_path):
    with pytest.raises(ValidationError):
        load_policy(policy_file(tmp_path, "thresholds:\n  lab_max_age_hours: 24\n"))


@pytest.mark.parametrize("level", [6, 1.5, -1])
def test_a_pressure_cap_must_be_a_walton_level(tmp_path, level):
    with pytest.raises(ValidationError) as caught:
        load_policy(policy_file(tmp_path, f"thresholds:\n  neutropenia_max_pressure: {level}\n"))
    assert "Walton" in caught.value.allowed


def test_the_hold_tier_cannot_sit_above_the_gentle_tier(tmp_path):
    with pytest.raises(ValidationError) as caught:
        load_policy(policy_file(tmp_path, "thresholds:\n  platelets_hold_below: 60\n"))
    assert caught.value.field.endswith("platelets_hold_below")


def test_a_policy_file_must_say_who_signed_it_off(tmp_path):
    header = "version: x\nsigned_off_at: 2026-02-01\n"
    with pytest.raises(ValidationError) as caught:
        load_policy(policy_file(tmp_path, "thresholds: {}\n", header=header))
    assert caught.value.field == "signed_off_by"


def test_a_policy_file_that_is_not_yaml_is_an_error(tmp_path):
    with pytest.raises(ValidationError) as caught:
        load_policy(policy_file(tmp_path, "thresholds: [unclosed\n"))
    assert caught.value.field == "policy_file"


def test_every_default_threshold_has_a_unit_a_source_and_a_status():
    for name, threshold in default_policy().thresholds.items():
        assert threshold.unit, name
        assert threshold.source, name
        if threshold.status == "unverified_policy":
            assert "UNVERIFIED" in threshold.source, name


def test_every_single_number_threshold_is_used_by_some_rule(book):
    text = " ".join(r.spec.model_dump_json() for r in book.rules)
    windows = {"lab_max_age_hours", "vital_max_age_hours", "stale_lookback_hours"}
    read_by_the_engine = {"comfort_care_max_pressure"}  # catalogue.yaml's comfort_care reason
    for name in set(default_policy().thresholds) - windows - read_by_the_engine:
        assert f"policy.{name}" in text, name


def test_a_window_missing_for_a_coded_lab_is_a_data_error():
    with pytest.raises(KnowledgeDataError):
        default_policy().window_hours("lab", "ferritin")


def test_every_lab_and_vital_in_the_vocabulary_has_a_freshness_window():
    from pedmassage.vocabulary import code_book

    policy = default_policy()
    for code in code_book().labs:
        assert policy.window_hours("lab", code) > 0
    for code in code_book().vitals:
        assert policy.window_hours("vital", code) > 0
