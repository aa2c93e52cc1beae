"""An acute infection at a recorded site is local: the site is avoided and the rest of the body may
be massaged; an infection with no site (systemic, or not known to be local) still holds, and fever
holds whatever the site (integrativehealthcare.org, secondary; program policy)."""

from __future__ import annotations


def test_a_local_infection_without_fever_avoids_its_site_and_does_not_hold(child, ids):
    result = child.screen(
        conditions=[{"code": "acute_infection", "site": "foot_left"}],
        vitals=[child.vital("temperature", 36.9)],
    )
    assert result.decision == "modify"
    assert "infection.local" in ids(result)
    assert "infection.acute" not in ids(result)
    assert "foot_left" in result.modifications.avoid_sites


def test_an_infection_without_a_site_still_holds(child, ids):
    result = child.screen(conditions=[{"code": "acute_infection"}])
    assert result.decision == "hold"
    assert "infection.acute" in ids(result)


def test_a_local_infection_with_fever_holds_for_the_fever(child, ids):
    result = child.screen(
        conditions=[{"code": "acute_infection", "site": "foot_left"}],
        vitals=[child.vital("temperature", 38.4)],
    )
    assert result.decision == "hold"
    assert {"fever.present", "infection.local"} <= ids(result)
