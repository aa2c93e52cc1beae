"""Score one administration of an instrument exactly as published.

Every item is checked against the instrument file before anything is added: a missing, unknown or
out-of-range item raises :class:`pedmassage.errors.ValidationError` naming ``items.<key>`` and what
the item accepts. Nothing is imputed or rounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from pedmassage.errors import ValidationError
from pedmassage.measures.catalogue import instrument
from pedmassage.measures.model import BandStatus, Instrument, Item, SourceStatus
from pedmassage.measures.totals import Number, contribution, raw_range, total_of

VERSION_SEPARATOR = "+"


class Adjustment(BaseModel):
    """Points added for prematurity (N-PASS), with the version and the age that produced them."""

    model_config = ConfigDict(frozen=True)

    rule: str
    label: str
    status: SourceStatus
    gestational_age_weeks: float
    points: int


class ScoringVersion(BaseModel):
    """What a recorded version string means: the instrument version and the prematurity rule."""

    model_config = ConfigDict(frozen=True)

    instrument: str
    instrument_version: str
    prematurity_rule: str | None = None


class Score(BaseModel):
    """An immutable scored result.

    ``version`` is what a record keeps: the instrument version, followed for an instrument with
    prematurity versions by ``+`` and the rule that scored it (``2008+card``), so the total keeps
    its meaning whatever the default later becomes (:func:`scoring_version` reads it back).
    ``range`` is the range this administration could have reached (it moves with prematurity
    points). ``band_status`` repeats how far the instrument's bands were checked, and
    ``unverified`` is true when the scoring rule, item coding or adjustment used is unconfirmed.
    ``subscales`` holds raw subscale sums that could be computed from the items given.
    """

    model_config = ConfigDict(frozen=True)

    instrument: str
    version: str
    total: int | float
    range: tuple[int | float, int | float]
    band: str | None
    band_status: BandStatus | None
    items: dict[str, int | float]
    subscales: dict[str, int | float] = {}
    adjustment: Adjustment | None = None
    unverified: bool = False

    def as_json(self) -> dict[str, object]:
        return self.model_dump(mode="json")


def score(
    instrument_id: str,
    items: Mapping[str, int | float],
    *,
    gestational_age_weeks: float | None = None,
    prematurity_rule: str | None = None,
) -> Score:
    """Score ``items`` for ``instrument_id``. Single-item scales take ``{"score": N}``.

    ``gestational_age_weeks`` is the infant's corrected gestational (postmenstrual) age at the time
    of scoring; it is required by instruments with a prematurity adjustment (N-PASS) and ignored by
    the others. ``prematurity_rule`` picks one of that instrument's named versions (N-PASS:
    ``card``, the authors' tool card and the default, or ``loinc``, the LOINC 95621-9 description).
    """
    inst = instrument(instrument_id)
    values = _checked_items(inst, items)
    adjustment = _adjustment(inst, gestational_age_weeks, prematurity_rule)
    points = adjustment.points if adjustment is not None else 0
    total = total_of(inst, values) + points
    lo, hi = raw_range(inst)
    return Score(
        instrument=inst.id,
        version=_version(inst, adjustment),
        total=total,
        range=(lo + points, hi + points),
        band=_band(inst, total),
        band_status=inst.bands_status,
        items=values,
        subscales=_subscales(inst, values),
        adjustment=adjustment,
        unverified=inst.scoring.unverified or _unverified(adjustment),
    )


def _checked_items(inst: Instrument, items: Mapping[str, int | float]) -> dict[str, Number]:
    known = {item.key: item for item in inst.items}
    for key, value in items.items():
        if key not in known:
            raise ValidationError(f"items.{key}", value, "one of: " + ", ".join(known))
    given = {key: _checked_value(known[key], value) for key, value in items.items()}
    _check_presence(inst, given)
    return {item.key: given[item.key] for item in inst.items if item.key in given}


def _checked_value(item: Item, value: object) -> Number:
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and item.accepts(float(value))
    ):
        return int(value) if item.step is not None else value
    raise ValidationError(f"items.{item.key}", value, item.allowed())


def _check_presence(inst: Instrument, given: Mapping[str, Number]) -> None:
    for item in inst.items:
        if item.group is None and item.key not in given:
            raise _missing(item)
    for group, rule in inst.groups.items():
        members = [item for item in inst.items if item.group == group]
        present = [item for item in members if item.key in given]
        if rule == "exactly_one" and len(present) != 1:
            raise _not_exactly_one(members, present, given)
        if rule == "all_or_none" and 0 < len(present) < len(members):
            raise _missing(next(item for item in members if item.key not in given))


def _missing(item: Item) -> ValidationError:
    allowed = item.allowed()
    return ValidationError(
        f"items.{item.key}", None, allowed, message=f"items.{item.key}: missing; allowed: {allowed}"
    )


def _not_exactly_one(
    members: list[Item], present: list[Item], given: Mapping[str, Number]
) -> ValidationError:
    names = " or ".join(f"{item.key} ({item.label})" for item in members)
    if not present:
        first = members[0]
        return ValidationError(
            f"items.{first.key}",
            None,
            f"{first.allowed()}; give exactly one of {names}",
            message=f"items.{first.key}: missing; give exactly one of {names}",
        )
    extra = present[1]
    return ValidationError(f"items.{extra.key}", given[extra.key], f"exactly one of {names}")


def _adjustment(inst: Instrument, weeks: float | None, rule_name: str | None) -> Adjustment | None:
    prematurity = inst.scoring.prematurity
    if prematurity is None:
        if rule_name is not None:
            raise ValidationError("prematurity_rule", rule_name, f"none for {inst.id}")
        return None
    name = prematurity.default if rule_name is None else rule_name
    rule = prematurity.rules.get(name)
    if rule is None:
        raise ValidationError("prematurity_rule", name, "one of: " + ", ".join(prematurity.rules))
    if (
        weeks is None
        or not math.isfinite(weeks)
        or not (prematurity.min_weeks <= weeks <= prematurity.max_weeks)
    ):
        raise ValidationError(
            "gestational_age_weeks",
            weeks,
            f"{prematurity.min_weeks:g} to {prematurity.max_weeks:g} weeks: the corrected "
            f"gestational age when {inst.id} was scored (it sets the prematurity points)",
        )
    points = rule.points_for(round(weeks * 7))
    return Adjustment(
        rule=name, label=rule.label, status=rule.status, gestational_age_weeks=weeks, points=points
    )


def _version(inst: Instrument, adjustment: Adjustment | None) -> str:
    if adjustment is None:
        return inst.version
    return f"{inst.version}{VERSION_SEPARATOR}{adjustment.rule}"


def scoring_version(instrument_id: str, recorded: str) -> ScoringVersion:
    """Read back the version a score was recorded with (``Score.version``).

    A record of an instrument with prematurity versions that carries only the bare instrument
    version was stored before the versions were named; the instrument file says which rule scored
    it (``unnamed_records``). An unknown version is a validation error naming what is known.
    """
    inst = instrument(instrument_id)
    prematurity = inst.scoring.prematurity
    base, separator, rule = recorded.partition(VERSION_SEPARATOR)
    if prematurity is None:
        if recorded != inst.version:
            raise ValidationError("instrument_version", recorded, inst.version)
        return ScoringVersion(instrument=inst.id, instrument_version=inst.version)
    known = [f"{inst.version}{VERSION_SEPARATOR}{name}" for name in prematurity.rules]
    if base != inst.version or (separator and rule not in prematurity.rules):
        raise ValidationError("instrument_version", recorded, "one of: " + ", ".join(known))
    return ScoringVersion(
        instrument=inst.id,
        instrument_version=inst.version,
        prematurity_rule=rule or prematurity.unnamed_records,
    )


def _unverified(adjustment: Adjustment | None) -> bool:
    return adjustment is not None and adjustment.status == "unverified"


def _band(inst: Instrument, total: Number) -> str | None:
    for band in inst.bands or ():
        if band.min <= total <= band.max:
            return band.label
    return None


def _subscales(inst: Instrument, values: Mapping[str, Number]) -> dict[str, Number]:
    """Raw subscale sums, for each subscale whose items were all given."""
    known = {item.key: item for item in inst.items}
    return {
        name: sum((contribution(known[key], values[key]) for key in keys), start=0)
        for name, keys in inst.subscales.items()
        if all(key in values for key in keys)
    }
