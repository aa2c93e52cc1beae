"""The development policy (``stages.yaml``): when age is corrected for prematurity, and the stage
boundaries. Read by both the age and the stage calculations, so it belongs to neither."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict


class CorrectedAgeRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    preterm_below_weeks: int
    term_weeks: int
    correct_until_chronological_months: int
    source: str


class Stage(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    rule: str | None = None
    max_days_exclusive: int | None = None
    max_months_exclusive: int | None = None


class StagePolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    corrected_age: CorrectedAgeRule
    stages: list[Stage]
    source: str


@cache
def policy() -> StagePolicy:
    raw = yaml.safe_load(files("pedmassage.development").joinpath("stages.yaml").read_text())
    return StagePolicy(**raw)


def stages() -> list[Stage]:
    return policy().stages
