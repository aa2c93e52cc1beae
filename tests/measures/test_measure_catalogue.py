"""The instrument catalogue: every file loads, says where it comes from, and is internally
consistent; a malformed file is refused at load with the file named."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
import yaml

from pedmassage.errors import KnowledgeDataError, ValidationError
from pedmassage.measures import instrument, instruments
from pedmassage.measures.catalogue import _load

EXPECTED = {
    "childrens_fear_scale": (0, 4),
    "comfort_b": (6, 30),
    "flacc": (0, 10),
    "fps_r": (0, 10),
    "mypas": (23.33, 100),
    "n_pass": (0, 13),  # pain 0-10 plus up to 3 prematurity points (tool card, the default)
    "nips": (0, 7),
    "nrs_11": (0, 10),
    "psoc": (17, 102),
    "r_flacc": (0, 10),
    "sleep_diary": (0, 240),
    "vas_anxiety": (0, 100),
    "wong_baker_faces": (0, 10),
}


def test_the_catalogue_holds_the_expected_instruments_with_their_ranges() -> None:
    assert {key: inst.range for key, inst in instruments().items()} == EXPECTED


def test_every_instrument_names_its_source_version_and_population() -> None:
    for inst in instruments().values():
        assert inst.source and inst.version and inst.name
        assert inst.age_band.note


@pytest.mark.parametrize(
    ("instrument_id", "loinc", "panel"),
    [
        ("flacc", "38215-0", "38213-5"),
        ("wong_baker_faces", "38221-8", None),
        ("fps_r", "57696-7", None),
        ("nrs_11", "72514-3", None),
        ("n_pass", None, "95621-9"),
    ],
)
def test_loinc_codes_are_those_given_in_the_reference(
    instrument_id: str, loinc: str | None, panel: str | None
) -> None:
    """clinical-reference.md section 7."""
    inst = instrument(instrument_id)
    assert (inst.loinc, inst.loinc_panel) == (loinc, panel)


@pytest.mark.parametrize("instrument_id", ["wong_baker_faces", "fps_r"])
def test_the_licensed_faces_scales_carry_a_licence_note(instrument_id: str) -> None:
    assert instrument(instrument_id).licence_note


def test_observation_times_are_recorded_for_flacc_and_comfort_b() -> None:
    """FLACC 2-5 minutes awake (C-Path); COMFORT-B 2 minutes, not within 20 minutes of an
    intervention (pocket guide; Boerlage 2012)."""
    assert "2-5 minutes" in str(instrument("flacc").observation)
    comfort = str(instrument("comfort_b").observation)
    assert "2 minutes" in comfort and "20 minutes" in comfort


def test_scales_without_published_bands_report_none() -> None:
    """FPS-R has no published bands; NRS-11 child bands, N-PASS and mYPAS cut-offs are
    UNVERIFIED (clinical-reference.md 2.1)."""
    for instrument_id in ("fps_r", "nrs_11", "n_pass", "mypas", "psoc", "childrens_fear_scale"):
        assert instrument(instrument_id).bands is None


def test_program_defined_measures_are_marked_as_not_validated() -> None:
    assert not instrument("sleep_diary").validated
    assert not instrument("vas_anxiety").validated
    assert instrument("flacc").validated


def test_unverified_scoring_is_flagged_in_the_data() -> None:
    assert instrument("mypas").scoring.unverified
    assert instrument("childrens_fear_scale").scoring.unverified
    assert not instrument("flacc").scoring.unverified


def test_single_item_scales_take_one_item_called_score() -> None:
    singles = {key for key, inst in instruments().items() if inst.single_item}
    assert singles == {"wong_baker_faces", "fps_r", "nrs_11", "childrens_fear_scale", "vas_anxiety"}


def test_an_unknown_instrument_id_lists_the_known_ones() -> None:
    with pytest.raises(ValidationError) as raised:
        instrument("FLACC")
    assert raised.value.field == "instrument"
    assert raised.value.allowed == "one of: " + ", ".join(sorted(EXPECTED))


def test_the_catalogue_cannot_be_changed_through_the_returned_dict() -> None:
    copy = instruments()
    copy.pop("flacc")
    assert "flacc" in instruments()
    with pytest.raises(pydantic.ValidationError):
        instrument("flacc").name = "other"  # type: ignore[misc]


def _write(tmp_path: Path, name: str, change: dict[str, object]) -> Path:
    data = instrument("nips").model_dump(mode="json", exclude_none=True)
    data.update(change)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_file_named_after_another_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeDataError, match=r"must be nips\.yaml"):
        _load(_write(tmp_path, "other.yaml", {}))


def test_a_declared_range_the_items_cannot_produce_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "nips.yaml", {"range": [0, 8], "bands": None, "bands_status": None})
    with pytest.raises(KnowledgeDataError, match=r"items give \[0, 7\]"):
        _load(path)


def test_bands_with_a_gap_are_refused(tmp_path: Path) -> None:
    bands = [{"label": "none", "min": 0, "max": 2}, {"label": "severe", "min": 4, "max": 7}]
    with pytest.raises(KnowledgeDataError, match="no gaps or overlaps"):
        _load(_write(tmp_path, "nips.yaml", {"bands": bands}))


def test_an_item_that_cannot_reach_its_maximum_is_refused(tmp_path: Path) -> None:
    items = [{"key": "score", "label": "x", "min": 0, "max": 9, "step": 2}]
    with pytest.raises(KnowledgeDataError, match="not reachable"):
        _load(_write(tmp_path, "nips.yaml", {"items": items}))


def test_n_pass_names_both_prematurity_versions_with_their_dates_and_sources() -> None:
    """The authors' tool card is scored by default; the LOINC 95621-9 description stays
    selectable; records stored before the versions were named were scored by LOINC."""
    prematurity = instrument("n_pass").scoring.prematurity
    assert prematurity is not None
    assert (prematurity.default, prematurity.unnamed_records) == ("card", "loinc")
    assert set(prematurity.rules) == {"card", "loinc"}
    assert "Hummel" in prematurity.rules["card"].source
    assert "95621-9" in prematurity.rules["loinc"].source
    for rule in prematurity.rules.values():
        assert rule.label and rule.published


def _write_n_pass(tmp_path: Path, prematurity_change: dict[str, object]) -> Path:
    data = instrument("n_pass").model_dump(mode="json", exclude_none=True)
    data["scoring"]["prematurity"].update(prematurity_change)
    path = tmp_path / "n_pass.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("field", ["default", "unnamed_records"])
def test_a_prematurity_version_that_is_not_defined_is_refused(tmp_path: Path, field: str) -> None:
    with pytest.raises(KnowledgeDataError, match=f"prematurity {field} 'x'"):
        _load(_write_n_pass(tmp_path, {field: "x"}))


def test_the_declared_range_follows_the_default_prematurity_version(tmp_path: Path) -> None:
    """With the LOINC version as default the items give 0-11, so a declared 0-13 is refused."""
    with pytest.raises(KnowledgeDataError, match=r"items give \[0, 11\]"):
        _load(_write_n_pass(tmp_path, {"default": "loinc"}))
