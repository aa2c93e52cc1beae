"""Entry point: ``pedmassage``. Sub-command modules are small and import their work lazily."""

from __future__ import annotations

import typer

from pedmassage.cli import (
    access,
    audit,
    backup,
    children,
    db,
    demo,
    evidence,
    fhir,
    homecare,
    measures,
    outcomes,
    research,
    screening,
    serve,
    sessions,
    sources,
)

app = typer.Typer(
    name="pedmassage",
    help="Run a pediatric massage therapy program safely, and turn every session into evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(shown: bool) -> None:
    """Print ``pedmassage <version>`` (the installed distribution's) and stop: a bug report
    starts with the version, and needs no database to find it."""
    if shown:
        from importlib.metadata import version

        typer.echo(f"pedmassage {version('pedmassage')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print the installed version and exit.",
    ),
) -> None:
    """Run a pediatric massage therapy program safely, and turn every session into evidence."""


app.add_typer(db.app, name="db")
app.add_typer(children.app, name="child")
app.add_typer(sessions.app, name="session")
app.add_typer(measures.app, name="measures")
app.add_typer(evidence.app, name="evidence")
app.add_typer(homecare.app, name="homecare")
app.add_typer(outcomes.app, name="outcomes")
app.add_typer(research.app, name="research")
app.add_typer(fhir.app, name="fhir")
app.add_typer(audit.app, name="audit")
app.add_typer(access.site_app, name="site")
app.add_typer(access.user_app, name="user")
app.add_typer(access.token_app, name="token")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("screen")(screening.screen)
app.command("plan")(sessions.plan)
app.command("history")(sessions.history)
app.command("sources")(sources.sources)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)


def main() -> None:
    app()
