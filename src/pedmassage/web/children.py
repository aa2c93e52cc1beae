"""Pages for children: the ward list, a new profile, and the profile with its history and trends."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

import pydantic
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from pedmassage.access.policy import roles_allowed
from pedmassage.children import service
from pedmassage.children.schemas import (
    ChildCreate,
    ChildPublic,
    GoalsOfCareUpdate,
    ObservationPublic,
)
from pedmassage.errors import ValidationError
from pedmassage.http import ActorDep, allow
from pedmassage.http.guard import site_for_new_record
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.outcomes.growth import child_growth
from pedmassage.outcomes.service import child_outcomes, child_trends
from pedmassage.outcomes.trend import InstrumentTrend
from pedmassage.screenings.service import latest_screening, screened_children, screening_public
from pedmassage.sessions.schemas import SessionPublic
from pedmassage.sessions.service import list_sessions, session_public
from pedmassage.vocabulary import code_book
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import (
    Errors,
    FormDep,
    FormInput,
    discard_refused,
    domain_errors,
    pydantic_errors,
)
from pedmassage.web.rendering import SETTING_LABELS, labelled, render
from pedmassage.web.scales import scale_name
from pedmassage.web.session_fields import STATE_LABELS

router = APIRouter(include_in_schema=False, route_class=KeptAnswerRoute)

#: A list page's number: from 1, and bounded so that no page starts past what a database counts.
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]

NO_WARD = "Home and clinic (no ward)"

CHILD_TEXT_FIELDS = (
    "display_name",
    "birth_date",
    "sex",
    "gestational_age_weeks",
    "gestational_age_days",
    "setting",
    "ward",
    "touch_notes",
)
CHILD_FLAGS = ("verbal", "cognitive_impairment", "touch_aversion", "trauma_history")
NEW_CHILD_DEFAULTS = FormInput(
    {
        "sex": ["unknown"],
        "gestational_age_weeks": ["40"],
        "gestational_age_days": ["0"],
        "verbal": ["on"],
        "setting": ["hospital"],
    }
)


@dataclass(frozen=True)
class SessionRow:
    """One line of a child's session history, with the pain scale named, not coded."""

    session: SessionPublic
    instrument: str
    pre: float | None
    post: float | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.session.status, self.session.status)


@dataclass(frozen=True)
class TrendChart:
    """One instrument's chart: its name, how many sessions it shows, and where the SVG is."""

    name: str
    sessions: int
    src: str


@router.get("/", dependencies=[allow("child.list")])
def children_list(
    request: Request, db: PageDb, now: NowDep, actor: ActorDep, ward: str = "", page: PageNumber = 1
) -> Response:
    """One page of the children of the person's sites grouped by ward, each with their latest
    decision; each ward's heading counts all its children, on this page or not."""
    found = screened_children(
        db=db,
        ward=ward or None,
        as_of=now.date(),
        site_ids=actor.site_ids,
        offset=(page - 1) * service.PAGE_SIZE,
        limit=service.PAGE_SIZE,
    )
    groups = [
        (name or NO_WARD, list(members), found.ward_totals.get(name, 0))
        for name, members in itertools.groupby(found.items, key=lambda r: r.child.ward)
    ]
    return render(
        request,
        "children/list.html",
        {
            "groups": groups,
            "wards": service.wards(db=db, site_ids=actor.site_ids),
            "ward": ward,
            "page": found,
            "previous": _list_link(ward, page - 1) if found.previous_offset is not None else None,
            "next": _list_link(ward, page + 1) if found.next_offset is not None else None,
            "first_page": _list_link(ward, 1),
        },
    )


def _list_link(ward: str, number: int) -> str:
    query = {"ward": ward} if ward else {}
    return "/?" + urlencode({**query, "page": number})


@router.get("/children/new", dependencies=[allow("child.create")])
def new_child_form(request: Request, db: PageDb) -> Response:
    return _new_child_page(request, db, NEW_CHILD_DEFAULTS, {})


