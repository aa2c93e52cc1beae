"""What counts as sedated for choosing measures: sedation or surgery today, acute ventilation, or
a sedative charted (then only observer scales fit); an opioid alone or stable home ventilation
does not."""

from __future__ import annotations

import pytest

from pedmassage.measures import choose
from pedmassage.safety.sedation import sedated

SELF_REPORT = {"nrs_11", "fps_r", "wong_baker_faces"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [({}, False),
     ({"procedures": [{"kind": "sedation", "date": "2026-03-10"}]}, True),
     ({"procedures": [{"kind": "surgery", "date": "2026-03-10"}]}, True),
     ({"procedures": [{"kind": "sedation", "date": "2026-03-09"}]}, False),
     ({"respiratory_support": "ventilator"}, True),
     ({"respiratory_support": "ventilator", "respiratory_support_long_term": True}, False),
     ({"medications": [{"class": "sedative"}]}, True),
     ({"medications": [{"name": "midazolam"}]}, True),
     ({"medications": [{"class": "opioid"}]}, False)],
)  # fmt: skip
def test_sedation_as_the_screening_records_it(child, fields, expected):
    assert sedated(child.input(**fields)) is expected


def test_a_sedated_16_year_old_is_offered_no_self_report_scale(child):
    inp = child.input(
        child=child.born(days_ago=16 * 365), procedures=[{"kind": "sedation", "date": "2026-03-10"}]
    )
    offered = {r.id for r in choose(age_months=192, sedated=sedated(inp), setting="hospital").pain}
    assert offered and not offered & SELF_REPORT
