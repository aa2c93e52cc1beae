"""``pedmassage db``: schema migrations."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Database schema: upgrade and status.", no_args_is_help=True, rich_markup_mode=None
)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations to the configured database (PEDMASSAGE_DATABASE_URL or the default)."""
    from pedmassage.config import get_settings
    from pedmassage.migrations import upgrade as run

    url = get_settings().database_url
    run(url, revision)
    typer.echo(f"database is at revision {revision}")


@app.command("current")
def current() -> None:
    """Show the database's revision and the code's."""
    from pedmassage.config import get_settings
    from pedmassage.db import engine_for
    from pedmassage.migrations import current_revision, head_revision

    url = get_settings().database_url
    typer.echo(f"database: {current_revision(engine_for(url)) or 'empty'}")
    typer.echo(f"code:     {head_revision(url)}")
