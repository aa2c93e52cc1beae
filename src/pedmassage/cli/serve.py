"""``pedmassage serve``: the web app and the REST API."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import typer

from pedmassage.cli.common import handles_errors

if TYPE_CHECKING:
    from pedmassage.config import Settings


@handles_errors
def serve(
    host: str = typer.Option(None, help="Address to bind (default PEDMASSAGE_HOST or 127.0.0.1)."),
    port: int = typer.Option(
        None, min=1, max=65535, help="Port (default PEDMASSAGE_PORT, else PORT, else 8000)."
    ),
) -> None:
    """Serve the web app and the API; refuses an unmigrated database."""
    import uvicorn

    from pedmassage.cli.common import database
    from pedmassage.config import get_settings

    settings = get_settings()
    with database():
        pass  # refuses, with the command that fixes it, a database not at the code's head
    bind_host, bind_port = host or settings.host, choose_port(port, settings, os.environ)
    typer.echo(f"pedmassage on http://{bind_host}:{bind_port}  (API docs: /api/docs)")
    if settings.demo:
        _demo_hints(f"http://{bind_host}:{bind_port}")
    # The app is named, not imported: the command line and the web edges stay independent.
    uvicorn.run(
        "pedmassage.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        log_level="warning",
    )


def _demo_hints(base: str) -> None:
    """The demo accounts, one per role, with their passwords: every page needs a login."""
    from pedmassage.demo.accounts import DEMO_ACCOUNTS

    typer.echo("demo mode: every child is synthetic. Log in at " + f"{base}/login as:")
    for account in DEMO_ACCOUNTS:
        typer.echo(f"  {account.role:<14} {account.username:<16} password: {account.password}")


def choose_port(option: int | None, settings: Settings, environ: Mapping[str, str]) -> int:
    """The port to bind: ``--port``, else ``PEDMASSAGE_PORT``, else ``PORT``, else 8000.

    ``PORT`` is the variable hosting platforms and ``make run PORT=...`` set; ``PEDMASSAGE_PORT``
    is this app's own setting, so it wins when both are set, and an explicit option wins over
    both. Whether ``PEDMASSAGE_PORT`` was set is read from the settings, not from its value: a
    ``PEDMASSAGE_PORT=8000`` beside ``PORT=9000`` still means 8000.
    """
    if option is not None:
        return option
    if "port" in settings.model_fields_set:
        return settings.port
    plain = environ.get("PORT", "").strip()
    if not plain:
        return settings.port
    if not plain.isdigit() or not 1 <= int(plain) <= 65535:
        raise typer.BadParameter(f"PORT={plain!r} is not a port (1-65535)", param_hint="PORT")
    return int(plain)
