"""Scoring, instrument by instrument, written from each published definition.

Sources are named in each test's docstring; section numbers refer to the project's
clinical-reference.md (CR) and reference-values.md (RV).
"""

from __future__ import annotations

import math

import pytest

from pedmassage.errors import ValidationError
from pedmassage.measures import score, scoring_version

FLACC_KEYS = ("face", "legs", "activity", "cry", "consolability")
NIPS_KEYS = ("face", "cry", "breathing", "arms", "legs", "state_of_arousal")
NPASS_PAIN = (
    "crying_irritability",
    "behavior_state",
    "facial_expression",
    "extremities_tone",
    "vital_signs",
)
NPASS_SEDATION = tuple(f"sedation_{key}" for key in NPASS_PAIN)
COMFORT_COMMON = (
    "alertness",
    "calmness_agitation",
    "physical_movement",
    "muscle_tone",
    "facial_tension",
)
MYPAS_KEYS = (
    "activity",
    "vocalizations",
    "emotional_expressivity",
    "state_of_apparent_arousal",
    "use_of_parent",
)
PSOC_REVERSED = (2, 3, 4, 5, 8, 9, 12, 14, 16)


def spread(keys: tuple[str, ...], total: int, top: int) -> dict[str, int]:
    """Item values (each 0..top) adding up to ``total``, filled from the first item."""
    values = {}
    for key in keys:
        values[key] = min(top, total)
        total -= values[key]
    assert total == 0
    return values


def psoc(raw: int, reversed_raw: int) -> dict[str, int]:
    return {f"item_{n}": reversed_raw if n in PSOC_REVERSED else raw for n in range(1, 18)}


# --- FLACC ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "none"), (1, "mild"), (3, "mild"), (4, "moderate"), (6, "moderate"), (7, "severe"),
     (10, "severe")],
)  # fmt: skip
def test_flacc_totals_fall_in_the_published_bands(total: int, band: str) -> None:
    """FLACC: five items 0-2 summed, 0-10; 0 relaxed, 1-3 mild, 4-6 moderate, 7-10 severe
    (Merkel 1997; bands from a secondary clinical-skills page, RV 5.1)."""
    result = score("flacc", spread(FLACC_KEYS, total, 2))
    assert (result.total, result.band, result.band_status) == (total, band, "secondary")


def test_flacc_runs_from_zero_to_ten() -> None:
    """FLACC total range 0-10 (Merkel 1997; CR 2.1)."""
    assert score("flacc", dict.fromkeys(FLACC_KEYS, 0)).range == (0, 10)
    assert score("flacc", dict.fromkeys(FLACC_KEYS, 2)).total == 10


def test_the_constructed_flacc_check_scores_seven_and_severe() -> None:
    """RV 5.1 constructed check (not published): F1 + L2 + A1 + C2 + Co1 = 7, severe band."""
    items = {"face": 1, "legs": 2, "activity": 1, "cry": 2, "consolability": 1}
    result = score("flacc", items)
    assert (result.total, result.band) == (7, "severe")
    assert result.items == items
    assert result.instrument == "flacc"
    assert result.version == "1997"


# --- r-FLACC -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "none"), (1, "mild"), (3, "mild"), (4, "moderate"), (6, "moderate"), (7, "severe"),
     (10, "severe")],
)  # fmt: skip
def test_r_flacc_uses_the_flacc_bands_marked_unverified(total: int, band: str) -> None:
    """r-FLACC: same five 0-2 categories, 0-10; FLACC bands, re-derivation UNVERIFIED
    (Malviya 2006; CR 2.1)."""
    result = score("r_flacc", spread(FLACC_KEYS, total, 2))
    assert (result.total, result.band, result.band_status) == (total, band, "unverified")


# --- NIPS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "total", "band"),
    [
        (dict.fromkeys(NIPS_KEYS, 0), 0, "none"),
        ({**dict.fromkeys(NIPS_KEYS, 0), "cry": 2}, 2, "none"),
        ({**dict.fromkeys(NIPS_KEYS, 0), "cry": 2, "face": 1}, 3, "mild_to_moderate"),
        ({**dict.fromkeys(NIPS_KEYS, 0), "cry": 2, "face": 1, "arms": 1}, 4, "mild_to_moderate"),
        ({**dict.fromkeys(NIPS_KEYS, 1), "state_of_arousal": 0}, 5, "severe"),
        ({**dict.fromkeys(NIPS_KEYS, 1), "cry": 2}, 7, "severe"),
    ],
)
def test_nips_totals_fall_in_the_published_bands(
    items: dict[str, int], total: int, band: str
) -> None:
    """NIPS: face 0-1, cry 0-2, breathing, arms, legs, arousal 0-1; total 0-7; 0-2 none, 3-4 mild
    to moderate, 5 or more severe (Lawrence 1993; bands via grepmed, CR 2.1)."""
    result = score("nips", items)
    assert (result.total, result.band) == (total, band)
    assert result.range == (0, 7)


