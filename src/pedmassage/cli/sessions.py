"""``pedmassage session``, ``plan`` and ``history``: the rest of the bedside flow."""

from __future__ import annotations

from pathlib import Path

import typer

from pedmassage.cli.common import console, database, handles_errors, now, print_json, read_json

app = typer.Typer(help="Session records.", no_args_is_help=True, rich_markup_mode=None)


@app.command("record")
@handles_errors
def record(
    child_id: str = typer.Argument(..., help="Child id."),
    file: Path = typer.Option(..., "--file", "-f", help="Session JSON (SessionCreate); - = stdin."),
    goal: list[str] = typer.Option(["relaxation"], help="Session goals (repeat)."),
) -> None:
    """Document a session that rests on a screening; refused if it exceeds the screening."""
    from pedmassage.sessions import service
    from pedmassage.sessions.schemas import SessionCreate

    data = SessionCreate.model_validate(read_json(file))
    with database() as db:
        stored = service.record_session(db=db, child_id=child_id, data=data, now=now(), goals=goal)
        typer.echo(stored.id)


@handles_errors
def plan(
    screening_id: str = typer.Argument(..., help="Screening id."),
    goal: list[str] = typer.Option(["relaxation"], help="Session goals (repeat)."),
    minutes: int = typer.Option(None, help="Shorten the session to this many minutes."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """The individualized plan for a screening (refused on a hold)."""
    from rich.table import Table

    from pedmassage.sessions import service

    with database() as db:
        result = service.plan_from_screening(
            db=db, screening_id=screening_id, goals=goal, minutes=minutes
        )
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    out = console()
    out.print(f"[bold]{result.title}[/]  {result.total_minutes:g} min  ·  {result.position}")
    table = Table("site", "technique", "pressure", "minutes")
    for region in result.regions:
        table.add_row(region.site, region.technique, str(region.pressure), f"{region.minutes:g}")
    out.print(table)
    for step in result.touch_steps:
        out.print(f"  child-led: {step}")
    for precaution in result.precautions:
        out.print(f"  precaution: {precaution}")


@handles_errors
def history(
    child_id: str = typer.Argument(..., help="Child id."),
    as_json: bool = typer.Option(False, "--json", help="Print sessions and trends as JSON."),
) -> None:
    """A child's sessions with pre/post scores, and the mean change per instrument."""
    from rich.table import Table

    from pedmassage.outcomes.service import child_trends
    from pedmassage.sessions import service

    with database() as db:
        sessions = [
            service.session_public(s) for s in service.list_sessions(db=db, child_id=child_id)
        ]
        trends = child_trends(db=db, child_id=child_id)
    if as_json:
        print_json(
            {
                "sessions": [s.model_dump(mode="json") for s in sessions],
                "trends": [
                    {
                        "instrument": t.instrument_id,
                        "sessions": len(t.points),
                        "mean_change": t.mean_change,
                    }
                    for t in trends
                ],
            }
        )
        return
    table = Table("date", "therapist", "min", "pressure", "instrument", "pre", "post", "status")
    for s in sessions:
        by_time = {m.timepoint: m for m in s.measures}
        pre, post = by_time.get("pre"), by_time.get("post")
        table.add_row(
            f"{s.started_at:%Y-%m-%d %H:%M}",
            s.therapist,
            str(s.minutes),
            str(s.pressure),
            pre.instrument_id if pre else "",
            f"{pre.total:g}" if pre else "",
            f"{post.total:g}" if post else "",
            s.status,
        )
    out = console()
    out.print(table)
    for t in trends:
        change = f"{t.mean_change:+.2f}" if t.mean_change is not None else "n/a"
        out.print(f"{t.instrument_id}: {len(t.points)} sessions, mean change {change}")
