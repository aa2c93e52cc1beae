"""Run the real ``pedmassage`` Typer app in-process against a private SQLite database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pedmassage.cli.main import app
from pedmassage.config import get_settings

Invoke = Callable[..., Result]
ChildFile = Callable[..., Path]
"""Writes a child profile (a school-age child on Ward 4) with fields overridden; its path."""


@pytest.fixture()
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    monkeypatch.setenv("PEDMASSAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=stdin)

    yield invoke
    get_settings.cache_clear()


@pytest.fixture()
def child_file(tmp_path: Path) -> ChildFile:
    """A fixture rather than an import: test modules import nothing from each other, so mypy
    can check ``tests/cli`` given by path."""

    def write(**overrides: Any) -> Path:
        return child_json(tmp_path, **overrides)

    return write


def child_json(tmp_path: Path, **overrides: Any) -> Path:
    now = datetime.now(UTC)
    data = {
        "display_name": "Cli Child",
        "birth_date": "2016-02-20",
        "sex": "male",
        "ward": "Ward 4",
        "conditions": [{"code": "juvenile_idiopathic_arthritis"}],
        "vitals": [
            {
                "code": "temperature",
                "value": 36.7,
                "unit": "Cel",
                "taken_at": (now - timedelta(hours=1)).isoformat(),
            }
        ],
        **overrides,
    }
    path = tmp_path / "child.json"
    path.write_text(json.dumps(data))
    return path