def test_nips_cry_alone_accepts_two() -> None:
    """NIPS cry is the only 0-2 item; the others are 0-1 (CR 2.2)."""
    with pytest.raises(ValidationError) as raised:
        score("nips", {**dict.fromkeys(NIPS_KEYS, 0), "face": 2})
    assert (raised.value.field, raised.value.allowed) == ("items.face", "0-1")


# --- COMFORT-B -----------------------------------------------------------------------------------


@pytest.mark.parametrize("breathing", ["respiratory_response", "crying"])
def test_comfort_b_runs_from_six_to_thirty_with_either_breathing_item(breathing: str) -> None:
    """COMFORT-B: six items 1-5 with respiratory response (ventilated) or crying (breathing on
    their own); total 6-30 (COMFORT-B pocket guide; CR 2.2)."""
    low = score("comfort_b", {**dict.fromkeys(COMFORT_COMMON, 1), breathing: 1})
    high = score("comfort_b", {**dict.fromkeys(COMFORT_COMMON, 5), breathing: 5})
    assert (low.total, high.total, low.range) == (6, 30, (6, 30))
    assert (low.band, high.band) == ("below_cutoff", "possible_distress")


@pytest.mark.parametrize(("total", "band"), [(16, "below_cutoff"), (17, "possible_distress")])
def test_comfort_b_flags_possible_distress_from_seventeen(total: int, band: str) -> None:
    """COMFORT-B: 17 or more = possible pain or distress (Boerlage 2012; CR 2.1)."""
    items = {
        key: 1 + extra for key, extra in spread((*COMFORT_COMMON, "crying"), total - 6, 4).items()
    }
    assert (score("comfort_b", items).total, score("comfort_b", items).band) == (total, band)


def test_comfort_b_refuses_both_breathing_items() -> None:
    """COMFORT-B scores respiratory response OR crying, never both (CR 2.2)."""
    items = {**dict.fromkeys(COMFORT_COMMON, 2), "respiratory_response": 2, "crying": 2}
    with pytest.raises(ValidationError) as raised:
        score("comfort_b", items)
    assert raised.value.field == "items.crying"
    assert "respiratory_response" in raised.value.allowed


def test_comfort_b_needs_one_breathing_item() -> None:
    """Without respiratory response or crying the COMFORT-B total is incomplete (CR 2.2)."""
    with pytest.raises(ValidationError) as raised:
        score("comfort_b", dict.fromkeys(COMFORT_COMMON, 2))
    assert raised.value.field == "items.respiratory_response"
    assert raised.value.value is None
    assert "crying" in raised.value.allowed


# --- N-PASS --------------------------------------------------------------------------------------


# Prematurity points by corrected gestational age (weeks + days), from each version's published
# table: the N-PASS tool card (+3 under 28 weeks, +2 at 28-31, +1 at 32-35) and the LOINC 95621-9
# description (+1 under 30 weeks). Every band edge either source defines.
PREMATURITY_TABLE = [
    # weeks, days, card points, LOINC points
    (27, 6, 3, 1),
    (28, 0, 2, 1),
    (29, 6, 2, 1),
    (30, 0, 2, 0),
    (31, 6, 2, 0),
    (32, 0, 1, 0),
    (35, 6, 1, 0),
    (36, 0, 0, 0),
]


@pytest.mark.parametrize(("weeks", "days", "card", "loinc"), PREMATURITY_TABLE)
def test_n_pass_is_scored_by_the_authors_card_unless_another_version_is_named(
    weeks: int, days: int, card: int, loinc: int
) -> None:
    """Default: the tool card credited to Hummel and Puchalski; the score names its version."""
    result = score("n_pass", dict.fromkeys(NPASS_PAIN, 0), gestational_age_weeks=weeks + days / 7)
    assert result.total == card
    assert result.version == "2008+card"
    assert result.adjustment is not None
    assert (result.adjustment.rule, result.adjustment.points) == ("card", card)


@pytest.mark.parametrize(("weeks", "days", "card", "loinc"), PREMATURITY_TABLE)
def test_n_pass_can_still_be_scored_by_the_loinc_description(
    weeks: int, days: int, card: int, loinc: int
) -> None:
    """LOINC 95621-9: 1 point is added under 30 weeks gestational age, range 1-11 (CR 2.3)."""
    result = score(
        "n_pass",
        dict.fromkeys(NPASS_PAIN, 2),
        gestational_age_weeks=weeks + days / 7,
        prematurity_rule="loinc",
    )
    assert (result.total, result.range) == (10 + loinc, (loinc, 10 + loinc))
    assert result.version == "2008+loinc"


