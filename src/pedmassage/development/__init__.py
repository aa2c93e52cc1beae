"""Ages that matter clinically: chronological, corrected (for preterm birth) and postmenstrual,
and the developmental stage that drives measures and plans."""

from pedmassage.development.age import (
    AgeProfile,
    GestationalAge,
    age_profile,
    months_between,
)
from pedmassage.development.growth import (
    DatedWeight,
    GrowthPoint,
    MassagePeriod,
    MassageVelocity,
    PeriodVelocity,
    exponential_velocity,
    growth_chart_svg,
    growth_point,
    velocity_by_massage,
)
from pedmassage.development.stage import Stage, stage_for, stages

__all__ = [
    "AgeProfile",
    "DatedWeight",
    "GestationalAge",
    "GrowthPoint",
    "MassagePeriod",
    "MassageVelocity",
    "PeriodVelocity",
    "Stage",
    "age_profile",
    "exponential_velocity",
    "growth_chart_svg",
    "growth_point",
    "months_between",
    "stage_for",
    "stages",
    "velocity_by_massage",
]
