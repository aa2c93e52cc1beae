"""``pedmassage research``: sample size as G*Power publishes it, REDCap's dictionary, and the
de-identified export that carries no name, birth date, record number or free text."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import Result

from pedmassage.config import get_settings
from pedmassage.db import make_engine, unit_of_work
from pedmassage.demo.seed import seed_demo
from pedmassage.migrations import upgrade
from pedmassage.models import Child
from pedmassage.research.redcap import DICTIONARY_HEADERS

Invoke = Callable[..., Result]


def test_sample_size_for_d_half_and_power_90_is_gpowers_86_per_group(cli: Invoke) -> None:
    result = cli("research", "power", "--test", "two-sample-t", "--effect-size", "0.5",
                 "--alpha", "0.05", "--power", "0.9")  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert (found["n_per_group"], found["n_total"]) == (86, 172)
    assert found["achieved_power"] == pytest.approx(0.9032, abs=1e-4)


def test_paired_and_two_proportion_designs(cli: Invoke) -> None:
    paired = json.loads(
        cli("research", "power", "--test", "paired-t", "--effect-size", "0.5").output
    )
    assert paired["n_per_group"] == 34
    two = cli("research", "power", "--test", "two-proportions", "--p1", "0.5", "--p2", "0.3")
    assert two.exit_code == 0 and json.loads(two.output)["n_per_group"] > 0


def test_an_unknown_test_is_refused_with_exit_2(cli: Invoke) -> None:
    result = cli("research", "power", "--test", "anova", "--effect-size", "0.5")
    assert result.exit_code == 2
    assert "two-sample-t" in result.output


def test_the_redcap_dictionary_has_redcaps_18_columns(cli: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "dictionary.csv"
    assert cli("research", "redcap-dictionary", "--output", str(out)).exit_code == 0
    with out.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(DICTIONARY_HEADERS)
    assert len(rows[0]) == 18
    assert any(r[0].startswith("flacc_") and r[3] == "radio" for r in rows[1:])


@pytest.fixture()
def demo_db(cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        seed_demo(db=db, as_of=date(2026, 11, 25))
    engine.dispose()
    secret = tmp_path / "research.key"
    secret.write_bytes(bytes(range(32)))
    monkeypatch.setenv("PEDMASSAGE_RESEARCH_SECRET_FILE", str(secret))
    get_settings.cache_clear()
    return url


def _identifiers(url: str) -> set[str]:
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        found: set[str] = set()
        for child in db.query(Child).all():
            found |= {child.display_name, child.id}
            found |= {g.name for g in child.guardians}
            if child.mrn:
                found.add(child.mrn)
            if child.ward:
                found.add(child.ward)
    engine.dispose()
    return found


def test_the_deidentified_export_holds_no_identifier(
    cli: Invoke, demo_db: str, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = cli("research", "export", "--deidentified", "--format", "csv", "--output", str(out))
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"children.csv", "sessions.csv", "measures.csv", "dictionary.csv"}
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    leaked = {value for value in _identifiers(demo_db) if value and value in text}
    assert not leaked
    # a date may coincide with another child's, but no child keeps its own birth date
    from pedmassage.research.deidentify import KeyedIds

    ids = KeyedIds(secret=bytes(range(32)))
    engine = make_engine(demo_db)
    with unit_of_work(engine) as db:
        true_birth = {
            ids.pseudonym(kind="child", value=c.id): c.birth_date.isoformat()
            for c in db.query(Child).all()
        }
    engine.dispose()
    with (out / "children.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["birth_date_shifted"] != true_birth[r["child"]] for r in rows)


def test_pseudonyms_are_stable_and_each_childs_intervals_are_kept(
    cli: Invoke, demo_db: str, tmp_path: Path
) -> None:
    from pedmassage.research.deidentify import KeyedIds
    from pedmassage.sessions.models import SessionRecord

    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert cli("research", "export", "--deidentified", "--output", str(out)).exit_code == 0
    assert (first / "children.csv").read_text() == (second / "children.csv").read_text()
    with (first / "children.csv").open(encoding="utf-8") as f:
        born = {r["child"]: date.fromisoformat(r["birth_date_shifted"]) for r in csv.DictReader(f)}
    with (first / "sessions.csv").open(encoding="utf-8") as f:
        shifted = {
            r["session"]: (
                datetime.fromisoformat(r["started_at_shifted"]).date() - born[r["child"]]
            )
            for r in csv.DictReader(f)
            if r["started_at_shifted"]
        }
    ids = KeyedIds(secret=bytes(range(32)))
    engine = make_engine(demo_db)
    with unit_of_work(engine) as db:
        true = {
            ids.pseudonym(kind="session", value=s.id): s.started_at.astimezone(UTC).date()
            - db.get(Child, s.child_id).birth_date  # type: ignore[union-attr]
            for s in db.query(SessionRecord).all()
            if s.started_at is not None
        }
    engine.dispose()
    assert shifted and shifted == true


def test_without_a_site_secret_there_is_no_export(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PEDMASSAGE_RESEARCH_SECRET_FILE", raising=False)
    get_settings.cache_clear()
    result = cli("research", "export", "--deidentified", "--output", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "PEDMASSAGE_RESEARCH_SECRET_FILE" in result.output
