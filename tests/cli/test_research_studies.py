"""``pedmassage research study``, ``aggregate``, ``pool`` and ``allocation-table`` at the machine:
studies registered from files, children enrolled through the services, results read back as
tables and JSON, a trial pooled from three installations' aggregates, and REDCap's allocation
table equal to the lists enrolment here deals from."""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import Result

from pedmassage.audit.models import AuditEntry
from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.config import get_settings
from pedmassage.db import make_engine, unit_of_work
from pedmassage.research import enrolment
from pedmassage.research.models import Study
from pedmassage.research.schemas import AssessmentIn, StudyMeasureIn
from pedmassage.sites.service import add_site
from pedmassage.stats.randomization import allocation_sequence

Invoke = Callable[..., Result]
THERAPIST = enrolment.Asker(name="Tess Therapist", role="therapist", address="test")


def protocol(sites: list[str], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Massage for procedural pain in children with cancer",
        "arms": [
            {"id": "massage", "label": "Massage", "kind": "massage"},
            {"id": "usual-care", "label": "Usual care", "kind": "control"},
        ],
        "eligibility": [
            {"field": "age_years", "op": ">=", "value": 3},
            {"field": "conditions", "op": "has", "value": "cancer"},
        ],
        "strata": ["site"],
        "randomization": {"method": "permuted_blocks", "block_sizes": [4, 6]},
        "sites": sites,
        "primary_outcome": {"instrument_id": "nrs_11", "day": 7, "window_days": 2},
        "target_sample_size": 86,
    }
    data.update(overrides)
    return data


def study_file(tmp_path: Path, code: str, sites: list[str], **overrides: Any) -> Path:
    path = tmp_path / f"{code}.json"
    path.write_text(json.dumps({"code": code, "protocol": protocol(sites, **overrides)}))
    return path


