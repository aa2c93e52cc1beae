"""``pedmassage serve``: the web app and the REST API."""

from __future__ import annotations

import typer

from pedmassage.cli.common import handles_errors


@handles_errors
def serve(
    host: str = typer.Option(None, help="Address to bind (default PEDMASSAGE_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default PEDMASSAGE_PORT or 8000)."),
) -> None:
    """Serve the web app and the API; refuses an unmigrated database."""
    import uvicorn

    from pedmassage.cli.common import database
    from pedmassage.config import get_settings

    settings = get_settings()
    with database():
        pass  # refuses, with the command that fixes it, a database not at the code's head
    bind_host, bind_port = host or settings.host, port or settings.port
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
