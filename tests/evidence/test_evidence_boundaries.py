"""The evidence package is clinical knowledge: it imports nothing from records or adapters."""

from __future__ import annotations

import ast
from pathlib import Path

import pedmassage.evidence

FORBIDDEN = (
    "pedmassage.db", "pedmassage.children", "pedmassage.sessions", "pedmassage.outcomes",
    "pedmassage.api", "pedmassage.web", "pedmassage.cli", "sqlalchemy", "fastapi", "starlette",
    "typer",
)  # fmt: skip


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_evidence_package_imports_no_database_web_or_command_line_code() -> None:
    folder = Path(pedmassage.evidence.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 5
    for module in modules:
        for name in _imports(module):
            assert not name.startswith(FORBIDDEN), f"{module.name} imports {name}"
