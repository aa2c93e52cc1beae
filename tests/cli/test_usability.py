"""The command line at an 80-column terminal: readable files or a one-line refusal, the version,
ids given by their first characters, JSON from every list, tables that never cut an id, wards in
any case, and ratios pooled on their own scale."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]
ChildFile = Callable[..., Path]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture()
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """An 80-column terminal (Rich reads ``COLUMNS``)."""
    monkeypatch.setenv("COLUMNS", "80")


def fits(text: str, *ids: str) -> None:
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    for ident in ids:
        assert any(ident in line for line in lines), ident


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("child", "add", "--file"), "--file"),
        (("child", "import"), "FILE"),
        (("screen", "--input"), "--input"),
        (("session", "record", "01ABCDEF", "--file"), "--file"),
        (("evidence", "pool", "--input"), "--input"),
    ],
)
def test_a_missing_file_is_one_line_naming_option_and_path_with_exit_2(
    cli: Invoke, tmp_path: Path, args: tuple[str, ...], option: str
) -> None:
    cli("db", "upgrade")
    missing = tmp_path / "nowhere.json"
    result = cli(*args, str(missing))
    assert result.exit_code == 2, result.output
    assert f"{option}: cannot read {missing}" in result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1


def test_a_folder_given_as_a_file_is_refused_the_same_way(cli: Invoke, tmp_path: Path) -> None:
    result = cli("screen", "--input", str(tmp_path))
    assert result.exit_code == 2 and "--input: cannot read" in result.output


def test_version_prints_the_installed_version(cli: Invoke) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"pedmassage {version('pedmassage')}"


def _child(cli: Invoke, child_file: ChildFile, **overrides: object) -> str:
    added = cli("child", "add", "--file", str(child_file(**overrides)))
    assert added.exit_code == 0, added.output
    return added.stdout.strip()


def test_a_child_is_found_by_the_first_characters_of_its_id(
    cli: Invoke, child_file: ChildFile
) -> None:
    cli("db", "upgrade")
    first = _child(cli, child_file)
    second = _child(cli, child_file, display_name="Other Child")
    unique = next(n for n in range(4, 27) if first[:n] != second[:n])
    shown = json.loads(cli("child", "show", first[:unique].lower(), "--json").stdout)
    assert shown["id"] == first
    history = cli("history", first[:unique])
    assert history.exit_code == 0, history.output
    audit = json.loads(cli("audit", "show", "--child", first[:unique], "--json").stdout)
    assert {e["child_id"] for e in audit if e["action"] == "children.show"} == {first}
    if unique > 4:  # ids made in the same moment share their first characters
        ambiguous = cli("child", "show", first[: unique - 1])
        assert ambiguous.exit_code == 2
        assert first in ambiguous.output and second in ambiguous.output
    unknown = cli("child", "show", "ZZZZZZZZ")
    assert unknown.exit_code == 2 and "CHILD_ID" in unknown.output
    too_short = cli("child", "show", first[:3])
    assert too_short.exit_code == 2 and "at least 4" in too_short.output


def test_a_session_and_a_screening_are_found_by_a_prefix(
    cli: Invoke, child_file: ChildFile
) -> None:
    cli("db", "upgrade")
    child = _child(cli, child_file)
    screened = cli("screen", "--child", child[:20], "--therapist", "P. Sharma", "--consent",
                   "--assent", "--json")  # fmt: skip
    assert screened.exit_code == 0, screened.output
    screening = json.loads(screened.stdout)["id"]
    planned = cli("plan", screening[:20])
    assert planned.exit_code == 0, planned.output
    assert cli("plan", "ZZZZZZZZ").exit_code == 2
    drafted = cli("session", "draft", child[:20], "--screening", screening, "--therapist", "P. S")
    assert drafted.exit_code == 0, drafted.output
    session = drafted.stdout.strip()
    shown = json.loads(cli("session", "show", session[:22], "--json").stdout)
    assert shown["id"] == session and shown["child_id"] == child


def test_lists_and_shows_print_json(cli: Invoke, child_file: ChildFile) -> None:
    cli("db", "upgrade")
    child = _child(cli, child_file)
    listed = json.loads(cli("child", "list", "--json").stdout)
    assert [row["id"] for row in listed] == [child]
    assert {"display_name", "age_label", "ward", "conditions"} <= set(listed[0])
    instruments = json.loads(cli("measures", "list", "--json").stdout)
    flacc = next(i for i in instruments if i["id"] == "flacc")
    assert flacc["range"] == [0, 10] and flacc["ages_note"]


def test_tables_fit_80_columns_and_print_every_id_whole(
    cli: Invoke, child_file: ChildFile, narrow: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("db", "upgrade")
    long = "Anastasia Konstantinopoulou-Wetherington"
    children = [
        _child(cli, child_file, display_name=long, ward="Paediatric Oncology Ward 4"),
        _child(cli, child_file, display_name="Short", ward="Paediatric Oncology Ward 4"),
    ]
    listed = cli("child", "list")
    assert listed.exit_code == 0, listed.output
    fits(listed.stdout, *children)
    census = cli("screen", "--ward", "Paediatric Oncology Ward 4")
    assert census.exit_code == 0, census.output
    fits(census.stdout, *children)
    # Screened an hour ago, so the session documented below has started and ended since.
    screened_at = datetime.now(UTC) - timedelta(hours=1)
    monkeypatch.setattr("pedmassage.cli.screening.now", lambda: screened_at)
    screening = json.loads(
        cli("screen", "--child", children[0], "--therapist", "Konstantin Wetherington-Smythe",
            "--consent", "--assent", "--json").stdout
    )["id"]  # fmt: skip
    session = (EXAMPLES / "session.json").read_text().replace("SCREENING_ID", screening)
    data = json.loads(session)
    data["started_at"] = (screened_at + timedelta(minutes=10)).isoformat()
    data["therapist"] = "Konstantin Wetherington-Smythe"
    recorded = cli("session", "record", children[0], "--file", "-", stdin=json.dumps(data))
    assert recorded.exit_code == 0, recorded.output
    history = cli("history", children[0])
    assert history.exit_code == 0, history.output
    fits(history.stdout, recorded.stdout.strip())
    assert "7→4" in history.stdout
    measures = cli("measures", "list")
    fits(measures.stdout, "childrens_fear_scale", "wong_baker_faces")


def test_a_ward_is_matched_in_any_case_and_a_miss_lists_the_wards(
    cli: Invoke, child_file: ChildFile
) -> None:
    cli("db", "upgrade")
    child = _child(cli, child_file, ward="NICU")
    assert child in cli("child", "list", "--ward", "nicu").stdout
    rows = json.loads(cli("screen", "--ward", "Nicu", "--json").stdout)
    assert [r["child_id"] for r in rows] == [child]
    for args in (("child", "list", "--ward", "PICU"), ("screen", "--ward", "PICU")):
        missed = cli(*args)
        assert missed.exit_code == 2
        assert "--ward" in missed.output and "NICU" in missed.output


def test_a_pooled_ratio_is_printed_on_its_own_scale_and_the_log_labelled(cli: Invoke) -> None:
    result = cli("evidence", "pool", "--input", str(EXAMPLES / "studies.csv"), "--measure", "RR")
    assert result.exit_code == 0, result.output
    pooled = json.loads(result.stdout)  # the JSON contract is unchanged: the log scale
    assert pooled["estimate"] < 0
    note = result.stderr
    assert note.startswith("RR 0.") and "95% CI" in note
    assert f"log RR {pooled['estimate']:.4f}" in note
