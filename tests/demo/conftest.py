"""The demo command's tests run the real command line, as the command-line tests do."""

from tests.cli.conftest import cli

__all__ = ["cli"]
