"""Home programs: the care team, prescribing, the parent's diary, parent confidence and flags.

The viewer is the logged-in person; ``?guardian=<guardian id>`` (a parent) or ``?staff=<name>``
may name which of their own records they act as, and must be their own. A viewer not linked to the
child gets a 403 in the usual error shape, naming the field ``viewer``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.errors import AccessDeniedError
from pedmassage.homecare import service
from pedmassage.homecare.access import Viewer, viewer_for
from pedmassage.homecare.public import (
    flag_public,
    log_public,
    measure_public,
    parent_public,
    program_public,
)
from pedmassage.homecare.schemas import (
    CareTeamMemberCreate,
    CareTeamMemberPublic,
    FlagAcknowledge,
    FlagPublic,
    HomeLogCreate,
    HomeLogPublic,
    HomeProgramCreate,
    HomeProgramPublic,
    HomeSummaryPublic,
    ParentMeasureCreate,
    ParentMeasurePublic,
    ParentPublic,
)
from pedmassage.http import ActorDep, allow
from pedmassage.http.versions import tagged

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1", tags=["home programs"])

GUARDIAN_HELP = "Optional: which of the logged-in parent's guardian records (their own only)."
STAFF_HELP = "Optional: the logged-in member of staff's own name (as on the care team)."


def _viewer(
    actor: ActorDep,
    guardian: Annotated[str | None, Query(description=GUARDIAN_HELP)] = None,
    staff: Annotated[str | None, Query(description=STAFF_HELP)] = None,
) -> Viewer:
    return viewer_for(actor, guardian=guardian, staff=staff)


def _staff(
    actor: ActorDep,
    staff: Annotated[str | None, Query(max_length=80, description=STAFF_HELP)] = None,
) -> str:
    viewer = viewer_for(actor, staff=staff)
    if viewer.staff_name is None:
        raise AccessDeniedError("Only staff can do this.")
    return viewer.staff_name


ViewerDep = Annotated[Viewer, Depends(_viewer)]
StaffQuery = Annotated[str, Depends(_staff)]


@router.post(
    "/children/{child_id}/care-team", status_code=201, dependencies=[allow("care_team.manage")]
)
def add_care_team_member(
    child_id: str, data: CareTeamMemberCreate, db: SessionDep, now: NowDep
) -> CareTeamMemberPublic:
    """Put staff on the child's care team: only they see the child's home program."""
    member = service.add_care_team_member(
        db=db, child_id=child_id, staff_name=data.staff_name, role=data.role, now=now
    )
    return CareTeamMemberPublic.model_validate(member)


@router.get("/children/{child_id}/care-team", dependencies=[allow("care_team.read")])
def care_team(child_id: str, db: SessionDep) -> list[CareTeamMemberPublic]:
    members = service.care_team(db=db, child_id=child_id)
    return [CareTeamMemberPublic.model_validate(m) for m in members]


@router.get("/children/{child_id}/parents", dependencies=[allow("care_team.read")])
def parents(child_id: str, staff: StaffQuery, db: SessionDep) -> list[ParentPublic]:
    """The child's parents with the guardian ids that open their home pages (care team only)."""
    return [
        parent_public(g)
        for g in service.parents(db=db, viewer=Viewer.staff(staff), child_id=child_id)
    ]


@router.post(
    "/children/{child_id}/home-program", status_code=201, dependencies=[allow("home.prescribe")]
)
def prescribe(
    child_id: str, data: HomeProgramCreate, staff: StaffQuery, db: SessionDep, now: NowDep
) -> HomeProgramPublic:
    """Prescribe the routine from the planner on the latest screening (409 on a hold)."""
    program = service.prescribe_home_program(
        db=db,
        child_id=child_id,
        prescribed_by=staff,
        screening_id=data.screening_id,
        goals=data.goals,
        minutes=data.minutes,
        sessions_per_week=data.sessions_per_week,
        weeks=data.weeks,
        now=now,
    )
    return program_public(program)


@router.get("/children/{child_id}/home-program", dependencies=[allow("home.read")])
def summary(child_id: str, viewer: ViewerDep, db: SessionDep, now: NowDep) -> HomeSummaryPublic:
    """The current routine, adherence so far, recent diary entries, PSOC scores and open flags."""
    return service.child_home_summary(db=db, viewer=viewer, child_id=child_id, as_of=now.date())


@router.get("/home-programs/{program_id}", dependencies=[allow("home.read")])
def get_program(
    program_id: str, viewer: ViewerDep, db: SessionDep, response: Response
) -> HomeProgramPublic:
    """The routine as prescribed, with its version as the ETag."""
    public = program_public(service.get_program(db=db, viewer=viewer, program_id=program_id))
    tagged(response, public.version)
    return public


@router.post("/home-programs/{program_id}/logs", status_code=201, dependencies=[allow("home.log")])
def log_session(
    program_id: str, data: HomeLogCreate, viewer: ViewerDep, db: SessionDep, now: NowDep
) -> HomeLogPublic:
    """A parent logs one home session; a problem raises a flag on the care team's list."""
    log = service.log_home_session(
        db=db,
        viewer=viewer,
        program_id=program_id,
        session_date=data.session_date,
        minutes=data.minutes,
        response=data.response,
        problem=data.problem,
        note=data.note,
        now=now,
    )
    return log_public(log)


@router.get("/home-programs/{program_id}/logs", dependencies=[allow("home.read")])
def list_logs(program_id: str, viewer: ViewerDep, db: SessionDep) -> list[HomeLogPublic]:
    program = service.get_program(db=db, viewer=viewer, program_id=program_id)
    return [log_public(log) for log in program.logs]


@router.post(
    "/children/{child_id}/parent-measures", status_code=201, dependencies=[allow("home.confidence")]
)
def record_parent_measure(
    child_id: str, data: ParentMeasureCreate, viewer: ViewerDep, db: SessionDep, now: NowDep
) -> ParentMeasurePublic:
    """Score a parent-confidence measure (PSOC, 17 items 1-6) and keep it with its version."""
    measure = service.record_parent_measure(
        db=db,
        viewer=viewer,
        child_id=child_id,
        instrument=data.instrument,
        items=data.items,
        now=now,
    )
    return measure_public(measure)


@router.get("/flags", dependencies=[allow("flags.read")])
def open_flags(staff: StaffQuery, db: SessionDep, actor: ActorDep) -> list[FlagPublic]:
    """Open flags for the children on this person's care team, urgent first."""
    flags = service.open_flags(db=db, staff_name=staff, site_ids=actor.site_ids)
    return [flag_public(f) for f in flags]


@router.post("/flags/{flag_id}/acknowledge", dependencies=[allow("flags.acknowledge")])
def acknowledge(
    flag_id: str,
    staff: StaffQuery,
    db: SessionDep,
    now: NowDep,
    data: FlagAcknowledge | None = None,
) -> FlagPublic:
    """Record who reviewed the problem, when, and what they did; it leaves the open list."""
    flag = service.acknowledge_flag(
        db=db,
        viewer=Viewer.staff(staff),
        flag_id=flag_id,
        action=data.action if data else "",
        now=now,
    )
    return flag_public(flag)
