"""``pedmassage sources``: every rule, threshold, protocol and instrument with its source."""

from __future__ import annotations

import typer


def sources() -> None:
    """Print the clinical sources document (Markdown) generated from the data files."""
    from pedmassage.sources import clinical_sources_markdown

    typer.echo(clinical_sources_markdown(), nl=False)
