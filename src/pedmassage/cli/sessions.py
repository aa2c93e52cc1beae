"""``pedmassage session``, ``plan`` and ``history``: the rest of the bedside flow."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import typer

from pedmassage.cli.common import (
    CHILD_ID_HELP,
    SCREENING_ID_HELP,
    SESSION_ID_HELP,
    console,
    database,
    fitted_table,
    handles_errors,
    now,
    operator_witness,
    print_json,
    read_input,
    resolve_id,
)

app = typer.Typer(help="Session records.", no_args_is_help=True, rich_markup_mode=None)


@app.command("record")
@handles_errors
def record(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    file: Path = typer.Option(..., "--file", "-f", help="Session JSON (SessionCreate); - = stdin."),
    goal: list[str] = typer.Option(["relaxation"], help="Session goals (repeat)."),
) -> None:
    """Document a session that rests on a screening; refused if it exceeds the screening."""
    from pedmassage.sessions import service
    from pedmassage.sessions.schemas import SessionCreate

    data = read_input(file, SessionCreate, "--file")
    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        stored = service.record_session(
            db=db, child_id=whole, data=data, now=now(), goals=goal, witness=operator_witness()
        )
        typer.echo(stored.id)


@handles_errors
def plan(
    screening_id: str = typer.Argument(..., help=SCREENING_ID_HELP),
    goal: list[str] = typer.Option(["relaxation"], help="Session goals (repeat)."),
    minutes: int = typer.Option(None, help="Shorten the session to this many minutes."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """The individualized plan for a screening (refused on a hold)."""
    from rich.table import Table

    from pedmassage.screenings import service

    with database() as db:
        whole = resolve_id(db, "screening", screening_id, "SCREENING_ID")
        result = service.plan_from_screening(db=db, screening_id=whole, goals=goal, minutes=minutes)
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
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print sessions and trends as JSON."),
) -> None:
    """A child's sessions with pre/post scores, and the mean change per instrument.

    Each row starts with the session's whole id, which ``session show``, ``sign`` and ``amend``
    take; the other columns fold to fit the terminal."""
    from pedmassage.outcomes.service import child_trends
    from pedmassage.sessions import service

    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        sessions = [service.session_public(s) for s in service.list_sessions(db=db, child_id=whole)]
        trends = child_trends(db=db, child_id=whole)
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
    table = fitted_table(
        "id", "started", "therapist", "min", "pressure", "instrument", "pre→post", "status"
    )
    for s in sessions:
        pre, post = s.pre, s.post
        table.add_row(
            s.id,
            f"{s.started_at:%Y-%m-%d %H:%M}",
            s.therapist,
            str(s.minutes),
            str(s.pressure),
            pre.instrument_id if pre else "",
            _change(pre.total if pre else None, post.total if post else None),
            s.status.replace("_", " "),
        )
    out = console()
    out.print(table)
    for t in trends:
        change = f"{t.mean_change:+.2f}" if t.mean_change is not None else "n/a"
        out.print(f"{t.instrument_id}: {len(t.points)} sessions, mean change {change}")


@app.command("draft")
@handles_errors
def draft(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    screening: str = typer.Option(..., help="Screening id the session rests on (whole)."),
    therapist: str = typer.Option(..., help="Who gives the session."),
    goal: list[str] = typer.Option(["relaxation"], help="Session goals (repeat)."),
) -> None:
    """Plan a session on a screening (refused on a hold); prints the session id."""
    from pedmassage.sessions import service
    from pedmassage.sessions.schemas import DraftCreate

    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        rests_on = resolve_id(db, "screening", screening, "--screening")
        data = DraftCreate(screening_id=rests_on, therapist=therapist, goals=goal)
        typer.echo(service.create_draft(db=db, child_id=whole, data=data, now=now()).id)


def _change(pre: float | None, post: float | None) -> str:
    """Before and after in one narrow cell, ``7→4``, so the history fits 80 columns."""
    if pre is None and post is None:
        return ""
    return ("" if pre is None else f"{pre:g}") + "→" + ("" if post is None else f"{post:g}")


STEP_FILE = typer.Option(..., "--file", "-f", help="The step's JSON; - = stdin.")


@app.command("start")
@handles_errors
def start(
    session_id: str = typer.Argument(..., help=SESSION_ID_HELP),
    file: Path = STEP_FILE,
) -> None:
    """Consent, the child's assent asked again, and the 'before' measure (SessionStart JSON)."""
    from pedmassage.sessions import service
    from pedmassage.sessions.schemas import SessionStart

    data = read_input(file, SessionStart, "--file")
    _step(partial(service.start_session, witness=operator_witness()), session_id, data)


