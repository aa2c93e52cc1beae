"""Meta-analysis for the program's evidence: effect sizes, pooling, heterogeneity, meta-regression,
subgroups, leave-one-out and small-study tests; and the program's own outcome statistics: the
per-session change on an instrument (from a histogram), event rates with exact Poisson limits and a
random-intercept model of change per child (from per-child sums); and the design of the program's
trials: sample size and power, permuted-block allocation lists and Pocock–Simon minimization.

Pure functions of numbers (numpy in, immutable results out), checked against published output of
R's metafor and statsmodels. Nothing here touches the database, the web app or the command line.

    >>> from pedmassage.stats import log_risk_ratio, pool
    >>> es = log_risk_ratio(ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274])
    >>> result = pool(es.yi, es.vi, method="REML", test="hksj")
"""

from pedmassage.stats._model import TESTS, Test
from pedmassage.stats.bias import EggerModel, egger_test
from pedmassage.stats.change import (
    ChangeSummary,
    MomentSummary,
    change_from_histogram,
    change_from_moments,
)
from pedmassage.stats.effect_sizes import (
    MEASURES,
    EffectSizes,
    Measure,
    compute_effect_sizes,
    generic,
    hedges_correction,
    log_odds_ratio,
    log_risk_ratio,
    mean_difference,
    risk_difference,
    standardized_mean_difference,
)
from pedmassage.stats.heterogeneity import Heterogeneity
from pedmassage.stats.mixed import MixedEstimate, fit_random_intercept
from pedmassage.stats.pooling import pool
from pedmassage.stats.power import POWER_TESTS, Power, PowerTest, SampleSize, power_at, sample_size
from pedmassage.stats.randomization import (
    Assignment,
    allocation_sequence,
    minimization_assignment,
)
from pedmassage.stats.rates import PoissonRate, exact_poisson_limits, poisson_rate
from pedmassage.stats.regression import meta_regression
from pedmassage.stats.results import (
    Coefficient,
    EggerResult,
    MetaRegressionResult,
    PooledResult,
    Subgroup,
    SubgroupResult,
)
from pedmassage.stats.sensitivity import leave_one_out
from pedmassage.stats.study_table import StudyTable, accepted_column_sets, read_study_csv
from pedmassage.stats.subgroups import subgroup_analysis
from pedmassage.stats.tau2 import METHODS, Control, Method, Tau2Estimate

__all__ = [
    "MEASURES",
    "METHODS",
    "POWER_TESTS",
    "TESTS",
    "Assignment",
    "ChangeSummary",
    "Coefficient",
    "Control",
    "EffectSizes",
    "EggerModel",
    "EggerResult",
    "Heterogeneity",
    "Measure",
    "MetaRegressionResult",
    "Method",
    "MixedEstimate",
    "MomentSummary",
    "PoissonRate",
    "PooledResult",
    "Power",
    "PowerTest",
    "SampleSize",
    "StudyTable",
    "Subgroup",
    "SubgroupResult",
    "Tau2Estimate",
    "Test",
    "accepted_column_sets",
    "allocation_sequence",
    "change_from_histogram",
    "change_from_moments",
    "compute_effect_sizes",
    "egger_test",
    "exact_poisson_limits",
    "fit_random_intercept",
    "generic",
    "hedges_correction",
    "leave_one_out",
    "log_odds_ratio",
    "log_risk_ratio",
    "mean_difference",
    "meta_regression",
    "minimization_assignment",
    "poisson_rate",
    "pool",
    "power_at",
    "read_study_csv",
    "risk_difference",
    "sample_size",
    "standardized_mean_difference",
    "subgroup_analysis",
]
