"""Whether a screened child is sedated: the one answer the measure chooser asks of a screening.

A sedated or acutely ventilated child cannot give a self-report, so only observer scales fit
(COMFORT-B for sedated and ventilated children, van Dijk M et al. 2005 Pain 119:1-3, and FLACC,
Voepel-Lewis T et al. 2010 Anesth Analg 110(4):1152-1158, for children who cannot self-report). The
screening input says so in three ways: procedural sedation or anaesthesia today, a ventilator
that is not the child's stable long-term support, or a sedative medicine on the chart. An opioid
alone does not count: a child on morphine usually still answers a self-report scale.
"""

from __future__ import annotations

from pedmassage.safety.contract import ScreeningInput

SEDATING_PROCEDURES = frozenset({"sedation", "surgery"})


def sedated(inp: ScreeningInput) -> bool:
    """True when the child was sedated today, is acutely ventilated, or has a sedative charted."""
    today = inp.assessed_at.date()
    return (
        any(p.kind in SEDATING_PROCEDURES and p.date == today for p in inp.procedures)
        or (inp.respiratory_support == "ventilator" and not inp.respiratory_support_long_term)
        or any(m.class_ == "sedative" for m in inp.medications)
    )
