"""Published data sets used as fixtures by the statistics tests.

- ``bcg``: metafor's ``dat.bcg`` (13 BCG vaccine trials), as printed in metafor's README.md
  (wviechtb/metafor @ 71ae8f5a).
- ``kacker``: the Kacker (2004) example used by statsmodels' meta-analysis tests, with metafor
  output in statsmodels/stats/tests/results/results_meta.py (``exk1_*``).
- ``fine1993``: metafor's ``dat.fine1993`` columns used in statsmodels' test_meta.py
  (``TestEffectsizeBinom``): events e2i/c2i out of nei/nci.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from pedmassage.stats import EffectSizes, log_risk_ratio


@dataclass(frozen=True)
class Bcg:
    tpos: list[int]
    tneg: list[int]
    cpos: list[int]
    cneg: list[int]
    ablat: list[int]
    alloc: list[str]
    rr: EffectSizes


@pytest.fixture(scope="session")
def bcg() -> Bcg:
    tpos = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
    tneg = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
    cpos = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
    cneg = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]
    ablat = [44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33]
    alloc = ["random"] * 4 + ["alternate"] * 2 + ["random"] * 3 + ["systematic"] * 4
    rr = log_risk_ratio(ai=tpos, bi=tneg, ci=cpos, di=cneg)
    return Bcg(tpos, tneg, cpos, cneg, ablat, alloc, rr)


@dataclass(frozen=True)
class Kacker:
    yi: np.ndarray  # type: ignore[type-arg]
    vi: np.ndarray  # type: ignore[type-arg]


@pytest.fixture(scope="session")
def kacker() -> Kacker:
    return Kacker(
        yi=np.array([61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9]),
        vi=np.array([0.2025, 1.21, 0.09, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]),
    )


@dataclass(frozen=True)
class Fine1993:
    events1: list[int]
    n1: list[int]
    events2: list[int]
    n2: list[int]


@pytest.fixture(scope="session")
def fine1993() -> Fine1993:
    return Fine1993(
        events1=[11, 18, 21, 14, 42, 80, 13, 37, 23, 19, 106, 170, 34, 18, 13, 12, 42],
        n1=[19, 34, 72, 22, 70, 183, 26, 61, 36, 45, 246, 386, 59, 45, 14, 26, 74],
        events2=[12, 12, 15, 5, 13, 33, 18, 30, 12, 14, 76, 46, 17, 3, 14, 10, 40],
        n2=[22, 35, 68, 20, 32, 94, 50, 55, 25, 35, 208, 141, 32, 15, 18, 19, 75],
    )
