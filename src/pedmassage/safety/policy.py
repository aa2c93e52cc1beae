"""Program policy: the thresholds the rules compare against, and how a program overrides them.

Thresholds are kept out of the rules because most of them are UNVERIFIED (clinical-reference.md
section 1): a program must be able to review and sign off its own values without touching the rule
catalogue. The shipped ``policy.yaml`` holds conservative defaults; a program policy file overrides
any subset and its ``version`` is recorded on every screening made with it.
"""

from __future__ import annotations

from datetime import date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from pedmassage.errors import KnowledgeDataError, ValidationError

Status = Literal["verified", "secondary", "unverified_policy", "program_policy"]
ThresholdValue = float | dict[str, float]
PRESSURE_UNIT = "Walton level"


class Threshold(BaseModel):
    """One threshold with the unit it is expressed in and where its value comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: ThresholdValue
    unit: str
    source: str = Field(min_length=1)
    status: Status


class Policy(BaseModel):
    """The thresholds in force for one program, with who signed them off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    signed_off_by: str | None = None
    signed_off_at: datetime | date | None = None
    thresholds: dict[str, Threshold]
    overridden: tuple[str, ...] = ()

    def scalar(self, name: str) -> float:
        """A single-number threshold; a map-valued or unknown name is a data error."""
        threshold = self.thresholds.get(name)
        if threshold is None or isinstance(threshold.value, dict):
            raise KnowledgeDataError(f"policy.{name} is not a single-number threshold")
        return threshold.value

    def window_hours(self, kind: Literal["lab", "vital"], code: str) -> float:
        """How old a lab or vital may be before it counts as missing."""
        table = self.thresholds[f"{kind}_max_age_hours"].value
        if not isinstance(table, dict) or code not in table:
            raise KnowledgeDataError(f"policy.{kind}_max_age_hours has no window for {code}")
        return table[code]


class _OverrideEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: ThresholdValue
    source: str | None = None


class PolicyOverride(BaseModel):
    """A program policy file: a signed, versioned subset of thresholds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    signed_off_by: str = Field(min_length=1)
    signed_off_at: datetime | date
    thresholds: dict[
        str, Annotated[_OverrideEntry | float | dict[str, float], Field(union_mode="left_to_right")]
    ] = {}


def default_policy() -> Policy:
    """The shipped conservative defaults."""
    raw = yaml.safe_load(files("pedmassage.safety").joinpath("policy.yaml").read_text())
    try:
        policy = Policy.model_validate(raw)
        for name, threshold in policy.thresholds.items():
            _check_value(name, threshold, threshold.value)
        _check_consistent(policy, "policy.yaml")
    except (PydanticValidationError, ValidationError) as exc:
        raise KnowledgeDataError(f"safety/policy.yaml: {exc}") from exc
    return policy


def load_policy(policy_file: Path | None = None) -> Policy:
    """Defaults, overridden by ``policy_file`` when given."""
    policy = default_policy()
    if policy_file is None:
        return policy
    return apply_override(policy, read_override(policy_file))


def read_override(policy_file: Path) -> PolicyOverride:
    """Parse a program policy file; problems name the file and the offending field."""
    try:
        raw: Any = yaml.safe_load(policy_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError("policy_file", str(policy_file), "a readable YAML file") from exc
    try:
        return PolicyOverride.model_validate(raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "policy_file"
        raise ValidationError(field, first.get("input"), first["msg"]) from exc


def apply_override(policy: Policy, override: PolicyOverride) -> Policy:
    """Replace the named thresholds, refusing unknown names and values of the wrong shape."""
    thresholds = dict(policy.thresholds)
    for name, given in override.thresholds.items():
        thresholds[name] = _overridden(policy, name, given, override)
    merged = Policy(
        version=override.version,
        signed_off_by=override.signed_off_by,
        signed_off_at=override.signed_off_at,
        thresholds=thresholds,
        overridden=tuple(sorted(override.thresholds)),
    )
    _check_consistent(merged, "policy_file")
    return merged


def _overridden(
    policy: Policy, name: str, given: ThresholdValue | _OverrideEntry, override: PolicyOverride
) -> Threshold:
    if name not in policy.thresholds:
        allowed = "one of: " + ", ".join(sorted(policy.thresholds))
        raise ValidationError(f"thresholds.{name}", name, allowed)
    base = policy.thresholds[name]
    entry = given if isinstance(given, _OverrideEntry) else _OverrideEntry(value=given)
    value = _check_value(name, base, entry.value)
    source = entry.source or (
        f"Program policy {override.version}, signed off by {override.signed_off_by}"
    )
    return Threshold(value=value, unit=base.unit, source=source, status="program_policy")


def _check_value(name: str, base: Threshold, value: ThresholdValue) -> ThresholdValue:
    """Check ``value`` has the shape and range of ``base``; return it merged over ``base``."""
    field = f"thresholds.{name}"
    if isinstance(base.value, dict):
        if not isinstance(value, dict):
            raise ValidationError(field, value, "a map of code to hours: " + _keys(base.value))
        unknown = sorted(set(value) - set(base.value))
        if unknown:
            raise ValidationError(f"{field}.{unknown[0]}", unknown[0], _keys(base.value))
        for code, hours in value.items():
            _check_number(f"{field}.{code}", hours, base.unit)
        return {**base.value, **value}
    if isinstance(value, dict):
        raise ValidationError(field, value, f"a single number in {base.unit}")
    _check_number(field, value, base.unit)
    return value


def _keys(table: dict[str, float]) -> str:
    return "one of: " + ", ".join(sorted(table))


def _check_number(field: str, value: float, unit: str) -> None:
    if unit == PRESSURE_UNIT:
        if value != int(value) or not 0 <= value <= 5:
            raise ValidationError(field, value, "a whole Walton level from 0 to 5")
    elif value < 0:
        raise ValidationError(field, value, f"zero or more {unit}")


def _check_consistent(policy: Policy, field: str) -> None:
    """Tiers must nest: the hold tier sits below the gentle tier."""
    hold = policy.scalar("platelets_hold_below")
    gentle = policy.scalar("platelets_gentle_below")
    if hold > gentle:
        raise ValidationError(
            f"{field}.thresholds.platelets_hold_below",
            hold,
            f"at most platelets_gentle_below ({gentle:g})",
        )
