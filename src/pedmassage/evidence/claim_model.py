"""The shape of ``claims.yaml`` and ``topics.yaml``, checked at load.

A claim names the studies and effect estimates it rests on, its GRADE starting level and each
downgrade with its reason, and the plain-language statement families read. A topic says what the
handouts add beyond the claims, each sentence tied to a precaution rule or to its source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pedmassage.evidence.model import ID_PATTERN, EffectMeasure, Spec

CLAIM_ID_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$"

Level = Literal["high", "moderate", "low", "very low"]
GradeDomain = Literal[
    "risk of bias", "inconsistency", "imprecision", "indirectness", "publication bias"
]


class DowngradeSpec(Spec):
    domain: GradeDomain
    levels: Literal[1, 2]
    reason: str = Field(min_length=1)


class EffectRef(Spec):
    """An effect a claim rests on: a study's outcome, pooled or shown beside the pool with why."""

    study: str = Field(pattern=ID_PATTERN)
    outcome: str = Field(pattern=ID_PATTERN)
    pooled: bool = True
    reason: str | None = Field(None, description="why an effect is not pooled")
    label: str | None = Field(None, description="row label when a study gives several rows")

    @model_validator(mode="after")
    def _reason(self) -> EffectRef:
        if not self.pooled and not self.reason:
            raise ValueError("say why an effect is not pooled")
        return self


Finding = Literal["benefit", "no clear effect", "uncertain"]


class Claim(Spec):
    """One statement the program makes, what it rests on, and how sure we can be (GRADE)."""

    id: str = Field(pattern=CLAIM_ID_PATTERN)
    version: int = Field(ge=1)
    topic: str = Field(pattern=ID_PATTERN)
    outcome: str = Field(min_length=1)
    finding: Finding
    measure: EffectMeasure | None = None
    unit: str | None = None
    effects: tuple[EffectRef, ...] = ()
    studies: tuple[str, ...] = Field((), description="studies that support it without an estimate")
    method: Literal["FE", "DL", "REML", "PM"] = "REML"
    test: Literal["z", "hksj"] = "z"
    start: Literal["high", "low"]
    downgrades: tuple[DowngradeSpec, ...] = ()
    statement: str = Field(min_length=1, description="plain language, for families")
    clinician_note: str | None = None

    @property
    def study_ids(self) -> tuple[str, ...]:
        """Every study the claim rests on, effects first, without repeats."""
        ordered = [e.study for e in self.effects] + list(self.studies)
        return tuple(dict.fromkeys(ordered))

    @model_validator(mode="after")
    def _checks(self) -> Claim:
        if self.id.split(".")[0] != self.topic:
            raise ValueError("a claim id starts with its topic")
        if self.effects and self.measure is None:
            raise ValueError("a claim with effects names their measure")
        domains = [d.domain for d in self.downgrades]
        if len(domains) != len(set(domains)):
            raise ValueError("downgrade each GRADE domain at most once")
        if not self.study_ids:
            raise ValueError("a claim rests on at least one study")
        return self


class PlainItem(Spec):
    """A sentence for families, tied to a precaution rule or to its source."""

    text: str = Field(min_length=1)
    rule: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> PlainItem:
        if not (self.rule or self.source):
            raise ValueError("each item names the precaution rule or the source it comes from")
        return self


class Topic(Spec):
    """A condition or setting: its names, and what the handouts say beyond the claims."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    family_title: str = Field(min_length=1)
    condition: str | None = Field(None, description="code in the shared vocabulary, if any")
    population: str = Field(min_length=1)
    may_not: tuple[PlainItem, ...] = ()
    when_not: tuple[PlainItem, ...] = ()
    take_care: tuple[PlainItem, ...] = ()


class TopicFile(Spec):
    version: str = Field(min_length=1)
    common_when_not: tuple[PlainItem, ...]
    common_take_care: tuple[PlainItem, ...] = ()
    topics: list[Topic]


class ClaimFile(Spec):
    version: str = Field(min_length=1)
    claims: list[Claim]
