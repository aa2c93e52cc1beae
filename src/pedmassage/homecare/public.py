"""Stored home-program rows as their public shapes (what the API, CLI and pages show)."""

from __future__ import annotations

from datetime import date

from pedmassage.children.models import Guardian
from pedmassage.homecare.models import HomeFlag, HomeProgram, HomeSessionLog, ParentMeasure
from pedmassage.homecare.rules import Adherence, adherence, diary
from pedmassage.homecare.schemas import (
    DiaryLabels,
    FlagPublic,
    HomeLogPublic,
    HomeProgramPublic,
    HomeStep,
    ParentMeasurePublic,
    ParentPublic,
)

PARENT_PAGE = "/home?guardian={guardian_id}"


def parent_public(guardian: Guardian) -> ParentPublic:
    return ParentPublic(
        guardian_id=guardian.id,
        name=guardian.name,
        relationship=guardian.relationship_to_child,
        home_page=PARENT_PAGE.format(guardian_id=guardian.id),
    )


def program_public(program: HomeProgram) -> HomeProgramPublic:
    return HomeProgramPublic(
        id=program.id,
        child_id=program.child_id,
        version=program.version,
        screening_id=program.screening_id,
        status=program.status,
        prescribed_by=program.prescribed_by,
        prescribed_at=program.prescribed_at,
        started_on=program.started_on,
        ends_on=program.ends_on,
        weeks=program.weeks,
        sessions_per_week=program.sessions_per_week,
        minutes=program.minutes,
        timing=program.timing,
        goals=list(program.goals),
        protocol_id=program.protocol_id,
        protocol_version=program.protocol_version,
        title=program.title,
        position=program.position,
        steps=[HomeStep.model_validate(step) for step in program.steps],
        touch_steps=list(program.touch_steps),
        avoid=list(program.avoid),
        stop_when=list(program.stop_when),
        skip_if=list(program.skip_if),
        precautions=list(program.precautions),
        notes=list(program.notes),
        sources=list(program.sources),
        ended_at=program.ended_at,
        end_reason=program.end_reason,
    )


def log_public(log: HomeSessionLog) -> HomeLogPublic:
    return HomeLogPublic(
        id=log.id,
        program_id=log.program_id,
        session_date=log.session_date,
        minutes=log.minutes,
        response=log.response,
        problem=log.problem,
        note=log.note,
        logged_at=log.logged_at,
        flag_id=log.flag.id if log.flag else None,
        advice=diary().problem(log.problem).advice if log.problem in diary().problem_ids() else "",
    )


def program_adherence(program: HomeProgram | None, as_of: date) -> Adherence | None:
    """How the program's own diary keeps to it: the one place a stored program meets the
    adherence rule, so the parent and the care team always see the same figures."""
    return adherence(program, program.logs, as_of) if program else None


def recent_logs(program: HomeProgram | None, count: int) -> list[HomeLogPublic]:
    """The program's latest ``count`` diary entries, newest first."""
    logs = list(program.logs) if program else []
    return [log_public(log) for log in reversed(logs[-count:])]


def diary_labels() -> DiaryLabels:
    book = diary()
    return DiaryLabels(
        responses={r.id: r.label for r in book.responses},
        problems={p.id: p.label for p in book.problems},
    )


def measure_public(measure: ParentMeasure) -> ParentMeasurePublic:
    from pedmassage.measures import instrument

    low, high = instrument(measure.instrument_id).range
    return ParentMeasurePublic(
        id=measure.id,
        child_id=measure.child_id,
        program_id=measure.program_id,
        instrument_id=measure.instrument_id,
        instrument_version=measure.instrument_version,
        total=measure.total,
        range=(float(low), float(high)),
        items={k: float(v) for k, v in measure.items.items()},
        taken_at=measure.taken_at,
        entered_by=measure.entered_by,
    )


def flag_public(flag: HomeFlag) -> FlagPublic:
    kinds = diary()
    return FlagPublic(
        id=flag.id,
        child_id=flag.child_id,
        child_name=flag.child.display_name,
        program_id=flag.log.program_id,
        log_id=flag.log_id,
        problem=flag.problem,
        problem_label=(
            kinds.problem(flag.problem).label
            if flag.problem in kinds.problem_ids()
            else flag.problem
        ),
        urgency=flag.urgency,
        session_date=flag.log.session_date,
        note=flag.log.note,
        raised_at=flag.raised_at,
        acknowledged_by=flag.acknowledged_by,
        acknowledged_at=flag.acknowledged_at,
        action=flag.action,
    )
