"""The trial's primary analysis (ANCOVA), the per-site summary and the pooling of sites.

Expected values come from independent computations on the same rows: statsmodels' formula interface
(``smf.ols("after ~ before + C(arm)")``), a design matrix solved by numpy's ``lstsq`` with the t
distribution from scipy, and the one-stage individual-patient ANCOVA with site as a fixed effect.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypedDict

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pytest
import statsmodels.formula.api as smf
from scipy import stats as scipy_stats

from pedmassage.errors import ValidationError
from pedmassage.stats.trial import (
    ArmSummary,
    SiteSummary,
    ancova,
    pool_sites,
    site_summary,
)

TRUE_EFFECT = -3.0  # massage lowers the after-score (e.g. a pain or distress score) by 3 points


class Columns(TypedDict):
    before: list[float]
    after: list[float]
    arm: list[str]


@dataclass(frozen=True)
class Rows:
    before: list[float]
    after: list[float]
    arm: list[str]
    site: list[str]


def simulated_trial(
    *, seed: int, sites: dict[str, tuple[float, int]], effect: float = TRUE_EFFECT
) -> Rows:
    """Rows of a trial randomized 1:1 within each site; sites differ in their baseline level.

    ``sites`` maps a site to (mean baseline score, number of children). The after-score is
    5 + 0.6·before + effect·massage + noise(SD 3), the same model at every site.
    """
    rng = np.random.default_rng(seed)
    rows = Rows([], [], [], [])
    for site, (baseline, n) in sites.items():
        arm = rng.permutation(np.array(["control", "massage"] * (n // 2)))
        before = rng.normal(baseline, 4.0, n)
        after = 5 + 0.6 * before + effect * (arm == "massage") + rng.normal(0.0, 3.0, n)
        rows.before.extend(before.tolist())
        rows.after.extend(after.tolist())
        rows.arm.extend(arm.tolist())
        rows.site.extend([site] * n)
    return rows


@pytest.fixture
def one_site() -> Rows:
    return simulated_trial(seed=11, sites={"north": (24.0, 40)})


def test_ancova_matches_statsmodels_formula_fitted_directly_on_the_rows(one_site: Rows) -> None:
    effect = ancova(
        before=one_site.before, after=one_site.after, arm=one_site.arm, reference_arm="control"
    )
    data = {"before": one_site.before, "after": one_site.after, "arm": one_site.arm}
    fit = smf.ols("after ~ before + C(arm)", data=pd.DataFrame(data)).fit()
    name = "C(arm)[T.massage]"
    low, high = fit.conf_int(alpha=0.05).loc[name]
    assert effect.estimate == pytest.approx(fit.params[name], rel=1e-10)
    assert effect.se == pytest.approx(fit.bse[name], rel=1e-10)
    assert effect.t == pytest.approx(fit.tvalues[name], rel=1e-10)
    assert effect.p == pytest.approx(fit.pvalues[name], rel=1e-8)
    assert (effect.ci_low, effect.ci_high) == pytest.approx((low, high), rel=1e-10)
    assert effect.df == fit.df_resid == len(one_site.arm) - 3


def test_ancova_matches_a_hand_built_design_matrix_solved_by_least_squares(one_site: Rows) -> None:
    before, after = np.array(one_site.before), np.array(one_site.after)
    massage = np.array([a == "massage" for a in one_site.arm], dtype=float)
    design = np.column_stack([np.ones_like(before), before, massage])
    beta, rss, _, _ = np.linalg.lstsq(design, after, rcond=None)
    df = after.size - 3
    se = np.sqrt(rss[0] / df * np.linalg.inv(design.T @ design)[2, 2])
    half = scipy_stats.t.ppf(0.95, df) * se  # a 90% interval, to exercise ``level``

    effect = ancova(
        before=one_site.before,
        after=one_site.after,
        arm=one_site.arm,
        reference_arm="control",
        level=0.90,
    )

    assert effect.estimate == pytest.approx(beta[2], rel=1e-9)
    assert effect.se == pytest.approx(se, rel=1e-9)
    assert (effect.ci_low, effect.ci_high) == pytest.approx((beta[2] - half, beta[2] + half))
    assert effect.p == pytest.approx(2 * scipy_stats.t.sf(abs(beta[2] / se), df), rel=1e-8)


def test_ancova_reports_arms_counts_and_the_model_in_words(one_site: Rows) -> None:
    effect = ancova(
        before=one_site.before, after=one_site.after, arm=one_site.arm, reference_arm="control"
    )
    assert (effect.arm, effect.reference_arm) == ("massage", "control")
    assert effect.n_per_arm == (("control", 20), ("massage", 20))
    assert "after ~ before + arm" in effect.model
    assert "massage minus control" in effect.model


def test_swapping_the_reference_arm_flips_the_sign_only(one_site: Rows) -> None:
    rows = Columns(before=one_site.before, after=one_site.after, arm=one_site.arm)
    forward = ancova(**rows, reference_arm="control")
    backward = ancova(**rows, reference_arm="massage")
    assert backward.estimate == pytest.approx(-forward.estimate)
    assert backward.se == pytest.approx(forward.se)
    assert backward.p == pytest.approx(forward.p)


def test_per_protocol_is_the_same_analysis_on_the_subset_the_caller_chooses(one_site: Rows) -> None:
    keep = [i for i in range(len(one_site.arm)) if i % 5 != 0]  # say every fifth child deviated
    subset = Columns(
        before=[one_site.before[i] for i in keep],
        after=[one_site.after[i] for i in keep],
        arm=[one_site.arm[i] for i in keep],
    )
    fit = smf.ols("after ~ before + C(arm)", data=pd.DataFrame(subset)).fit()
    effect = ancova(**subset, reference_arm="control")
    assert effect.estimate == pytest.approx(fit.params["C(arm)[T.massage]"], rel=1e-10)
    assert sum(n for _, n in effect.n_per_arm) == len(keep)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"after": [1.0, 2.0, 3.0]}, "after"),
        ({"before": [1.0, float("nan"), 3.0, 4.0, 5.0]}, "before[1]"),
        ({"arm": ["a", "a", "b", "b", "c"]}, "arm"),
        ({"arm": ["a", "a", "a", "a", "b"]}, "arm"),
        ({"reference_arm": "sham"}, "reference_arm"),
        ({"before": [3.0, 3.0, 3.0, 3.0, 3.0]}, "before"),
        ({"level": 95}, "level"),
    ],
)
def test_ancova_refuses_rows_it_cannot_analyse_and_names_the_field(
    change: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "before": [1.0, 2.0, 3.0, 4.0, 5.0],
        "after": [2.0, 2.5, 3.5, 3.0, 6.0],
        "arm": ["a", "a", "b", "b", "b"],
        "reference_arm": "a",
    }
    arguments.update(change)
    with pytest.raises(ValidationError) as refused:
        ancova(**arguments)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_site_summary_holds_only_aggregates_and_the_sites_own_ancova(one_site: Rows) -> None:
    rows = Columns(before=one_site.before, after=one_site.after, arm=one_site.arm)
    summary = site_summary(**rows, reference_arm="control")
    effect = ancova(**rows, reference_arm="control")

    assert (summary.estimate, summary.variance) == (effect.estimate, effect.se**2)
    assert [a.arm for a in summary.arms] == ["control", "massage"]
    for arm in summary.arms:
        mask = np.array(one_site.arm) == arm.arm
        before, after = np.array(one_site.before)[mask], np.array(one_site.after)[mask]
        assert arm.n == mask.sum()
        assert (arm.before_mean, arm.before_sd) == pytest.approx(
            (before.mean(), before.std(ddof=1))
        )
        assert (arm.after_mean, arm.after_sd) == pytest.approx((after.mean(), after.std(ddof=1)))
    shared = {f.name for f in fields(SiteSummary)} | {f.name for f in fields(ArmSummary)}
    assert not shared & {"before", "after", "rows", "children"}


# Two-stage versus one-stage. A two-stage meta-analysis of site ANCOVAs lets every site have its own
# baseline slope and residual variance, whereas the one-stage individual-patient ANCOVA with site
# as a fixed effect shares them; the two estimates therefore agree only approximately, and the gap,
# measured in standard errors, shrinks like 1/√n. With 400–500 children per site, over 150 seeds
# (0–149) of this very simulation the largest gap was 0.19 SE for FE and 0.20 SE for REML (median
# 0.04 SE; the 0.1 × SE suggested as a first guess is exceeded by about one seed in eight). The
# tolerance is therefore 0.3 × SE (the fixed seed 2010 gives 0.008 SE, so it was not picked to
# scrape through): a third of a standard error is far below any difference a reader of the trial
# would act on, yet a pooling that mixed up arms, weights or variances fails it by a wide margin.
TOLERANCE_IN_SE = 0.3
THREE_SITES = {"north": (20.0, 400), "coast": (26.0, 500), "valley": (32.0, 450)}


@pytest.mark.parametrize("method", ["FE", "REML"])
def test_pooled_site_ancovas_agree_with_the_one_stage_ancova_with_site_as_fixed_effect(
    method: str,
) -> None:
    rows = simulated_trial(seed=2010, sites=THREE_SITES)
    summaries = [
        site_summary(
            before=[b for b, s in zip(rows.before, rows.site, strict=True) if s == site],
            after=[a for a, s in zip(rows.after, rows.site, strict=True) if s == site],
            arm=[a for a, s in zip(rows.arm, rows.site, strict=True) if s == site],
            reference_arm="control",
        )
        for site in THREE_SITES
    ]
    data = {"before": rows.before, "after": rows.after, "arm": rows.arm, "site": rows.site}
    one_stage = smf.ols("after ~ before + C(arm) + C(site)", data=pd.DataFrame(data)).fit()
    estimate, se = one_stage.params["C(arm)[T.massage]"], one_stage.bse["C(arm)[T.massage]"]

    pooled = pool_sites(summaries, method)  # type: ignore[arg-type]

    assert abs(pooled.estimate - estimate) < TOLERANCE_IN_SE * se
    assert pooled.ci_low < TRUE_EFFECT < pooled.ci_high
    assert (pooled.k, pooled.method, pooled.arm, pooled.reference_arm) == (
        3,
        method,
        "massage",
        "control",
    )
    assert sum(pooled.weights) == pytest.approx(100.0)


def test_common_effect_pooling_is_the_inverse_variance_mean_of_the_sites() -> None:
    summaries = [
        _summary(estimate=-2.0, variance=0.25),
        _summary(estimate=-3.0, variance=0.50),
        _summary(estimate=-4.0, variance=1.00),
    ]
    weights = np.array([4.0, 2.0, 1.0])
    pooled = pool_sites(summaries, "FE")
    assert pooled.estimate == pytest.approx(np.dot(weights, [-2.0, -3.0, -4.0]) / weights.sum())
    assert pooled.se == pytest.approx(1 / np.sqrt(weights.sum()))
    assert pooled.tau2 == 0.0


def test_pooling_refuses_sites_that_compare_different_arms() -> None:
    flipped = SiteSummary(
        arm="control", reference_arm="massage", arms=(), estimate=2.0, variance=0.3, df=40
    )
    with pytest.raises(ValidationError) as refused:
        pool_sites([_summary(estimate=-2.0, variance=0.3), flipped])
    assert refused.value.field == "summaries[1]"


def test_random_effects_pooling_needs_two_sites() -> None:
    with pytest.raises(ValidationError) as refused:
        pool_sites([_summary(estimate=-2.0, variance=0.3)], "REML")
    assert refused.value.field == "k"


def _summary(*, estimate: float, variance: float) -> SiteSummary:
    return SiteSummary(
        arm="massage",
        reference_arm="control",
        arms=(),
        estimate=estimate,
        variance=variance,
        df=40,
    )
