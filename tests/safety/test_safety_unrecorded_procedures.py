"""Procedures the review found passing unmodified: radiation therapy whose field is not recorded,
and surgery today recorded without a separate sedation entry (surgery means anaesthesia)."""

from __future__ import annotations


def procedure(child, kind: str, days_ago: int, site: str | None = None) -> dict[str, object]:
    entry: dict[str, object] = {"kind": kind, "date": child.days_ago(days_ago).isoformat()}
    if site is not None:
        entry["site"] = site
    return entry


def test_radiation_yesterday_without_its_field_is_light_until_the_field_is_recorded(child, ids):
    result = child.screen(procedures=[procedure(child, "radiation_therapy", 1)])
    assert result.decision == "modify"
    assert "procedure.site_unknown" in ids(result)
    assert "record the procedure site" in result.missing
    assert result.modifications.max_pressure is not None


def test_radiation_with_its_field_recorded_avoids_that_field_only(child, ids):
    result = child.screen(procedures=[procedure(child, "radiation_therapy", 1, "back")])
    assert "procedure.site_unknown" not in ids(result)
    assert "back" in result.modifications.avoid_sites


def test_surgery_today_caps_pressure_as_sedation_does(child, ids):
    result = child.screen(procedures=[procedure(child, "surgery", 0, "abdomen")])
    assert "procedure.sedation_today" in ids(result)
    assert result.modifications.max_pressure is not None
    assert result.modifications.max_pressure <= 2


def test_surgery_a_week_ago_is_not_taken_for_anaesthesia_today(child, ids):
    result = child.screen(procedures=[procedure(child, "surgery", 7, "abdomen")])
    assert "procedure.sedation_today" not in ids(result)
