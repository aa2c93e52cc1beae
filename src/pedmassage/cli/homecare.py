"""``pedmassage homecare``: care team, prescribing, the parent's diary, parent confidence, flags.

There is no login yet: each command names its viewer with ``--guardian ID`` (a parent) or
``--staff NAME`` (staff on the child's care team). A viewer not linked to the child is refused
with exit code 2, naming ``viewer``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer

from pedmassage.cli.common import (
    CHILD_ID_HELP,
    console,
    database,
    fail,
    handles_errors,
    now,
    print_json,
    resolve_id,
)

if TYPE_CHECKING:
    from pedmassage.homecare.access import Viewer
    from pedmassage.homecare.schemas import HomeSummaryPublic

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    help="Home programs: prescribe, log, parent confidence, flags.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

GUARDIAN_HELP = "A parent: their guardian id (see `homecare care-team --staff`)."
STAFF_HELP = "Staff: your name as on the child's care team."


def _viewer(guardian: str | None, staff: str | None) -> Viewer:
    from pedmassage.homecare.access import Viewer

    return Viewer.from_parts(guardian=guardian, staff=staff)


@app.command("care-team")
@handles_errors
def care_team(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    add: str = typer.Option(None, "--add", help="Put this member of staff on the care team."),
    role: str = typer.Option("therapist", help="therapist, nurse, physician, child_life, other."),
    staff: str = typer.Option(None, help="With your name: also list the parents' guardian ids."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List (or add to) a child's care team; staff on it also see the parents' guardian ids."""
    from pedmassage.homecare import service, team
    from pedmassage.homecare.schemas import CareTeamMemberCreate

    with database() as db:
        child_id = resolve_id(db, "child", child_id, "CHILD_ID")
        if add is not None:
            data = CareTeamMemberCreate.model_validate({"staff_name": add, "role": role})
            service.add_care_team_member(
                db=db, child_id=child_id, staff_name=data.staff_name, role=data.role, now=now()
            )
        viewer = _viewer(None, staff) if staff else None
        roster = team.care_team_roster(db=db, child_id=child_id, viewer=viewer)
    if as_json:
        print_json(roster.model_dump(mode="json"))
        return
    for member in roster.care_team:
        typer.echo(f"{member.staff_name}  ({member.role})")
    for parent in roster.parents:
        typer.echo(
            f"parent: {parent.name} ({parent.relationship})  guardian id {parent.guardian_id}"
        )


@app.command("prescribe")
@handles_errors
def prescribe(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    staff: str = typer.Option(..., help=STAFF_HELP),
    goal: list[str] = typer.Option(["relaxation"], help="Goals (repeat): sleep, pain, …"),
    screening: str = typer.Option(None, help="Screening id, whole (default: the latest)."),
    minutes: int = typer.Option(None, help="Shorten the routine to this many minutes."),
    per_week: int = typer.Option(None, help="Sessions a week (default: the protocol's dose)."),
    weeks: int = typer.Option(None, help="Weeks (default: the protocol's dose)."),
    as_json: bool = typer.Option(False, "--json", help="Print the program as JSON."),
) -> None:
    """Prescribe a home routine from the planner on the latest screening (refused on a hold)."""
    from pedmassage.homecare import service
    from pedmassage.homecare.public import program_public

    with database() as db:
        rests_on = (
            None if screening is None else resolve_id(db, "screening", screening, "--screening")
        )
        program = program_public(
            service.prescribe_home_program(
                db=db,
                child_id=resolve_id(db, "child", child_id, "CHILD_ID"),
                prescribed_by=staff,
                screening_id=rests_on,
                goals=goal,
                minutes=minutes,
                sessions_per_week=per_week,
                weeks=weeks,
                now=now(),
            )
        )
    if as_json:
        print_json(program.model_dump(mode="json"))
        return
    typer.echo(program.id)


