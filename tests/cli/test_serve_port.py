"""Which port ``pedmassage serve`` binds: ``--port`` > ``PEDMASSAGE_PORT`` > ``PORT`` > 8000.

``PORT`` is what hosting platforms and ``make run PORT=...`` set; ``PEDMASSAGE_PORT`` is the app's
own setting. Both must be honoured, and which one wins must not depend on their values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import typer
import uvicorn
from typer.testing import Result

from pedmassage.cli.serve import choose_port
from pedmassage.config import Settings

Invoke = Callable[..., Result]
"""The ``cli`` fixture (tests/cli/conftest.py): the app run in-process."""


def settings(monkeypatch: pytest.MonkeyPatch, pedmassage_port: str | None) -> Settings:
    if pedmassage_port is None:
        monkeypatch.delenv("PEDMASSAGE_PORT", raising=False)
    else:
        monkeypatch.setenv("PEDMASSAGE_PORT", pedmassage_port)
    return Settings()


@pytest.mark.parametrize(
    ("option", "pedmassage_port", "port", "chosen"),
    [
        (None, None, None, 8000),
        (None, None, "9000", 9000),
        (None, "8100", None, 8100),
        (None, "8100", "9000", 8100),
        (None, "8000", "9000", 8000),  # set to the default still wins over PORT
        (7000, "8100", "9000", 7000),
        (7000, None, None, 7000),
        (None, None, " ", 8000),
    ],
)
def test_the_port_is_the_first_of_option_pedmassage_port_port_and_8000(
    monkeypatch: pytest.MonkeyPatch,
    option: int | None,
    pedmassage_port: str | None,
    port: str | None,
    chosen: int,
) -> None:
    environ = {} if port is None else {"PORT": port}
    assert choose_port(option, settings(monkeypatch, pedmassage_port), environ) == chosen


@pytest.mark.parametrize("port", ["http", "0", "65536", "-1", "80.5"])
def test_a_port_variable_that_is_no_port_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    with pytest.raises(typer.BadParameter, match="PORT"):
        choose_port(None, settings(monkeypatch, None), {"PORT": port})


def test_a_bad_port_variable_is_ignored_when_pedmassage_port_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert choose_port(None, settings(monkeypatch, "8100"), {"PORT": "http"}) == 8100


def test_serve_binds_the_chosen_port(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command itself, with the server replaced: ``PORT`` reaches uvicorn."""
    bound: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: bound.update(kwargs))
    monkeypatch.delenv("PEDMASSAGE_PORT", raising=False)
    monkeypatch.delenv("PEDMASSAGE_HOST", raising=False)
    monkeypatch.setenv("PORT", "9123")
    assert cli("db", "upgrade").exit_code == 0
    result = cli("serve")
    assert result.exit_code == 0, result.output
    assert bound["port"] == 9123
    assert "http://127.0.0.1:9123" in result.output
