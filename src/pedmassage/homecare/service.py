"""Use cases of the home program: care team, prescribing, the parent's diary, flags, the summary.

Each runs inside the caller's unit of work and only flushes, so a refused entry stores nothing.
Every use case that reads or writes a child's home data takes an explicit viewer and refuses
(:class:`~pedmassage.errors.AccessDeniedError`) anyone not linked to the child.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, get_args

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from pedmassage.children.models import Child, Guardian
from pedmassage.children.service import PAGE_SIZE, Page, check_window, get_child
from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.homecare.access import (
    MAX_STAFF_NAME,
    Viewer,
    guardian_of,
    on_care_team,
    require_access,
    require_guardian,
    require_staff,
)
from pedmassage.homecare.models import (
    CareTeamMember,
    HomeFlag,
    HomeProgram,
    HomeSessionLog,
    ParentMeasure,
)
from pedmassage.homecare.public import (
    flag_public,
    measure_public,
    program_adherence,
    program_public,
    recent_logs,
)
from pedmassage.homecare.routine import frequency, home_routine
from pedmassage.homecare.rules import check_log, diary
from pedmassage.homecare.schemas import CareRole, HomeSummaryPublic
from pedmassage.safety.contract import ScreeningResult
from pedmassage.screenings.reliance import Care, screening_for_care

if TYPE_CHECKING:
    from pedmassage.planning import SessionPlan

PARENT_CONSTRUCT = "parent_confidence"
PARENT_QUESTIONNAIRE = "psoc"
"""The parent-confidence instrument asked when none is named (the parent's pages ask this one)."""
CARE_ROLES: tuple[str, ...] = get_args(CareRole)


def add_care_team_member(
    *, db: Session, child_id: str, staff_name: str, role: str, now: datetime
) -> CareTeamMember:
    """Put a member of staff on the child's care team (who may change it comes with login)."""
    get_child(db=db, child_id=child_id)
    name = " ".join(staff_name.split())
    if not 1 <= len(name) <= MAX_STAFF_NAME:
        raise ValidationError("staff_name", name, f"a name of 1 to {MAX_STAFF_NAME} characters")
    if role not in CARE_ROLES:
        raise ValidationError("role", role, "one of: " + ", ".join(CARE_ROLES))
    if on_care_team(db, child_id, name):
        raise ConflictError(f"{name} is already on this child's care team.", field="staff_name")
    member = CareTeamMember(child_id=child_id, staff_name=name, role=role, added_at=now)
    db.add(member)
    db.flush()
    return member


def care_team(*, db: Session, child_id: str) -> list[CareTeamMember]:
    get_child(db=db, child_id=child_id)
    query = select(CareTeamMember).where(CareTeamMember.child_id == child_id)
    return list(db.scalars(query.order_by(CareTeamMember.added_at, CareTeamMember.staff_name)))


def parents(*, db: Session, viewer: Viewer, child_id: str) -> list[Guardian]:
    """The child's parents, whose guardian ids open the parent pages (staff on the team only)."""
    require_staff(db, viewer, child_id)
    return list(get_child(db=db, child_id=child_id).guardians)


def prescribe_home_program(
    *,
    db: Session,
    child_id: str,
    prescribed_by: str,
    screening_id: str | None = None,
    goals: Sequence[str] = ("relaxation",),
    minutes: int | None = None,
    sessions_per_week: int | None = None,
    weeks: int | None = None,
    now: datetime,
) -> HomeProgram:
    """Build the routine from the planner on the child's latest screening (refused on a hold).

    The plan is made for the home setting, so a protocol a parent gives is preferred. Prescribing
    again ends the child's active program: a child has one home routine at a time.
    """
    staff = require_staff(db, Viewer.staff(prescribed_by), child_id)
    child = get_child(db=db, child_id=child_id)
    care = Care.home_program(now)
    screening = screening_for_care(db=db, child_id=child_id, care=care, screening_id=screening_id)
    result = ScreeningResult.model_validate(screening.result)
    stage = _stage(child, now)
    plan = _home_plan(child, stage, result, goals, minutes)
    often = frequency(plan.dose, sessions_per_week, weeks)
    routine = home_routine(plan, result, stage)
    # One routine at a time: prescriptions for one child take turns under a lock on the child's
    # row, so two at once cannot both end the old program and leave two active.
    db.execute(select(Child.id).where(Child.id == child_id).with_for_update())
    _end_active(db, child_id, now, f"Replaced by a new home program from {staff}.")
    program = HomeProgram(
        child_id=child_id,
        site_id=child.site_id,
        screening_id=screening.id,
        status="active",
        prescribed_by=staff,
        prescribed_at=now,
        started_on=now.date(),
        weeks=often.weeks,
        sessions_per_week=often.sessions_per_week,
        minutes=max(1, round(plan.total_minutes)),
        timing=plan.dose.timing or "",
        goals=list(dict.fromkeys(goals)),
        protocol_id=plan.protocol_id,
        protocol_version=plan.protocol_version,
        title=plan.title,
        position=plan.position,
        steps=routine.steps,
        touch_steps=list(plan.touch_steps),
        avoid=routine.avoid,
        stop_when=routine.stop_when,
        skip_if=routine.skip_if,
        precautions=routine.precautions,
        notes=routine.notes,
        sources=list(plan.sources),
    )
    db.add(program)
    db.flush()
    return program


def _stage(child: Child, now: datetime) -> str:
    from pedmassage.development import GestationalAge, age_profile, stage_for

    ages = age_profile(child.birth_date, GestationalAge(child.ga_weeks, child.ga_days), now.date())
    return stage_for(ages).id


def _home_plan(
    child: Child,
    stage: str,
    screening: ScreeningResult,
    goals: Sequence[str],
    minutes: int | None,
) -> SessionPlan:
    from pedmassage.planning import plan_session

    return plan_session(
        stage=stage,
        conditions=[c.code for c in child.conditions],
        goals=goals,
        setting="home",
        screening=screening,
        touch_apprehension=child.touch_aversion or child.trauma_history,
        minutes=minutes,
    )


def _end_active(db: Session, child_id: str, now: datetime, reason: str) -> None:
    for program in db.scalars(_active_query(child_id)):
        program.status = "ended"
        program.ended_at = now
        program.end_reason = reason


def _active_query(child_id: str) -> Select[HomeProgram]:
    return select(HomeProgram).where(
        HomeProgram.child_id == child_id, HomeProgram.status == "active"
    )


def active_program(*, db: Session, viewer: Viewer, child_id: str) -> HomeProgram | None:
    """The child's current home routine, or None."""
    require_access(db, viewer, child_id)
    return db.scalars(_active_query(child_id).options(selectinload(HomeProgram.logs))).first()


def get_program(*, db: Session, viewer: Viewer, program_id: str) -> HomeProgram:
    program = _program(db, program_id)
    require_access(db, viewer, program.child_id)
    return program


def parent_home(*, db: Session, viewer: Viewer) -> tuple[Child, HomeProgram | None]:
    """A parent's own child and that child's current routine: all a parent can reach."""
    if viewer.kind != "guardian" or viewer.guardian_id is None:
        raise ValidationError("guardian", None, "a guardian id")
    child_id = guardian_of(db, viewer.guardian_id).child_id
    return get_child(db=db, child_id=child_id), active_program(
        db=db, viewer=viewer, child_id=child_id
    )


def _program(db: Session, program_id: str) -> HomeProgram:
    program = db.get(HomeProgram, program_id, options=[selectinload(HomeProgram.logs)])
    if program is None:
        raise NotFoundError("home program", program_id)
    return program


def log_home_session(
    *,
    db: Session,
    viewer: Viewer,
    program_id: str,
    session_date: date,
    minutes: int,
    response: str,
    problem: str = "none",
    note: str = "",
    now: datetime,
) -> HomeSessionLog:
    """Store one home session from the child's parent; a problem raises a flag for the team."""
    program = _program(db, program_id)
    guardian = require_guardian(db, viewer, program.child_id)
    check_log(
        started_on=program.started_on,
        session_date=session_date,
        minutes=minutes,
        response=response,
        problem=problem,
        note=note,
        now=now,
    )
    if program.status != "active":
        raise ConflictError(
            "This home program has ended; log sessions on the current one.", field="program_id"
        )
    log = HomeSessionLog(
        guardian_id=guardian.id,
        session_date=session_date,
        minutes=minutes,
        response=response,
        problem=problem,
        note=note.strip(),
        logged_at=now,
    )
    kind = diary().problem(problem)
    if kind.flag:
        log.flag = HomeFlag(
            child_id=program.child_id, problem=problem, urgency=kind.urgency, raised_at=now
        )
    program.logs.append(log)
    db.flush()
    return log


def record_parent_measure(
    *,
    db: Session,
    viewer: Viewer,
    child_id: str,
    instrument: str = PARENT_QUESTIONNAIRE,
    items: Mapping[str, float],
    now: datetime,
) -> ParentMeasure:
    """Score a parent-confidence measure (PSOC) and keep it with the instrument's version."""
    from pedmassage.measures import instruments, score

    require_access(db, viewer, child_id)
    get_child(db=db, child_id=child_id)
    allowed = [i.id for i in instruments().values() if i.construct == PARENT_CONSTRUCT]
    if instrument not in allowed:
        raise ValidationError("instrument", instrument, "one of: " + ", ".join(allowed))
    result = score(instrument, items)
    program = db.scalars(_active_query(child_id)).first()
    measure = ParentMeasure(
        child_id=child_id,
        program_id=program.id if program else None,
        guardian_id=viewer.guardian_id,
        entered_by="parent" if viewer.kind == "guardian" else (viewer.staff_name or ""),
        instrument_id=result.instrument,
        instrument_version=result.version,
        items=dict(result.items),
        total=float(result.total),
        taken_at=now,
    )
    db.add(measure)
    db.flush()
    return measure


def parent_measures(*, db: Session, viewer: Viewer, child_id: str) -> list[ParentMeasure]:
    require_access(db, viewer, child_id)
    query = select(ParentMeasure).where(ParentMeasure.child_id == child_id)
    return list(db.scalars(query.order_by(ParentMeasure.taken_at, ParentMeasure.id)))


def open_flags(
    *, db: Session, staff_name: str, site_ids: frozenset[str] | None = None
) -> list[HomeFlag]:
    """Unacknowledged flags of the children on this person's care team (and of their sites,
    when given: a name on a care team elsewhere opens nothing), urgent first."""
    query = _open_flags_query(staff_name, site_ids).order_by(*FLAG_ORDER)
    return list(db.scalars(query.options(*FLAG_ROW)))


def open_flags_page(
    *,
    db: Session,
    staff_name: str,
    site_ids: frozenset[str] | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Page[HomeFlag]:
    """One page of :func:`open_flags`, counted and cut in the database: a count and three
    queries (the flags, their diary entries, their children's names) whatever the page size."""
    check_window(offset=offset, limit=limit)
    query = _open_flags_query(staff_name, site_ids)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(*FLAG_ORDER).offset(offset).limit(limit).options(*FLAG_ROW)
    return Page(list(db.scalars(page)), offset, limit, total)


#: Urgent first, then the oldest; the id keeps pages from overlapping.
FLAG_ORDER = (case((HomeFlag.urgency == "urgent", 0), else_=1), HomeFlag.raised_at, HomeFlag.id)
#: What a flag's row shows besides the flag: its diary entry and the child's name.
FLAG_ROW = (
    selectinload(HomeFlag.log),
    selectinload(HomeFlag.child).load_only(Child.id, Child.display_name),
)


def _open_flags_query(staff_name: str, site_ids: frozenset[str] | None) -> Select[HomeFlag]:
    name = Viewer.staff(staff_name).staff_name
    query = (
        select(HomeFlag)
        .join(CareTeamMember, CareTeamMember.child_id == HomeFlag.child_id)
        .where(CareTeamMember.staff_name == name, HomeFlag.acknowledged_at.is_(None))
    )
    if site_ids is not None:
        query = query.join(Child, Child.id == HomeFlag.child_id).where(Child.site_id.in_(site_ids))
    return query


def child_flags(*, db: Session, viewer: Viewer, child_id: str) -> list[HomeFlag]:
    """The child's open flags."""
    require_access(db, viewer, child_id)
    query = (
        select(HomeFlag)
        .where(HomeFlag.child_id == child_id, HomeFlag.acknowledged_at.is_(None))
        .options(selectinload(HomeFlag.log), selectinload(HomeFlag.child))
        .order_by(HomeFlag.raised_at, HomeFlag.id)
    )
    return list(db.scalars(query))


def program_site(*, db: Session, program_id: str) -> tuple[str, str]:
    """The child and site of a home program (what the policy needs to know about it)."""
    program = _program(db, program_id)
    return program.child_id, program.site_id


def flag_child(*, db: Session, flag_id: str) -> str:
    """The child a flag is about."""
    flag = db.get(HomeFlag, flag_id)
    if flag is None:
        raise NotFoundError("flag", flag_id)
    return flag.child_id


def acknowledge_flag(
    *, db: Session, viewer: Viewer, flag_id: str, action: str = "", now: datetime
) -> HomeFlag:
    """A therapist on the care team has seen the problem: who, when, and what they did."""
    flag = db.get(HomeFlag, flag_id, options=[selectinload(HomeFlag.log)])
    if flag is None:
        raise NotFoundError("flag", flag_id)
    staff = require_staff(db, viewer, flag.child_id)
    if flag.acknowledged_at is not None:
        when = f"{flag.acknowledged_at:%Y-%m-%d %H:%M} UTC"
        raise ConflictError(
            f"Already acknowledged by {flag.acknowledged_by} at {when}.", field="flag_id"
        )
    flag.acknowledged_by = staff
    flag.acknowledged_at = now
    flag.action = action.strip()
    db.flush()
    return flag


def child_home_summary(
    *, db: Session, viewer: Viewer, child_id: str, as_of: date, recent: int = 14
) -> HomeSummaryPublic:
    """The routine, its adherence, the latest diary entries, parent measures and open flags."""
    program = active_program(db=db, viewer=viewer, child_id=child_id)
    return HomeSummaryPublic(
        child_id=child_id,
        as_of=as_of,
        program=program_public(program) if program else None,
        adherence=program_adherence(program, as_of),
        recent_logs=recent_logs(program, recent),
        parent_measures=[
            measure_public(m) for m in parent_measures(db=db, viewer=viewer, child_id=child_id)
        ],
        open_flags=[flag_public(f) for f in child_flags(db=db, viewer=viewer, child_id=child_id)],
    )
