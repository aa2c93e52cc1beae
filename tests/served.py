"""The application as it is served, built once on a throwaway migrated database, for the tests
that walk its route table."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI

from pedmassage.app import create_app
from pedmassage.config import Settings
from pedmassage.migrations import upgrade

T = TypeVar("T")


def with_served_app(read: Callable[[FastAPI], T]) -> T:
    """What ``read`` finds in the app (it starts only on a database at the code's revision)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'routes.sqlite3'}"
        upgrade(url)
        app = create_app(Settings(database_url=url))
        try:
            return read(app)
        finally:
            app.state.engine.dispose()
