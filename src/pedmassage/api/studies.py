"""/api/v1/studies and a child's studies: registration, amendments, enrolment with concealed
allocation, the trial's measures, withdrawal, and the results (CONSORT, balance, ITT and
per-protocol, the site's aggregate for pooling)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from pedmassage.access.policy import Actor
from pedmassage.api.bodies import StrictJSONRoute
from pedmassage.api.deps import NowDep, SessionDep
from pedmassage.http import ActorDep, allow
from pedmassage.http.actor import client_address
from pedmassage.research import enrolment, results, studies
from pedmassage.research.protocol import Eligibility
from pedmassage.research.schemas import (
    AssessmentIn,
    AssessmentResult,
    EnrolmentPublic,
    StudyChange,
    StudyCreate,
    StudyMeasureIn,
    StudyMeasurePublic,
    StudyPublic,
    StudyResultsPublic,
    WithdrawalIn,
)

router = APIRouter(route_class=StrictJSONRoute, prefix="/api/v1", tags=["studies"])
SVG: dict[int | str, dict[str, Any]] = {
    200: {"description": "The diagram", "content": {"image/svg+xml": {}}}
}
MinCell = Annotated[
    int | None,
    Query(
        ge=2,
        le=50,
        description="Cells under this many are suppressed (default and floor: "
        "the program's setting, PEDMASSAGE_RESEARCH_MIN_CELL).",
    ),
]


def _name(actor: Actor) -> str:
    return actor.display_name or actor.username


def _public(db: SessionDep, study: Any, actor: Actor) -> StudyPublic:
    return studies.to_public(db, study, reveal_blocks=actor.role == "program_lead")


@router.get("/studies", dependencies=[allow("study.read")])
def list_studies(db: SessionDep, actor: ActorDep) -> list[StudyPublic]:
    """The studies that include one of the asker's sites."""
    return [_public(db, s, actor) for s in studies.list_studies(db=db, site_ids=actor.site_ids)]


@router.post("/studies", status_code=201, dependencies=[allow("study.register")])
def register_study(data: StudyCreate, db: SessionDep, now: NowDep, actor: ActorDep) -> StudyPublic:
    """Register a study of the lead's own sites at version 1; its allocation seed is drawn now
    and never shown."""
    study = studies.register_study(
        db=db, data=data, by=_name(actor), site_ids=actor.site_ids, now=now
    )
    return _public(db, study, actor)


@router.get("/studies/{study_code}", dependencies=[allow("study.read")])
def get_study(study_code: str, db: SessionDep, actor: ActorDep) -> StudyPublic:
    study = studies.visible_study(db=db, code=study_code, site_ids=actor.site_ids)
    return _public(db, study, actor)


@router.put("/studies/{study_code}/protocol", dependencies=[allow("study.register")])
def change_protocol(
    study_code: str, data: StudyChange, db: SessionDep, now: NowDep, actor: ActorDep
) -> StudyPublic:
    """The protocol's next version; after the first enrolment an amendment with its reason."""
    study = studies.change_study(
        db=db, code=study_code, data=data, by=_name(actor), site_ids=actor.site_ids, now=now
    )
    return _public(db, study, actor)


@router.post("/studies/{study_code}/close", dependencies=[allow("study.register")])
def close_study(study_code: str, db: SessionDep, actor: ActorDep) -> StudyPublic:
    """Stop enrolment; the enrolled are still followed up."""
    study = studies.close_study(db=db, code=study_code, site_ids=actor.site_ids)
    return _public(db, study, actor)


@router.get("/studies/{study_code}/results", dependencies=[allow("study.read")])
def study_results(
    study_code: str, db: SessionDep, now: NowDep, actor: ActorDep
) -> StudyResultsPublic:
    """The CONSORT flow, the baseline table, and the ITT (primary) and per-protocol analyses."""
    study = studies.visible_study(db=db, code=study_code, site_ids=actor.site_ids)
    return results.results_public(db, study, now.date())


