"""The house's shape is checked, not hoped for: every top-level module of pedmassage is named in
an import contract (``lint-imports`` keeps the contracts), so a new package cannot slip in
unruled."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pedmassage

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(pedmassage.__file__).parent


def top_level_modules(package: Path = PACKAGE) -> set[str]:
    packages = {p.parent.name for p in package.glob("*/__init__.py")}
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    return {f"pedmassage.{name}" for name in packages | modules}


def unplaced(package: Path) -> set[str]:
    """Top-level modules of ``package`` that the layers contract does not name."""
    return top_level_modules(package) - layered(contracts())


def named_in_contracts(contracts: list[dict[str, object]]) -> set[str]:
    named: set[str] = set()
    for contract in contracts:
        for key in ("source_modules", "forbidden_modules", "modules", "ancestors"):
            named.update(str(m) for m in contract.get(key, []))  # type: ignore[attr-defined]
        for layer in contract.get("layers", []):  # type: ignore[attr-defined]
            named.update(part.strip() for part in str(layer).replace(":", "|").split("|"))
    return {".".join(name.split(".")[:2]) for name in named if name.startswith("pedmassage.")}


def layered(contracts: list[dict[str, object]]) -> set[str]:
    layers = [c for c in contracts if c.get("type") == "layers"]
    return named_in_contracts(layers)


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return found


def test_every_top_level_module_has_a_place_in_the_layers() -> None:
    missing = unplaced(PACKAGE)
    assert not missing, f"add {sorted(missing)} to the layers contract in pyproject.toml"


def test_a_new_package_that_no_contract_names_is_noticed(tmp_path: Path) -> None:
    for module in top_level_modules():
        name = module.removeprefix("pedmassage.")
        is_package = (PACKAGE / name / "__init__.py").exists()
        target = tmp_path / name / "__init__.py" if is_package else tmp_path / f"{name}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "__init__.py").touch()
    (tmp_path / "invoices.py").touch()
    assert unplaced(tmp_path) == {"pedmassage.billing", "pedmassage.invoices"}


def test_knowledge_packages_are_forbidden_storage_and_every_record_package() -> None:
    knowledge = next(c for c in contracts() if str(c["name"]).startswith("Clinical knowledge"))
    sources = set(knowledge["source_modules"])  # type: ignore[call-overload]
    forbidden = set(knowledge["forbidden_modules"])  # type: ignore[call-overload]
    assert {
        "pedmassage.development",
        "pedmassage.vocabulary",
        "pedmassage.safety",
        "pedmassage.planning",
        "pedmassage.measures",
        "pedmassage.stats",
        "pedmassage.evidence",
    } <= sources
    records = {"children", "screenings", "sessions", "homecare", "outcomes"}
    assert {f"pedmassage.{r}" for r in records} | {"sqlalchemy", "pedmassage.db"} <= forbidden


def test_adapters_are_forbidden_every_models_module() -> None:
    """A new records package's tables are out of the adapters' reach from the day it is added."""
    adapters = next(c for c in contracts() if str(c["name"]).startswith("Adapters import"))
    forbidden = set(adapters["forbidden_modules"])  # type: ignore[call-overload]
    tables = [p for p in PACKAGE.glob("*/models.py") if "(Base)" in p.read_text()]
    models = {f"pedmassage.{p.parent.name}.models" for p in tables} | {"pedmassage.models"}
    assert models <= forbidden, sorted(models - forbidden)
