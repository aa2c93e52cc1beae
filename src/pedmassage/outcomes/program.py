"""The program report: what the whole program achieves, from the analytics snapshot.

Every number is an aggregate DuckDB computes over the snapshot's Parquet files (``analytics.py``);
Python receives small tables (a histogram of changes per instrument, one row per child for the
mixed model, counts per reason and per week) and turns them into statistics with
``pedmassage.stats``. Change is after minus before, so a fall in pain is negative.

Definitions, stated once:

* a session is *attempted* when it started; *completed* when it ran to its end; *ended early*
  when it was stopped, with the therapist's reason;
* a session counts in an instrument's outcome when it has both a before and an after score on
  that instrument; one missing either is counted under data completeness;
* a child with several conditions counts under each (the breakdown by condition overlaps);
* the mixed model (random intercept per child) weighs children, not sessions, so a child with many
  sessions does not dominate the program's estimate;
* adverse events are per 1,000 attempted sessions, with an exact (Garwood) Poisson interval;
* holds and modifications are counted per screening reason, over screenings in the period.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from pedmassage.outcomes.analytics import Snapshot
from pedmassage.outcomes.schemas import (
    BreakdownRow,
    Completeness,
    InstrumentOutcome,
    MixedModelPublic,
    ProgramFilter,
    ProgramReport,
    RatePublic,
    ReasonCount,
    SessionCounts,
    WeekCount,
)
from pedmassage.stats.mixed import MixedEstimate

BREAKDOWNS = ("condition", "stage", "setting", "deliverer", "site")
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261206


def _where(flt: ProgramFilter, column: str) -> str:
    """The filter as SQL over the ``wanted_sites`` table and literal UTC day boundaries (dates,
    never text from the request), so it can stand in a view the queries scan column by column."""
    clauses = ["site_id IN (SELECT site_id FROM wanted_sites)"]
    if flt.since is not None:
        clauses.append(f"{column} >= {_timestamp(flt.since)}")
    if flt.until is not None:
        clauses.append(f"{column} < {_timestamp(flt.until + timedelta(days=1))}")
    return " AND ".join(clauses)


def _timestamp(day: date) -> str:
    return f"TIMESTAMP '{datetime.combine(day, time.min).isoformat(sep=' ')}'"


def program_report(
    *, snapshot: Snapshot, flt: ProgramFilter, generated_at: datetime
) -> ProgramReport:
    """The report for ``flt`` (sites, period) over ``snapshot``."""
    con = duckdb.connect()
    try:
        sessions_file = _literal(snapshot.sessions_file)
        con.execute(
            f"CREATE VIEW s AS SELECT *, post - pre AS change FROM read_parquet({sessions_file})"
        )
        con.execute(
            f"CREATE VIEW c AS SELECT * FROM read_parquet({_literal(snapshot.conditions_file)})"
        )
        con.execute(
            f"CREATE VIEW r AS SELECT * FROM read_parquet({_literal(snapshot.reasons_file)})"
        )
        sessions = _where(flt, "started_at")
        con.execute("CREATE TEMP TABLE wanted_sites (site_id VARCHAR)")
        con.executemany("INSERT INTO wanted_sites VALUES (?)", [[i] for i in flt.site_ids])
        # A view, not a copy: each query reads only the columns it needs from the Parquet file.
        con.execute(f"CREATE VIEW f AS SELECT * FROM s WHERE {sessions}")
        # Sums per child and group, once: the mixed model, every breakdown and the conditions all
        # aggregate these few hundred thousand rows instead of the millions of sessions again.
        con.execute(
            "CREATE TEMP TABLE pc AS SELECT stage, setting, deliverer, site_id, instrument_id, "
            "child_id, count(*) AS n, sum(change) AS total, sum(change * change) AS sq FROM f "
            "WHERE change IS NOT NULL GROUP BY ALL"
        )
        return ProgramReport(
            generated_at=generated_at,
            filter=flt,
            snapshot_built_at=snapshot.built_at,
            snapshot_current=snapshot.current,
            children_served=_scalar(con, "SELECT count(DISTINCT child_id) FROM f"),
            sessions=_session_counts(con),
            instruments=_instruments(con),
            breakdowns=_breakdowns(con),
            adverse_events_per_1000=_adverse_events(con),
            reasons=_reasons(con, _where(flt, "assessed_at")),
            sessions_per_week=_weeks(con),
            completeness=_completeness(con),
        )
    finally:
        con.close()


def _literal(path: Path) -> str:
    """A file path as a SQL string literal (views cannot take parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _session_counts(con: duckdb.DuckDBPyConnection) -> SessionCounts:
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT ended_early AND status IN "
        "('completed', 'signed')), count(*) FILTER (WHERE ended_early) FROM f"
    ).fetchone()
    attempted, completed, early = (int(v) for v in row) if row else (0, 0, 0)
    why = con.execute(
        "SELECT CASE WHEN trim(end_reason) = '' THEN 'no reason recorded' ELSE end_reason END "
        "AS reason, count(*) FROM f WHERE ended_early GROUP BY reason ORDER BY 2 DESC, 1"
    ).fetchall()
    return SessionCounts(
        attempted=attempted,
        completed=completed,
        ended_early=early,
        ended_early_reasons=[ReasonCount(reason=str(r), sessions=int(n)) for r, n in why],
    )


