"""The study library: ``studies/*.yaml``, ``topics.yaml`` and ``claims.yaml``, loaded once.

Loading checks everything that can be checked without a reader: the shape of each entry (Pydantic),
unique ids, that every claim's studies and outcomes exist, that pooled effects carry their
confidence interval and share the claim's measure, that no two pooled effects may share children
(reviews that include the same trials, see :mod:`pedmassage.evidence.overlap`), that a claim's GRADE
starting level follows from its studies' designs and its downgrades are at least what GRADE
requires of them, and that every condition code and precaution rule the handouts name exists.
A malformed file stops the program with a message naming the entry.

Pooling overlapping reviews is refused here, not quietly undone later, so that ``claims.yaml``
says what is shown: an effect marked ``pooled`` is pooled, and one left out says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any, TypeVar

import pydantic
import yaml

from pedmassage.errors import KnowledgeDataError, NotFoundError, ValidationError
from pedmassage.evidence.claim_model import Claim, ClaimFile, PlainItem, Topic, TopicFile
from pedmassage.evidence.grade import Body, Downgrade, grade, starting_level
from pedmassage.evidence.model import Study, StudyFile
from pedmassage.evidence.overlap import overlaps

SMD_FAMILY = frozenset({"SMD", "g"})
M = TypeVar("M", bound=pydantic.BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Catalogue:
    """Every study, topic and claim by id, plus the sentences all handouts share."""

    studies: Mapping[str, Study]
    topics: Mapping[str, Topic]
    claims: Mapping[str, Claim]
    common_when_not: tuple[PlainItem, ...]
    common_take_care: tuple[PlainItem, ...]
    version: str

    def study(self, study_id: str) -> Study:
        found = self.studies.get(study_id)
        if found is None:
            raise NotFoundError("study", study_id)
        return found

    def topic(self, topic_id: str) -> Topic:
        found = self.topics.get(topic_id)
        if found is None:
            raise NotFoundError("topic", topic_id)
        return found

    def claim(self, claim_id: str) -> Claim:
        found = self.claims.get(claim_id)
        if found is None:
            raise NotFoundError("claim", claim_id)
        return found

    def claims_for(self, topic_id: str) -> tuple[Claim, ...]:
        """A topic's claims in file order."""
        self.topic(topic_id)
        return tuple(c for c in self.claims.values() if c.topic == topic_id)

    def body(self, claim: Claim) -> Body:
        """What GRADE needs to know of the studies a claim rests on."""
        return Body.of(self.study(s) for s in claim.study_ids)

    def studies_for(self, topic_id: str) -> tuple[Study, ...]:
        """Every study a topic's claims rest on, in the order the claims name them."""
        ids = dict.fromkeys(s for c in self.claims_for(topic_id) for s in c.study_ids)
        return tuple(self.studies[i] for i in ids)


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, validated once per process."""
    root = files("pedmassage.evidence")
    studies = _load_studies(root.joinpath("studies"))
    topic_file = _validated(TopicFile, _yaml(root.joinpath("topics.yaml")), "topics.yaml")
    claim_file = _validated(ClaimFile, _yaml(root.joinpath("claims.yaml")), "claims.yaml")
    topics = _unique("topic", ((t.id, t) for t in topic_file.topics), "topics.yaml")
    claims = _unique("claim", ((c.id, c) for c in claim_file.claims), "claims.yaml")
    found = Catalogue(
        studies=MappingProxyType(studies),
        topics=MappingProxyType(topics),
        claims=MappingProxyType(claims),
        common_when_not=topic_file.common_when_not,
        common_take_care=topic_file.common_take_care,
        version=claim_file.version,
    )
    check_catalogue(found)
    return found


def check_catalogue(found: Catalogue) -> None:
    """Cross-file checks: references resolve, no pool counts children twice, GRADE follows the
    studies, rules exist."""
    _check_included_trials(found)
    for claim in found.claims.values():
        _check_claim(claim, found)
        _check_pool(claim, found)
        _check_grade(claim, found)
    _check_topics(found)


def _load_studies(folder: Traversable) -> dict[str, Study]:
    loaded: dict[str, Study] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".yaml"):
            continue
        study_file = _validated(StudyFile, _yaml(path), f"studies/{path.name}")
        if path.name != f"{study_file.topic}.yaml":
            raise KnowledgeDataError(
                f"studies/{path.name}: file name must be {study_file.topic}.yaml"
            )
        for study in study_file.studies:
            if study.id in loaded:
                raise KnowledgeDataError(f"studies/{path.name}: study id {study.id} is repeated")
            loaded[study.id] = study
    return loaded


def _check_claim(claim: Claim, found: Catalogue) -> None:
    where = f"claims.yaml: {claim.id}"
    if claim.topic not in found.topics:
        raise KnowledgeDataError(f"{where}: unknown topic {claim.topic}")
    for study_id in claim.study_ids:
        if study_id not in found.studies:
            raise KnowledgeDataError(f"{where}: unknown study {study_id}")
    for ref in claim.effects:
        outcome = found.studies[ref.study].outcome(ref.outcome)
        if outcome is None or outcome.effect is None:
            raise KnowledgeDataError(
                f"{where}: {ref.study} has no outcome {ref.outcome} with an effect estimate"
            )
        if not _same_measure(outcome.effect.measure, claim.measure):
            raise KnowledgeDataError(
                f"{where}: {ref.study}.{ref.outcome} is a {outcome.effect.measure}, "
                f"the claim pools {claim.measure}"
            )
        if ref.pooled and not outcome.effect.has_ci:
            raise KnowledgeDataError(
                f"{where}: {ref.study}.{ref.outcome} has no confidence interval, so it cannot be "
                "pooled (set pooled: false with the reason)"
            )
    expected = starting_level(randomized=any(found.studies[s].randomized for s in claim.study_ids))
    if claim.start != expected:
        raise KnowledgeDataError(
            f"{where}: starts at {claim.start}, but its studies' designs give {expected}"
        )


def _check_included_trials(found: Catalogue) -> None:
    """A review's included trials are primary studies in the catalogue."""
    for study in found.studies.values():
        for trial in study.includes.trials if study.includes else ():
            included = found.studies.get(trial)
            if included is None or included.review:
                raise KnowledgeDataError(
                    f"studies: {study.id} includes {trial}, which is not a primary study in the "
                    "catalogue"
                )


