"""Evidence pages: topics and their claims, one claim with its plots, a study, the handouts, and
a form that pools a pasted CSV table."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from pedmassage.access.policy import Target, decide
from pedmassage.errors import ValidationError
from pedmassage.evidence import documents, listing, plots, pooling
from pedmassage.evidence.catalogue import catalogue
from pedmassage.evidence.handouts import handout
from pedmassage.evidence.model import DOMAIN_NAMES
from pedmassage.evidence.summaries import claim_result, design_and_size
from pedmassage.evidence.synthesis import synthesize
from pedmassage.http import ActorDep, allow
from pedmassage.research.results import local_evidence
from pedmassage.stats import MEASURES, METHODS, TESTS
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.forms import Errors, FormDep, FormInput, domain_errors
from pedmassage.web.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[allow("public.read")])

POOL_DEFAULTS = {
    "measure": [pooling.DEFAULT_MEASURE],
    "method": [pooling.DEFAULT_METHOD],
    "test": [pooling.DEFAULT_TEST],
    "csv": [""],
}
PLOTS: tuple[plots.PlotKind, ...] = ("forest", "funnel")
AUDIENCE_LABELS = {"family": "Family handout", "physician": "Physician summary"}
MEASURE_LABELS = {m: f"{m}: {name}" for m, name in plots.MEASURE_NAMES.items()}
TEST_LABELS = {"z": "z (normal)", "hksj": "hksj (Knapp-Hartung)"}


@router.get("/evidence")
def evidence_index(request: Request) -> Response:
    """Every topic with its claims and how sure we can be of each."""
    index = listing.library_index()
    return render(
        request, "evidence/index.html", {"topics": index.topics, "version": index.version}
    )


@router.get("/evidence/topics/{topic_id}")
def evidence_topic(topic_id: str, request: Request) -> Response:
    """The topic's claims and studies, as the API gives them, with links to its handouts."""
    topic = listing.topic_detail(topic_id)
    context = {"topic": topic, "audiences": AUDIENCE_LABELS}
    return render(request, "evidence/topic.html", context)


@router.get("/evidence/claims/{claim_id}")
def evidence_claim(
    claim_id: str, request: Request, db: PageDb, now: NowDep, actor: ActorDep
) -> Response:
    """The claim, its grade and reasons, the forest and funnel plots, and its studies' RoB 2;
    for those who may read the program's studies, the program's own trials of the claim beside
    them, marked as local and unpublished."""
    s = synthesize(claim_id)
    local = []
    if decide(actor, "study.read", Target()).allowed:
        local = local_evidence(db, claim_id, actor.site_ids, now.date())
    context = {
        "s": s,
        "result": claim_result(s),
        "domains": DOMAIN_NAMES,
        "design_and_size": design_and_size,
        "local": local,
    }
    return render(request, "evidence/claim.html", context)


@router.get("/evidence/studies/{study_id}")
def evidence_study(study_id: str, request: Request) -> Response:
    study = catalogue().study(study_id)
    context = {"study": study, "size": design_and_size(study), "domains": DOMAIN_NAMES}
    return render(request, "evidence/study.html", context)


@router.get("/evidence/topics/{topic_id}/handout/{audience}")
def evidence_handout(topic_id: str, audience: str, request: Request) -> Response:
    """The handout inside the site's layout, with links to print it or download the PDF."""
    document = handout(topic_id, audience)
    context = {
        "document": Markup(documents.html_fragment(document)),  # rendered with autoescape
        "topic_id": topic_id,
        "audience": audience,
        "label": AUDIENCE_LABELS[audience],
    }
    return render(request, "evidence/handout.html", context)


@router.get("/evidence/pool")
def pool_form(request: Request) -> Response:
    return _pool_page(request, FormInput(dict(POOL_DEFAULTS)), {}, None)


@router.post("/evidence/pool")
def pool_submit(request: Request, form: FormDep) -> Response:
    """Pool the pasted table; a problem is shown beside the field it comes from."""
    try:
        pooled = pooling.pool_study_table(
            form.text("csv"),
            measure=form.text("measure"),
            method=form.text("method"),
            test=form.text("test"),
        )
    except ValidationError as exc:
        return _pool_page(request, form, _pool_errors(exc), None, status_code=422)
    images: dict[str, str] = {kind: _data_uri(pooled.figure(kind).content) for kind in PLOTS}
    return _pool_page(request, form, {}, {"json": pooled.as_json(), **images})


def _pool_errors(exc: ValidationError) -> Errors:
    """Errors about an option stay beside it; anything about the table goes to the table."""
    if exc.field in pooling.OPTIONS:
        return domain_errors(exc)
    return {"csv": exc.message}


def _pool_page(
    request: Request,
    form: FormInput,
    errors: Errors,
    outcome: dict[str, object] | None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "errors": errors,
        "outcome": outcome,
        "measures": [(m, MEASURE_LABELS.get(m, m)) for m in MEASURES],
        "methods": [(m, m) for m in METHODS],
        "tests": [(t, TEST_LABELS[t]) for t in TESTS],
    }
    return render(request, "evidence/pool.html", context, status_code=status_code)


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
