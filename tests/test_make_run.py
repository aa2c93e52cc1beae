"""``make run`` installs only what the app needs, and listens where it is told.

The Makefile is run on a copy in a scratch folder, with ``make -n`` for what it would install and
with stand-in ``python``/``pedmassage`` scripts for what ``make run`` passes to the app: nothing is
installed and no server is started. A run-only venv must get the development tools at the next
``make test``, and a full venv must serve ``make run`` as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

RUN_INSTALL = "pip install -q -e .\n"
DEV_INSTALL = "pip install -q -e '.[dev]'"
STAND_IN = """#!/bin/sh
echo "$(basename "$0") $* | PORT=${PORT-unset} PEDMASSAGE_PORT=${PEDMASSAGE_PORT-unset}" >> "$LOG"
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """The Makefile beside a pyproject.toml older than any stamp made after it."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'stand-in'\n")
    os.utime(tmp_path / "pyproject.toml", (1_000_000_000, 1_000_000_000))
    return tmp_path


def make(project: Path, *args: str, env: dict[str, str] | None = None) -> str:
    assert MAKE is not None
    environ = {k: v for k, v in os.environ.items() if k not in ("PORT", "PEDMASSAGE_PORT", "HOST")}
    result = subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(project), *args],
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def stamp(project: Path, *names: str) -> None:
    venv = project / ".venv"
    venv.mkdir(exist_ok=True)
    for name in names:
        (venv / name).touch()


def test_run_on_a_fresh_checkout_installs_the_app_without_the_development_tools(
    project: Path,
) -> None:
    planned = make(project, "-n", "run")
    assert RUN_INSTALL in planned
    assert "[dev]" not in planned


def test_the_first_make_test_after_make_run_installs_the_development_tools(
    project: Path,
) -> None:
    stamp(project, ".run-stamp")
    assert "pip install" not in make(project, "-n", "run")
    assert DEV_INSTALL in make(project, "-n", "install")


def test_a_full_install_serves_make_run_as_it_is(project: Path) -> None:
    planned = make(project, "-n", "install")
    assert DEV_INSTALL in planned
    assert "touch .venv/.dev-stamp .venv/.run-stamp" in planned
    stamp(project, ".dev-stamp", ".run-stamp")
    assert "pip install" not in make(project, "-n", "run")
    assert "pip install" not in make(project, "-n", "install")


def test_a_changed_pyproject_reinstalls_each_kind_of_venv(project: Path) -> None:
    stamp(project, ".dev-stamp", ".run-stamp")
    os.utime(project / "pyproject.toml", (2_000_000_000, 2_000_000_000))  # after both stamps
    assert RUN_INSTALL in make(project, "-n", "run")
    assert DEV_INSTALL in make(project, "-n", "install")


@pytest.fixture()
def stand_in_venv(project: Path) -> Path:
    """A venv whose ``pedmassage`` only logs its arguments and port variables."""
    stamp(project, ".run-stamp")
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir()
    for name in ("python", "pedmassage"):
        (bin_dir / name).write_text(STAND_IN)
        (bin_dir / name).chmod(0o755)
    return project / "served.log"


def served(project: Path, log: Path, *args: str, env: dict[str, str] | None = None) -> str:
    make(project, "run", *args, env={"LOG": str(log), **(env or {})})
    lines = log.read_text().splitlines()
    (line,) = [entry for entry in lines if entry.startswith("pedmassage serve")]
    log.unlink()
    return line


def test_make_run_leaves_the_port_to_pedmassage_serve_with_both_variables_passed(
    project: Path, stand_in_venv: Path
) -> None:
    line = served(project, stand_in_venv, env={"PORT": "9000", "PEDMASSAGE_PORT": "8100"})
    assert line == "pedmassage serve | PORT=9000 PEDMASSAGE_PORT=8100"


def test_a_port_or_host_on_makes_command_line_is_passed_as_an_option(
    project: Path, stand_in_venv: Path
) -> None:
    line = served(project, stand_in_venv, "PORT=9001", "HOST=0.0.0.0")
    assert line.startswith("pedmassage serve --host 0.0.0.0 --port 9001 |")


def test_a_host_in_the_environment_is_not_taken_as_the_address(
    project: Path, stand_in_venv: Path
) -> None:
    line = served(project, stand_in_venv, env={"HOST": "workstation-7"})
    assert line == "pedmassage serve | PORT=unset PEDMASSAGE_PORT=unset"