def _check_pool(claim: Claim, found: Catalogue) -> None:
    """Reviews (or a review and a trial) that may share children are never pooled together."""
    pooled = [found.studies[ref.study] for ref in claim.effects if ref.pooled]
    for shared in overlaps(pooled):
        raise KnowledgeDataError(
            f"claims.yaml: {claim.id}: {shared.why}; estimates that may share children are never "
            "pooled together (set pooled: false on them, with the reason)"
        )


def _check_grade(claim: Claim, found: Catalogue) -> None:
    """The declared downgrades are at least what GRADE requires of the claim's studies."""
    declared = (Downgrade(d.domain, d.levels, d.reason) for d in claim.downgrades)
    try:
        grade(claim.start, declared, found.body(claim))
    except ValidationError as exc:
        raise KnowledgeDataError(f"claims.yaml: {claim.id}: {exc.message}") from exc


def _same_measure(effect: str, claim: str | None) -> bool:
    return effect == claim or (effect in SMD_FAMILY and claim in SMD_FAMILY)


def _check_topics(found: Catalogue) -> None:
    from pedmassage.safety import default_rulebook
    from pedmassage.vocabulary import code_book

    conditions = code_book().conditions
    rules = set(default_rulebook().rule_ids)
    items = [*found.common_when_not, *found.common_take_care]
    for topic in found.topics.values():
        if topic.condition is not None and topic.condition not in conditions:
            raise KnowledgeDataError(
                f"topics.yaml: {topic.id}: unknown condition {topic.condition}"
            )
        items += [*topic.may_not, *topic.when_not, *topic.take_care]
    for item in items:
        if item.rule is not None and item.rule not in rules:
            raise KnowledgeDataError(f"topics.yaml: unknown precaution rule {item.rule}")


def _yaml(path: Traversable) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeDataError(f"{path.name}: not valid YAML: {exc}") from exc


def _validated(model: type[M], raw: Any, name: str) -> M:
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise KnowledgeDataError(f"{name}: {exc}") from exc


def _unique(kind: str, pairs: Iterable[tuple[str, T]], name: str) -> dict[str, T]:
    found: dict[str, T] = {}
    for key, value in pairs:
        if key in found:
            raise KnowledgeDataError(f"{name}: {kind} id {key} is repeated")
        found[key] = value
    return found
