"""``pedmassage audit``: the command-line contract other tools rely on, on a real SQLite file.

``audit verify`` exits 0 on an intact chain and 1 naming the first broken entry; ``audit show``
lists who touched a child's record, and is itself recorded as the operator's look.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from .conftest import Invoke

CHILD = "01JCLICHILD000000000000000"


@pytest.fixture()
def operator(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("getpass.getuser", lambda: "ward4-desk")
    monkeypatch.setenv("COLUMNS", "200")
    return "operator:ward4-desk"


def edit_behind_the_databases_back(database_file: Path, sql: str) -> None:
    """What someone with the database file could do: drop the guards and change a row."""
    connection = sqlite3.connect(database_file, isolation_level=None)
    connection.execute("DROP TRIGGER audit_no_update")
    connection.execute("DROP TRIGGER audit_no_delete")
    connection.execute(sql)
    connection.close()


def test_an_intact_chain_exits_0_and_counts_its_entries(cli: Invoke, operator: str) -> None:
    assert cli("audit", "verify").output == "audit chain intact: 0 entries\n"
    for _ in range(3):
        assert cli("audit", "show", "--child", CHILD).exit_code == 0
    done = cli("audit", "verify")
    assert (done.exit_code, done.output) == (0, "audit chain intact: 3 entries\n")
    answer = json.loads(cli("audit", "verify", "--json").output)
    assert answer["ok"] is True and answer["entries_checked"] == 3
    assert answer["first_broken_seq"] is None and len(answer["last_hash"]) == 64


def test_a_changed_entry_exits_1_naming_it(cli: Invoke, operator: str, database_file: Path) -> None:
    for _ in range(3):
        cli("audit", "show", "--child", CHILD)
    edit_behind_the_databases_back(
        database_file, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 2"
    )
    done = cli("audit", "verify")
    assert done.exit_code == 1
    assert done.output == (
        "audit chain broken at entry 2: changed: its contents no longer match its hash\n"
    )
    as_json = cli("audit", "verify", "--json")
    assert as_json.exit_code == 1
    answer = json.loads(as_json.output)
    assert (answer["ok"], answer["first_broken_seq"]) == (False, 2)
    assert answer["reason"].startswith("changed")


def test_a_removed_entry_exits_1_naming_it(cli: Invoke, operator: str, database_file: Path) -> None:
    for _ in range(4):
        cli("audit", "show", "--child", CHILD)
    edit_behind_the_databases_back(database_file, "DELETE FROM audit_log WHERE seq = 3")
    done = cli("audit", "verify")
    assert (done.exit_code, done.output) == (
        1,
        "audit chain broken at entry 3: removed: entry 3 is missing\n",
    )


def test_showing_a_childs_history_lists_who_touched_it_and_is_recorded(
    cli: Invoke, operator: str
) -> None:
    first = cli("audit", "show", "--child", CHILD)
    assert (first.exit_code, first.output) == (0, f"No audit entries for child {CHILD}.\n")
    table = cli("audit", "show", "--child", CHILD)
    assert table.exit_code == 0
    assert "ward4-desk" in table.output and "audit.show" in table.output
    listed = json.loads(cli("audit", "show", "--child", CHILD, "--json").output)
    assert [entry["seq"] for entry in listed] == [1, 2]
    assert listed[0] | {"at": None} == {
        "seq": 1,
        "at": None,
        "actor": operator,
        "role": "operator",
        "action": "audit.show",
        "resource": f"child/{CHILD}/audit",
        "child_id": CHILD,
        "address": "cli",
        "outcome": "done",
    }
    assert (
        json.loads(cli("audit", "show", "--child", "01JSOMEONEELSE000000000000", "--json").output)
        == []
    )
