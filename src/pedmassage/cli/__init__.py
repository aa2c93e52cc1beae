"""The ``pedmassage`` command line (Typer + Rich). Modules import heavy code inside commands so
that ``pedmassage --help`` starts fast."""
