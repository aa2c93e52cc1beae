"""Leave-one-out sensitivity analysis: does any single study drive the pooled result?"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pedmassage.stats import _checks
from pedmassage.stats._model import Test
from pedmassage.stats.pooling import DEFAULT_CONTROL, checked_options, checked_studies, pool
from pedmassage.stats.results import PooledResult
from pedmassage.stats.tau2 import Control, Method


def leave_one_out(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: Method = "REML",
    test: Test = "z",
    level: float = 0.95,
    control: Control = DEFAULT_CONTROL,
) -> tuple[PooledResult, ...]:
    """Element i is the analysis without study i (metafor's ``leave1out``), same settings."""
    method, test = checked_options(method, test)
    y, v = checked_studies(yi, vi)
    minimum = 2 if (method == "FE" and test == "z") else 3
    _checks.minimum_studies(y.size, minimum, "so that each leave-one-out analysis has enough")
    keep = ~np.eye(y.size, dtype=np.bool_)
    return tuple(
        pool(y[row], v[row], method=method, test=test, level=level, control=control) for row in keep
    )
