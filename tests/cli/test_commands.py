"""The command line: the bedside flow end to end, the screening contract, and exit code 2 on bad
input with a message naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]
ChildFile = Callable[..., Path]


def screened_an_hour_ago(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The screening command's clock an hour back: a session documented at once afterwards has
    started after its screening and ended by now."""
    screened_at = datetime.now(UTC) - timedelta(hours=1)
    monkeypatch.setattr("pedmassage.cli.screening.now", lambda: screened_at)
    return screened_at


def test_the_bedside_flow_from_the_command_line(
    child_file: ChildFile, cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("db", "upgrade").exit_code == 0
    added = cli("child", "add", "--file", str(child_file()))
    assert added.exit_code == 0, added.output
    child_id = added.output.strip()
    listed = cli("child", "list", "--ward", "Ward 4")
    assert "Cli Child" in listed.output
    screened_at = screened_an_hour_ago(monkeypatch)
    screened = cli(
        "screen", "--child", child_id, "--therapist", "P. Sharma", "--consent", "--assent", "--json"
    )
    assert screened.exit_code == 0, screened.output
    screening = json.loads(screened.output)
    assert screening["result"]["decision"] in {"proceed", "modify"}
    planned = cli("plan", screening["id"], "--goal", "pain", "--json")
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.output)["regions"]
    session = {
        "screening_id": screening["id"],
        "therapist": "P. Sharma",
        "started_at": (screened_at + timedelta(minutes=10)).isoformat(),
        "minutes": 12,
        "pressure": 2,
        "regions": ["back"],
        "guardian_consent_by": "mother, in person",
        "child_assent": True,
        "pre": {"instrument": "nrs_11", "items": {"score": 7}},
        "post": {"instrument": "nrs_11", "items": {"score": 4}},
    }
    recorded = cli("session", "record", child_id, "--file", "-", stdin=json.dumps(session))
    assert recorded.exit_code == 0, recorded.output
    history = json.loads(cli("history", child_id, "--json").output)
    assert history["trends"] == [{"instrument": "nrs_11", "sessions": 1, "mean_change": -3.0}]
    table = cli("history", child_id)
    assert "nrs_11" in table.output and "mean change -3.00" in table.output


