"""Developmental stage from (corrected) age, with boundaries read from ``stages.yaml``."""

from __future__ import annotations

from pedmassage.development.age import AgeProfile
from pedmassage.development.policy import Stage, policy, stages

__all__ = ["Stage", "stage_for", "stages"]


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