@app.command("show")
@handles_errors
def show(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    guardian: str = typer.Option(None, help=GUARDIAN_HELP),
    staff: str = typer.Option(None, help=STAFF_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """The child's routine, adherence so far, recent diary entries, PSOC scores and open flags."""
    from pedmassage.homecare import service

    viewer = _viewer(guardian, staff)
    with database() as db:
        whole = resolve_id(db, "child", child_id, "CHILD_ID")
        summary = service.child_home_summary(
            db=db, viewer=viewer, child_id=whole, as_of=now().date()
        )
    if as_json:
        print_json(summary.model_dump(mode="json"))
        return
    _print_summary(summary)


def _print_summary(summary: HomeSummaryPublic) -> None:
    from rich.markup import escape

    out = console()
    program = summary.program
    if program is None:
        out.print("No home program.")
        return
    out.print(
        f"[bold]{escape(program.title)}[/]  {program.minutes} min, "
        f"{program.sessions_per_week}×/week for {program.weeks} weeks "
        f"({program.started_on} to {program.ends_on})"
    )
    for step in program.steps:
        out.print(f"  {step.minutes:g} min  {step.site_label}: {escape(step.plain_language)}")
    for line in program.avoid:
        out.print(f"  avoid: {escape(line)}")
    for line in program.stop_when:
        out.print(f"  stop when: {escape(line)}")
    done = summary.adherence
    if done is not None:
        share = "n/a" if done.percent is None else f"{done.percent}%"
        out.print(f"Adherence: {done.sessions_logged} of {done.sessions_due} due ({share})")
    for log in summary.recent_logs:
        out.print(f"  {log.session_date}  {log.minutes} min  {log.response}  {log.problem}")
    for flag in summary.open_flags:
        out.print(f"  [red]flag[/] {flag.id}: {flag.problem_label} on {flag.session_date}")


@app.command("log")
@handles_errors
def log(
    program_id: str = typer.Argument(..., help="Home program id."),
    guardian: str = typer.Option(..., help=GUARDIAN_HELP),
    on: str = typer.Option(..., "--date", help="The session's date, YYYY-MM-DD."),
    minutes: int = typer.Option(..., help="Minutes, 1 to 60."),
    response: str = typer.Option(
        ..., help="settled, relaxed, asleep, neutral, unsettled, refused."
    ),
    problem: str = typer.Option(
        "none", help="none, pain_during_massage, skin_change, breathing_difficulty, other."
    ),
    note: str = typer.Option("", help="Anything the therapist should know."),
) -> None:
    """A parent logs one home session; a problem raises a flag for the care team."""
    from pedmassage.homecare import service
    from pedmassage.homecare.public import log_public

    session_date = _date(on)
    with database() as db:
        stored = log_public(
            service.log_home_session(
                db=db,
                viewer=_viewer(guardian, None),
                program_id=program_id,
                session_date=session_date,
                minutes=minutes,
                response=response,
                problem=problem,
                note=note,
                now=now(),
            )
        )
    typer.echo(stored.id)
    if stored.flag_id:
        console(stderr=True).print(f"flag {stored.flag_id} raised for the care team")
    if stored.advice:
        typer.echo(stored.advice, err=True)


def _date(text: str) -> date:
    from pedmassage.errors import ValidationError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("session_date", text, "a date, YYYY-MM-DD") from None


@app.command("confidence")
@handles_errors
def confidence(
    child_id: str = typer.Argument(..., help=CHILD_ID_HELP),
    items: str = typer.Option(..., help='Item answers as JSON: {"item_1": 4, …, "item_17": 5}.'),
    instrument: str = typer.Option("psoc", help="Parent-confidence instrument."),
    guardian: str = typer.Option(None, help=GUARDIAN_HELP),
    staff: str = typer.Option(None, help=STAFF_HELP),
) -> None:
    """Record a parent-confidence measure (PSOC), scored and kept with its version."""
    from pedmassage.homecare import service
    from pedmassage.homecare.public import measure_public

    try:
        parsed = json.loads(items)
    except json.JSONDecodeError as exc:
        fail("items", f"not valid JSON: {exc.msg}")
    if not isinstance(parsed, dict):
        fail("items", "a JSON object of item answers")
    with database() as db:
        measure = measure_public(
            service.record_parent_measure(
                db=db,
                viewer=_viewer(guardian, staff),
                child_id=resolve_id(db, "child", child_id, "CHILD_ID"),
                instrument=instrument,
                items=parsed,
                now=now(),
            )
        )
    print_json(measure.model_dump(mode="json"))


@app.command("flags")
@handles_errors
def flags(
    staff: str = typer.Option(..., help=STAFF_HELP),
    acknowledge: str = typer.Option(None, help="Acknowledge this flag id first."),
    action: str = typer.Option("", help="With --acknowledge: what you did or advised."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Open flags for the children on your care team, urgent first (or acknowledge one)."""
    from pedmassage.homecare import service
    from pedmassage.homecare.access import Viewer
    from pedmassage.homecare.public import flag_public

    with database() as db:
        if acknowledge is not None:
            service.acknowledge_flag(
                db=db, viewer=Viewer.staff(staff), flag_id=acknowledge, action=action, now=now()
            )
        found = [flag_public(f) for f in service.open_flags(db=db, staff_name=staff)]
    if as_json:
        print_json([f.model_dump(mode="json") for f in found])
        return
    if not found:
        typer.echo("No open flags.")
    for flag in found:
        typer.echo(
            f"{flag.id}  {flag.urgency:<6}  {flag.child_name}: {flag.problem_label} "
            f"on {flag.session_date}" + (f" ({flag.note})" if flag.note else "")
        )