@router.post("/children/new", dependencies=[allow("child.create")])
def create_child(
    request: Request, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """Store the profile and go to it; on any refusal show the form again, values kept."""
    try:
        data = ChildCreate.model_validate(_child_fields(form))
        site = site_for_new_record(actor, data.site_id)
        data = data.model_copy(update={"site_id": site})
        child = service.create_child(db=db, data=data, now=now)
    except pydantic.ValidationError as exc:
        return _refused(request, db, form, pydantic_errors(exc))
    except ValidationError as exc:
        return _refused(request, db, form, domain_errors(exc))
    return RedirectResponse(f"/children/{child.id}", status_code=303)


@router.get("/children/{child_id}", dependencies=[allow("child.read")])
def child_profile(
    child_id: str, request: Request, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """Everything needed at the bedside before touching the child, on one page."""
    from pedmassage.web.homecare import home_program_section
    from pedmassage.web.studies import child_studies_section

    child = service.get_child(db=db, child_id=child_id)
    public = service.to_public(child, now.date())
    screening = latest_screening(db=db, child_id=child.id)
    sessions = [_session_row(session_public(s)) for s in list_sessions(db=db, child_id=child.id)]
    charts = [_chart(child.id, t) for t in child_trends(db=db, child_id=child.id)]
    return render(
        request,
        "children/profile.html",
        {
            "child": public,
            "corrected_age": corrected_age_label(public),
            "observations": latest_observations(public.observations),
            "screening": screening_public(screening) if screening else None,
            "sessions": newest_first(sessions),
            "charts": charts,
            "may_set_goals": actor.role in roles_allowed("child.goals_of_care"),
            "outcomes": child_outcomes(db=db, child_id=child.id),
            "studies": child_studies_section(
                db=db, child_id=child.id, site_id=child.site_id, actor=actor
            ),
            **_growth(db, child.id, public.observations),
            "home": home_program_section(
                db=db,
                child_id=child.id,
                as_of=now.date(),
                staff=request.query_params.get("staff"),
                actor=actor,
            ),
        },
    )


@router.post("/children/{child_id}/goals-of-care", dependencies=[allow("child.goals_of_care")])
def set_goals_of_care(
    child_id: str, form: FormDep, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """A physician or the program lead sets the goals of care; back to the profile."""
    given = form.text("goals_of_care")
    try:
        data = GoalsOfCareUpdate.model_validate({"goals_of_care": given})
    except pydantic.ValidationError as exc:
        raise ValidationError("goals_of_care", given, "curative or comfort") from exc
    service.set_goals_of_care(
        db=db, child_id=child_id, data=data, set_by=actor.username, now=now, seen=form.version()
    )
    return RedirectResponse(f"/children/{child_id}#about", status_code=303)


def _growth(db: Session, child_id: str, observations: list[ObservationPublic]) -> dict[str, object]:
    """The growth section's facts: only drawn when at least two weights are on record."""
    if sum(1 for o in observations if o.code == "weight") < 2:
        return {"weights": 0, "growth": None}
    growth = child_growth(db=db, child_id=child_id)
    plotted = sum(1 for p in growth.points if p.method == "weight")
    return {"weights": plotted, "growth": growth}


def _refused(request: Request, db: Session, form: FormInput, errors: Errors) -> Response:
    discard_refused(request, db)
    return _new_child_page(request, db, form, errors, status_code=422)


def _new_child_page(
    request: Request, db: Session, form: FormInput, errors: Errors, status_code: int = 200
) -> Response:
    book = code_book()
    return render(
        request,
        "children/new.html",
        {
            "form": form,
            "errors": errors,
            "sexes": labelled(book.sexes),
            "settings": labelled(book.settings, SETTING_LABELS),
            "conditions": sorted(book.conditions.items(), key=lambda kv: kv[1]),
            "wards": service.wards(db=db, site_ids=request.state.actor.site_ids),
        },
        status_code=status_code,
    )


def _child_fields(form: FormInput) -> dict[str, object]:
    """The form as ``ChildCreate`` input: empty boxes fall back to the schema's defaults."""
    fields: dict[str, object] = dict(form.present(CHILD_TEXT_FIELDS))
    fields.update({flag: form.flag(flag) for flag in CHILD_FLAGS})
    fields["conditions"] = [{"code": code} for code in form.values("conditions")]
    return fields


def _session_row(session: SessionPublic) -> SessionRow:
    pre, post = session.pre, session.post
    return SessionRow(
        session=session,
        instrument=scale_name(session.instrument_id) if session.instrument_id else "",
        pre=pre.total if pre else None,
        post=post.total if post else None,
    )


def newest_first(rows: list[SessionRow]) -> list[SessionRow]:
    """Newest first, with drafts not yet started on top: they are what happens next.

    Rows arrive oldest first by start time; how a database sorts the missing start times of
    drafts differs, so they are put on top here rather than left to the query.
    """
    waiting = [r for r in rows if r.session.started_at is None]
    started = [r for r in rows if r.session.started_at is not None]
    return [*reversed(waiting), *reversed(started)]


def _chart(child_id: str, trend: InstrumentTrend) -> TrendChart:
    query = urlencode({"instrument": trend.instrument_id})
    return TrendChart(
        name=scale_name(trend.instrument_id),
        sessions=len(trend.points),
        src=f"/api/v1/children/{child_id}/trend.svg?{query}",
    )


def corrected_age_label(child: ChildPublic) -> str | None:
    """Corrected age in the same words as the chronological age; before term, the days to go."""
    days = child.corrected_age_days
    if days is None:
        return None
    if days < 0:
        return f"{-days} d before term-equivalent age"
    return service.age_label(child.as_of - timedelta(days=days), child.as_of)


def latest_observations(observations: list[ObservationPublic]) -> list[ObservationPublic]:
    """The newest value of each lab and vital, labs first: what a screening will look at."""
    latest: dict[tuple[str, str], ObservationPublic] = {}
    for o in observations:
        key = (o.category, o.code)
        if key not in latest or o.taken_at > latest[key].taken_at:
            latest[key] = o
    return [latest[k] for k in sorted(latest)]
