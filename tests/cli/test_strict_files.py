"""A file given to the command line is read as strictly as a request to the API: JSON types are
kept, a repeated key is refused, and the refusal names the field's full path with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]
ChildFile = Callable[..., Path]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"verbal": "yes"}, "verbal"),
        ({"gestational_age_weeks": "38"}, "gestational_age_weeks"),
        ({"medications": ["m" * 61]}, "medications[0]"),
        ({"display_name": "Cli\u0000Child"}, "display_name"),
    ],
)
def test_a_value_of_the_wrong_type_or_size_is_refused_by_its_path(
    child_file: ChildFile, cli: Invoke, tmp_path: Path, change: dict[str, object], field: str
) -> None:
    cli("db", "upgrade")
    result = cli("child", "add", "--file", str(child_file(**change)))
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert "Cli" not in cli("child", "list").output


def test_a_key_given_twice_in_a_file_is_refused(
    child_file: ChildFile, cli: Invoke, tmp_path: Path
) -> None:
    cli("db", "upgrade")
    path = child_file()
    text = path.read_text()
    path.write_text(text[: text.rindex("}")] + ', "display_name": "Other"}')
    json.loads(path.read_text())  # a JSON parser alone would take the last copy
    result = cli("child", "add", "--file", str(path))
    assert result.exit_code == 2, result.output
    assert "display_name" in result.output
    assert "once" in result.output