def test_n_pass_pain_runs_from_zero_to_ten_from_36_weeks_in_both_versions() -> None:
    """No prematurity points at 36 weeks or more: the pain subscale alone, 0 to +10."""
    for rule in ("card", "loinc"):
        low = score(
            "n_pass", dict.fromkeys(NPASS_PAIN, 0), gestational_age_weeks=36, prematurity_rule=rule
        )
        high = score(
            "n_pass", dict.fromkeys(NPASS_PAIN, 2), gestational_age_weeks=36, prematurity_rule=rule
        )
        assert (low.total, high.total, low.range) == (0, 10, (0, 10))
        assert low.band is None


def test_the_card_version_runs_to_thirteen_under_28_weeks() -> None:
    """Card: pain subscale 10 + 3 prematurity points under 28 weeks."""
    result = score("n_pass", dict.fromkeys(NPASS_PAIN, 2), gestational_age_weeks=25)
    assert (result.total, result.range) == (13, (3, 13))
    assert not result.unverified


def test_a_recorded_n_pass_version_says_which_prematurity_points_scored_it() -> None:
    """A stored score keeps its meaning: the version string names the rule, and records stored
    as the bare "2008" (before the versions were named) were scored by the LOINC description."""
    assert scoring_version("n_pass", "2008+card").prematurity_rule == "card"
    assert scoring_version("n_pass", "2008+loinc").prematurity_rule == "loinc"
    assert scoring_version("n_pass", "2008").prematurity_rule == "loinc"
    assert scoring_version("flacc", "1997").prematurity_rule is None


@pytest.mark.parametrize(
    ("instrument_id", "recorded"),
    [("n_pass", "2008+"), ("n_pass", "2008+x"), ("n_pass", "2010+card"), ("flacc", "1997+card")],
)
def test_an_unknown_recorded_version_is_refused(instrument_id: str, recorded: str) -> None:
    with pytest.raises(ValidationError) as raised:
        scoring_version(instrument_id, recorded)
    assert raised.value.field == "instrument_version"


def test_an_old_n_pass_record_rescored_by_its_version_gives_its_stored_total() -> None:
    """Before the versions were named, 29+0 weeks with pain 4 was stored as 2008, total 5."""
    rule = scoring_version("n_pass", "2008").prematurity_rule
    items = {**dict.fromkeys(NPASS_PAIN, 0), "crying_irritability": 2, "facial_expression": 2}
    assert score("n_pass", items, gestational_age_weeks=29, prematurity_rule=rule).total == 5


def test_n_pass_keeps_the_raw_pain_and_sedation_subscores_apart() -> None:
    """N-PASS: pain 0 to +10, sedation 0 to -10 (each criterion 0 to -2); sedation never enters
    the pain total (CR 2.1, 2.2)."""
    items = {**dict.fromkeys(NPASS_PAIN, 1), **dict.fromkeys(NPASS_SEDATION, -2)}
    result = score("n_pass", items, gestational_age_weeks=37)
    assert result.total == 5
    assert result.subscales == {"pain": 5, "sedation": -10}
    assert result.items["sedation_vital_signs"] == -2


def test_n_pass_sedation_side_is_all_or_nothing() -> None:
    """The optional sedation subscale needs all five criteria when any is given."""
    items = {**dict.fromkeys(NPASS_PAIN, 0), "sedation_crying_irritability": -1}
    with pytest.raises(ValidationError) as raised:
        score("n_pass", items, gestational_age_weeks=34)
    assert (raised.value.field, raised.value.allowed) == (
        "items.sedation_behavior_state",
        "-2 to 0",
    )


def test_n_pass_needs_the_corrected_gestational_age() -> None:
    """Without gestational age the published N-PASS total cannot be computed (CR 2.3)."""
    with pytest.raises(ValidationError) as raised:
        score("n_pass", dict.fromkeys(NPASS_PAIN, 0))
    assert raised.value.field == "gestational_age_weeks"
    assert "22 to 60 weeks" in raised.value.allowed


def test_an_unknown_prematurity_rule_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        score(
            "n_pass", dict.fromkeys(NPASS_PAIN, 0), gestational_age_weeks=34, prematurity_rule="x"
        )
    assert (raised.value.field, raised.value.allowed) == ("prematurity_rule", "one of: card, loinc")


