"""Readings the screening asked for, taken at the bedside before the session starts, or gone
without for a stated reason.

A screening that says "verify temperature" has not cleared the child: it cleared the child *if*
the reading is still what the record says. So a session starts only once each reading it asked
for is entered, or the therapist states why it goes ahead without it (kept on the record and in
the audit trail). An entered reading is screened again with everything else the screening saw: a
reading that holds the session refuses the start, and one that asks for more care than the
screening did asks for a new screening, because the plan was made on the old limits. A needless
hold is a defect too, so a reading that asks for nothing more lets the session start at once,
within the screening's limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pedmassage.errors import ValidationError
from pedmassage.safety.contract import (
    Measurement,
    Modifications,
    ScreeningInput,
    ScreeningResult,
    VerifyItem,
)
from pedmassage.safety.engine import evaluate
from pedmassage.sessions.schemas import VerifiedReading
from pedmassage.vocabulary import site_map

VERIFY_OVERRIDE = "session.verify_override"
"""The audit action of a session started without a reading its screening asked for."""

OVERRIDE_MIN_CHARS = 10
"""An override reason long enough to say something ("parent declined a tympanic reading"), not
a keystroke that clears the gate."""


@dataclass(frozen=True)
class Witness:
    """Who starts the session, for the audit entry of a reading gone without."""

    name: str
    role: str
    address: str


def verification_entries(
    screening_input: Mapping[str, Any],
    result: ScreeningResult,
    given: Mapping[str, VerifiedReading],
    at: datetime,
) -> list[dict[str, Any]]:
    """What to keep of each reading the screening asked for, or :class:`ValidationError` naming
    ``verified.<code>`` and what it needs.

    Raises when a reading is neither entered nor overridden, when both are given, when a code was
    not asked for, and when the readings entered hold the session or change its limits.
    """
    asked = {item.code: item for item in result.verify}
    for code in given:
        if code not in asked:
            expected = ", ".join(asked) or "nothing: this screening asked for no reading"
            raise ValidationError(f"verified.{code}", code, f"one of: {expected}")
    entries = [_entry(item, given.get(item.code), at) for item in result.verify]
    readings = [e for e in entries if e["value"] is not None]
    if readings:
        _screen_again(screening_input, result, readings, at)
    return entries


def _entry(item: VerifyItem, reading: VerifiedReading | None, at: datetime) -> dict[str, Any]:
    path = f"verified.{item.code}"
    wanted = (
        f"the {item.label} in {item.unit} taken now, or the reason the session goes ahead "
        f"without it (at least {OVERRIDE_MIN_CHARS} characters)"
    )
    reason = reading.override_reason.strip() if reading else ""
    if reading is None or (reading.value is None and not reason):
        raise ValidationError(path, None, wanted)
    if reading.value is not None and reason:
        raise ValidationError(path, reading.value, "either the reading or a reason, not both")
    if reading.value is None and len(reason) < OVERRIDE_MIN_CHARS:
        raise ValidationError(f"{path}.override_reason", reason, wanted)
    return {
        "kind": item.kind,
        "code": item.code,
        "label": item.label,
        "unit": item.unit,
        "value": reading.value,
        "override_reason": reason,
        "at": at.isoformat(),
    }


def _screen_again(
    screening_input: Mapping[str, Any],
    result: ScreeningResult,
    readings: list[dict[str, Any]],
    at: datetime,
) -> None:
    """The screening's own input with the fresh readings added, screened at ``at``."""
    stored = ScreeningInput.model_validate(screening_input)
    labs, vitals = list(stored.labs), list(stored.vitals)
    for r in readings:
        fresh = _measurement(r, at)
        (labs if r["kind"] == "lab" else vitals).append(fresh)
    updated = stored.model_copy(update={"labs": labs, "vitals": vitals, "assessed_at": at})
    try:
        again = evaluate(updated)
    except ValidationError as exc:
        code = readings[0]["code"]
        raise ValidationError(f"verified.{code}.value", exc.value, exc.allowed) from exc
    first = readings[0]
    path, value = f"verified.{first['code']}.value", first["value"]
    if again.decision == "hold":
        held = "; ".join(r.message for r in again.reasons if r.decision == "hold")
        raise ValidationError(
            path, value, f"a reading that lets the session go ahead; with it, hold: {held}"
        )
    if _stricter(again.modifications, result.modifications):
        raise ValidationError(
            path,
            value,
            "a reading within the screening's limits; with it the session needs more care "
            f"({_summary(again)}), so screen the child again with it before starting",
        )


def _stricter(new: Modifications, old: Modifications) -> bool:
    """Whether ``new`` asks for anything ``old`` did not. A reading that would allow *more* is
    no reason to stop: the session keeps the screening's stricter limits, and a new screening
    can lift them later."""
    sites = site_map()

    def covered(site: str, by: Iterable[str]) -> bool:
        return any(sites.covers(region, site) for region in by)

    return (
        _lower(new.max_pressure, old.max_pressure)
        or _lower(new.max_minutes, old.max_minutes)
        or not all(covered(s, old.avoid_sites) for s in new.avoid_sites)
        or not all(covered(s, [*old.avoid_sites, *old.gentle_sites]) for s in new.gentle_sites)
        or not set(new.forbidden_techniques) <= set(old.forbidden_techniques)
        or not set(new.positions) <= set(old.positions)
        or not set(new.precautions) <= set(old.precautions)
    )


def _lower(new: int | None, old: int | None) -> bool:
    """A limit where there was none, or a lower one (None: no limit)."""
    return new is not None and (old is None or new < old)


def _summary(result: ScreeningResult) -> str:
    return "; ".join(r.message for r in result.reasons if r.decision != "proceed") or "modify"


def _measurement(reading: Mapping[str, Any], at: datetime) -> Measurement:
    path = f"verified.{reading['code']}.value"
    try:
        return Measurement(
            code=reading["code"], value=reading["value"], unit=reading["unit"], taken_at=at
        )
    except ValueError as exc:
        raise ValidationError(path, reading["value"], f"a reading in {reading['unit']}") from exc
