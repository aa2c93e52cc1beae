"""``pedmassage homecare`` end to end, and exit code 2 naming the field on bad input or a viewer
who is not linked to the child."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .conftest import OTHER_THERAPIST, THERAPIST, Invoke, child_data


def setup_child(cli: Invoke, tmp_path: Path) -> tuple[str, str, str]:
    """A screened child at home with the therapist on the team: (child id, guardian id, program)."""
    assert cli("db", "upgrade").exit_code == 0
    profile = tmp_path / "child.json"
    profile.write_text(json.dumps(child_data(datetime.now(UTC))))
    added = cli("child", "add", "--file", str(profile))
    assert added.exit_code == 0, added.output
    child_id = added.output.strip()
    screened = cli("screen", "--child", child_id, "--therapist", THERAPIST, "--consent", "--assent")
    assert screened.exit_code == 0, screened.output
    joined = cli(
        "homecare", "care-team", child_id, "--add", THERAPIST, "--staff", THERAPIST, "--json"
    )
    assert joined.exit_code == 0, joined.output
    team = json.loads(joined.output)
    assert [m["staff_name"] for m in team["care_team"]] == [THERAPIST]
    guardian_id = team["parents"][0]["guardian_id"]
    prescribed = cli("homecare", "prescribe", child_id, "--staff", THERAPIST, "--goal", "breathing")
    assert prescribed.exit_code == 0, prescribed.output
    return child_id, guardian_id, prescribed.output.strip()


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_prescribe_log_flag_acknowledge_and_show_from_the_command_line(
    cli: Invoke, tmp_path: Path
) -> None:
    child_id, guardian_id, program_id = setup_child(cli, tmp_path)

    logged = cli(
        "homecare", "log", program_id, "--guardian", guardian_id, "--date", today(),
        "--minutes", "20", "--response", "relaxed", "--problem", "pain_during_massage",
        "--note", "Sore knee.",
    )  # fmt: skip
    assert logged.exit_code == 0, logged.output
    assert "flag" in logged.output

    flags = cli("homecare", "flags", "--staff", THERAPIST, "--json")
    (flag,) = json.loads(flags.output)
    assert (flag["problem"], flag["child_id"]) == ("pain_during_massage", child_id)
    cleared = cli(
        "homecare", "flags", "--staff", THERAPIST, "--acknowledge", flag["id"],
        "--action", "Phoned: lighter on the knee.", "--json",
    )  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    assert json.loads(cleared.output) == []

    items = json.dumps({f"item_{i}": 5 for i in range(1, 18)})
    scored = cli("homecare", "confidence", child_id, "--guardian", guardian_id, "--items", items)
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output)["instrument_id"] == "psoc"

    shown = cli("homecare", "show", child_id, "--staff", THERAPIST, "--json")
    assert shown.exit_code == 0, shown.output
    summary = json.loads(shown.output)
    assert summary["program"]["id"] == program_id
    assert summary["adherence"]["sessions_logged"] == 1
    assert len(summary["parent_measures"]) == 1

    text = cli("homecare", "show", child_id, "--guardian", guardian_id)
    assert text.exit_code == 0, text.output
    assert "Parent bedtime massage for asthma" in text.output
    assert "Arm (left)" in text.output


def test_a_bad_entry_exits_2_naming_the_field(cli: Invoke, tmp_path: Path) -> None:
    child_id, guardian_id, program_id = setup_child(cli, tmp_path)
    tomorrow_everywhere = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()

    too_long = cli(
        "homecare", "log", program_id, "--guardian", guardian_id, "--date", today(),
        "--minutes", "90", "--response", "relaxed",
    )  # fmt: skip
    future = cli(
        "homecare", "log", program_id, "--guardian", guardian_id, "--date", tomorrow_everywhere,
        "--minutes", "20", "--response", "relaxed",
    )  # fmt: skip

    assert too_long.exit_code == 2
    assert "minutes" in too_long.output and "1 to 60" in too_long.output
    assert future.exit_code == 2
    assert "session_date" in future.output
    logs = cli("homecare", "show", child_id, "--guardian", guardian_id, "--json")
    assert json.loads(logs.output)["recent_logs"] == []


def test_a_viewer_not_linked_to_the_child_exits_2_naming_the_viewer(
    cli: Invoke, tmp_path: Path
) -> None:
    child_id, _, _ = setup_child(cli, tmp_path)

    refused = cli("homecare", "show", child_id, "--staff", OTHER_THERAPIST)

    assert refused.exit_code == 2
    assert "viewer" in refused.output
    assert "not on this child's care team" in refused.output
