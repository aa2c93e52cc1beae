"""``pedmassage demo``: seed the demo program (synthetic children only)."""

from __future__ import annotations

from datetime import date

import typer

from pedmassage.cli.common import console, database, fail, handles_errors, now


@handles_errors
def demo(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Seed only when the database has no children (safe to re-run)."
    ),
    as_of: str = typer.Option(None, help="The demo's 'today' (YYYY-MM-DD); default today."),
    scale: int = typer.Option(
        None, min=1, help="Instead: a synthetic registry of this many children (bulk inserts)."
    ),
    sessions: int = typer.Option(
        None, min=0, help="With --scale: how many sessions (default 20 per child)."
    ),
    sites: int = typer.Option(4, min=1, max=100, help="With --scale: how many sites."),
    seed: int = typer.Option(1, help="With --scale: the same seed builds the same registry."),
    append: bool = typer.Option(
        False, "--append", help="With --scale: add the registry to a database that has children."
    ),
) -> None:
    """Seed about 40 synthetic children with three months of screenings and sessions and a
    randomized trial of 60 more (DEMO-PAIN), or with --scale a registry of many thousands for
    timing reports."""
    from pedmassage.config import get_settings
    from pedmassage.demo.seed import THERAPISTS, is_empty, seed_demo
    from pedmassage.demo.trial import STUDY_CODE
    from pedmassage.safety import load_rulebook

    day = date.fromisoformat(as_of) if as_of else now().date()
    if scale is not None:
        count = 20 * scale if sessions is None else sessions
        _registry(scale, count, sites, seed, append, as_of, if_empty)
        return
    out = console()
    with database() as db:
        if not is_empty(db):
            if if_empty:
                out.print("demo: the database already has children; nothing seeded")
                _accounts(db)
                return
            raise typer.BadParameter("the database already has children", param_hint="database")
        summary = seed_demo(db=db, as_of=day, rulebook=load_rulebook(get_settings().policy_file))
        _accounts(db)
    out.print(
        f"demo: {summary.children} synthetic children, {summary.screenings} screenings, "
        f"{summary.sessions} sessions ({summary.holds} screenings said hold)"
    )
    out.print(
        f"demo: {summary.home_programs} home programs, {summary.home_logs} parent diary "
        f"entries, {summary.open_flags} open problem flags"
    )
    out.print(
        f"demo: study {STUDY_CODE}, {summary.trial_enrolled} more synthetic children randomized "
        "to massage or usual care"
    )
    out.print("demo therapists (names recorded on sessions): " + ", ".join(THERAPISTS))


def _registry(
    children: int,
    sessions: int,
    sites: int,
    seed: int,
    append: bool,
    as_of: str | None,
    if_empty: bool,
) -> None:
    """Build the registry on the configured database, which must be migrated, and refuse one that
    already has children unless told to append: a registry mixed into real records by mistake
    cannot be told apart from them afterwards."""
    from datetime import UTC, datetime, time
    from time import perf_counter

    from pedmassage.config import get_settings
    from pedmassage.db import engine_for
    from pedmassage.demo.registry import build_registry, registry_is_empty
    from pedmassage.migrations import ensure_current
    from pedmassage.safety import load_rulebook

    engine = engine_for(get_settings().database_url)
    ensure_current(engine)
    if not append and not registry_is_empty(engine=engine):
        if if_empty:
            console().print("demo: the database already has children; nothing built")
            return
        fail("database", "already holds children; use --append to add a registry to them")
    at = datetime.combine(date.fromisoformat(as_of), time(18), UTC) if as_of else now()
    out = console()
    started = perf_counter()
    shown: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if shown.get(stage) != tenth:
            shown[stage] = tenth
            out.print(f"registry: {stage} {done:,}/{total:,} ({perf_counter() - started:.0f} s)")

    counts = build_registry(
        engine=engine,
        children=children,
        sessions=sessions,
        sites=sites,
        seed=seed,
        now=at,
        progress=progress,
        rulebook=load_rulebook(get_settings().policy_file),
    )
    with database():
        pass  # the operator's command is audited like every other
    out.print(
        f"registry: {counts.children:,} children at {counts.sites} sites, {counts.screenings:,} "
        f"screenings, {counts.sessions:,} sessions ({counts.signed:,} signed), "
        f"{counts.measures:,} measures, {counts.adverse_events:,} adverse events, "
        f"{counts.observations:,} readings in {perf_counter() - started:.1f} s"
    )


def _accounts(db: object) -> None:
    """In demo mode (``PEDMASSAGE_DEMO=true``) one account per role, for trying the app."""
    from sqlalchemy.orm import Session

    from pedmassage.config import get_settings
    from pedmassage.demo.accounts import ensure_demo_accounts

    assert isinstance(db, Session)
    if get_settings().demo:
        made = ensure_demo_accounts(db=db, now=now())
        console().print(f"demo: {len(made)} demo accounts (printed by `pedmassage serve`)")
