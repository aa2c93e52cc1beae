"""Every ``pedmassage`` command in README.md's code blocks runs, as written, against a fresh
database seeded with what the commands need.

Substitutions, the only differences from what a reader types:

* ``.venv/bin/`` is dropped: the app runs in-process;
* ``examples/...`` paths are made absolute (the commands run in a scratch folder, where
  ``--output`` files land);
* ``CHILD_ID`` is the id of a seeded school-age child on Ward 4; a NICU infant is seeded too, for
  ``child list --ward NICU``;
* ``SCREENING_ID`` is the id the README's own ``screen --child CHILD_ID`` prints;
* ``examples/session.json`` is given with its placeholders filled in as its README comment says:
  ``screening_id`` that screening, ``started_at`` a minute after it. The screening is made half an
  hour in the past so the session also ended before now.

Skipped, with the reason: ``pedmassage serve`` (serves until stopped) and ``make`` lines (they
build the environment these tests run in).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]
ChildFile = Callable[..., Path]
ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)
SKIPPED = {
    "serve": "serves until stopped",
    "make": "builds the environment these tests run in",
}


def readme_commands() -> list[list[str]]:
    """The argument lists of the README's ``pedmassage`` commands, in the order shown."""
    found: list[list[str]] = []
    for block in FENCE.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if not words or words[0] == "make":
                continue
            command = words[0].removeprefix(".venv/bin/").removeprefix("$ ")
            if command == "pedmassage" and words[1:2] != ["serve"]:
                found.append(words[1:])
    return found


def test_the_readme_shows_the_commands_this_test_runs() -> None:
    commands = readme_commands()
    assert ["child", "list", "--ward", "NICU"] in commands
    assert any(c[:2] == ["session", "record"] for c in commands)
    assert all(c and c[0] != "serve" for c in commands), SKIPPED["serve"]


def test_every_readme_command_runs(
    cli: Invoke,
    child_file: ChildFile,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli("db", "upgrade").exit_code == 0
    child = cli("child", "add", "--file", str(child_file())).stdout.strip()
    infant = {"display_name": "NICU Infant", "ward": "NICU", "setting": "nicu",
              "birth_date": (datetime.now(UTC) - timedelta(days=20)).date().isoformat(),
              "gestational_age_weeks": 32, "conditions": []}  # fmt: skip
    assert cli("child", "add", "--file", str(child_file(**infant))).exit_code == 0
    screened_at = datetime.now(UTC) - timedelta(minutes=30)
    monkeypatch.setattr("pedmassage.cli.screening.now", lambda: screened_at)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    ids = {"CHILD_ID": child}
    for words in readme_commands():
        args = [_substitute(word, ids, screened_at, tmp_path) for word in words]
        result = cli(*args)
        assert result.exit_code == 0, f"pedmassage {shlex.join(args)}\n{result.output}"
        if args[:2] == ["screen", "--child"]:
            found = re.search(r"screening (\S+)", result.stdout)
            assert found, result.stdout
            ids["SCREENING_ID"] = found.group(1)
    assert (workdir / "handout.pdf").read_bytes().startswith(b"%PDF")


def _substitute(word: str, ids: dict[str, str], screened_at: datetime, tmp_path: Path) -> str:
    if word in ids:
        return ids[word]
    if word == "examples/session.json":
        data = json.loads((ROOT / word).read_text(encoding="utf-8"))
        data["screening_id"] = ids["SCREENING_ID"]
        data["started_at"] = (screened_at + timedelta(minutes=1)).isoformat()
        filled = tmp_path / "session.json"
        filled.write_text(json.dumps(data), encoding="utf-8")
        return str(filled)
    if word.startswith("examples/"):
        return str(ROOT / word)
    return word
