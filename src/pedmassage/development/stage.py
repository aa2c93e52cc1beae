"""Developmental stage from (corrected) age, with boundaries read from ``stages.yaml``."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from pedmassage.development.age import AgeProfile


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


def stage_for(age: AgeProfile) -> Stage:
    """The first stage whose upper bound the child's effective age is below.

    A child still short of term-equivalent age (postmenstrual age < 37+0) is ``preterm`` whatever
    the calendar says: NICU rules and neonatal scales apply.
    """
    preterm_limit_days = policy().corrected_age.preterm_below_weeks * 7
    for stage in stages():
        if stage.rule is not None:
            if age.postmenstrual_days < preterm_limit_days:
                return stage
            continue
        if stage.max_days_exclusive is not None and age.effective_days < stage.max_days_exclusive:
            return stage
        if (
            stage.max_months_exclusive is not None
            and age.effective_months_completed < stage.max_months_exclusive
        ):
            return stage
    return stages()[-1]
