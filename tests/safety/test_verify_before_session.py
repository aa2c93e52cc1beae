"""A session starts only once each reading the screening asked for is entered or overridden.

The reading is screened again with everything the screening saw: one that holds the session, or
asks for more care than the screening did, stops the start; one that asks for nothing more lets it
go ahead within the screening's limits (a needless hold withholds comfort too).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pedmassage.errors import ValidationError
from pedmassage.sessions.schemas import VerifiedReading
from pedmassage.sessions.verification import verification_entries

LATER = timedelta(minutes=20)


def stale_platelets(child: Any, value: float = 35) -> tuple[dict[str, Any], Any]:
    """A child whose last platelet count (``value``) is 60 hours old: the screening asks for it."""
    inp = child.input(labs=[child.lab("platelets", value, hours_ago=60)])
    return inp.model_dump(mode="json"), child.screen(
        labs=[child.lab("platelets", value, hours_ago=60)]
    )


def entries(
    child: Any, given: dict[str, VerifiedReading], value: float = 35
) -> list[dict[str, Any]]:
    stored, result = stale_platelets(child, value)
    return verification_entries(stored, result, given, child.now + LATER)


def test_the_screening_asks_for_the_stale_count(child):
    _, result = stale_platelets(child)

    assert result.decision == "modify"
    assert [v.code for v in result.verify] == ["platelets"]


def test_nothing_entered_is_refused_naming_the_reading_and_its_unit(child):
    with pytest.raises(ValidationError) as refused:
        entries(child, {})

    assert refused.value.field == "verified.platelets"
    assert "10^9/L" in refused.value.allowed
    assert "the reason the session goes ahead without it" in refused.value.allowed


def test_a_fresh_count_that_asks_for_nothing_more_is_kept_with_its_time(child):
    [entry] = entries(child, {"platelets": VerifiedReading(value=40)})

    assert entry["code"] == "platelets" and entry["value"] == 40
    assert entry["unit"] == "10^9/L" and entry["override_reason"] == ""
    assert entry["at"] == (child.now + LATER).isoformat()


def test_a_fresh_normal_count_lets_the_session_start_within_the_screenings_limits(child):
    """It would allow firmer pressure, but the session keeps the stricter limits it was planned
    on: a new screening can lift them; refusing the start would withhold the massage."""
    [entry] = entries(child, {"platelets": VerifiedReading(value=250)})

    assert entry["value"] == 250


def test_a_fresh_count_that_holds_the_session_refuses_the_start(child):
    with pytest.raises(ValidationError) as refused:
        entries(child, {"platelets": VerifiedReading(value=8)})

    assert refused.value.field == "verified.platelets.value"
    assert "hold" in refused.value.allowed


def test_a_fresh_reading_that_asks_for_more_care_asks_for_a_new_screening(child):
    """Under comfort care a fresh count of 8 is not a hold but still touch only: stricter than the
    light pressure the session was planned on, so it is planned again on a new screening."""
    labs = [child.lab("platelets", 35, hours_ago=60)]
    stored = child.input(goals_of_care="comfort", labs=labs).model_dump(mode="json")
    result = child.screen(goals_of_care="comfort", labs=labs)

    with pytest.raises(ValidationError) as refused:
        verification_entries(
            stored, result, {"platelets": VerifiedReading(value=8)}, child.now + LATER
        )

    assert refused.value.field == "verified.platelets.value"
    assert "screen the child again" in refused.value.allowed


def test_a_fresh_fever_holds_an_inpatients_session_and_a_normal_one_lets_it_start(child):
    stored = child.input(setting="hospital").model_dump(mode="json")
    result = child.screen(setting="hospital")
    assert [v.code for v in result.verify] == ["temperature"]

    with pytest.raises(ValidationError, match="hold: Temperature is 38"):
        verification_entries(
            stored, result, {"temperature": VerifiedReading(value=38.4)}, child.now + LATER
        )
    [kept] = verification_entries(
        stored, result, {"temperature": VerifiedReading(value=36.9)}, child.now + LATER
    )
    assert (kept["value"], kept["unit"]) == (36.9, "Cel")


def test_an_override_needs_a_reason_that_says_something(child):
    with pytest.raises(ValidationError) as refused:
        entries(child, {"platelets": VerifiedReading(override_reason="ok")})

    assert refused.value.field == "verified.platelets.override_reason"


def test_an_override_with_a_reason_is_kept_without_a_value(child):
    reason = "Oncology consultant reviewed: count due tomorrow, gentle touch agreed."
    [entry] = entries(child, {"platelets": VerifiedReading(override_reason=reason)})

    assert entry["value"] is None
    assert entry["override_reason"] == reason


def test_a_reading_and_an_override_together_are_refused(child):
    both = VerifiedReading(value=40, override_reason="Consultant reviewed the count.")

    with pytest.raises(ValidationError, match="either the reading or a reason"):
        entries(child, {"platelets": both})


def test_a_reading_the_screening_did_not_ask_for_is_refused(child):
    given = {"platelets": VerifiedReading(value=40), "temperature": VerifiedReading(value=37)}

    with pytest.raises(ValidationError) as refused:
        entries(child, given)

    assert refused.value.field == "verified.temperature"
    assert "platelets" in refused.value.allowed


def test_a_screening_that_asked_for_nothing_keeps_nothing(child):
    stored = child.input().model_dump(mode="json")

    assert verification_entries(stored, child.screen(), {}, child.now + LATER) == []