def test_a_prematurity_rule_for_an_instrument_without_one_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        score("flacc", dict.fromkeys(FLACC_KEYS, 0), prematurity_rule="loinc")
    assert raised.value.field == "prematurity_rule"


def test_gestational_age_is_ignored_by_instruments_without_a_prematurity_rule() -> None:
    result = score("flacc", dict.fromkeys(FLACC_KEYS, 1), gestational_age_weeks=28)
    assert (result.total, result.adjustment) == (5, None)


# --- Single-item self-report scales --------------------------------------------------------------


@pytest.mark.parametrize("instrument_id", ["wong_baker_faces", "fps_r"])
@pytest.mark.parametrize("value", [0, 2, 4, 6, 8, 10])
def test_faces_scales_accept_the_six_even_scores(instrument_id: str, value: int) -> None:
    """Wong-Baker FACES and FPS-R: six faces scored 0, 2, 4, 6, 8, 10 (LOINC 38221-8,
    57696-7; Hicks 2001; RV 5.2)."""
    result = score(instrument_id, {"score": value})
    assert (result.total, result.range, result.band) == (value, (0, 10), None)


@pytest.mark.parametrize("instrument_id", ["wong_baker_faces", "fps_r"])
@pytest.mark.parametrize("value", [1, 5, 12, -2])
def test_faces_scales_refuse_odd_or_outside_scores(instrument_id: str, value: int) -> None:
    """Face indices (0-5) or odd numbers are not FACES/FPS-R scores: store 0-10 (RV 5.2)."""
    with pytest.raises(ValidationError) as raised:
        score(instrument_id, {"score": value})
    assert raised.value.field == "items.score"
    assert raised.value.allowed == "one of 0, 2, 4, 6, 8, 10"


@pytest.mark.parametrize("value", [0, 1, 5, 9, 10])
def test_nrs_11_accepts_every_whole_number_from_zero_to_ten_without_a_band(value: int) -> None:
    """NRS-11: 0-10; child bands are UNVERIFIED, so none is reported (CR 2.1)."""
    assert (score("nrs_11", {"score": value}).total, score("nrs_11", {"score": value}).band) == (
        value,
        None,
    )


def test_nrs_11_refuses_eleven() -> None:
    with pytest.raises(ValidationError) as raised:
        score("nrs_11", {"score": 11})
    assert (raised.value.field, raised.value.value, raised.value.allowed) == (
        "items.score",
        11,
        "0-10",
    )


@pytest.mark.parametrize("value", [0, 4])
def test_the_childrens_fear_scale_runs_zero_to_four_flagged_unverified(value: int) -> None:
    """Children's Fear Scale: five faces; 0-4 coding UNVERIFIED (McMurtry 2011; CR 2.1)."""
    result = score("childrens_fear_scale", {"score": value})
    assert (result.total, result.range, result.unverified) == (value, (0, 4), True)


def test_the_childrens_fear_scale_refuses_five() -> None:
    with pytest.raises(ValidationError) as raised:
        score("childrens_fear_scale", {"score": 5})
    assert raised.value.allowed == "0-4"


@pytest.mark.parametrize("value", [0, 37.5, 100])
def test_the_anxiety_vas_accepts_millimetres_from_zero_to_one_hundred(value: float) -> None:
    """Anxiety VAS: a 0-100 mm line (program-defined; format as the pain VAS, CR 2.1)."""
    result = score("vas_anxiety", {"score": value})
    assert (result.total, result.range) == (value, (0, 100))


@pytest.mark.parametrize("value", [-0.5, 100.5, math.nan, math.inf])
def test_the_anxiety_vas_refuses_readings_off_the_line(value: float) -> None:
    with pytest.raises(ValidationError) as raised:
        score("vas_anxiety", {"score": value})
    assert (raised.value.field, raised.value.allowed) == ("items.score", "0 to 100 mm")


# --- mYPAS ---------------------------------------------------------------------------------------


def test_mypas_runs_from_23_33_to_100() -> None:
    """mYPAS weighted total range 23.33-100 (CR 2.1; formula UNVERIFIED)."""
    low = score("mypas", dict.fromkeys(MYPAS_KEYS, 1))
    high = score("mypas", {**dict.fromkeys(MYPAS_KEYS, 4), "vocalizations": 6})
    assert low.total == pytest.approx(23.33, abs=0.005)
    assert high.total == pytest.approx(100)
    assert low.range == (low.total, high.total)
    assert low.unverified and low.band is None


