"""Load and cross-check the planning data: goals, techniques, touch guidance and protocols.

Every file is validated by Pydantic, then checked against the shared vocabularies (body sites,
developmental stages, condition codes). Any problem raises ``KnowledgeDataError`` naming the file,
so a malformed protocol can never reach a plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

import pydantic
import yaml

from pedmassage.development import stages
from pedmassage.errors import KnowledgeDataError
from pedmassage.planning.models import (
    Goal,
    Protocol,
    Technique,
    TouchGuidance,
)
from pedmassage.vocabulary import code_book, site_map

NEVER_MASSAGED = "genital"

PROTOCOL_CONDITIONS = frozenset(
    {
        "prematurity",
        "asthma",
        "juvenile_idiopathic_arthritis",
        "autism",
        "adhd",
        "cystic_fibrosis",
        "post_traumatic_stress",
        "cancer",
        "post_surgical",
        "constipation",
        "sleep_problem",
        "cerebral_palsy",
    }
)

_M = TypeVar("_M", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class Catalogue:
    goals: tuple[Goal, ...]
    techniques: Mapping[str, Technique]
    touch: TouchGuidance
    protocols: Mapping[str, Protocol]


def _load_text(*parts: str) -> str:
    return files("pedmassage.planning").joinpath(*parts).read_text(encoding="utf-8")


def _yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeDataError(f"{where}: not valid YAML: {exc}") from exc


def _parse(model: type[_M], raw: Any, where: str) -> _M:
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise KnowledgeDataError(f"{where}: {exc}") from exc


def _load_list(model: type[_M], name: str, key: str) -> list[_M]:
    raw = _yaml(_load_text(name), name)
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        raise KnowledgeDataError(f"{name}: expected a mapping with a '{key}' list")
    return [_parse(model, item, name) for item in raw[key]]


def _unknown(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed_set = set(allowed)
    return sorted({v for v in values if v not in allowed_set})


def _require_known(where: str, what: str, values: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = _unknown(values, allowed)
    if unknown:
        raise KnowledgeDataError(f"{where}: unknown {what}: {', '.join(unknown)}")


def _check_protocol(
    protocol: Protocol, where: str, goal_ids: set[str], techs: Mapping[str, Technique] | set[str]
) -> None:
    applies = protocol.applies_to
    _require_known(where, "stage", applies.stages, (s.id for s in stages()))
    _require_known(where, "condition", applies.conditions, PROTOCOL_CONDITIONS)
    _require_known(where, "condition", applies.conditions, code_book().conditions)
    _require_known(where, "goal", applies.goals, goal_ids)
    _require_known(where, "site", (s.site for s in protocol.steps), site_map().sites)
    _require_known(where, "technique", (s.technique for s in protocol.steps), techs)
    if any(site_map().overlaps(s.site, NEVER_MASSAGED) for s in protocol.steps):
        raise KnowledgeDataError(f"{where}: a step touches the genital area or a region holding it")
    if protocol.still_touch and isinstance(techs, Mapping):
        moving = [s.technique for s in protocol.steps if techs[s.technique].kind != "still"]
        if moving:
            raise KnowledgeDataError(f"{where}: a still-touch protocol uses {', '.join(moving)}")


def _check_routines(protocols: Iterable[Protocol]) -> None:
    routines: dict[str, list[str]] = {s.id: [] for s in stages()}
    for protocol in protocols:
        if protocol.routine:
            for stage in protocol.applies_to.stages:
                routines[stage].append(protocol.id)
    wrong = {stage: ids for stage, ids in routines.items() if len(ids) != 1}
    if wrong:
        raise KnowledgeDataError(f"each stage needs exactly one routine protocol; found {wrong}")


def _check_still_touch_alternatives(protocols: Iterable[Protocol]) -> None:
    """A routine that a pressure cap can rule out needs a still-touch protocol for its stages,
    so every stage always has a protocol that applies."""
    listed = list(protocols)
    still = {stage for p in listed if p.still_touch for stage in p.applies_to.stages}
    for protocol in listed:
        if protocol.routine and protocol.min_pressure > 0:
            missing = sorted(set(protocol.applies_to.stages) - still)
            if missing:
                raise KnowledgeDataError(
                    f"{protocol.id} has min_pressure {protocol.min_pressure} but stages "
                    f"{', '.join(missing)} have no still-touch protocol"
                )


def _load_protocols(goal_ids: set[str], techs: Mapping[str, Technique]) -> dict[str, Protocol]:
    folder = files("pedmassage.planning").joinpath("protocols")
    loaded: dict[str, Protocol] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        where = f"planning/protocols/{entry.name}"
        protocol = _parse(Protocol, _yaml(entry.read_text(encoding="utf-8"), where), where)
        if f"{protocol.id}.yaml" != entry.name or protocol.id in loaded:
            raise KnowledgeDataError(f"{where}: id {protocol.id!r} must match the file name")
        _check_protocol(protocol, where, goal_ids, techs)
        loaded[protocol.id] = protocol
    _check_routines(loaded.values())
    _check_still_touch_alternatives(loaded.values())
    return loaded


def _load_touch(techs: Mapping[str, Technique]) -> TouchGuidance:
    touch = _parse(TouchGuidance, _yaml(_load_text("touch.yaml"), "touch.yaml"), "touch.yaml")
    _require_known("touch.yaml", "site", touch.still_hold_sites, site_map().sites)
    _require_known("touch.yaml", "stage", set(touch.steps) - {"default"}, (s.id for s in stages()))
    if "still_hold" not in techs:
        raise KnowledgeDataError("techniques.yaml: the still_hold technique is required")
    return touch


@cache
def catalogue() -> Catalogue:
    """All planning data, loaded and checked once."""
    goal_list = _load_list(Goal, "goals.yaml", "goals")
    tech_list = _load_list(Technique, "techniques.yaml", "techniques")
    techs = {t.id: t for t in tech_list}
    goal_ids = {g.id for g in goal_list}
    return Catalogue(
        goals=tuple(goal_list),
        techniques=techs,
        touch=_load_touch(techs),
        protocols=_load_protocols(goal_ids, techs),
    )


def protocols() -> dict[str, Protocol]:
    """Every protocol by id (a fresh dict; the protocols themselves are immutable)."""
    return dict(catalogue().protocols)


def goals() -> list[str]:
    """The goal vocabulary, in its documented order."""
    return [g.id for g in catalogue().goals]
