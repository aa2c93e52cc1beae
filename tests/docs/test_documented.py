"""Everything a user can reach is documented: settings, API routes and CLI commands.

A new route, setting or command fails this test until the docs mention it.
"""

from __future__ import annotations

from pathlib import Path

import click
import typer

from pedmassage.cli.main import app as cli_app
from pedmassage.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_with_its_environment_variable() -> None:
    text = (ROOT / "docs" / "operations.md").read_text()
    for name in Settings.model_fields:
        assert f"PEDMASSAGE_{name.upper()}" in text, name


def test_every_api_route_is_documented(sqlite_url: str) -> None:
    from pedmassage.app import create_app

    text = (ROOT / "docs" / "api.md").read_text()
    app = create_app(Settings(database_url=sqlite_url))
    api_paths = {p for p in app.openapi()["paths"] if p.startswith("/api/v1") or p == "/healthz"}
    assert api_paths
    for path in api_paths:
        assert f"`{path}`" in text, path


def test_every_cli_command_is_documented() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    for command in _commands(typer.main.get_command(cli_app), ()):
        assert f"pedmassage {command}" in text, command


def _commands(group: click.Command, prefix: tuple[str, ...]) -> list[str]:
    if not isinstance(group, click.Group):
        return [" ".join(prefix)]
    found: list[str] = []
    for name, sub in group.commands.items():
        found += _commands(sub, (*prefix, name))
    return found


def test_the_clinical_sources_document_is_generated_from_the_data() -> None:
    from pedmassage.sources import clinical_sources_markdown

    text = (ROOT / "docs" / "clinical-sources.md").read_text()
    assert text == clinical_sources_markdown(), (
        "docs/clinical-sources.md is out of date: run "
        "`.venv/bin/pedmassage sources > docs/clinical-sources.md`"
    )


def test_every_rule_protocol_and_instrument_has_a_source() -> None:
    from pedmassage.sources import clinical_sources_markdown

    for line in clinical_sources_markdown().splitlines():
        if line.startswith("| `"):
            assert line.rstrip(" |").rsplit("|", 1)[-1].strip(), line


def test_the_security_document_shows_the_policy_as_it_is() -> None:
    from pedmassage.access.policy import policy_table

    text = (ROOT / "docs" / "security.md").read_text()
    shown = text.split("<!-- policy-table -->\n", 1)[1].split("\n<!-- /policy-table -->", 1)[0]
    assert shown == policy_table()
