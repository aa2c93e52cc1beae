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

    from pedmassage.api.app import create_app
    from pedmassage.config import get_settings

    settings = get_settings()
    app = create_app(settings)
    bind_host, bind_port = host or settings.host, port or settings.port
    typer.echo(f"pedmassage on http://{bind_host}:{bind_port}  (API docs: /api/docs)")
    if settings.demo:
        from pedmassage.demo.seed import THERAPISTS

        typer.echo("demo mode: every child is synthetic. There is no login yet; records carry")
        typer.echo("the therapist's name as typed. Demo therapists: " + ", ".join(THERAPISTS))
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning")
