"""``pedmassage child list`` reads the children a page at a time and still prints them all, or
the first ``--limit`` of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pedmassage.children import service
from pedmassage.cli.main import app
from pedmassage.config import get_settings


@pytest.fixture()
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("PEDMASSAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield runner
    get_settings.cache_clear()


def children_file(tmp_path: Path, count: int) -> Path:
    profiles = [
        {"display_name": f"Listed {n}", "birth_date": "2016-02-20", "sex": "male", "ward": "W4"}
        for n in range(count)
    ]
    path = tmp_path / "children.json"
    path.write_text(json.dumps(profiles))
    return path


def names(result: Result) -> list[str]:
    return [word for line in result.output.splitlines() for word in line.split("│")
            if word.strip().startswith("Listed")]  # fmt: skip


def test_every_child_is_printed_however_many_pages_they_fill(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.invoke(app, ["child", "import", str(children_file(tmp_path, 5))]).exit_code == 0
    monkeypatch.setattr(service, "MAX_PAGE_SIZE", 2)  # five children fill three pages

    everyone = cli.invoke(app, ["child", "list"])
    first_three = cli.invoke(app, ["child", "list", "--limit", "3"])

    assert everyone.exit_code == 0, everyone.output
    assert [n.strip() for n in names(everyone)] == [f"Listed {n}" for n in range(5)]
    assert [n.strip() for n in names(first_three)] == ["Listed 0", "Listed 1", "Listed 2"]


def test_a_limit_below_one_is_refused(cli: CliRunner) -> None:
    assert cli.invoke(app, ["child", "list", "--limit", "0"]).exit_code == 2