@router.get(
    "/studies/{study_code}/consort.svg",
    response_class=Response,
    responses=SVG,
    dependencies=[allow("study.read")],
)
def consort_diagram(study_code: str, db: SessionDep, now: NowDep, actor: ActorDep) -> Response:
    study = studies.visible_study(db=db, code=study_code, site_ids=actor.site_ids)
    return Response(results.consort_diagram(db, study, now.date()), media_type="image/svg+xml")


@router.get("/studies/{study_code}/aggregate", dependencies=[allow("study.read")])
def site_aggregate(
    study_code: str,
    db: SessionDep,
    actor: ActorDep,
    request: Request,
    site: Annotated[str, Query(min_length=1, max_length=60, pattern=r"^[^\x00]*$")] = "site",
    min_cell: MinCell = None,
) -> dict[str, Any]:
    """The non-disclosive summary this installation shares for pooling (as `research
    aggregate` writes it): per arm and stratum counts, means and SDs, small cells suppressed,
    and the site's ANCOVA estimate with its variance."""
    study = studies.visible_study(db=db, code=study_code, site_ids=actor.site_ids)
    floor = request.app.state.settings.research_min_cell
    return results.site_aggregate_document(
        db, study, site=site, min_cell=floor if min_cell is None else min_cell, floor=floor
    )


@router.get("/children/{child_id}/studies", dependencies=[allow("child.read")])
def child_studies(child_id: str, db: SessionDep) -> list[EnrolmentPublic]:
    """The studies the child is enrolled in, with the arm and the measures still due."""
    return enrolment.child_enrolments(db=db, child_id=child_id)


@router.get(
    "/children/{child_id}/studies/{study_code}/eligibility", dependencies=[allow("study.enrol")]
)
def eligibility(child_id: str, study_code: str, db: SessionDep, now: NowDep) -> Eligibility:
    """Is the child eligible today? Nothing is recorded and no arm is allocated."""
    return enrolment.eligibility(db=db, code=study_code, child_id=child_id, now=now)


@router.post(
    "/children/{child_id}/studies/{study_code}/assessments",
    status_code=201,
    dependencies=[allow("study.enrol")],
)
def assess(
    child_id: str,
    study_code: str,
    data: AssessmentIn,
    request: Request,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
) -> AssessmentResult:
    """Record the assessment; when eligible with consent and assent and the decision is to
    enrol, randomize the child and only then show the arm."""
    asker = enrolment.Asker(
        name=_name(actor),
        role=actor.role,
        address=client_address(request),
        site_ids=actor.site_ids,
    )
    return enrolment.assess(
        db=db, code=study_code, child_id=child_id, data=data, asker=asker, now=now
    )


@router.get("/children/{child_id}/studies/{study_code}", dependencies=[allow("study.follow_up")])
def child_enrolment(child_id: str, study_code: str, db: SessionDep) -> EnrolmentPublic:
    return enrolment.enrolment_of(db=db, code=study_code, child_id=child_id)


@router.post(
    "/children/{child_id}/studies/{study_code}/measures",
    status_code=201,
    dependencies=[allow("study.follow_up")],
)
def record_measure(
    child_id: str,
    study_code: str,
    data: StudyMeasureIn,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
) -> StudyMeasurePublic:
    """A trial measure: baseline (day 0) before the first session, or an outcome's day within
    its window; each is taken once."""
    measure = enrolment.record_measure(
        db=db, code=study_code, child_id=child_id, data=data, by=_name(actor), now=now
    )
    return StudyMeasurePublic.model_validate(measure)


@router.post(
    "/children/{child_id}/studies/{study_code}/withdrawal",
    dependencies=[allow("study.follow_up")],
)
def withdraw(
    child_id: str,
    study_code: str,
    data: WithdrawalIn,
    db: SessionDep,
    now: NowDep,
    actor: ActorDep,
) -> EnrolmentPublic:
    """The child leaves the study; they stay in the intention-to-treat population."""
    enrolment.withdraw(
        db=db, code=study_code, child_id=child_id, data=data, by=_name(actor), now=now
    )
    return enrolment.enrolment_of(db=db, code=study_code, child_id=child_id)
