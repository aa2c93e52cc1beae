"""``pedmassage demo``: seed the demo program (synthetic children only)."""

from __future__ import annotations

from datetime import date

import typer

from pedmassage.cli.common import console, database, handles_errors, now


@handles_errors
def demo(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Seed only when the database has no children (safe to re-run)."
    ),
    as_of: str = typer.Option(None, help="The demo's 'today' (YYYY-MM-DD); default today."),
) -> None:
    """Seed about 40 synthetic children with three months of screenings and sessions."""
    from pedmassage.config import get_settings
    from pedmassage.demo.seed import THERAPISTS, is_empty, seed_demo
    from pedmassage.safety import load_rulebook

    day = date.fromisoformat(as_of) if as_of else now().date()
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
    out.print("demo therapists (names recorded on sessions): " + ", ".join(THERAPISTS))


def _accounts(db: object) -> None:
    """In demo mode (``PEDMASSAGE_DEMO=true``) one account per role, for trying the app."""
    from sqlalchemy.orm import Session

    from pedmassage.config import get_settings
    from pedmassage.demo.accounts import ensure_demo_accounts

    assert isinstance(db, Session)
    if get_settings().demo:
        made = ensure_demo_accounts(db=db, now=now())
        console().print(f"demo: {len(made)} demo accounts (printed by `pedmassage serve`)")
