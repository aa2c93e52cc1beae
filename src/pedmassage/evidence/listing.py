"""The library as plain data (dicts and lists) for the command line, the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass

from pedmassage.errors import NotFoundError
from pedmassage.evidence.catalogue import Catalogue, catalogue
from pedmassage.evidence.claim_model import Topic
from pedmassage.evidence.model import Study
from pedmassage.evidence.summaries import claim_result, design_and_size
from pedmassage.evidence.synthesis import synthesize


@dataclass(frozen=True)
class LibraryIndex:
    """The library at a glance: its version, and every topic with the rows of its claims."""

    version: str
    topics: tuple[tuple[Topic, list[dict[str, object]]], ...]


def library_index(library: Catalogue | None = None) -> LibraryIndex:
    library = library or catalogue()
    topics = tuple((t, claim_rows(t.id, library)) for t in library.topics.values())
    return LibraryIndex(version=library.version, topics=topics)


def claim_rows(
    topic: str | None = None, library: Catalogue | None = None
) -> list[dict[str, object]]:
    """One row per claim: id, topic, outcome, certainty, and its result in a few words."""
    library = library or catalogue()
    claims = library.claims_for(topic) if topic else tuple(library.claims.values())
    rows: list[dict[str, object]] = []
    for claim in claims:
        s = synthesize(claim.id, library)
        rows.append(
            {
                "id": claim.id,
                "topic": claim.topic,
                "outcome": claim.outcome,
                "grade": s.grade.level,
                "pooled": s.pooled is not None,
                "side_by_side": s.side_by_side,
                "k": s.pooled.k if s.pooled else None,
                "result": claim_result(s, short=True),
            }
        )
    return rows


def study_rows(
    topic: str | None = None, library: Catalogue | None = None
) -> list[dict[str, object]]:
    """One row per study: id, label, design and size, and whether its numbers were verified."""
    library = library or catalogue()
    studies = library.studies_for(topic) if topic else tuple(library.studies.values())
    return [
        {
            "id": s.id,
            "label": s.label,
            "design": design_and_size(s),
            "verified": s.verified,
            "rob_overall": s.risk_of_bias.overall,
        }
        for s in studies
    ]


def topic_rows(library: Catalogue | None = None) -> list[dict[str, object]]:
    library = library or catalogue()
    return [topic_json(t, library, with_claims=False) for t in library.topics.values()]


def show(ident: str, library: Catalogue | None = None) -> dict[str, object]:
    """A claim, a study or a topic by id (claim ids contain a dot)."""
    library = library or catalogue()
    if ident in library.claims:
        return {"kind": "claim", **synthesize(ident, library).as_json()}
    if ident in library.studies:
        return {"kind": "study", **study_json(library.studies[ident])}
    if ident in library.topics:
        return {"kind": "topic", **topic_json(library.topics[ident], library)}
    raise NotFoundError("claim, study or topic", ident)


def topic_detail(topic_id: str, library: Catalogue | None = None) -> dict[str, object]:
    """A topic by id, with the rows of its claims and studies."""
    library = library or catalogue()
    return topic_json(library.topic(topic_id), library)


def study_detail(study_id: str, library: Catalogue | None = None) -> dict[str, object]:
    """A study by id, as catalogued."""
    return study_json((library or catalogue()).study(study_id))


def study_json(study: Study) -> dict[str, object]:
    return study.model_dump(mode="json")


def topic_json(
    topic: Topic, library: Catalogue | None = None, *, with_claims: bool = True
) -> dict[str, object]:
    library = library or catalogue()
    data: dict[str, object] = {
        "id": topic.id,
        "title": topic.title,
        "family_title": topic.family_title,
        "condition": topic.condition,
        "population": topic.population,
    }
    if with_claims:
        data["claims"] = claim_rows(topic.id, library)
        data["studies"] = study_rows(topic.id, library)
    return data