def _instruments(con: duckdb.DuckDBPyConnection) -> list[InstrumentOutcome]:
    from pedmassage.measures import instrument as instrument_data
    from pedmassage.stats import change_from_histogram

    histograms: dict[str, tuple[list[float], list[int]]] = {}
    for ident, change, count in con.execute(
        "SELECT instrument_id, change, count(*) FROM f WHERE change IS NOT NULL "
        "GROUP BY ALL ORDER BY 1, 2"
    ).fetchall():
        values, counts = histograms.setdefault(str(ident), ([], []))
        values.append(float(change))
        counts.append(int(count))
    columns = con.execute(
        "SELECT instrument_id, sum(n) AS n, sum(total) AS total, sum(sq) AS sq FROM pc "
        "GROUP BY instrument_id, child_id ORDER BY instrument_id, child_id"
    ).fetchnumpy()
    idents = np.asarray(columns["instrument_id"], dtype=object)
    per_child: dict[str, tuple[np.ndarray[Any, Any], ...]] = {}
    for ident in histograms:
        rows = idents == ident
        per_child[ident] = tuple(
            np.asarray(columns[k], dtype=float)[rows] for k in ("n", "total", "sq")
        )
    outcomes = []
    for ident, (values, counts) in sorted(histograms.items()):
        summary = change_from_histogram(
            values=values, counts=counts, resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED
        )
        n_i, sums, sumsq = per_child[ident]
        mixed = _mixed(n_i, sums, sumsq)
        outcomes.append(
            InstrumentOutcome(
                instrument=ident,
                label=instrument_data(ident).name,
                n_children=len(n_i),
                n_sessions=summary.n,
                mean_change=summary.mean,
                sd=summary.sd,
                ci_low=summary.ci_low,
                ci_high=summary.ci_high,
                p_value=summary.p_value,
                wilcoxon_p=summary.wilcoxon_p,
                bootstrap_ci_low=summary.bootstrap_low,
                bootstrap_ci_high=summary.bootstrap_high,
                effect_size=summary.effect_size,
                mixed_model=None
                if mixed is None
                else MixedModelPublic(
                    estimate=mixed.estimate,
                    ci_low=mixed.ci_low,
                    ci_high=mixed.ci_high,
                    se=mixed.se,
                    between_child_variance=mixed.between_child_variance,
                    within_child_variance=mixed.within_child_variance,
                ),
            )
        )
    return outcomes


def _mixed(n_i: Any, sums: Any, sumsq: Any) -> MixedEstimate | None:
    """The random-intercept fit, or None where the model is not identifiable (one child, no
    child seen twice, or no spread within children)."""
    from pedmassage.errors import ValidationError
    from pedmassage.stats import fit_random_intercept

    try:
        return fit_random_intercept(counts=n_i, sums=sums, sums_of_squares=sumsq)
    except ValidationError:
        return None


_DIMENSION_COLUMNS = {"stage": "stage", "setting": "setting", "deliverer": "deliverer",
                      "site": "site_id"}  # fmt: skip


