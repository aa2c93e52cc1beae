"""Studies on the web: the list, a study's results (CONSORT diagram and table, baseline balance,
ITT and per-protocol), and a child's part in a study (assessment and enrolment, the trial's
measures, withdrawal). The arm is shown only on the enrolment page, which exists only once the
enrolment is stored."""

from __future__ import annotations

import pydantic
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.access.policy import Actor, roles_allowed
from pedmassage.errors import ValidationError
from pedmassage.http import ActorDep, allow
from pedmassage.http.actor import client_address
from pedmassage.research import enrolment, results, studies
from pedmassage.research.schemas import AssessmentIn, StudyMeasureIn, WithdrawalIn
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import (
    Errors,
    FormDep,
    FormInput,
    KeyFn,
    discard_refused,
    domain_errors,
    parse_local_datetime,
    pydantic_errors,
)
from pedmassage.web.rendering import render
from pedmassage.web.scales import item_scores, scale_form

router = APIRouter(include_in_schema=False)

DECISIONS = [
    ("enrol", "Enrol: eligible, permission given, the child agrees or cannot yet say"),
    ("declined", "Declined: the family or the child said no"),
    ("other", "Not enrolled for another reason"),
]
CONSENTS = [("guardian", "A parent or guardian gave permission"), ("self", "The young person")]
ASSENTS = [
    ("given", "The child agreed"),
    ("not_able", "Not able to say (infant, not verbal)"),
    ("not_applicable", "Not applicable: the young person consented"),
]


def _name(actor: Actor) -> str:
    return actor.display_name or actor.username


@router.get("/studies", dependencies=[allow("study.read")])
def study_list(request: Request, db: PageDb, actor: ActorDep) -> Response:
    found = studies.list_studies(db=db, site_ids=actor.site_ids)
    return render(
        request, "studies/list.html", {"studies": [studies.to_public(db, s) for s in found]}
    )


