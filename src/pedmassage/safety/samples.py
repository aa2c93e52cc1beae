"""Sample children used to trial-run every rule at load.

CEL finds type errors only when an expression runs, and only on the branch it takes. These samples
are built so that together they take every branch a rule is likely to have: one child with nothing
recorded, one with every code present at a site and every reading fresh and low, and one with
every code present but no sites, stale readings and missing consent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pedmassage.safety.contract import (
    ChildFacts,
    ConditionIn,
    DeviceIn,
    Measurement,
    MedicationIn,
    ProcedureIn,
    ScreeningInput,
    SkinFinding,
)
from pedmassage.safety.spec import Catalogue
from pedmassage.vocabulary import code_book

_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def sample_inputs(catalogue: Catalogue) -> list[ScreeningInput]:
    return [_empty(), _everything(catalogue, site="arm_left"), _everything(catalogue, site=None)]


def _empty() -> ScreeningInput:
    return ScreeningInput(
        assessed_at=_NOW, setting="home", child=ChildFacts(birth_date=date(2018, 5, 1))
    )


def _everything(catalogue: Catalogue, *, site: str | None) -> ScreeningInput:
    vocab = catalogue.vocabulary
    book = code_book()
    fresh = site is not None
    taken = _NOW - (timedelta(hours=1) if fresh else timedelta(days=30))
    return ScreeningInput(
        assessed_at=_NOW,
        setting="nicu" if fresh else "home",
        child=_child(preterm=fresh),
        conditions=[ConditionIn(code=c, site=site) for c in {**book.conditions,
                                                              **vocab.extra_conditions}],
        labs=[_reading(code, spec.min, spec.unit, taken) for code, spec in book.labs.items()],
        vitals=[_reading(code, spec.max, spec.unit, taken) for code, spec in book.vitals.items()],
        devices=[DeviceIn(kind=k, site=site) for k in book.devices],
        procedures=[ProcedureIn(kind=k, site=site, date=_NOW.date()) for k in vocab.procedures],
        skin=[SkinFinding(finding=f, site=site) for f in vocab.skin_findings],
        medications=[MedicationIn(**{"class": m}) for m in vocab.medication_classes],
        respiratory_support="ventilator" if fresh else "oxygen",
        isolation="contact" if fresh else "protective",
        touch_aversion=True,
        trauma_history=True,
        guardian_consent=True if fresh else None,
        child_assent=None if fresh else False,
    )  # fmt: skip


def _child(*, preterm: bool) -> ChildFacts:
    if preterm:
        return ChildFacts(birth_date=date(2026, 1, 1), gestational_age_at_birth_weeks=26.0,
                          weight_g=900.0)  # fmt: skip
    return ChildFacts(birth_date=date(2012, 3, 1), verbal=True)


def _reading(code: str, value: float, unit: str, taken_at: datetime) -> Measurement:
    return Measurement(code=code, value=value, unit=unit, taken_at=taken_at)