@app.command("complete")
@handles_errors
def complete(
    session_id: str = typer.Argument(..., help=SESSION_ID_HELP),
    file: Path = STEP_FILE,
) -> None:
    """What was delivered and the 'after' measure (SessionFinish JSON)."""
    from pedmassage.sessions import service
    from pedmassage.sessions.schemas import SessionFinish

    _step(service.complete_session, session_id, read_input(file, SessionFinish, "--file"))


@app.command("end-early")
@handles_errors
def end_early(
    session_id: str = typer.Argument(..., help=SESSION_ID_HELP),
    file: Path = STEP_FILE,
) -> None:
    """End a session early with the reason and what was delivered so far (SessionEnd JSON)."""
    from pedmassage.sessions import service
    from pedmassage.sessions.schemas import SessionEnd

    _step(service.end_session_early, session_id, read_input(file, SessionEnd, "--file"))


@app.command("sign")
@handles_errors
def sign(
    session_id: str = typer.Argument(..., help=SESSION_ID_HELP),
    signer: str = typer.Option(..., help="Who signs."),
) -> None:
    """Sign a finished session: it never changes afterwards."""
    from pedmassage.sessions import service

    with database() as db:
        whole = resolve_id(db, "session", session_id, "SESSION_ID")
        record = service.sign_session(db=db, session_id=whole, signer=signer, now=now())
        typer.echo(f"signed by {record.signed_by}")


@app.command("amend")
@handles_errors
def amend(
    session_id: str = typer.Argument(..., help=SESSION_ID_HELP),
    author: str = typer.Option(..., help="Who writes the addendum."),
    text: str = typer.Option(..., help="The correction or addition."),
) -> None:
    """Add an addendum to a signed session (the record itself stays as signed)."""
    from pedmassage.sessions import service
    from pedmassage.sessions.schemas import AddendumCreate

    with database() as db:
        whole = resolve_id(db, "session", session_id, "SESSION_ID")
        service.add_addendum(
            db=db, session_id=whole, now=now(), data=AddendumCreate(author=author, text=text)
        )
    typer.echo("addendum added")


@app.command("adverse-event")
@handles_errors
def adverse_event(
    session_id: str = typer.Argument(..., help=SESSION_ID_HELP),
    file: Path = STEP_FILE,
    recorded_by: str = typer.Option(..., help="Who records it."),
) -> None:
    """Record an adverse event (AdverseEventCreate JSON: occurred_at, description, severity,
    action_taken)."""
    from pedmassage.sessions import service
    from pedmassage.sessions.schemas import AdverseEventCreate

    data = read_input(file, AdverseEventCreate, "--file")
    with database() as db:
        whole = resolve_id(db, "session", session_id, "SESSION_ID")
        service.add_adverse_event(
            db=db, session_id=whole, data=data, recorded_by=recorded_by, now=now()
        )
    typer.echo("adverse event recorded")


@app.command("show")
@handles_errors
def show(
    session_id: str = typer.Argument(..., help=SESSION_ID_HELP),
    as_json: bool = typer.Option(
        False, "--json", help="JSON is this command's only output; accepted like on every show."
    ),
) -> None:
    """One session as JSON, with its measures, adverse events and addenda."""
    from pedmassage.sessions import service

    del as_json  # the output is JSON either way
    with database() as db:
        whole = resolve_id(db, "session", session_id, "SESSION_ID")
        record = service.session_public(service.get_session(db=db, session_id=whole))
    print_json(record.model_dump(mode="json"))


def _step(use_case: Callable[..., object], session_id: str, data: object) -> None:
    from pedmassage.sessions import service

    with database() as db:
        whole = resolve_id(db, "session", session_id, "SESSION_ID")
        use_case(db=db, session_id=whole, data=data, now=now())
        typer.echo(service.get_session(db=db, session_id=whole).status)