def test_mypas_divides_each_item_by_its_number_of_categories() -> None:
    """(activity/4 + vocalizations/6 + expressivity/4 + arousal/4 + use of parent/4) x 100 / 5:
    2, 3, 2, 2, 1 gives (0.5 + 0.5 + 0.5 + 0.5 + 0.25) x 20 = 45."""
    items = dict(zip(MYPAS_KEYS, (2, 3, 2, 2, 1), strict=True))
    assert score("mypas", items).total == pytest.approx(45.0)


def test_mypas_vocalizations_alone_go_to_six() -> None:
    """mYPAS items score 1-4 except vocalizations 1-6 (aa2day.org 2014; CR 2.2)."""
    with pytest.raises(ValidationError) as raised:
        score("mypas", {**dict.fromkeys(MYPAS_KEYS, 1), "activity": 6})
    assert (raised.value.field, raised.value.allowed) == ("items.activity", "1-4")


# --- PSOC ----------------------------------------------------------------------------------------


def test_psoc_runs_from_17_to_102_with_nine_items_reversed() -> None:
    """PSOC: 17 items 1-6, items 2, 3, 4, 5, 8, 9, 12, 14, 16 reverse-scored; total 17-102
    (Johnston & Mash 1989; CR 2.1, 2.2)."""
    assert score("psoc", psoc(raw=1, reversed_raw=6)).total == 17
    assert score("psoc", psoc(raw=6, reversed_raw=1)).total == 102
    assert score("psoc", psoc(raw=1, reversed_raw=6)).range == (17, 102)


def test_a_psoc_reverse_item_counts_from_the_other_end() -> None:
    """All answers 1: eight straight items give 8, nine reversed items give 9 x 6 = 54."""
    result = score("psoc", psoc(raw=1, reversed_raw=1))
    assert (result.total, result.band, result.subscales) == (62, None, {})
    assert result.items["item_2"] == 1


# --- Sleep diary ---------------------------------------------------------------------------------


def test_the_sleep_diary_reports_sleep_onset_latency_and_keeps_night_wakings() -> None:
    """Program-defined parent diary (CR 2.4): the number reported is sleep-onset latency."""
    result = score("sleep_diary", {"sleep_onset_latency_min": 25, "night_wakings": 3})
    assert (result.total, result.range) == (25, (0, 240))
    assert result.items == {"sleep_onset_latency_min": 25, "night_wakings": 3}


# --- Item validation -----------------------------------------------------------------------------


def test_a_missing_item_is_named_with_its_range() -> None:
    items = dict.fromkeys(FLACC_KEYS, 1)
    del items["cry"]
    with pytest.raises(ValidationError) as raised:
        score("flacc", items)
    error = raised.value
    assert (error.field, error.value, error.allowed) == ("items.cry", None, "0-2")
    assert "missing" in error.message


def test_an_unknown_item_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValidationError) as raised:
        score("flacc", {**dict.fromkeys(FLACC_KEYS, 1), "smile": 1})
    error = raised.value
    assert (error.field, error.value) == ("items.smile", 1)
    assert error.allowed == "one of: face, legs, activity, cry, consolability"


@pytest.mark.parametrize("value", [3, -1, 1.5, True, "1", None])
def test_an_out_of_range_or_non_numeric_item_is_named_with_its_range(value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        score("flacc", {**dict.fromkeys(FLACC_KEYS, 1), "face": value})  # type: ignore[dict-item]
    assert (raised.value.field, raised.value.allowed) == ("items.face", "0-2")
    assert raised.value.as_dict()["field"] == "items.face"


def test_a_whole_number_written_as_a_float_is_accepted_as_that_number() -> None:
    result = score("flacc", {**dict.fromkeys(FLACC_KEYS, 1), "face": 2.0})
    assert result.items["face"] == 2
    assert isinstance(result.items["face"], int)


def test_a_single_item_scale_takes_its_value_under_score() -> None:
    with pytest.raises(ValidationError) as raised:
        score("nrs_11", {"pain": 4})
    assert (raised.value.field, raised.value.allowed) == ("items.pain", "one of: score")


def test_an_unknown_instrument_is_a_validation_error_listing_the_known_ones() -> None:
    with pytest.raises(ValidationError) as raised:
        score("cheops", {"score": 1})
    assert (raised.value.field, raised.value.value) == ("instrument", "cheops")
    assert raised.value.allowed.startswith("one of: ")
    assert "flacc" in raised.value.allowed


def test_a_score_is_immutable_and_prints_as_json() -> None:
    result = score("nips", dict.fromkeys(NIPS_KEYS, 0))
    with pytest.raises(Exception, match="frozen"):
        result.total = 3  # type: ignore[misc]
    assert result.as_json()["range"] == [0, 7]
    assert result.as_json()["band"] == "none"