class Installation:
    """One installation's database: a migrated copy, made current for the command line."""

    def __init__(self, path: Path, template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        shutil.copy(template, path)
        self.url = f"sqlite:///{path}"
        self.monkeypatch = monkeypatch
        self.use()

    def use(self) -> None:
        self.monkeypatch.setenv("PEDMASSAGE_DATABASE_URL", self.url)
        get_settings.cache_clear()

    def add_sites(self, *names: str) -> None:
        engine = make_engine(self.url)
        with unit_of_work(engine) as db:
            for name in names:
                add_site(db=db, name=name, now=datetime.now(UTC))
        engine.dispose()

    def enrol(
        self, code: str, site: str, *, per_arm: int, seed: int = 1, **child: Any
    ) -> list[str]:
        """Enrol children at ``site`` until each arm has ``per_arm``, each with a baseline and a
        day-7 score (massage lowers pain more than usual care); the arms in enrolment order."""
        rng = random.Random(seed)
        at = datetime.now(UTC) - timedelta(days=7, hours=1)
        arms: list[str] = []
        engine = make_engine(self.url)
        with unit_of_work(engine) as db:
            while min(Counter(arms)[a] for a in ("massage", "usual-care")) < per_arm:
                child_id = new_child(db, at, site, **child)
                found = enrolment.assess(
                    db=db,
                    code=code,
                    child_id=child_id,
                    data=AssessmentIn(decision="enrol", consent="guardian", assent="given"),
                    asker=THERAPIST,
                    now=at,
                )
                assert found.enrolment is not None
                arm = found.enrolment.arm
                arms.append(arm)
                before = rng.randint(4, 9)
                after = max(0, before - (3 if arm == "massage" else 1) + rng.randint(-1, 1))
                for day, score, taken in ((0, before, at), (7, after, at + timedelta(days=7))):
                    enrolment.record_measure(
                        db=db,
                        code=code,
                        child_id=child_id,
                        data=StudyMeasureIn(
                            instrument="nrs_11", day=day, items={"score": score}, taken_at=taken
                        ),
                        by=THERAPIST.name,
                        now=taken + timedelta(minutes=1),
                    )
        engine.dispose()
        return arms

    def assess(self, code: str, site: str, decision: str, **child: Any) -> None:
        """A child assessed and not enrolled (ineligible or declined), for the CONSORT counts."""
        at = datetime.now(UTC) - timedelta(days=7, hours=1)
        engine = make_engine(self.url)
        with unit_of_work(engine) as db:
            enrolment.assess(
                db=db,
                code=code,
                child_id=new_child(db, at, site, **child),
                data=AssessmentIn.model_validate({"decision": decision}),
                asker=THERAPIST,
                now=at,
            )
        engine.dispose()

    def audit_actions(self) -> list[tuple[str, str, str]]:
        engine = make_engine(self.url)
        with unit_of_work(engine) as db:
            rows = db.execute(
                select(AuditEntry.action, AuditEntry.actor, AuditEntry.resource).order_by(
                    AuditEntry.seq
                )
            )
            found = [(action, actor, resource) for action, actor, resource in rows]
        engine.dispose()
        return found

    def seed(self, code: str) -> bytes:
        engine = make_engine(self.url)
        with unit_of_work(engine) as db:
            seed = db.scalars(select(Study.allocation_seed).where(Study.code == code)).one()
        engine.dispose()
        return seed


def new_child(db: Any, at: datetime, site: str, sex: str = "female", cancer: bool = True) -> str:
    data = {
        "site_id": site,
        "display_name": "Synthetic child",
        "birth_date": (at.date() - timedelta(days=int(365.25 * 8) + 10)).isoformat(),
        "sex": sex,
        "conditions": [{"code": "cancer"}] if cancer else [],
    }
    return children.create_child(db=db, data=ChildCreate.model_validate(data), now=at).id


@pytest.fixture()
def here(
    cli: Invoke, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Installation]:
    """The installation the command line runs against, with the sites North and South."""
    installation = Installation(tmp_path / "here.sqlite3", sqlite_template, monkeypatch)
    installation.add_sites("North", "South")
    yield installation


def research(cli: Invoke, *args: str) -> Result:
    """``pedmassage research ARGS``, which must succeed."""
    result = cli("research", *args)
    assert result.exit_code == 0, result.output
    return result


def refused(result: Result) -> str:
    """Exit code 2 with a message, not a traceback."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.output


# --- register, list, show, amend, close -----------------------------------------------------


def test_a_study_is_registered_listed_shown_amended_and_closed(
    cli: Invoke, here: Installation, tmp_path: Path
) -> None:
    path = study_file(tmp_path, "PAIN-1", ["North", "South"])
    registered = json.loads(research(cli, "study", "register", "--file", str(path)).stdout)
    assert (registered["code"], registered["version"], registered["status"]) == (
        "PAIN-1",
        1,
        "enrolling",
    )
    assert sorted(registered["site_names"].values()) == ["North", "South"]
    assert registered["registered_by"].startswith("operator:")
    assert "seed" not in json.dumps(registered)

    listed = research(cli, "study", "list").stdout
    assert "PAIN-1" in listed and "enrolling" in listed and "0/86" in listed
    assert [s["code"] for s in json.loads(research(cli, "study", "list", "--json").stdout)] == [
        "PAIN-1"
    ]
    shown = json.loads(research(cli, "study", "show", "pain-1").stdout)
    assert shown["id"] == registered["id"]

    retitled = protocol(["North", "South"], title="Massage for pain in children with cancer")
    change = tmp_path / "change.json"
    change.write_text(json.dumps({"protocol": retitled}))
    before_enrolment = json.loads(
        research(cli, "study", "amend", "PAIN-1", "--file", str(change)).stdout
    )
    assert before_enrolment["version"] == 2
    assert before_enrolment["versions"][-1]["amendment"] is False

    here.enrol("PAIN-1", "North", per_arm=1)
    restratified = protocol(["North", "South"], strata=["site", "sex"])
    change.write_text(json.dumps({"code": "PAIN-1", "protocol": restratified}))
    assert "protocol.strata" in refused(
        cli("research", "study", "amend", "PAIN-1", "--file", str(change), "--reason", "More")
    )
    retitled["title"] = "Massage for procedural pain in children with cancer, ages 3+"
    change.write_text(json.dumps({"code": "PAIN-1", "protocol": retitled}))
    assert "reason" in refused(cli("research", "study", "amend", "PAIN-1", "--file", str(change)))
    change.write_text(json.dumps({"code": "OTHER", "protocol": retitled}))
    assert "OTHER" in refused(cli("research", "study", "amend", "PAIN-1", "--file", str(change)))
    change.write_text(json.dumps({"code": "PAIN-1", "protocol": retitled}))
    reason = "Title names the age limit"
    amend = ("study", "amend", "PAIN-1", "--file", str(change), "--reason", reason)
    amended = json.loads(research(cli, *amend).stdout)
    assert amended["version"] == 3
    last = amended["versions"][-1]
    assert (last["amendment"], last["reason"], last["changes"]) == (True, reason, ["title"])

    closed = json.loads(research(cli, "study", "close", "PAIN-1").stdout)
    assert closed["status"] == "closed"
    assert "closed" in research(cli, "study", "list").stdout

    actions = [
        (action, resource)
        for action, actor, resource in here.audit_actions()
        if actor.startswith("operator:")
    ]
    for expected in ("study.register", "study.amend", "study.close"):
        assert (expected, "study PAIN-1") in actions


def test_the_list_fits_80_columns_and_never_cuts_a_code(
    cli: Invoke, here: Installation, tmp_path: Path
) -> None:
    code = "PAIN-" + "x" * 35
    title = "A very long title " * 10
    research(
        cli,
        "study",
        "register",
        "--file",
        str(study_file(tmp_path, code, ["North"], title=title.strip())),
    )
    listed = research(cli, "study", "list").stdout
    assert code in listed
    assert "A very …" in listed
    assert all(len(line) <= 80 for line in listed.splitlines()), listed


def test_a_missing_file_is_named_with_exit_2_and_no_traceback(
    cli: Invoke, here: Installation, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.json"
    message = refused(cli("research", "study", "register", "--file", str(missing)))
    assert "--file" in message and "cannot read" in message and "nowhere.json" in message
    assert "--file" in refused(cli("research", "study", "register"))
    research(cli, "study", "register", "--file", str(study_file(tmp_path, "P1", ["North"])))
    message = refused(cli("research", "study", "amend", "P1", "--file", str(missing)))
    assert "cannot read" in message and "nowhere.json" in message


def test_a_protocol_file_is_refused_by_the_fields_path(
    cli: Invoke, here: Installation, tmp_path: Path
) -> None:
    path = study_file(tmp_path, "P1", ["North", "Atlantis"])
    assert "protocol.sites[1]" in refused(cli("research", "study", "register", "--file", str(path)))
    path = study_file(tmp_path, "P1", ["North"], target_sample_size="86")
    assert "protocol.target_sample_size" in refused(
        cli("research", "study", "register", "--file", str(path))
    )


# --- results --------------------------------------------------------------------------------


def test_results_show_the_consort_rows_balance_and_analyses(
    cli: Invoke, here: Installation, tmp_path: Path
) -> None:
    research(cli, "study", "register", "--file", str(study_file(tmp_path, "P1", ["North"])))
    here.enrol("P1", "North", per_arm=3)
    here.assess("P1", "North", "declined")
    here.assess("P1", "North", "enrol", cancer=False)

    shown = research(cli, "study", "results", "P1").stdout
    for text in (
        "Assessed for eligibility",
        "Not meeting inclusion criteria",
        "Declined to participate",
        "Randomized",
        "Allocated to intervention",
        "Analysed",
        "Baseline nrs_11",
        "intention-to-treat (primary)",
        "per-protocol (sensitivity)",
        "Usual care",
        "Massage",
    ):
        assert text in shown, text

    svg = tmp_path / "consort.svg"
    result = research(cli, "study", "results", "P1", "--json", "--consort-svg", str(svg))
    found = json.loads(result.stdout)
    rows = {(r["item"], r["reason"]): r["n"] for r in found["consort"] if not r["arm"]}
    assert rows[("Excluded", "Not meeting inclusion criteria")] == 1
    assert rows[("Excluded", "Declined to participate")] == 1
    assert rows[("Assessed for eligibility", "")] == rows[("Randomized", "")] + 2
    assert found["itt"]["estimate"] is not None
    assert "<svg" in svg.read_text(encoding="utf-8")


# --- aggregate and pool ---------------------------------------------------------------------


@pytest.fixture()
def aggregates(
    cli: Invoke, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[Path]:
    """The same trial run at three installations, each writing its aggregate document; these
    small synthetic sites set their smallest shared cell to 3 (the setting is the floor)."""
    monkeypatch.setenv("PEDMASSAGE_RESEARCH_MIN_CELL", "3")
    get_settings.cache_clear()
    written: list[Path] = []
    for n, site in enumerate(("North", "South", "East"), start=1):
        installation = Installation(tmp_path / f"{site}.sqlite3", sqlite_template, monkeypatch)
        installation.add_sites(site)
        folder = tmp_path / site
        folder.mkdir()
        research(cli, "study", "register", "--file", str(study_file(folder, "PAIN-1", [site])))
        installation.enrol("PAIN-1", site, per_arm=3, seed=n)
        output = tmp_path / f"aggregate-{site.lower()}.json"
        result = research(
            cli, "aggregate", "--study", "PAIN-1", "--output", str(output), "--min-cell", "3"
        )
        assert f"site {site}" in result.stdout
        written.append(output)
    return written


def test_three_installations_aggregates_pool_into_one_estimate(
    cli: Invoke, aggregates: list[Path], tmp_path: Path
) -> None:
    first = json.loads(aggregates[0].read_text(encoding="utf-8"))
    assert first["format"] == "pedmassage-trial-aggregate/1"
    assert first["site"] == "North" and first["effect"] is not None
    out = tmp_path / "pooled.json"
    result = research(cli, "pool", *map(str, aggregates), "--method", "FE", "--output", str(out))
    pooled = json.loads(result.stdout)
    assert pooled == json.loads(out.read_text(encoding="utf-8"))
    assert (pooled["k"], pooled["method"], pooled["study"]) == (3, "FE", "PAIN-1")
    assert isinstance(pooled["estimate"], float) and pooled["estimate"] < 0
    assert pooled["ci_low"] < pooled["estimate"] < pooled["ci_high"]
    assert sorted(w["site"] for w in pooled["weights"]) == ["East", "North", "South"]
    assert json.loads(research(cli, "pool", *map(str, aggregates)).stdout)["method"] == "REML"


def test_a_tampered_or_broken_aggregate_is_refused_naming_the_file_and_field(
    cli: Invoke, aggregates: list[Path], tmp_path: Path
) -> None:
    tampered = json.loads(aggregates[1].read_text(encoding="utf-8"))
    tampered["effect"]["variance"] *= 0.25
    aggregates[1].write_text(json.dumps(tampered), encoding="utf-8")
    message = refused(cli("research", "pool", *map(str, aggregates)))
    assert aggregates[1].name in message and "effect.se" in message

    tampered = json.loads(aggregates[2].read_text(encoding="utf-8"))
    tampered["child_name"] = "Someone"
    aggregates[2].write_text(json.dumps(tampered), encoding="utf-8")
    message = refused(cli("research", "pool", str(aggregates[0]), str(aggregates[2])))
    assert aggregates[2].name in message and "child_name" in message

    aggregates[2].write_text('{"format": "pedmassage-trial-aggregate/1", "format": "x"}')
    message = refused(cli("research", "pool", str(aggregates[0]), str(aggregates[2])))
    assert aggregates[2].name in message and "format" in message

    missing = tmp_path / "site-z.json"
    assert "site-z.json" in refused(cli("research", "pool", str(aggregates[0]), str(missing)))
    assert "--method" in refused(cli("research", "pool", str(aggregates[0]), "--method", "XX"))


# --- REDCap's allocation table --------------------------------------------------------------


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_the_allocation_table_is_the_list_enrolment_deals_from(
    cli: Invoke, here: Installation, tmp_path: Path
) -> None:
    path = study_file(tmp_path, "P1", ["North", "South"], strata=["site", "sex"])
    research(cli, "study", "register", "--file", str(path))
    output = tmp_path / "allocation.csv"
    result = research(
        cli, "allocation-table", "--study", "P1", "--per-stratum", "10", "--output", str(output)
    )
    assert "unblinds" in result.stderr and "unblinded statistician" in result.stderr

    rows = read_csv(output)
    assert rows[0] == ["redcap_randomization_group", "site", "sex"]
    assert len(rows) - 1 == 2 * 4 * 10
    legend = read_csv(tmp_path / "allocation.codes.csv")
    assert legend[0] == ["field", "code", "name", "label"]
    codes = {(field, name): code for field, code, name, _ in legend[1:]}
    assert codes[("redcap_randomization_group", "massage")] == "1"
    assert codes[("redcap_randomization_group", "usual-care")] == "2"
    assert {name for field, name in codes if field == "sex"} == {
        "female",
        "male",
        "intersex",
        "unknown",
    }
    arm_of = {"1": "massage", "2": "usual-care"}
    north_female = [
        arm_of[group]
        for group, site, sex in rows[1:]
        if (site, sex) == (codes[("site", "North")], codes[("sex", "female")])
    ]
    expected = allocation_sequence(
        arms=["massage", "usual-care"],
        ratio=[1, 1],
        block_sizes=[4, 6],
        length=10,
        seed=here.seed("P1"),
        stratum="site=North/sex=female",
    )
    assert north_female == [a.arm for a in expected]
    # enrolment here deals from the same list: the girls enrolled at North get it in order
    enrolled = here.enrol("P1", "North", per_arm=1, sex="female")
    assert enrolled == north_female[: len(enrolled)]

    entries = [e for e in here.audit_actions() if e[0] == "study.allocation_table"]
    assert len(entries) == 1
    assert entries[0][1].startswith("operator:") and "P1" in entries[0][2]


def test_age_band_and_stage_strata_list_every_level_a_child_can_bring(
    cli: Invoke, here: Installation, tmp_path: Path
) -> None:
    from pedmassage.development.policy import stages

    path = study_file(
        tmp_path, "P1", ["North"], strata=["age_band", "stage"], age_band_cuts=[3, 12]
    )
    research(cli, "study", "register", "--file", str(path))
    output = tmp_path / "table"
    research(
        cli, "allocation-table", "--study", "P1", "--per-stratum", "4", "--output", str(output)
    )
    codes = read_csv(tmp_path / "table.codes.csv")
    assert [name for field, _, name, _ in codes if field == "age_band"] == ["<3", "3-<12", ">=12"]
    assert [name for field, _, name, _ in codes if field == "stage"] == [s.id for s in stages()]
    rows = read_csv(output)
    assert rows[0] == ["redcap_randomization_group", "age_band", "stage"]
    assert len(rows) - 1 == 3 * len(stages()) * 4


def test_minimization_is_refused_and_nothing_is_written_or_audited(
    cli: Invoke, here: Installation, tmp_path: Path
) -> None:
    path = study_file(tmp_path, "P1", ["North"], randomization={"method": "minimization"})
    research(cli, "study", "register", "--file", str(path))
    output = tmp_path / "allocation.csv"
    message = refused(
        cli(
            "research",
            "allocation-table",
            "--study",
            "P1",
            "--per-stratum",
            "10",
            "--output",
            str(output),
        )
    )
    assert "minimization" in message and "REDCap" in message
    assert not output.exists()
    assert all(action != "study.allocation_table" for action, _, _ in here.audit_actions())