@router.get("/studies/{study_code}", dependencies=[allow("study.read")])
def study_page(
    study_code: str, request: Request, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    study = studies.visible_study(db=db, code=study_code, site_ids=actor.site_ids)
    public = studies.to_public(db, study, reveal_blocks=actor.role == "program_lead")
    return render(
        request,
        "studies/show.html",
        {"study": public, "results": results.results_public(db, study, now.date())},
    )


@router.get("/studies/{study_code}/consort.svg", dependencies=[allow("study.read")])
def consort_svg(study_code: str, db: PageDb, now: NowDep, actor: ActorDep) -> Response:
    study = studies.visible_study(db=db, code=study_code, site_ids=actor.site_ids)
    return Response(results.consort_diagram(db, study, now.date()), media_type="image/svg+xml")


@router.get("/studies/{study_code}/aggregate.json", dependencies=[allow("study.read")])
def aggregate(study_code: str, request: Request, db: PageDb, actor: ActorDep) -> Response:
    import json

    study = studies.visible_study(db=db, code=study_code, site_ids=actor.site_ids)
    floor = request.app.state.settings.research_min_cell
    document = results.site_aggregate_document(db, study, site="site", min_cell=floor)
    return Response(
        json.dumps(document, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{study.code}-aggregate.json"'},
    )


# --- a child in a study ---------------------------------------------------------------------


@router.get("/children/{child_id}/studies/{study_code}/assess", dependencies=[allow("study.enrol")])
def assess_form(
    child_id: str, study_code: str, request: Request, db: PageDb, now: NowDep
) -> Response:
    return _assess_page(request, db, child_id, study_code, now, FormInput({}), {})


@router.post(
    "/children/{child_id}/studies/{study_code}/assess", dependencies=[allow("study.enrol")]
)
def assess(
    child_id: str,
    study_code: str,
    request: Request,
    form: FormDep,
    db: PageDb,
    now: NowDep,
    actor: ActorDep,
) -> Response:
    """Record the assessment; an enrolled child's page then shows the arm, allocated now."""
    fields = form.present(("decision", "consent", "assent", "reason"))
    try:
        data = AssessmentIn.model_validate(fields)
        asker = enrolment.Asker(_name(actor), actor.role, client_address(request), actor.site_ids)
        found = enrolment.assess(
            db=db, code=study_code, child_id=child_id, data=data, asker=asker, now=now
        )
    except pydantic.ValidationError as exc:
        return _refused_assessment(
            request, db, child_id, study_code, now, form, pydantic_errors(exc)
        )
    except ValidationError as exc:
        return _refused_assessment(request, db, child_id, study_code, now, form, domain_errors(exc))
    if found.enrolment is not None:
        return RedirectResponse(f"/children/{child_id}/studies/{study_code}", status_code=303)
    return render(
        request,
        "studies/assessed.html",
        {"child_id": child_id, "code": study_code, "assessment": found.assessment},
    )


def _refused_assessment(
    request: Request,
    db: Session,
    child_id: str,
    code: str,
    now: NowDep,
    form: FormInput,
    errors: Errors,
) -> Response:
    discard_refused(request, db)
    return _assess_page(request, db, child_id, code, now, form, errors, status_code=422)


def _assess_page(
    request: Request,
    db: Session,
    child_id: str,
    code: str,
    now: NowDep,
    form: FormInput,
    errors: Errors,
    status_code: int = 200,
) -> Response:
    study = studies.get_study(db=db, code=code)
    return render(
        request,
        "studies/assess.html",
        {
            "child_id": child_id,
            "study": studies.to_public(db, study),
            "eligibility": enrolment.eligibility(db=db, code=code, child_id=child_id, now=now),
            "form": form,
            "errors": errors,
            "decisions": DECISIONS,
            "consents": CONSENTS,
            "assents": ASSENTS,
        },
        status_code=status_code,
    )


@router.get("/children/{child_id}/studies/{study_code}", dependencies=[allow("study.follow_up")])
def enrolment_page(
    child_id: str, study_code: str, request: Request, db: PageDb, now: NowDep
) -> Response:
    return _enrolment_page(request, db, child_id, study_code, now, FormInput({}), {})


@router.post(
    "/children/{child_id}/studies/{study_code}/measures",
    dependencies=[allow("study.follow_up")],
)
def record_measure(
    child_id: str,
    study_code: str,
    request: Request,
    form: FormDep,
    db: PageDb,
    now: NowDep,
    actor: ActorDep,
) -> Response:
    """A trial measure from the form: the instrument, the day and its items."""
    instrument = form.text("instrument")
    errors: Errors = {}
    try:
        scale = scale_form(instrument)
        items, errors = item_scores(form, "trial", scale)
        if not errors:
            taken = form.text("taken_at")
            data = StudyMeasureIn.model_validate(
                {
                    "instrument": instrument,
                    "day": form.text("day") or None,
                    "items": items,
                    "taken_at": parse_local_datetime(taken, "taken_at") if taken else None,
                }
            )
            enrolment.record_measure(
                db=db, code=study_code, child_id=child_id, data=data, by=_name(actor), now=now
            )
    except pydantic.ValidationError as exc:
        errors = pydantic_errors(exc)
    except ValidationError as exc:
        errors = domain_errors(exc, key=_trial_key(instrument))
    if errors:
        discard_refused(request, db)
        return _enrolment_page(
            request, db, child_id, study_code, now, form, errors, status_code=422
        )
    return RedirectResponse(f"/children/{child_id}/studies/{study_code}#measures", 303)


def _trial_key(instrument: str) -> KeyFn:
    def key(path: str) -> str:
        if path.startswith("items."):
            return f"trial.{instrument}.{path.removeprefix('items.')}"
        return path.split(".", 1)[0]

    return key


@router.post(
    "/children/{child_id}/studies/{study_code}/withdrawal",
    dependencies=[allow("study.follow_up")],
)
def withdraw(
    child_id: str,
    study_code: str,
    request: Request,
    form: FormDep,
    db: PageDb,
    now: NowDep,
    actor: ActorDep,
) -> Response:
    try:
        data = WithdrawalIn.model_validate({"reason": form.text("reason")})
    except pydantic.ValidationError as exc:
        discard_refused(request, db)
        errors = {"reason": next(iter(pydantic_errors(exc).values()))}
        return _enrolment_page(
            request, db, child_id, study_code, now, form, errors, status_code=422
        )
    enrolment.withdraw(
        db=db, code=study_code, child_id=child_id, data=data, by=_name(actor), now=now
    )
    return RedirectResponse(f"/children/{child_id}/studies/{study_code}", status_code=303)


def _enrolment_page(
    request: Request,
    db: Session,
    child_id: str,
    code: str,
    now: NowDep,
    form: FormInput,
    errors: Errors,
    status_code: int = 200,
) -> Response:
    found = enrolment.enrolment_of(db=db, code=code, child_id=child_id)
    study = studies.to_public(db, studies.get_study(db=db, code=code))
    days = study.protocol.measure_days()
    return render(
        request,
        "studies/enrolment.html",
        {
            "child_id": child_id,
            "study": study,
            "enrolment": found,
            "scales": [scale_form(i) for i in days],
            "days": days,
            "form": form,
            "errors": errors,
            "may_follow_up": True,
            "now": now,
        },
        status_code=status_code,
    )


def child_studies_section(
    *, db: Session, child_id: str, site_id: str, actor: Actor
) -> dict[str, object]:
    """The child page's studies: those the child is in (with the arm and what is due) and, for
    whoever may enrol, the enrolling studies of the child's site to assess them for."""
    may_enrol = actor.role in roles_allowed("study.enrol")
    open_studies = studies.open_for(db=db, site_id=site_id, child_id=child_id) if may_enrol else []
    return {
        "enrolments": enrolment.child_enrolments(db=db, child_id=child_id),
        "open": [{"code": s.code, "title": s.title} for s in open_studies],
        "may_follow_up": actor.role in roles_allowed("study.follow_up"),
    }
