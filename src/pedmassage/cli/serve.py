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
    """Where to look in the demo: there is no login yet, so the entry points are printed."""
    from urllib.parse import quote

    from pedmassage.cli.common import database
    from pedmassage.demo.seed import THERAPISTS, a_demo_parent

    with database() as db:
        parent = a_demo_parent(db)
    typer.echo("demo mode: every child is synthetic. There is no login yet; records carry")
    typer.echo("the therapist's name as typed. Demo therapists: " + ", ".join(THERAPISTS))
    typer.echo(f"  a therapist's home-program flags: {base}/flags?staff={quote(THERAPISTS[0])}")
    if parent:
        typer.echo(f"  a parent's home routine and diary: {base}/home?guardian={parent}")
