"""The program report's numbers, checked against an independent computation on the raw rows.

A synthetic registry (several sites, sessions ended early, missing after scores, adverse events)
is built on SQLite and on PostgreSQL; the report (DuckDB over the analytics snapshot) must agree
with scipy and statsmodels called directly on the rows read back from the database with SQL.
Change is after minus before.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased
from tests.conftest import migrated_database

from pedmassage.db import make_engine, unit_of_work
from pedmassage.demo.registry import build_registry
from pedmassage.models import AdverseEvent, Screening, SessionMeasure, SessionRecord, Site
from pedmassage.outcomes import service
from pedmassage.outcomes.schemas import ProgramReport

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("registry")
    with migrated_database(request.param, folder, "program_report") as url:
        eng = make_engine(url)
        build_registry(engine=eng, children=150, sessions=2500, sites=3, seed=7, now=NOW)
        yield eng
        eng.dispose()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("analytics")


def all_sites(engine: Engine) -> frozenset[str]:
    with unit_of_work(engine) as db:
        return frozenset(db.scalars(select(Site.id)))


def report(engine: Engine, folder: Path, **kwargs: Any) -> ProgramReport:
    with unit_of_work(engine) as db:
        return service.program_report(
            db=db,
            folder=folder,
            site_ids=kwargs.pop("site_ids", all_sites(engine)),
            site=kwargs.pop("site", None),
            since=kwargs.pop("since", None),
            until=kwargs.pop("until", None),
            now=NOW,
        )


def raw_rows(engine: Engine) -> pd.DataFrame:
    """Every started session with its before and after scores, read with plain SQL."""
    pre, post = aliased(SessionMeasure), aliased(SessionMeasure)
    query = (
        select(
            SessionRecord.id,
            SessionRecord.child_id,
            SessionRecord.site_id,
            SessionRecord.deliverer,
            SessionRecord.started_at,
            SessionRecord.ended_early,
            pre.instrument_id,
            pre.total,
            post.total,
        )
        .outerjoin(pre, (pre.session_id == SessionRecord.id) & (pre.timepoint == "pre"))
        .outerjoin(post, (post.session_id == SessionRecord.id) & (post.timepoint == "post"))
        .where(SessionRecord.started_at.is_not(None))
    )
    with unit_of_work(engine) as db:
        rows = db.execute(query).all()
    frame = pd.DataFrame(
        rows,
        columns=["session", "child", "site", "deliverer", "started", "early", "instrument", "pre",
                 "post"],
    )  # fmt: skip
    frame["change"] = frame["post"] - frame["pre"]
    return frame


@pytest.fixture(scope="module")
def whole(engine: Engine, folder: Path) -> ProgramReport:
    return report(engine, folder)


@pytest.fixture(scope="module")
def rows(engine: Engine) -> pd.DataFrame:
    return raw_rows(engine)


def test_the_registry_has_what_a_report_must_handle(rows: pd.DataFrame) -> None:
    assert rows["early"].any()
    assert rows["post"].isna().any()
    assert rows["instrument"].nunique() >= 3


def test_each_instruments_change_agrees_with_scipy_on_the_raw_rows(
    whole: ProgramReport, rows: pd.DataFrame
) -> None:
    scored = rows.dropna(subset=["change"])
    for outcome in whole.instruments:
        changes = scored.loc[scored["instrument"] == outcome.instrument, "change"].to_numpy()
        assert outcome.n_sessions == len(changes)
        assert (
            outcome.n_children
            == scored.loc[scored["instrument"] == outcome.instrument, "child"].nunique()
        )
        assert outcome.mean_change == pytest.approx(changes.mean())
        if len(changes) < 3:
            continue
        t = stats.ttest_1samp(changes, 0.0)
        ci = t.confidence_interval(0.95)
        assert outcome.p_value == pytest.approx(t.pvalue, rel=1e-6, abs=1e-300)
        assert (outcome.ci_low, outcome.ci_high) == pytest.approx((ci.low, ci.high))
        assert outcome.effect_size == pytest.approx(changes.mean() / changes.std(ddof=1))
        w = stats.wilcoxon(changes, zero_method="wilcox", correction=False, method="approx")
        assert outcome.wilcoxon_p == pytest.approx(w.pvalue, rel=1e-6, abs=1e-300)
        assert outcome.bootstrap_ci_low is not None and outcome.bootstrap_ci_high is not None
        assert outcome.bootstrap_ci_low < changes.mean() < outcome.bootstrap_ci_high


def test_the_mixed_model_agrees_with_statsmodels_mixedlm(
    whole: ProgramReport, rows: pd.DataFrame
) -> None:
    scored = rows.dropna(subset=["change"])
    checked = 0
    for outcome in whole.instruments:
        data = scored.loc[scored["instrument"] == outcome.instrument, ["change", "child"]]
        if outcome.mixed_model is None or data["child"].nunique() < 5:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = smf.mixedlm("change ~ 1", data, groups=data["child"]).fit(reml=True)
        if not fit.converged:  # statsmodels' own optimiser gave up: nothing to compare with
            continue
        low, high = fit.conf_int().loc["Intercept"]
        assert outcome.mixed_model.estimate == pytest.approx(fit.fe_params["Intercept"], rel=1e-3)
        assert (outcome.mixed_model.ci_low, outcome.mixed_model.ci_high) == pytest.approx(
            (low, high), rel=1e-2
        )
        checked += 1
    assert checked >= 2


def test_adverse_events_per_1000_sessions_with_an_exact_poisson_interval(
    engine: Engine, whole: ProgramReport, rows: pd.DataFrame
) -> None:
    with unit_of_work(engine) as db:
        events = len(db.scalars(select(AdverseEvent.id)).all())
    rate = whole.adverse_events_per_1000
    assert (rate.events, rate.sessions) == (events, len(rows))
    assert rate.rate == pytest.approx(1000 * events / len(rows))
    low = stats.chi2.ppf(0.025, 2 * events) / 2 if events else 0.0
    high = stats.chi2.ppf(0.975, 2 * (events + 1)) / 2
    assert (rate.ci_low, rate.ci_high) == pytest.approx(
        (1000 * low / len(rows), 1000 * high / len(rows))
    )


def test_sessions_completeness_and_children_served(
    whole: ProgramReport, rows: pd.DataFrame
) -> None:
    assert whole.children_served == rows["child"].nunique()
    assert whole.sessions.attempted == len(rows)
    assert whole.sessions.ended_early == int(rows["early"].sum())
    assert sum(r.sessions or 0 for r in whole.sessions.ended_early_reasons) == int(
        rows["early"].sum()
    )
    c = whole.completeness
    assert c.missing_before == int(rows["pre"].isna().sum())
    assert c.missing_after == int((rows["pre"].notna() & rows["post"].isna()).sum())
    assert c.with_both == int(rows["change"].notna().sum())
    assert sum(w.sessions for w in whole.sessions_per_week) == len(rows)


def test_the_breakdown_by_deliverer_and_by_site_adds_up_to_each_instrument(
    whole: ProgramReport,
) -> None:
    for dimension in ("deliverer", "site", "stage", "setting"):
        for outcome in whole.instruments:
            parts = [
                b.n_sessions
                for b in whole.breakdowns
                if b.dimension == dimension and b.instrument == outcome.instrument
            ]
            assert sum(parts) == outcome.n_sessions, (dimension, outcome.instrument)


def test_holds_and_modifications_are_counted_per_reason(
    engine: Engine, whole: ProgramReport
) -> None:
    counted: Counter[tuple[str, str]] = Counter()
    with unit_of_work(engine) as db:
        for result in db.scalars(select(Screening.result)):
            seen = {(r["rule_id"], r["decision"]) for r in result["reasons"]}
            counted.update(k for k in seen if k[1] in ("hold", "modify"))
    assert {(r.reason, r.decision or ""): r.screenings for r in whole.reasons} == dict(counted)


def test_one_site_and_one_period_narrow_the_report(
    engine: Engine, folder: Path, whole: ProgramReport, rows: pd.DataFrame
) -> None:
    sites = sorted(all_sites(engine))
    per_site = [report(engine, folder, site=s).sessions.attempted for s in sites]
    assert sum(per_site) == whole.sessions.attempted
    since, until = date(2026, 1, 1), date(2026, 6, 30)
    period = report(engine, folder, since=since, until=until)
    started = pd.to_datetime(rows["started"], utc=True).dt.date
    assert period.sessions.attempted == int(((started >= since) & (started <= until)).sum())


def test_a_site_outside_the_askers_sites_is_refused(engine: Engine, folder: Path) -> None:
    from pedmassage.errors import ValidationError

    sites = sorted(all_sites(engine))
    with pytest.raises(ValidationError) as refused:
        report(engine, folder, site_ids=frozenset(sites[:1]), site=sites[1])
    assert refused.value.field == "site"


def test_a_new_adverse_event_is_in_the_next_report(engine: Engine, tmp_path: Path) -> None:
    before = report(engine, tmp_path).adverse_events_per_1000.events
    with unit_of_work(engine) as db:
        session = db.scalars(
            select(SessionRecord).where(SessionRecord.status == "completed").limit(1)
        ).first()
        if session is None:
            pytest.skip("every session of this registry is signed")
        db.add(
            AdverseEvent(
                session_id=session.id,
                occurred_at=NOW,
                description="redness",
                severity="mild",
                action_taken="stopped",
                recorded_by="Test",
            )
        )
    assert report(engine, tmp_path).adverse_events_per_1000.events == before + 1


def test_the_same_records_give_the_same_snapshot(engine: Engine, folder: Path) -> None:
    first = report(engine, folder)
    again = report(engine, folder)
    assert first.snapshot_built_at == again.snapshot_built_at
    assert first.model_dump(exclude={"generated_at"}) == again.model_dump(exclude={"generated_at"})


def test_no_session_in_the_period_gives_an_empty_report(engine: Engine, folder: Path) -> None:
    empty = report(engine, folder, since=date(2030, 1, 1))
    assert empty.sessions.attempted == 0
    assert empty.instruments == []
    assert empty.adverse_events_per_1000.rate is None
    assert np.isclose(empty.completeness.sessions, 0)


def test_after_a_slow_rebuild_the_latest_report_answers_while_the_new_one_is_built(
    engine: Engine, tmp_path: Path
) -> None:
    """A registry whose last rebuild was slow does not make the lead wait: the latest snapshot
    answers, marked not current, and the current one is built in the background."""
    import json
    import time

    from pedmassage.outcomes import analytics

    first = report(engine, tmp_path)
    assert first.snapshot_current
    [built] = [p for p in tmp_path.iterdir() if (p / "manifest.json").exists()]
    manifest = json.loads((built / "manifest.json").read_text())
    manifest["build_seconds"] = analytics.SYNC_BUILD_SECONDS + 1
    (built / "manifest.json").write_text(json.dumps(manifest))
    with unit_of_work(engine) as db:
        unsigned = SessionRecord.status.in_(("completed", "ended_early"))
        session = db.scalars(select(SessionRecord).where(unsigned).limit(1)).one()
        db.add(
            AdverseEvent(session_id=session.id, occurred_at=NOW, description="bruise",
                         severity="mild", action_taken="none", recorded_by="Test")
        )  # fmt: skip
    stale = report(engine, tmp_path)
    assert not stale.snapshot_current
    assert stale.adverse_events_per_1000.events == first.adverse_events_per_1000.events
    for _ in range(600):  # the background build finishes
        if not analytics._BUILDING:
            break
        time.sleep(0.05)
    fresh = report(engine, tmp_path)
    assert fresh.snapshot_current
    assert fresh.adverse_events_per_1000.events == first.adverse_events_per_1000.events + 1