def test_a_session_recorded_before_it_ended_exits_2_and_stores_nothing(
    child_file: ChildFile, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``session record`` documents a session after it happened: one that would end after now is
    refused naming its start, and the message says where a session still under way is recorded."""
    cli("db", "upgrade")
    child_id = cli("child", "add", "--file", str(child_file())).output.strip()
    screened_an_hour_ago(monkeypatch)
    screening = json.loads(
        cli("screen", "--child", child_id, "--therapist", "P. Sharma", "--consent", "--assent",
            "--json").output
    )  # fmt: skip
    session = {
        "screening_id": screening["id"],
        "therapist": "P. Sharma",
        "started_at": datetime.now(UTC).isoformat(),
        "minutes": 20,
        "pressure": 2,
        "regions": ["back"],
        "guardian_consent_by": "mother, in person",
        "child_assent": True,
        "pre": {"instrument": "nrs_11", "items": {"score": 7}},
        "post": {"instrument": "nrs_11", "items": {"score": 4}},
    }

    recorded = cli("session", "record", child_id, "--file", "-", stdin=json.dumps(session))

    assert recorded.exit_code == 2
    assert "started_at" in recorded.output
    assert "a session still under way is recorded with “Start a session now”" in recorded.output
    assert json.loads(cli("history", child_id, "--json").output)["sessions"] == []


def test_a_bad_profile_exits_2_naming_the_field_and_stores_nothing(
    child_file: ChildFile, cli: Invoke, tmp_path: Path
) -> None:
    cli("db", "upgrade")
    bad = child_file(devices=[{"kind": "picc", "site": "elbow"}])
    result = cli("child", "add", "--file", str(bad))
    assert result.exit_code == 2
    assert "devices[0].site" in result.output
    assert "Cli Child" not in cli("child", "list").output


def test_an_import_with_one_bad_profile_stores_none(
    child_file: ChildFile, cli: Invoke, tmp_path: Path
) -> None:
    cli("db", "upgrade")
    good = json.loads(child_file().read_text())
    bad = {**good, "display_name": "Bad", "gestational_age_weeks": 20}
    path = tmp_path / "many.json"
    path.write_text(json.dumps([good, bad]))
    result = cli("child", "import", str(path))
    assert result.exit_code == 2
    assert "gestational_age_weeks" in result.output
    assert "Cli Child" not in cli("child", "list").output


def test_the_screening_contract_reads_stdin_and_prints_json(cli: Invoke) -> None:
    body = {
        "assessed_at": "2026-11-25T09:00:00Z",
        "setting": "home",
        "child": {"birth_date": "2019-04-02"},
        "guardian_consent": True,
        "child_assent": False,
    }
    result = cli("screen", "--input", "-", stdin=json.dumps(body))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["decision"] == "hold"
    assert out["rules_version"]


def test_the_screening_contract_refuses_bad_input_with_exit_2(cli: Invoke) -> None:
    body = {
        "assessed_at": "2026-11-25T09:00:00Z",
        "setting": "moon",
        "child": {"birth_date": "2019-04-02"},
    }
    result = cli("screen", "--input", "-", stdin=json.dumps(body))
    assert result.exit_code == 2
    assert "setting" in result.output
    assert cli("screen", "--input", "-", stdin="{not json").exit_code == 2


def test_the_schema_of_the_screening_input_is_printed(cli: Invoke) -> None:
    schema = json.loads(cli("screen", "--schema").output)
    assert {"assessed_at", "setting", "child", "labs"} <= set(schema["properties"])


def test_commands_on_an_unmigrated_database_say_how_to_fix_it(cli: Invoke) -> None:
    result = cli("child", "list")
    assert result.exit_code == 2
    assert "pedmassage db upgrade" in result.output


def test_demo_seeds_once_and_if_empty_is_safe_to_repeat(cli: Invoke) -> None:
    cli("db", "upgrade")
    first = cli("demo", "--as-of", "2026-11-25")
    assert first.exit_code == 0, first.output
    assert "40 synthetic children" in first.output
    again = cli("demo", "--if-empty")
    assert again.exit_code == 0
    assert "nothing seeded" in again.output
    assert cli("demo").exit_code == 2


def test_a_ward_census_screens_every_child_on_the_ward_without_storing(
    child_file: ChildFile, cli: Invoke, tmp_path: Path
) -> None:
    cli("db", "upgrade")
    now = datetime.now(UTC)
    fever = [
        {
            "code": "temperature",
            "value": 38.6,
            "unit": "Cel",
            "taken_at": (now - timedelta(hours=1)).isoformat(),
        }
    ]
    cli("child", "add", "--file", str(child_file(display_name="Well")))
    cli("child", "add", "--file", str(child_file(display_name="Febrile", vitals=fever)))
    cli("child", "add", "--file", str(child_file(display_name="Elsewhere", ward="NICU")))
    result = cli("screen", "--ward", "Ward 4", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 2
    assert sorted(r["decision"] for r in rows) == ["hold", "proceed"]
    table = cli("screen", "--ward", "Ward 4")
    assert "Febrile" in table.output and "Elsewhere" not in table.output


def test_the_session_lifecycle_from_the_command_line(
    child_file: ChildFile, cli: Invoke, tmp_path: Path
) -> None:
    cli("db", "upgrade")
    child_id = cli("child", "add", "--file", str(child_file())).output.strip()
    screening = json.loads(
        cli(
            "screen",
            "--child",
            child_id,
            "--therapist",
            "P. Sharma",
            "--consent",
            "--assent",
            "--json",
        ).output
    )
    session_id = cli(
        "session", "draft", child_id, "--screening", screening["id"], "--therapist", "P. Sharma"
    ).output.strip()
    at = datetime.now(UTC).isoformat()
    start = {
        "started_at": at,
        "guardian_consent_by": "mother",
        "child_assent": True,
        "pre": {"instrument": "nrs_11", "items": {"score": 4}},
    }
    assert (
        cli("session", "start", session_id, "-f", "-", stdin=json.dumps(start)).output.strip()
        == "in_progress"
    )
    finish = {
        "ended_at": datetime.now(UTC).isoformat(),
        "minutes": 1,
        "pressure": 1,
        "regions": ["hand_right"],
        "post": {"instrument": "nrs_11", "items": {"score": 2}},
    }
    assert (
        cli("session", "complete", session_id, "-f", "-", stdin=json.dumps(finish)).output.strip()
        == "completed"
    )
    assert cli("session", "sign", session_id, "--signer", "P. Sharma").exit_code == 0
    refused = cli("session", "complete", session_id, "-f", "-", stdin=json.dumps(finish))
    assert refused.exit_code == 2 and "signed" in refused.output
    assert (
        cli(
            "session", "amend", session_id, "--author", "P. Sharma", "--text", "hand only"
        ).exit_code
        == 0
    )
    shown = json.loads(cli("session", "show", session_id).output)
    assert shown["status"] == "signed" and shown["addenda"][0]["text"] == "hand only"


def test_the_operator_is_audited_for_every_command_on_the_database(
    child_file: ChildFile, cli: Invoke, tmp_path: Path
) -> None:
    """The command line is the machine's operator, and is audited as such, child by child."""
    import json

    assert cli("db", "upgrade").exit_code == 0
    added = cli("child", "add", "--file", str(child_file()))
    child_id = added.output.strip()
    assert cli("child", "show", child_id).exit_code == 0

    shown = json.loads(cli("audit", "show", "--child", child_id, "--json").output)
    reads = [e for e in shown if e["action"] == "children.show"]
    assert reads and reads[0]["role"] == "operator"
    assert reads[0]["actor"].startswith("operator:")


def test_a_day_must_be_a_real_calendar_day_in_iso_form() -> None:
    from pedmassage.errors import ValidationError
    from pedmassage.inbound import parse_day

    assert parse_day("2026-02-28", "since") is not None
    assert parse_day(None, "since") is None
    for bad in ("0", "2026-02-30", "2026-2-1", "28/02/2026"):
        try:
            parse_day(bad, "since")
        except ValidationError as refused:
            assert refused.field == "since"
        else:
            raise AssertionError(bad)
