"""Ages that matter clinically: chronological, corrected (for preterm birth) and postmenstrual,
and the developmental stage that drives measures and plans."""

from pedmassage.development.age import (
    AgeProfile,
    GestationalAge,
    age_profile,
    months_between,
)
from pedmassage.development.stage import Stage, stage_for, stages

__all__ = [
    "AgeProfile",
    "GestationalAge",
    "Stage",
    "age_profile",
    "months_between",
    "stage_for",
    "stages",
]