def _breakdowns(con: duckdb.DuckDBPyConnection) -> list[BreakdownRow]:
    """Every dimension from the per-child sums: per group and instrument, the sessions, children
    and the sums the mean, its t interval, the t test and d_z come from."""
    from pedmassage.stats import change_from_moments

    sets = ", ".join(f"({column}, instrument_id)" for column in _DIMENSION_COLUMNS.values())
    labels = " ".join(
        f"WHEN grouping({column}) = 0 THEN '{dimension}'"
        for dimension, column in _DIMENSION_COLUMNS.items()
    )
    groups = " ".join(
        f"WHEN grouping({column}) = 0 THEN CAST({column} AS VARCHAR)"
        for column in _DIMENSION_COLUMNS.values()
    )
    rows = con.execute(
        f"SELECT CASE {labels} END, CASE {groups} END, instrument_id, sum(n), "
        f"count(DISTINCT child_id), sum(total), sum(sq) FROM pc GROUP BY GROUPING SETS ({sets})"
    ).fetchall()
    rows += con.execute(
        "WITH per_child AS (SELECT instrument_id, child_id, sum(n) AS n, sum(total) AS total, "
        "sum(sq) AS sq FROM pc GROUP BY ALL) SELECT 'condition', c.code, instrument_id, sum(n), "
        "count(*), sum(total), sum(sq) FROM per_child JOIN c USING (child_id) GROUP BY ALL"
    ).fetchall()
    order = {d: i for i, d in enumerate(BREAKDOWNS)}
    found = []
    for dimension, group, ident, n, children, total, squares in sorted(
        rows, key=lambda r: (order[r[0]], str(r[1]), str(r[2]))
    ):
        summary = change_from_moments(n=int(n), total=float(total), total_of_squares=float(squares))
        found.append(
            BreakdownRow(
                dimension=str(dimension),
                group=str(group),
                instrument=str(ident),
                n_children=int(children),
                n_sessions=summary.n,
                mean_change=summary.mean,
                ci_low=summary.ci_low,
                ci_high=summary.ci_high,
                p_value=summary.p_value,
                effect_size=summary.effect_size,
            )
        )
    return found


def _adverse_events(con: duckdb.DuckDBPyConnection) -> RatePublic:
    from pedmassage.stats import poisson_rate

    row = con.execute("SELECT coalesce(sum(adverse_events), 0), count(*) FROM f").fetchone()
    events, sessions = (int(row[0]), int(row[1])) if row else (0, 0)
    rate = poisson_rate(events=events, exposure=sessions, per=1000) if sessions else None
    return RatePublic(
        events=events,
        sessions=sessions,
        rate=None if rate is None else rate.rate,
        ci_low=None if rate is None else rate.ci_low,
        ci_high=None if rate is None else rate.ci_high,
    )


def _reasons(con: duckdb.DuckDBPyConnection, where: str) -> list[ReasonCount]:
    rows = con.execute(
        f"SELECT rule_id, reason_decision, count(*) FROM r WHERE {where} "
        "AND reason_decision IN ('hold', 'modify') GROUP BY ALL ORDER BY 3 DESC, 1"
    ).fetchall()
    return [
        ReasonCount(reason=str(rule), decision=str(decision), screenings=int(n))
        for rule, decision, n in rows
    ]


def _weeks(con: duckdb.DuckDBPyConnection) -> list[WeekCount]:
    rows = con.execute(
        "SELECT CAST(date_trunc('week', started_at) AS DATE) AS week, count(*), "
        "count(DISTINCT child_id) FROM f GROUP BY week ORDER BY week"
    ).fetchall()
    return [WeekCount(week=_day(w), sessions=int(n), children=int(c)) for w, n, c in rows]


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _completeness(con: duckdb.DuckDBPyConnection) -> Completeness:
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE pre IS NULL), "
        "count(*) FILTER (WHERE pre IS NOT NULL AND post IS NULL), "
        "count(*) FILTER (WHERE pre IS NOT NULL AND post IS NOT NULL) FROM f"
    ).fetchone()
    sessions, no_before, no_after, both = (int(v) for v in row) if row else (0, 0, 0, 0)
    return Completeness(
        sessions=sessions,
        missing_before=no_before,
        missing_after=no_after,
        with_both=both,
        share_complete=None if sessions == 0 else both / sessions,
    )
